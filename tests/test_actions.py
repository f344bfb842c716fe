"""Action items (spec §2): Action requise lists, mandates, operative clauses.

Runs the rules pipeline (no statistical NER), loaded once for the module.
Actor ids come from the ORG mentions when the orgs component finds them, else
from the addressee tables of models/patterns/actions.json: either way the
expected ids are the contract's.
"""
from __future__ import annotations

import pytest

from docmine.extraction.extract import extract_text
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings

CMS = "UNEP/CMS/StC44/13"
CITES = "SC77 Doc. 12"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def items(nlp, text, symbol=CMS):
    ex = extract_text(text, nlp=nlp, language="fr", symbol=symbol)
    for it in ex.action_items:  # the offset invariant holds for items too
        assert it.text == text[it.start:it.end]
    return ex.action_items


WORKED_EXAMPLE = """3. Prie le Secrétariat, sous réserve des ressources disponibles :
   a) De compiler les rapports nationaux reçus ;
   b) De faire rapport au Comité permanent à sa 45e réunion ;
4. Prend note du rapport du Conseil scientifique ;
5. Invite les Parties à soumettre leurs observations d'ici le 31 mars 2016.
"""


def test_worked_example_of_the_contract(nlp):
    # spec §2 says "four items" but lists three (a), b) and 5): a), b), 5 is what it describes
    got = items(nlp, WORKED_EXAMPLE)
    assert [(i.paragraph, i.actor, i.verb) for i in got] == [
        ("a", "cms-secretariat", "prier"),
        ("b", "cms-secretariat", "prier"),
        ("5", "parties", "inviter"),
    ]
    a, b, five = got
    assert a.text == "a) De compiler les rapports nationaux reçus ;"
    assert a.deadline is None
    assert b.deadline.meeting == "CMS StC45" and b.deadline.date is None
    assert five.text.startswith("Invite les Parties") and five.text.endswith("2016.")
    assert five.deadline.date == "2016-03-31" and five.deadline.meeting is None
    assert five.actor_text == "les Parties"
    assert not any("Prend note" in i.text for i in got)


# (text, [(paragraph, actor, actor_text, verb, deadline meeting, deadline date, text start)])
ACTION_REQUISE = [
    ("Action requise :\n\nLe Comité permanent est invité à :\n\na. Prendre note du présent rapport ;\n\n"
     "b. Examiner le programme de travail et formuler des observations.\n",
     [("a", "cms-standing-committee", "Le Comité permanent", "prendre note", None, None, "a. Prendre"),
      ("b", "cms-standing-committee", "Le Comité permanent", "examiner", None, None, "b. Examiner")]),
    ("Action requise :\nLe Comité permanent est invité\na. à examiner les activités réalisées (Annexe 1) ; et\n"
     "b. à approuver le plan de travail joint en Annexe 2.",
     [("a", "cms-standing-committee", "Le Comité permanent", "examiner", None, None, "a. à examiner"),
      ("b", "cms-standing-committee", "Le Comité permanent", "approuver", None, None, "b. à approuver")]),
    ("Action requise:\nLe Conseil scientifique est invité à prendre note du présent document.",
     [(None, "cms-scientific-council", "Le Conseil scientifique", "prendre note", None, None, "prendre note")]),
    ("Action requise :\nLe Comité permanent est invité à :\na) approuver le budget d'ici le 31 octobre 2016 ;\n"
     "b) faire rapport à sa 46e réunion.",
     [("a", "cms-standing-committee", "Le Comité permanent", "approuver", None, "2016-10-31", "a) approuver"),
      ("b", "cms-standing-committee", "Le Comité permanent", "faire", "CMS StC46", None, "b) faire")]),
]

ACTION_REQUISE += [
    ("Action requise :\nLe Comité permanent est invité à :\n1. Prendre note du rapport ;\n"
     "2. Adopter le budget pour 2016-2017.",  # a budget period is not a deadline
     [("1", "cms-standing-committee", "Le Comité permanent", "prendre note", None, None, "1. Prendre"),
      ("2", "cms-standing-committee", "Le Comité permanent", "adopter", None, None, "2. Adopter")]),
    ("Action requise :\nLe Comité permanent est invité à :\n• prendre note du rapport ;\n• approuver le budget.",
     [(None, "cms-standing-committee", "Le Comité permanent", "prendre note", None, None, "prendre note"),
      (None, "cms-standing-committee", "Le Comité permanent", "approuver", None, None, "approuver")]),
]

MANDATES = [
    ("Le Comité permanent s'appliquera, entre autres, à:\n\n  • réfléchir à des domaines de coopération ;\n"
     "  • explorer des possibilités de synergies ; et\n  • faire des recommandations à la 20e session de la "
     "Conférence des Parties.\n\nCoopération en matière de biodiversité",
     [(None, "cites-standing-committee", "Le Comité permanent", "réfléchir", None, None, "réfléchir"),
      (None, "cites-standing-committee", "Le Comité permanent", "explorer", None, None, "explorer"),
      (None, "cites-standing-committee", "Le Comité permanent", "faire", "CITES CoP20", None, "faire")]),
]

MANDATES += [
    ("Les Parties ont convenu que le Comité permanent s'appliquera à :\n• examiner les rapports ;\n"
     "• faire rapport à la CoP19.",
     [(None, "cites-standing-committee", "le Comité permanent", "examiner", None, None, "examiner"),
      (None, "cites-standing-committee", "le Comité permanent", "faire", "CITES CoP19", None, "faire")]),
]

MANDATES += [
    # CITES decisions: "Les Parties sont invitées à :" / "Le Secrétariat doit, … :" with lettered tasks;
    # a passive decision with a request verb in the lead gives that verb to every item (spec §2)
    ("À l'adresse des Parties\n18.50 Les Parties sont invitées à :\na) communiquer au Secrétariat les "
     "informations disponibles ;\nb) faire rapport au Comité permanent à sa 78e session.",
     [("a", "parties", "Les Parties", "inviter", None, None, "a) communiquer"),
      ("b", "parties", "Les Parties", "inviter", "CITES SC78", None, "b) faire")]),
    ("À l'adresse du Secrétariat\n18.51 Le Secrétariat doit, sous réserve de financements externes :\n"
     "a) organiser un atelier ;\nb) faire rapport à la 19e session de la Conférence des Parties.",
     [("a", "cites-secretariat", "Le Secrétariat", "organiser", None, None, "a) organiser"),
      ("b", "cites-secretariat", "Le Secrétariat", "faire", "CITES CoP19", None, "b) faire")]),
    ("Action requise :\nLe Comité permanent est prié de :\ni) prendre note du rapport ;\nii) adopter le budget.",
     [("i", "cites-standing-committee", "Le Comité permanent", "prendre note", None, None, "i) prendre"),
      ("ii", "cites-standing-committee", "Le Comité permanent", "adopter", None, None, "ii) adopter")]),
]

OPERATIVE = [
    ("1. Prie instamment les Parties et les autres gouvernements de communiquer leurs rapports ;",
     [("1", "parties", "les Parties et les autres gouvernements", "prier", None, None, "Prie")]),
    ("2. Demande au Secrétariat de faire rapport à la Conférence des Parties à sa douzième réunion ;",
     [("2", "cms-secretariat", "Secrétariat", "demander", "CMS COP12", None, "Demande")]),
    ("7. Encourage les donateurs à fournir des fonds pour la mise en œuvre du programme.",
     [("7", "donors", "les donateurs", "encourager", None, None, "Encourage")]),
    ("4. Exhorte les Parties à mettre en œuvre la Résolution 11.10 d'ici fin 2017.",
     [("4", "parties", "les Parties", "exhorter", None, "2017", "Exhorte")]),
    ("3. Engage les Parties à coopérer avec le Secrétariat.",
     [("3", "parties", "les Parties", "engager", None, None, "Engage")]),
    ("9. Charge le Comité permanent de suivre la mise en œuvre de la présente résolution, notamment :\n"
     "a) en examinant les rapports nationaux ;\nb) en établissant un groupe de travail.",
     [("9", "cms-standing-committee", "le Comité permanent", "charger", None, None, "Charge"),
      ("a", "cms-standing-committee", "le Comité permanent", "charger", None, None, "a) en"),
      ("b", "cms-standing-committee", "le Comité permanent", "charger", None, None, "b) en")]),
    ("6. Recommande que la Conférence des Parties, à sa treizième réunion, adopte une décision ;",
     [("6", "cms-cop", "la Conférence des Parties", "recommander", "CMS COP13", None, "Recommande")]),
    ("Invite les Parties, les organisations intergouvernementales et les donateurs à soutenir l'Initiative.",
     [(None, "parties", "les Parties, les organisations intergouvernementales et les donateurs", "inviter",
       None, None, "Invite")]),
]

OPERATIVE_CBD = [
    ("La Conférence des Parties,\nRappelant la décision XI/2,\n1. Prie la Secrétaire exécutive, sous réserve de la "
     "disponibilité de ressources, de faire rapport à l'Organe subsidiaire chargé de fournir des avis "
     "scientifiques, techniques et technologiques à sa dix-neuvième réunion ;\n2. Invite les Parties qui "
     "sont en mesure de le faire à fournir un soutien financier d'ici à 2020 ;",
     [("1", "cbd-executive-secretary", "la Secrétaire exécutive", "prier", "CBD SBSTTA19", None, "Prie"),
      ("2", "parties", "les Parties qui sont en mesure de le faire", "inviter", None, "2020", "Invite")]),
]

NOT_ITEMS = [
    "Les Parties ont été priées de soumettre leurs rapports nationaux.",
    "Les donateurs sont encouragés à fournir des fonds pour la mise en œuvre de cette initiative.",
    "Le Secrétariat a invité les Parties à participer à l'atelier.",
    "4. Prend note du rapport du Conseil scientifique ;",
    "5. Se félicite du travail accompli par le Secrétariat ;",
    "6. Rappelle la Résolution 11.10 ;",
    "7. Reconnaît l'importance de la coopération ;",
    "Encourager les synergies avec d'autres Accords multilatéraux sur l'environnement (AME)",
    "2. La Résolution 8.2 a adopté le Plan stratégique qui comprend quatre objectifs :\n"
    "a) Assurer la conservation des espèces migratrices ;\nb) Renforcer le rôle de la CMS.",
    "La 62ème réunion du Comité permanent de la CITES sera invitée à approuver le plan de travail.",
    "Il s'agit de l'action requise par les pays. Le Comité permanent est invité à noter ceci.",
    "En 2012, le Secrétariat doit encore achever le rapport. Les Parties doivent soumettre leurs rapports.",
    "Le Secrétariat est invité à participer à la réunion de l'IPBES en 2016.",
    "",
]


def _check(got, expected, text):
    assert len(got) == len(expected), [i.text for i in got]
    for it, (para, actor, actor_text, verb, meeting, date, start) in zip(got, expected):
        assert it.paragraph == para
        assert it.actor == actor
        assert it.actor_text == actor_text
        assert it.verb == verb
        assert it.kind == "request"
        if meeting is None and date is None:
            assert it.deadline is None or (it.deadline.meeting is None and it.deadline.date is None)
        else:
            assert (it.deadline.meeting, it.deadline.date) == (meeting, date)
        assert it.text.startswith(start)
        assert it.text.rstrip()[-1] in ".;:", it.text


@pytest.mark.parametrize("text,expected", ACTION_REQUISE)
def test_action_requise(nlp, text, expected):
    _check(items(nlp, text), expected, text)


@pytest.mark.parametrize("text,expected", MANDATES)
def test_mandate_lists(nlp, text, expected):
    _check(items(nlp, text, symbol=CITES), expected, text)


@pytest.mark.parametrize("text,expected", OPERATIVE)
def test_operative_clauses(nlp, text, expected):
    _check(items(nlp, text), expected, text)


@pytest.mark.parametrize("text,expected", OPERATIVE_CBD)
def test_operative_clauses_cbd(nlp, text, expected):
    _check(items(nlp, text, symbol="UNEP/CBD/COP/12/1"), expected, text)


@pytest.mark.parametrize("text", NOT_ITEMS)
def test_not_action_items(nlp, text):
    assert items(nlp, text) == []


def test_refs_inside_an_item_are_listed(nlp):
    text = ("Action requise :\nLe Comité permanent est invité à :\n"
            "a. Examiner le document UNEP/CMS/StC44/18.1 et la Résolution 11.10.")
    (it,) = items(nlp, text)
    doc_refs = [m for m in extract_text(text, nlp=nlp, language="fr", symbol=CMS).mentions
                if m.label in ("REF", "DOC") and m.start >= it.start and m.end <= it.end]
    expected = [i for m in doc_refs for i in m.ids]
    assert it.refs == list(dict.fromkeys(expected))


def test_verbs_are_data(nlp):
    from docmine.extraction.components.actions import load_patterns
    p = load_patterns(get_settings().patterns_dir)
    assert p["operative_verbs"]["Prie"] == "prier"
    assert "Action requise" in p["section_headings"]
    assert "Action requested" in p["section_headings"]
