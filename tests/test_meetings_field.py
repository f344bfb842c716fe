"""Meetings (issue 8, kind 4): title blocks in capitals, capitals without
accents, a numbered Conference of the Parties, and the meeting ids of spec §5
for UNFCCC and CITES bodies.

Tables of (document treaty, text, expected [(MEETING text, id)]). The texts are
our own, in the style of the title blocks and narratives of CMS, CITES, CBD and
UNFCCC papers. Only the rules components run (no model).
"""
from __future__ import annotations

import pytest

RULES = ("sentencizer", "docmine_context", "docmine_symbols", "docmine_refs", "docmine_meetings", "docmine_dates")


@pytest.fixture(scope="module")
def nlp():
    from docmine.extraction.nlp import build_nlp
    return build_nlp(use_ner=False)


def meetings(nlp, text, treaty=None):
    doc = nlp.make_doc(text)
    if treaty:
        doc._.treaty = treaty
    for name, proc in nlp.pipeline:
        if name in RULES:
            doc = proc(doc)
    return [(s.text, (s._.ids or [None])[0]) for s in doc.spans.get("MEETING", [])]


TITLE_BLOCK_CASES = [
    ("CMS", "CONVENTION SUR LES ESPÈCES MIGRATRICES\n12ème SESSION DE LA CONFÉRENCE DES PARTIES\nManille, Philippines",
     [("12ème SESSION DE LA CONFÉRENCE DES PARTIES", "CMS COP12")]),
    ("CMS", "COMITÉ PERMANENT\nQUARANTE-CINQUIÈME RÉUNION\nBonn, Allemagne, 9 - 10 novembre 2016",
     [("QUARANTE-CINQUIÈME RÉUNION", "CMS StC45")]),
    # capitals without accents
    ("CMS", "CONVENTION SUR LES ESPECES MIGRATRICES\nQUARANTE-DEUXIEME REUNION DU COMITE PERMANENT\nBonn",
     [("QUARANTE-DEUXIEME REUNION DU COMITE PERMANENT", "CMS StC42")]),
    ("CITES", "CONVENTION SUR LE COMMERCE INTERNATIONAL DES ESPECES\nSOIXANTE-DIX-SEPTIEME SESSION DU COMITE PERMANENT\nGenève",
     [("SOIXANTE-DIX-SEPTIEME SESSION DU COMITE PERMANENT", "CITES SC77")]),
    ("CITES", "TRENTE-ET-UNIÈME SESSION DU COMITÉ POUR LES ANIMAUX\nGenève (Suisse)",
     [("TRENTE-ET-UNIÈME SESSION DU COMITÉ POUR LES ANIMAUX", "CITES AC31")]),
    ("CBD", "CONFERENCE DES PARTIES A LA CONVENTION SUR LA DIVERSITE BIOLOGIQUE\nQuatorzième réunion\nCharm el-Cheikh",
     []),  # 'Quatorzième réunion' in mixed case with no body: not a meeting of this rule
    ("CBD", "ORGANE SUBSIDIAIRE CHARGÉ DE FOURNIR DES AVIS SCIENTIFIQUES, TECHNIQUES ET TECHNOLOGIQUES\nVINGT-QUATRIÈME RÉUNION\nGenève",
     [("VINGT-QUATRIÈME RÉUNION", "CBD SBSTTA24")]),
    ("CMS", "PREMIÈRE RÉUNION DU COMITÉ DE SESSION DU CONSEIL SCIENTIFIQUE\nBonn",
     [("PREMIÈRE RÉUNION DU COMITÉ DE SESSION DU CONSEIL SCIENTIFIQUE", "CMS ScC-SC1")]),
    # a title block in mixed case: the body's name, then the meeting line
    ("CBD", "Organe subsidiaire chargé de fournir des avis\nscientifiques, techniques et technologiques\nVingt-sixième réunion\nNairobi, 13-18 mai 2024",
     [("Vingt-sixième réunion", "CBD SBSTTA26")]),
    # capitals that name no numbered meeting
    ("CMS", "RAPPORT DU SECRÉTARIAT SUR LA COOPÉRATION AVEC LA CONFÉRENCE DES PARTIES", []),
]


@pytest.mark.parametrize("treaty,text,expected", TITLE_BLOCK_CASES)
def test_title_blocks_in_capitals(nlp, treaty, text, expected):
    assert meetings(nlp, text, treaty) == expected


NUMBERED_COP_CASES = [
    ("CMS", "Le Secrétariat fera rapport à la 18e Conférence des Parties.", [("18e Conférence des Parties", "CMS COP18")]),
    ("CMS", "lors de la 18e Conférence des Parties à la CITES", [("18e Conférence des Parties à la CITES", "CITES CoP18")]),
    ("CBD", "La première Conférence des Parties s’est tenue à Nassau.", [("première Conférence des Parties", "CBD COP1")]),
    ("CMS", "depuis la 13th Conference of the Parties", [("13th Conference of the Parties", "CMS COP13")]),
    ("CMS", "en vue de la deuxième Assemblée des Nations Unies pour l’environnement",
     [("deuxième Assemblée des Nations Unies pour l’environnement", "UNEA-2")]),
    # not numbered: no meeting
    ("CMS", "Les Conférences des Parties de la CMS et la prochaine Conférence des Parties", []),
]


@pytest.mark.parametrize("treaty,text,expected", NUMBERED_COP_CASES)
def test_numbered_conference_of_the_parties_is_a_meeting(nlp, treaty, text, expected):
    assert meetings(nlp, text, treaty) == expected


UNFCCC_CITES_IDS = [
    ("UNFCCC", "Les conclusions du SBI48 et du SBSTA58 ont été transmises à la CMA5 et à la CMP18.",
     [("SBI48", "UNFCCC SBI48"), ("SBSTA58", "UNFCCC SBSTA58"), ("CMA5", "UNFCCC CMA5"), ("CMP18", "UNFCCC CMP18")]),
    ("CMS", "La CCNUCC a tenu la COP21 à Paris.", [("COP21", "UNFCCC COP21")]),
    ("CBD", "Le SBI3 a examiné la question, et la CCNUCC l’a transmise au SBI48.",
     [("SBI3", "CBD SBI3"), ("SBI48", "UNFCCC SBI48")]),
    ("UNFCCC", "la 48e session de l’Organe subsidiaire de mise en œuvre",
     [("48e session de l’Organe subsidiaire de mise en œuvre", "UNFCCC SBI48")]),
    ("UNFCCC", "la cinquante-huitième session de l’Organe subsidiaire de conseil scientifique et technologique",
     [("cinquante-huitième session de l’Organe subsidiaire de conseil scientifique et technologique", "UNFCCC SBSTA58")]),
    ("UNFCCC", "la cinquième session de la Conférence des Parties agissant comme réunion des Parties à l’Accord de Paris",
     [("cinquième session de la Conférence des Parties agissant comme réunion des Parties à l’Accord de Paris", "UNFCCC CMA5")]),
    ("UNFCCC", "the eighteenth session of the Conference of the Parties serving as the meeting of the Parties to the Kyoto Protocol",
     [("eighteenth session of the Conference of the Parties serving as the meeting of the Parties to the Kyoto Protocol", "UNFCCC CMP18")]),
    ("CMS", "L'IPBES a tenu sa onzième session plénière (IPBES-11) à Windhoek.",
     [("onzième session plénière (IPBES-11)", "IPBES-11")]),
    ("CMS", "la Plénière de l’IPBES, à sa cinquième session (IPBES-5), tenue à Bonn,",
     [("cinquième session (IPBES-5)", "IPBES-5")]),
    ("CMS", "approuvé par la Plénière de la Plateforme intergouvernementale scientifique et politique sur la biodiversité "
     "et les services écosystémiques à sa dixième session, tenue à Bonn",
     [("dixième session", "IPBES-10")]),
    ("CMS", "including at the twelfth session of the IPBES Plenary;", [("twelfth session of the IPBES Plenary", "IPBES-12")]),
    ("CITES", "Le Comité pour les animaux (AC31) et le Comité pour les plantes (PC25) ont fait rapport au SC65.",
     [("AC31", "CITES AC31"), ("PC25", "CITES PC25"), ("SC65", "CITES SC65")]),
    ("CITES", "la 31e session du Comité pour les animaux et la 25e session du Comité pour les plantes",
     [("31e session du Comité pour les animaux", "CITES AC31"), ("25e session du Comité pour les plantes", "CITES PC25")]),
]


@pytest.mark.parametrize("treaty,text,expected", UNFCCC_CITES_IDS)
def test_meeting_ids_of_unfccc_and_cites_bodies(nlp, treaty, text, expected):
    assert meetings(nlp, text, treaty) == expected
