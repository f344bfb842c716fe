"""docmine_orgs: organisations from the knowledge base, with treaty context (spec §1, §4).

Each case is (French sentence, document treaty, expected ORG mentions as
(text, id or None)). The sentences are written for these tests.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from docmine.extraction.nlp import register_extensions
from docmine.settings import get_settings

register_extensions()

S = get_settings()


@pytest.fixture(scope="module")
def nlp():
    from docmine.extraction import components  # noqa: F401  (registers factories)
    nlp = spacy.blank("fr", config={"nlp": {"tokenizer": {"@tokenizers": "docmine.tokenizer.v1",
                                                          "patterns_path": str(S.patterns_dir)}}})
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("docmine_orgs", config={"kb_path": str(S.kb_path), "patterns_path": str(S.patterns_dir)})
    return nlp


def orgs(nlp, text, treaty="CMS"):
    doc = nlp.make_doc(text)
    doc._.treaty = treaty
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return [(s.text, (s._.ids or [None])[0]) for s in doc.spans["ORG"]]


CASES = [
    # --- names and acronyms of the knowledge base; French, English, Spanish forms
    ("Le PNUE et le FEM ont signé un accord.", "CMS", [("PNUE", "unep"), ("FEM", "gef")]),
    ("Un rapport du UNEP et du GEF a été publié.", "CMS", [("UNEP", "unep"), ("GEF", "gef")]),
    ("Le PNUMA y el FMAM apoyan el proyecto.", "CMS", [("PNUMA", "unep"), ("FMAM", "gef")]),
    ("La Banque mondiale finance le projet.", "CITES", [("Banque mondiale", "world-bank")]),
    ("Avec l'appui de la banque mondiale.", "CITES", [("banque mondiale", "world-bank")]),
    # acronyms are case-sensitive
    ("Les cms de hauteur et la Cites ne sont pas des organisations ici.", "CMS", []),
    # apostrophes: typographic and straight; elision
    ("Le Fonds pour l’environnement mondial et le Fonds pour l'environnement mondial.", "CMS",
     [("Fonds pour l’environnement mondial", "gef"), ("Fonds pour l'environnement mondial", "gef")]),
    ("Le Secrétariat a assisté le Secrétariat de l’IPBES et l’IPBES elle-même.", "CMS",
     [("Secrétariat", "cms-secretariat"), ("Secrétariat de l’IPBES", "ipbes-secretariat"), ("IPBES", "ipbes")]),
    ("à l’appui du MdE de l’IOSEA et de l'IOSEA.", "CMS", [("MdE de l’IOSEA", "iosea"), ("IOSEA", "iosea")]),
    # non-breaking spaces, missing space, hyphen variants
    ("La Banque\u00a0mondiale et la Plate-forme intergouvernementale sur la biodiversité et les services écosystémiques.", "CBD",
     [("Banque\u00a0mondiale", "world-bank"),
      ("Plate-forme intergouvernementale sur la biodiversité et les services écosystémiques", "ipbes")]),
    ("la Conférence des Nations Unies sur le commerceet le développement (CNUCED)", "CITES",
     [("Conférence des Nations Unies sur le commerceet le développement (CNUCED)", "unctad")]),
    # the longest name as written, with its bracketed acronym
    ("La Commission baleinière internationale (CBI) a répondu.", "CMS",
     [("Commission baleinière internationale (CBI)", "iwc")]),
    ("l'Union internationale pour la conservation de la nature (UICN) et l'Union internationale pour la conservation de la nature (IUCN)", "CITES",
     [("Union internationale pour la conservation de la nature (UICN)", "iucn"),
      ("Union internationale pour la conservation de la nature (IUCN)", "iucn")]),
    ("du système des Nations Unies (ONU) et de l'ONU", "CITES", [("Nations Unies (ONU)", "un"), ("ONU", "un")]),
    # a bracket that is not the acronym stays out
    ("l'Organisation mondiale de la santé animale (WOAH - signé en 2024)", "CITES",
     [("Organisation mondiale de la santé animale", "woah"), ("WOAH", "woah")]),
    ("la Banque mondiale (voir annexe)", "CITES", [("Banque mondiale", "world-bank")]),
    # a name inside a longer phrase
    ("au sein de la Famille CMS", "CMS", [("CMS", "cms")]),
    ("le programme CITES/CMS", "CMS", [("CITES", "cites"), ("CMS", "cms")]),
    ("la Vision de la stratégie CITES pour 2021-2030", "CITES", [("CITES", "cites")]),
    ("Plans-cadres des Nations Unies pour l'aide au développement", "CMS", [("Nations Unies", "un")]),
    # bodies with their treaty
    ("Le Secrétariat de la CMS et le Secrétariat CITES.", "CMS",
     [("Secrétariat de la CMS", "cms-secretariat"), ("Secrétariat CITES", "cites-secretariat")]),
    ("Le Comité Permanent de CITES et le Comité permanent de la CMS.", "CMS",
     [("Comité Permanent de CITES", "cites-standing-committee"), ("Comité permanent de la CMS", "cms-standing-committee")]),
    ("la décision XII/30 de la COP CDB", "CMS", [("COP CDB", "cbd-cop")]),
    ("le Conseil scientifique de la CMS", "CITES", [("Conseil scientifique de la CMS", "cms-scientific-council")]),
    ("la Conférence des Parties à la Convention sur la diversité biologique", "CMS",
     [("Conférence des Parties à la Convention sur la diversité biologique", "cbd-cop")]),
    ("le Secrétariat de la Convention de Berne", "CMS", [("Secrétariat de la Convention de Berne", "bern-convention-secretariat")]),
    ("le Secrétariat de la Commission baleinière internationale (CBI)", "CMS",
     [("Secrétariat de la Commission baleinière internationale (CBI)", "iwc-secretariat")]),
    ("le Secrétariat du Programme régional océanien de l’environnement (PROE)", "CMS",
     [("Secrétariat du Programme régional océanien de l’environnement (PROE)", "sprep")]),
    # plural bodies with their treaty; lower case
    ("les secrétariats de la CDB et de la Convention de Ramsar", "CMS",
     [("secrétariats de la CDB", "cbd-secretariat"), ("Convention de Ramsar", "ramsar-secretariat")]),
    # coordination: a treaty standing for the second body
    ("entre les secrétariats de la CMS et de CITES.", "CMS",
     [("secrétariats de la CMS", "cms-secretariat"), ("CITES", "cites-secretariat")]),
    ("Les Secrétariats de CITES et de la CMS soumettront un rapport.", "CMS",
     [("Secrétariats de CITES", "cites-secretariat"), ("CMS", "cms-secretariat")]),
    ("les décisions des Conférences des Parties de la CDB et de la CMS et d'autres AME", "CMS",
     [("Conférences des Parties de la CDB", "cbd-cop"), ("CMS", "cms-cop")]),
    # Parties to a treaty: the treaty itself
    ("une notification à toutes les Parties à la CMS", "CITES", [("CMS", "cms")]),
    ("Les Parties à CITES ont été priées de répondre.", "CMS", [("CITES", "cites")]),
    # bare bodies take the treaty of their context
    ("Le Secrétariat a renforcé ses relations avec le PNUE.", "CMS", [("Secrétariat", "cms-secretariat"), ("PNUE", "unep")]),
    ("Le Comité permanent est invité à prendre note du document.", "CITES", [("Comité permanent", "cites-standing-committee")]),
    ("Le conseiller nommé par la COP a participé.", "CMS", [("COP", "cms-cop")]),
    ("La France a fait un don à CITES afin de permettre au Secrétariat de recruter un consultant pour la CMS et la CMS.", "CMS",
     [("CITES", "cites"), ("Secrétariat", "cites-secretariat"), ("CMS", "cms"), ("CMS", "cms")]),
    ("Le Secrétariat a mis en place des plans avec les secrétariats de la CDB.", "CMS",
     [("Secrétariat", "cms-secretariat"), ("secrétariats de la CDB", "cbd-secretariat")]),
    ("La CARICOM aidera le Secrétariat à organiser un atelier.", "CMS", [("CARICOM", "caricom"), ("Secrétariat", "cms-secretariat")]),
    ("En vertu de la Résolution 10.8 de la CMS, le Secrétariat et le Conseil scientifique ont suivi le processus.", "CITES",
     [("CMS", "cms"), ("Secrétariat", "cms-secretariat"), ("Conseil scientifique", "cms-scientific-council")]),
    # a parenthetical is its own context
    ("COOPERATION ENTRE LA CMS ET CITES (Préparé par le Secrétariat)", "CMS",
     [("CMS", "cms"), ("CITES", "cites"), ("Secrétariat", "cms-secretariat")]),
    # a quotation belongs to the sentence that opens it, across a split after "Conf."
    ("En 2007, CITES a adopté la Résolution Conf. 14.2, qui dit : « Les Parties et le Secrétariat doivent coopérer. »", "CMS",
     [("CITES", "cites"), ("Secrétariat", "cites-secretariat")]),
    # other bare bodies: the organisation of the sentence that has such a body
    ("le Secrétariat de la Convention de Berne est membre du Groupe consultatif qui aide à la mise en place de l'Équipe spéciale intergouvernementale sur l'abattage, le prélèvement et le commerce illégaux des oiseaux migrateurs en Méditerranée.", "CMS",
     [("Secrétariat de la Convention de Berne", "bern-convention-secretariat"), ("Groupe consultatif", "mikt-advisory-group"),
      ("Équipe spéciale intergouvernementale sur l'abattage, le prélèvement et le commerce illégaux des oiseaux migrateurs en Méditerranée", "mikt")]),
    ("Le Groupe consultatif se réunira en mai.", "CMS", []),
    # a sub-body followed by its parent is one mention
    ("la réunion du Groupe d’experts sur les oiseaux de la Convention de Berne", "CMS",
     [("Groupe d’experts sur les oiseaux de la Convention de Berne", "bern-convention-bird-experts-group")]),
    ("du Groupe de travail sur les oiseaux terrestres migrateurs d’Afrique-Eurasie de la CMS", "CMS",
     [("Groupe de travail sur les oiseaux terrestres migrateurs d’Afrique-Eurasie de la CMS", "cms-aeml-working-group")]),
    # not mentions: generic classes, plural bare bodies, the document's own "Convention"
    ("Les Parties, les ONG, les OSC et la société civile.", "CMS", []),
    ("Les secrétariats continueront de chercher des fonds ; les deux Comités Permanents examineront le plan.", "CMS", []),
    ("Le positionnement stratégique de la Convention et les Parties à la Convention.", "CITES", []),
    ("les Secrétariats et les Unités de coordination des instruments de la CMS", "CMS", [("CMS", "cms")]),
    ("les Organisations régionales de gestion des pêches (ORGP)", "CMS", []),
    # initiatives, networks, partnerships that act
    ("avec le projet « Douanes vertes » et l'Initiative conjointe CMS-CITES pour les carnivores d’Afrique", "CITES",
     [("Douanes vertes", "green-customs-initiative"),
      ("Initiative conjointe CMS-CITES pour les carnivores d’Afrique", "african-carnivores-initiative")]),
    ("«Wild Migration» a présenté une proposition.", "CMS", [("Wild Migration", "wild-migration")]),
    # unknown bodies of known organisations keep their span, without id
    ("Le Secrétariat de la FAO a répondu.", "CMS", [("Secrétariat de la FAO", None)]),
]


@pytest.mark.parametrize("text,treaty,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_org_rules(nlp, text, treaty, expected):
    assert orgs(nlp, text, treaty) == expected


def test_inside_meeting_ref_doc_is_dropped(nlp):
    doc = nlp.make_doc("la 65ème réunion du Comité permanent de la CITES et le PNUE")
    doc._.treaty = "CMS"
    doc.spans["MEETING"] = [doc.char_span(3, len("la 65ème réunion du Comité permanent de la CITES"))]
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert [(s.text, s._.ids) for s in doc.spans["ORG"]] == [("PNUE", ["unep"])]


def test_spans_have_ids_and_attrs(nlp):
    doc = nlp("Le PNUE et le Bureau de la Mongolie.")
    for s in doc.spans["ORG"]:
        assert isinstance(s._.ids, list) and isinstance(s._.attrs, dict)
        assert s.label_ == "ORG"


def test_patterns_file_is_valid_json():
    data = json.loads((Path(S.patterns_dir) / "orgs.json").read_text(encoding="utf-8"))
    assert {b["suffix"] for b in data["bodies"]} >= {"secretariat", "cop", "standing-committee", "scientific-council"}


@pytest.mark.parametrize("text,expected", [
    ("ORIENTATIONS AU FONDS POUR L’ENVIRONNEMENT MONDIAL", [("FONDS POUR L’ENVIRONNEMENT MONDIAL", "gef")]),
    ("PROJET DE DÉCISION SOUMIS PAR UN GROUPE DE PARTIES", []),
    ("La coopération avec l'UA et la CE se poursuit.", [("UA", "african-union"), ("CE", "european-commission")]),
])
def test_acronyms_that_are_words_in_headings(nlp, text, expected):
    assert orgs(nlp, text, "CBD") == expected
