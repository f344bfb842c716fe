"""Interface labels in French and English (the documents themselves stay as written).

The language is ``?lang=fr|en`` when given, else the first of them in the
``Accept-Language`` header, else English.
"""
from __future__ import annotations

LANGS = ("en", "fr")

MESSAGES: dict[str, dict[str, str]] = {
    "app_title": {"en": "docmine — meeting papers of the environmental conventions",
                  "fr": "docmine — documents de réunion des conventions environnementales"},
    "skip": {"en": "Skip to content", "fr": "Aller au contenu"},
    "nav": {"en": "Main navigation", "fr": "Navigation principale"},
    "overview": {"en": "Overview", "fr": "Vue d’ensemble"},
    "documents": {"en": "Documents", "fr": "Documents"},
    "document": {"en": "Document", "fr": "Document"},
    "actions": {"en": "Action items", "fr": "Actions demandées"},
    "entities": {"en": "Entities", "fr": "Entités"},
    "entity": {"en": "Entity", "fr": "Entité"},
    "search": {"en": "Search", "fr": "Recherche"},
    "api": {"en": "API", "fr": "API"},
    "language": {"en": "Language", "fr": "Langue"},
    "filter": {"en": "Filter", "fr": "Filtrer"},
    "filters": {"en": "Filters", "fr": "Filtres"},
    "reset": {"en": "Reset", "fr": "Réinitialiser"},
    "any": {"en": "any", "fr": "tous"},
    "treaty": {"en": "Treaty", "fr": "Traité"},
    "year": {"en": "Year", "fr": "Année"},
    "status": {"en": "Status", "fr": "Statut"},
    "body": {"en": "Body", "fr": "Organe"},
    "sort": {"en": "Sort", "fr": "Tri"},
    "actor": {"en": "Actor", "fr": "Acteur"},
    "verb": {"en": "Verb", "fr": "Verbe"},
    "meeting": {"en": "Deadline meeting", "fr": "Réunion d’échéance"},
    "due_before": {"en": "Due before (date or meeting)", "fr": "Échéance avant (date ou réunion)"},
    "deadline": {"en": "Deadline", "fr": "Échéance"},
    "text": {"en": "Text", "fr": "Texte"},
    "words": {"en": "Words in the text", "fr": "Mots du texte"},
    "refs": {"en": "Refers to", "fr": "Renvoie à"},
    "symbol": {"en": "Symbol", "fr": "Cote"},
    "title": {"en": "Title", "fr": "Titre"},
    "date": {"en": "Date", "fr": "Date"},
    "pages": {"en": "Pages", "fr": "Pages"},
    "page": {"en": "Page", "fr": "Page"},
    "paragraph": {"en": "Paragraph", "fr": "Paragraphe"},
    "source": {"en": "Source", "fr": "Source"},
    "version": {"en": "Version", "fr": "Version"},
    "label": {"en": "Label", "fr": "Étiquette"},
    "name": {"en": "Name", "fr": "Nom"},
    "mentions": {"en": "Mentions", "fr": "Mentions"},
    "aliases": {"en": "Names (aliases)", "fr": "Noms (alias)"},
    "in_context": {"en": "in context", "fr": "dans son contexte"},
    "previous": {"en": "Previous", "fr": "Précédent"},
    "next": {"en": "Next", "fr": "Suivant"},
    "rows": {"en": "rows", "fr": "lignes"},
    "no_rows": {"en": "Nothing matches these filters.", "fr": "Rien ne correspond à ces filtres."},
    "export": {"en": "Export the whole result", "fr": "Exporter tout le résultat"},
    "cites": {"en": "What it cites", "fr": "Ce qu’il cite"},
    "cited_by": {"en": "Cited by", "fr": "Cité par"},
    "cited": {"en": "Cited", "fr": "Cité"},
    "sentence": {"en": "Sentence", "fr": "Phrase"},
    "page_image": {"en": "Original page", "fr": "Page originale"},
    "open_pdf": {"en": "Open the PDF at this page", "fr": "Ouvrir le PDF à cette page"},
    "no_pdf": {"en": "The PDF file is not at hand.", "fr": "Le fichier PDF n’est pas disponible."},
    "no_text": {"en": "No text layer on this page (needs OCR).",
                "fr": "Pas de couche texte sur cette page (OCR nécessaire)."},
    "metadata": {"en": "Metadata", "fr": "Métadonnées"},
    "totals": {"en": "In the database", "fr": "Dans la base"},
    "runs": {"en": "Latest ingest runs", "fr": "Dernières ingestions"},
    "failures": {"en": "Failures", "fr": "Échecs"},
    "no_failures": {"en": "No failures.", "fr": "Aucun échec."},
    "started": {"en": "Started", "fr": "Début"},
    "finished": {"en": "Finished", "fr": "Fin"},
    "trigger": {"en": "Trigger", "fr": "Déclencheur"},
    "inputs": {"en": "Inputs", "fr": "Entrées"},
    "new": {"en": "New", "fr": "Nouveaux"},
    "skipped": {"en": "Skipped", "fr": "Ignorés"},
    "failed": {"en": "Failed", "fr": "Échoués"},
    "reason": {"en": "Reason", "fr": "Raison"},
    "outcome": {"en": "Outcome", "fr": "Résultat"},
    "action_items": {"en": "Action items", "fr": "Actions demandées"},
    "search_words": {"en": "Words to find (French-aware: accents, case and plurals ignored)",
                     "fr": "Mots à chercher (accents, majuscules et pluriels ignorés)"},
    "search_hint": {"en": "\"a phrase\" in quotes; -word to exclude.",
                    "fr": "« une phrase » entre guillemets droits ; -mot pour exclure."},
    "terms": {"en": "Terms", "fr": "Termes"},
    "hits": {"en": "Hits", "fr": "Occurrences"},
    "snippet": {"en": "Snippet", "fr": "Extrait"},
    "results_for": {"en": "Results for", "fr": "Résultats pour"},
    "documents_count": {"en": "Documents", "fr": "Documents"},
    "entity_docs": {"en": "Documents that mention it", "fr": "Documents qui le mentionnent"},
    "entity_mentions": {"en": "Where it is mentioned", "fr": "Où il est mentionné"},
    "entity_actions": {"en": "Action items naming it (actor, deadline or reference)",
                       "fr": "Actions qui le nomment (acteur, échéance ou renvoi)"},
    "not_found": {"en": "Not found", "fr": "Introuvable"},
    "bad_request": {"en": "Bad request", "fr": "Requête invalide"},
    "login_required": {"en": "Reading requires an account", "fr": "La lecture demande un compte"},
    "sign_in": {"en": "Sign in", "fr": "Se connecter"},
    "sign_out": {"en": "Sign out", "fr": "Se déconnecter"},
    "signed_in_as": {"en": "Signed in as", "fr": "Connecté en tant que"},
    "user_name": {"en": "User name", "fr": "Nom d'utilisateur"},
    "password": {"en": "Password", "fr": "Mot de passe"},
    "error": {"en": "Error", "fr": "Erreur"},
    "kind": {"en": "Kind", "fr": "Type"},
    "description": {"en": "Description", "fr": "Description"},
    "api_docs": {"en": "JSON API reference", "fr": "Référence de l’API JSON"},
    "legend": {"en": "Highlighted mentions", "fr": "Mentions surlignées"},
    "page_nav": {"en": "Pages of the document", "fr": "Pages du document"},
    "pagination": {"en": "Result pages", "fr": "Pages de résultats"},
    "by_treaty": {"en": "Documents per treaty", "fr": "Documents par traité"},
    "by_language": {"en": "Documents per language", "fr": "Documents par langue"},
    "by_year": {"en": "Documents per year", "fr": "Documents par année"},
    "value": {"en": "Value", "fr": "Valeur"},
    "count": {"en": "Count", "fr": "Nombre"},
}


def choose(query_lang: str | None, accept_language: str | None) -> str:
    """``"fr"`` or ``"en"``: the ``?lang=`` value when it is one of them, else the
    first of them named in ``Accept-Language`` (weights respected), else ``"en"``."""
    if query_lang and query_lang.lower() in LANGS:
        return query_lang.lower()
    if accept_language:
        prefs = []
        for i, part in enumerate(accept_language.split(",")):
            bits = part.strip().split(";")
            tag = bits[0].strip().lower()[:2]
            q = 1.0
            for b in bits[1:]:
                b = b.strip()
                if b.startswith("q="):
                    try:
                        q = float(b[2:])
                    except ValueError:
                        q = 0.0
            prefs.append((-q, i, tag))
        for _q, _i, tag in sorted(prefs):
            if tag in LANGS and _q < 0:
                return tag
    return "en"


def translator(lang: str):
    """``t(key)``: the label in ``lang`` (the key itself when missing)."""
    def t(key: str) -> str:
        m = MESSAGES.get(key)
        return m.get(lang, m["en"]) if m else key
    return t
