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


#: the editors' labels (issue 13): toolbar, dialogs, history pages, sign-in
EDITOR_MESSAGES: dict[str, dict[str, str]] = {
    "editing": {"en": "Editing", "fr": "Correction"},
    "edit_tools": {"en": "Correction tools", "fr": "Outils de correction"},
    "edit_help": {"en": "j / k to move, ? for the keys", "fr": "j / k pour se déplacer, ? pour les touches"},
    "accept": {"en": "Accept", "fr": "Accepter"},
    "delete": {"en": "Delete", "fr": "Supprimer"},
    "edit": {"en": "Edit", "fr": "Modifier"},
    "undo": {"en": "Undo", "fr": "Annuler"},
    "keys": {"en": "Keys", "fr": "Touches"},
    "history": {"en": "History", "fr": "Historique"},
    "add_mention": {"en": "New mention", "fr": "Nouvelle mention"},
    "add_action": {"en": "New action item", "fr": "Nouvelle action"},
    "edit_mention": {"en": "Correct the mention", "fr": "Corriger la mention"},
    "edit_action": {"en": "Correct the action item", "fr": "Corriger l’action"},
    "action_item": {"en": "Action item", "fr": "Action"},
    "span": {"en": "Text", "fr": "Texte"},
    "find_text": {"en": "Find text on the page (Enter)", "fr": "Chercher sur la page (Entrée)"},
    "find_placeholder": {"en": "type the words, then Enter", "fr": "tapez les mots, puis Entrée"},
    "start": {"en": "Start", "fr": "Début"},
    "end": {"en": "End", "fr": "Fin"},
    "use_selection": {"en": "Use the selected text", "fr": "Prendre le texte sélectionné"},
    "label": {"en": "Label", "fr": "Étiquette"},
    "ids": {"en": "Ids", "fr": "Identifiants"},
    "ids_placeholder": {"en": "type to search, Enter to add", "fr": "tapez pour chercher, Entrée pour ajouter"},
    "actor_text": {"en": "Actor as written", "fr": "Acteur tel qu’écrit"},
    "deadline_date": {"en": "Deadline date (ISO 8601)", "fr": "Date d’échéance (ISO 8601)"},
    "comment": {"en": "Comment", "fr": "Commentaire"},
    "save": {"en": "Save", "fr": "Enregistrer"},
    "cancel": {"en": "Cancel", "fr": "Annuler"},
    "close": {"en": "Close", "fr": "Fermer"},
    "dismiss": {"en": "Dismiss", "fr": "Écarter"},
    "remove": {"en": "Remove", "fr": "Retirer"},
    "nothing_to_edit": {"en": "Nothing to correct on this page", "fr": "Rien à corriger sur cette page"},
    "saving": {"en": "Saving…", "fr": "Enregistrement…"},
    "saved": {"en": "Saved", "fr": "Enregistré"},
    "refused": {"en": "Refused", "fr": "Refusé"},
    "network_error": {"en": "Network error", "fr": "Erreur réseau"},
    "select_first": {"en": "Choose a mention or an action item first (j / k)",
                     "fr": "Choisissez d’abord une mention ou une action (j / k)"},
    "bad_span": {"en": "(start and end must be offsets in the page)",
                 "fr": "(début et fin doivent être des positions dans la page)"},
    "no_selection": {"en": "Select text in the page first", "fr": "Sélectionnez d’abord du texte"},
    "find_none": {"en": "(not found on this page)", "fr": "(absent de cette page)"},
    "bad_date": {"en": "An ISO 8601 date: 2026, 2026-06, 2026-06-30 or 2026-Q2",
                 "fr": "Une date ISO 8601 : 2026, 2026-06, 2026-06-30 ou 2026-Q2"},
    "deleted": {"en": "(deleted)", "fr": "(supprimé)"},
    "conflict": {"en": "Someone changed this meanwhile: choose a version",
                 "fr": "Quelqu’un l’a modifié entre-temps : choisissez une version"},
    "conflict_title": {"en": "Changed meanwhile", "fr": "Modifié entre-temps"},
    "conflict_text": {"en": "Your change was made against an older version. Both are kept in the ledger; choose which one stands. Last change by",
                      "fr": "Votre modification portait sur une version antérieure. Les deux sont gardées au registre ; choisissez celle qui vaut. Dernière modification par"},
    "theirs": {"en": "Theirs (in force)", "fr": "La leur (en vigueur)"},
    "yours": {"en": "Yours", "fr": "La vôtre"},
    "keep_theirs": {"en": "Keep theirs", "fr": "Garder la leur"},
    "keep_mine": {"en": "Apply mine on top", "fr": "Appliquer la mienne"},
    "decide_later": {"en": "Decide later", "fr": "Décider plus tard"},
    "chose_theirs": {"en": "conflict: kept the other editor's version",
                     "fr": "conflit : version de l’autre correcteur gardée"},
    "chose_mine": {"en": "conflict: re-applied over the other editor's version",
                   "fr": "conflit : réappliquée sur la version de l’autre correcteur"},
    "lost_note": {"en": "Your refused change (kept in the ledger), not yet re-applied:",
                  "fr": "Votre modification refusée (gardée au registre), pas encore réappliquée :"},
    "nothing_to_undo": {"en": "Nothing to undo", "fr": "Rien à annuler"},
    "key_jk": {"en": "next / previous mention or action item", "fr": "mention ou action suivante / précédente"},
    "key_a": {"en": "accept it as right", "fr": "l’accepter comme juste"},
    "key_x": {"en": "delete it (a false mention or item)", "fr": "la supprimer (fausse mention ou action)"},
    "key_e": {"en": "edit it: label, boundaries, ids; actor, verb, deadline, refs",
              "fr": "la modifier : étiquette, limites, identifiants ; acteur, verbe, échéance, renvois"},
    "key_m": {"en": "new mention from the selected text", "fr": "nouvelle mention du texte sélectionné"},
    "key_i": {"en": "new action item from the selected text", "fr": "nouvelle action du texte sélectionné"},
    "key_u": {"en": "undo your last change (a new ledger row)", "fr": "annuler votre dernière modification (une nouvelle ligne du registre)"},
    "key_h": {"en": "its history", "fr": "son historique"},
    "key_q": {"en": "show these keys", "fr": "afficher ces touches"},
    "key_dialog": {"en": "in a dialog: save / close", "fr": "dans une fenêtre : enregistrer / fermer"},
    "mention": {"en": "mention", "fr": "mention"},
    "action_item_lc": {"en": "action item", "fr": "action"},
    "added": {"en": "added", "fr": "ajout"},
    "deleted_rec": {"en": "deleted", "fr": "suppression"},
    "is_deleted": {"en": "It is deleted. Undo brings it back (a new ledger row).",
                   "fr": "Elle est supprimée. Annuler la rétablit (une nouvelle ligne du registre)."},
    "comma_separated": {"en": "comma-separated", "fr": "séparés par des virgules"},
    "edit_nojs": {"en": "Correct without script", "fr": "Corriger sans script"},
    "hist_document": {"en": "changes to this document", "fr": "modifications de ce document"},
    "hist_editor": {"en": "changes by", "fr": "modifications par"},
    "hist_target": {"en": "changes to", "fr": "modifications de"},
    "back_to_document": {"en": "Back to the document", "fr": "Retour au document"},
    "no_changes": {"en": "No changes yet.", "fr": "Aucune modification."},
    "when": {"en": "When (UTC)", "fr": "Quand (UTC)"},
    "editor": {"en": "Editor", "fr": "Correcteur"},
    "target": {"en": "What", "fr": "Quoi"},
    "change": {"en": "Change", "fr": "Modification"},
    "before_after": {"en": "Before → after", "fr": "Avant → après"},
    "revert": {"en": "Revert", "fr": "Rétablir"},
    "conflict_refused": {"en": "refused (conflict)", "fr": "refusée (conflit)"},
    "no_field_changed": {"en": "confirmed as is", "fr": "confirmé tel quel"},
    "login_to_edit": {"en": "Editors: sign in to correct this page", "fr": "Correcteurs : connectez-vous pour corriger cette page"},
    "my_changes": {"en": "My changes", "fr": "Mes modifications"},
    "role": {"en": "role", "fr": "rôle"},
    "name": {"en": "Name", "fr": "Nom"},
}
for _k, _v in EDITOR_MESSAGES.items():
    MESSAGES.setdefault(_k, _v)
