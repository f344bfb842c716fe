"""Treaty context (issue 8, kind 3): which treaty a REF, a bare body and the
document belong to.

Tables of (input, expected). Sentences are our own, written in the style of
CMS, CBD, CITES and UNFCCC papers. Only the rules components run (no model).
"""
from __future__ import annotations

import pytest

RULES = ("sentencizer", "docmine_context", "docmine_symbols", "docmine_refs", "docmine_meetings", "docmine_dates")


@pytest.fixture(scope="module")
def nlp():
    from docmine.extraction.nlp import build_nlp
    return build_nlp(use_ner=False)


def run(nlp, text, treaty=None, names=RULES):
    doc = nlp.make_doc(text)
    if treaty:
        doc._.treaty = treaty
    for name, proc in nlp.pipeline:
        if name in names:
            doc = proc(doc)
    return doc


def refs(doc):
    return [(s.text, list(s._.ids)) for s in doc.spans.get("REF", [])]


# Instruments of other bodies decide their own treaty before any context (spec §3).
OTHER_BODY_REFS = [
    ("CMS", "Rappelant la résolution 73/284 de l’Assemblée générale des Nations Unies proclamant la Décennie,",
     [("résolution 73/284", ["UNGA Res 73/284"])]),
    ("CBD", "Rappelant la résolution 70/1 de l'Assemblée générale, intitulée « Transformer notre monde »,",
     [("résolution 70/1", ["UNGA Res 70/1"])]),
    ("CITES", "Notant les résolutions 69/314 et 71/326 de l’Assemblée générale sur le trafic des espèces sauvages,",
     [("résolutions 69/314 et 71/326", ["UNGA Res 69/314", "UNGA Res 71/326"])]),
    ("CMS", "Recalling General Assembly resolution 70/1 of 25 September 2015,",
     [("resolution 70/1", ["UNGA Res 70/1"])]),
    ("CMS", "The General Assembly, in its resolution 73/284, proclaimed the Decade.",
     [("resolution 73/284", ["UNGA Res 73/284"])]),
    ("CMS", "Recordando la resolución 73/284 de la Asamblea General de las Naciones Unidas,",
     [("resolución 73/284", ["UNGA Res 73/284"])]),
    ("CMS", "Rappelant la résolution 2/5 de l’Assemblée des Nations Unies pour l’environnement,",
     [("résolution 2/5", ["UNEA Res 2/5"])]),
    ("CMS", "Réaffirmant la décision 5/CP.1 sur les activités exécutées conjointement,",
     [("décision 5/CP.1", ["UNFCCC COP Dec 5/CP.1"])]),
    ("CBD", "La Conférence rappelle ses décisions 1/CP.21 et 3/CMA.1.",
     [("décisions 1/CP.21 et 3/CMA.1", ["UNFCCC COP Dec 1/CP.21", "UNFCCC CMA Dec 3/CMA.1"])]),
    ("CITES", "conformément à la décision 1/CMP.1 et à la décision 2/CMA.3,",
     [("décision 1/CMP.1", ["UNFCCC CMP Dec 1/CMP.1"]), ("décision 2/CMA.3", ["UNFCCC CMA Dec 2/CMA.3"])]),
    ("CMS", "Recalling decision 1/CP.21, paragraph 5, and decision 7/COP.5 on drought,",
     [("decision 1/CP.21", ["UNFCCC COP Dec 1/CP.21"]), ("decision 7/COP.5", ["UNCCD COP Dec 7/COP.5"])]),
    ("CMS", "Tomando nota de la decisión 7/COP.5 de la CNULD,",
     [("decisión 7/COP.5", ["UNCCD COP Dec 7/COP.5"])]),
    # the document's own instruments keep their treaty beside them
    ("CMS", "Rappelant la résolution 73/284 de l’Assemblée générale et la Résolution 12.26 sur la connectivité,",
     [("résolution 73/284", ["UNGA Res 73/284"]), ("Résolution 12.26", ["CMS Res 12.26"])]),
    ("CBD", "la décision 14/30 de la Conférence des Parties et la résolution 73/284 de l’Assemblée générale",
     [("décision 14/30", ["CBD COP Dec 14/30"]), ("résolution 73/284", ["UNGA Res 73/284"])]),
    # a slash-numbered resolution with no body named is no CMS resolution: unlinked
    ("CMS", "Rappelant la résolution 73/284 proclamant la Décennie,", [("résolution 73/284", [])]),
]


@pytest.mark.parametrize("treaty,text,expected", OTHER_BODY_REFS)
def test_other_bodies_instruments(nlp, treaty, text, expected):
    assert refs(run(nlp, text, treaty=treaty)) == expected


# ----------------------------------------------------------------------------- document treaty
# When no header says it, the document's treaty is voted from what it cites and
# names, weighted by kind (models/patterns/treaty.json). (text, expected treaty)
DOCUMENT_TREATY_CASES = [
    ("Rappelant la décision II/1 et la recommandation II/11 de l’Organe subsidiaire chargé de fournir des "
     "avis scientifiques, techniques et technologiques,\n1. Invite la troisième réunion de la Conférence des Parties.",
     "CBD"),
    ("Notant les progrès accomplis vers les Objectifs d’Aichi et la décision 14/5,\nLe Secrétaire exécutif a fait rapport.",
     "CBD"),
    ("Conformément à la Résolution Conf. 12.8 (Rev. CoP18), le Comité pour les animaux a examiné le commerce important.",
     "CITES"),
    ("Le Groupe d’évaluation scientifique et technique (GEST) a examiné les zones humides d’importance internationale.",
     "RAMSAR"),
    ("Rappelant la décision 1/CP.21 et l’Accord de Paris, l’Organe subsidiaire a pris note.", "UNFCCC"),
    ("Le Conseil scientifique a examiné les listes. Le Conseil scientifique fera rapport.", "CMS"),
    # another body's instrument does not vote: the CMS body decides
    ("Rappelant la résolution 73/284 de l’Assemblée générale, le Conseil scientifique a examiné la question.", "CMS"),
    # one CITES word against two CBD instrument forms and the SBSTTA
    ("La CITES est mentionnée. Rappelant les décisions XIII/3 et 14/30 du SBSTTA,", "CBD"),
    ("Le présent rapport ne cite aucune convention.", None),
]


@pytest.fixture(scope="module")
def context_nlp():
    import spacy
    from docmine.extraction import components  # noqa: F401  (registers factories)
    from docmine.extraction.nlp import register_extensions
    from docmine.settings import get_settings
    register_extensions()
    s = get_settings()
    nlp = spacy.blank("fr", config={"nlp": {"tokenizer": {"@tokenizers": "docmine.tokenizer.v1",
                                                          "patterns_path": str(s.patterns_dir)}}})
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("docmine_context", config={"patterns_path": str(s.patterns_dir)})
    nlp.add_pipe("docmine_meetings", config={"patterns_path": str(s.patterns_dir)})
    nlp.add_pipe("docmine_orgs", config={"kb_path": str(s.kb_path), "patterns_path": str(s.patterns_dir)})
    return nlp


@pytest.mark.parametrize("text,expected", DOCUMENT_TREATY_CASES)
def test_document_treaty_vote(context_nlp, text, expected):
    assert context_nlp(text)._.treaty == expected


# ----------------------------------------------------------------------------- bare bodies
# A bare body takes the treaty of its clause, never that of a heading in capitals
# above it or of a body named later. (text, [(ORG text, id)])
BARE_BODY_CASES = [
    ("CONVENTION SUR LES ESPÈCES MIGRATRICES RAPPORT DU SECRÉTARIAT SUR LA COOPÉRATION AVEC LA CITES "
     "ACTION REQUISE : Le Comité permanent est invité à : a. prendre note du présent rapport.",
     ("Comité permanent", "cms-standing-committee")),
    ("CONVENTION SUR LA DIVERSITÉ BIOLOGIQUE NOTE SUR LA COOPÉRATION AVEC LA CMS ET LA CITES "
     "Le Secrétaire exécutif a préparé la présente note.",
     ("Secrétaire exécutif", "cbd-executive-secretary")),
    ("CONVENTION SUR LES ESPECES MIGRATRICES COOPERATION AVEC LA CDB Le Secrétariat a mis en place des plans "
     "avec les secrétariats de la CDB.",
     ("Secrétariat", "cms-secretariat")),
    # a body named in the clause before the bare body still gives its treaty
    ("CONVENTION SUR LES ESPÈCES MIGRATRICES Le Comité permanent de la CITES et le Secrétariat ont coopéré.",
     ("Secrétariat", "cites-secretariat")),
    # nor a parenthesis closed before it
    ("CONVENTION SUR LES ESPÈCES MIGRATRICES Le Comité permanent (en coopération avec le Secrétariat de la CITES) "
     "et le Secrétariat ont préparé le rapport.",
     ("Secrétariat", "cms-secretariat")),
    # nor a sibling item before its own; the lead clause before ':' still is
    ("Le Secrétariat est prié : a) de mettre à jour, avec le Secrétariat de la CMS, la boîte à outils ; et "
     "b) de faire rapport au Comité permanent à sa 77e session.",
     ("Comité permanent", "cites-standing-committee")),
    ("Le Secrétariat de la CMS est prié : a) de compiler les rapports ; b) de faire rapport au Comité permanent.",
     ("Comité permanent", "cms-standing-committee")),
    # inside the parenthesis, the parenthesis is the context
    ("CONVENTION SUR LES ESPÈCES MIGRATRICES Le Comité permanent (avec la CITES et son Secrétariat) a noté.",
     ("Secrétariat", "cites-secretariat")),
    # inside the heading, the heading is the context
    ("CONVENTION SUR LES ESPÈCES MIGRATRICES RAPPORT DU SECRÉTARIAT Le texte suit.",
     ("SECRÉTARIAT", "cms-secretariat")),
]


@pytest.mark.parametrize("text,expected", BARE_BODY_CASES)
def test_bare_body_treaty_from_clause_not_heading(context_nlp, text, expected):
    doc = context_nlp.make_doc(text)
    doc._.treaty = "CITES" if "77e" in text else None
    for _, proc in context_nlp.pipeline:
        doc = proc(doc)
    got = [(s.text, (s._.ids or [None])[0]) for s in doc.spans["ORG"]]
    assert expected in got, got


# ----------------------------------------------------------------------------- possessive meetings
# ``sa 32e session`` belongs to the subject of its clause (spec §5). (treaty, text, [(MEETING, id)])
POSSESSIVE_CASES = [
    ("CITES", "Le Comité pour les animaux de la CITES s’est réuni deux fois : lors de sa 31e session (tenue "
     "conjointement avec la 25e session du Comité pour les plantes) et lors de sa 32e session à Genève.",
     [("31e session", "CITES AC31"), ("25e session du Comité pour les plantes", "CITES PC25"),
      ("32e session", "CITES AC32")]),
    ("CITES", "Le Comité pour les plantes (qui a siégé avec le Comité pour les animaux) a adopté, à sa 26e session, "
     "ses recommandations.",
     [("26e session", "CITES PC26")]),
    ("CMS", "Lors de sa 45e réunion, le Comité permanent a examiné le budget.", [("45e réunion", "CMS StC45")]),
    ("CMS", "Le Comité permanent a rappelé que, lors de sa 5e réunion, le Conseil scientifique avait adopté la liste.",
     [("5e réunion", "CMS ScC5")]),
    ("CMS", "Le Conseil scientifique fera rapport au Comité permanent à sa 53e réunion.",
     [("53e réunion", "CMS StC53")]),
    ("CITES", "Le Secrétariat est prié : a) de mettre à jour, avec le Secrétariat de la CMS, la boîte à outils ; et "
     "b) de faire rapport au Comité permanent à sa 77e session.", [("77e session", "CITES SC77")]),
    ("CMS", "The Scientific Council is requested to: a) review the IPBES nexus assessment; and b) report to the "
     "Standing Committee at its 56th meeting.", [("56th meeting", "CMS StC56")]),
    ("CBD", "La Conférence des Parties siégeant en tant que réunion des Parties au Protocole de Kyoto, à sa "
     "dix-huitième session, a adopté ses conclusions.",
     [("dix-huitième session", "UNFCCC CMP18")]),
]


@pytest.mark.parametrize("treaty,text,expected", POSSESSIVE_CASES)
def test_possessive_meeting_takes_the_clause_subject(nlp, treaty, text, expected):
    doc = run(nlp, text, treaty=treaty)
    assert [(s.text, (s._.ids or [None])[0]) for s in doc.spans["MEETING"]] == expected
