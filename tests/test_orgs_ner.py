"""docmine_org_ner: statistical NER fallback for organisations the KB lacks."""
from __future__ import annotations

import pytest

from docmine.extraction.components.org_ner import OrgFilter, load_ner_patterns
from docmine.settings import get_settings

S = get_settings()


@pytest.fixture(scope="module")
def flt():
    return OrgFilter(load_ner_patterns(S.patterns_dir))


@pytest.mark.parametrize("text,ok", [
    ("Société zoologique de Londres", True),
    ("Fondation MAVA", True),
    ("Réseau africain des aires protégées", True),
    ("Lusaka Agreement Task Force", True),
    ("MEDASSET", True),
    ("Résolution 11.10", False),
    ("Plan stratégique", False),
    ("Déclaration de Gaborone", False),
    ("Défi de Micronésie", False),
    ("Programme de développement durable", False),
    ("ONG", False),
    ("Parties", False),
    ("AME", False),
    ("Rev", False),
    ("la société civile", False),
    ("Objectifs d'Aichi", False),
    ("Allemagne", False),
    ("UNEP/CMS/StC44/13", False),
    ("III", False),
    ("XIV", False),
    # an inner head word is one name only without a bracket between (a title block's lines)
    ("Ad Hoc Technical Expert Group on Indicators", True),
    ("Global Knowledge Support Service for Biodiversity", True),
    ("AUTRES ORGANISATIONS ( Préparé par le Secrétariat ) Résumé", False),
    ("OTHER ORGANIZATIONS ( Prepared by the Secretariat ) Summary", False),
    ("INFORME DE LA ( Preparado por la Secretaría ) Resumen", False),
    ("Working Capital Fund ( WCF )", True),
    ("Marine Stewardship Council ( MSC )", True),
    ("Forum Fisheries Agency ( FFA ) Secretariat", True),
])
def test_filter(flt, text, ok):
    assert flt.accept(text.split()) is ok


@pytest.mark.slow
def test_ner_fallback_adds_unknown_organisation_without_id():
    from docmine.extraction.nlp import build_nlp
    nlp = build_nlp(use_ner=True)
    doc = nlp.make_doc("Le Secrétariat a reçu une contribution de la Fondation Segré et de la Société zoologique "
                       "de Londres pour le projet sur les vautours, avec le PNUE.")
    doc._.treaty = "CMS"
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    found = {s.text: s._.ids for s in doc.spans["ORG"]}
    assert found.get("PNUE") == ["unep"]
    assert found.get("Secrétariat") == ["cms-secretariat"]
    unknown = [t for t, ids in found.items() if ids == []]
    assert unknown, found
    assert all(t not in ("Parties", "ONG") for t in found)


@pytest.fixture(scope="module")
def blank():
    import spacy
    from docmine.extraction import components  # noqa: F401
    from docmine.extraction.nlp import register_extensions
    register_extensions()
    return spacy.blank("fr", config={"nlp": {"tokenizer": {"@tokenizers": "docmine.tokenizer.v1",
                                                           "patterns_path": str(S.patterns_dir)}}})


def _run_org_ner(blank, text, kb_spans, ents):
    from docmine.extraction.components.org_ner import OrgNer
    from docmine.extraction.kb import load_kb
    from spacy.tokens import Span
    doc = blank.make_doc(text)
    org = []
    for t, ids in kb_spans:
        i = text.index(t)
        sp = doc.char_span(i, i + len(t), label="ORG")
        sp._.ids, sp._.attrs = ids, {}
        org.append(sp)
    doc.spans["ORG"] = org
    doc.ents = [Span(doc, doc.char_span(text.index(t), text.index(t) + len(t)).start,
                     doc.char_span(text.index(t), text.index(t) + len(t)).end, label=lab) for t, lab in ents]
    OrgNer(load_ner_patterns(S.patterns_dir), load_kb(str(S.kb_path)))(doc)
    return [(s.text, s._.ids) for s in doc.spans["ORG"]]


def test_ner_entity_outside_kb_is_added_without_id(blank):
    text = "Le PNUE et la Fondation Segré ont signé."
    assert _run_org_ner(blank, text, [("PNUE", ["unep"])], [("Fondation Segré", "ORG"), ("PNUE", "ORG")]) == \
        [("PNUE", ["unep"]), ("Fondation Segré", [])]


def test_ner_longer_name_around_a_kb_acronym_replaces_it(blank):
    text = "Le Bureau régional du PNUE pour la Mongolie a aidé."
    got = _run_org_ner(blank, text, [("PNUE", ["unep"])], [("Bureau régional du PNUE pour la Mongolie", "ORG")])
    assert got == [("Bureau régional du PNUE pour la Mongolie", [])]


def test_ner_does_not_override_a_full_kb_name(blank):
    text = "Le Secrétariat de la CITES entretient des relations avec eux."
    got = _run_org_ner(blank, text, [("Secrétariat de la CITES", ["cites-secretariat"])],
                       [("Secrétariat de la CITES entretient des relations", "ORG")])
    assert got == [("Secrétariat de la CITES", ["cites-secretariat"])]


def test_ner_skips_non_org_labels_and_generic_classes(blank):
    text = "Les ONG et Paris et la Résolution Conf. 14.2."
    assert _run_org_ner(blank, text, [], [("ONG", "ORG"), ("Paris", "LOC")]) == []


# Issue 8, O3: a statistical entity never spans a ``;``, a clause boundary or a
# person's name; O4: a KB mention is replaced only by a longer name that is kept.
# Rows: (text, KB mentions (text, ids), NER entities (text, label), expected ORG).
NER_BOUNDARY_CASES = [
    ("Le Comité fournit au Secrétariat des directives politiques sur la mise en œuvre.",
     [("Secrétariat", ["cites-secretariat"])], [("Secrétariat des directives politiques sur la mise", "ORG")],
     [("Secrétariat", ["cites-secretariat"])]),
    ("La session a examiné la Convention; les questions relatives au commerce; et la coopération avec la FAO.",
     [("FAO", ["fao"])], [("Convention; les questions relatives au commerce; et la coopération avec la FAO", "ORG")],
     [("FAO", ["fao"])]),
    ("Les travaux du Réseau africain des aires protégées; les questions budgétaires.",
     [], [("Réseau africain des aires protégées; les questions budgétaires", "ORG")],
     [("Réseau africain des aires protégées", [])]),
    ("Le Groupe de travail sur les vautours, qui s'est réuni à Abou Dhabi, a rendu son rapport.",
     [], [("Groupe de travail sur les vautours, qui s'est réuni à Abou Dhabi", "ORG")],
     [("Groupe de travail sur les vautours", [])]),
    ("Le Fonds fiduciaire pour les vautours présidé par M. Jean Dupont a contribué.",
     [], [("Fonds fiduciaire pour les vautours présidé par M. Jean Dupont", "ORG")],
     [("Fonds fiduciaire pour les vautours", [])]),
    ("La Société zoologique de Londres Mme Claire Martin a présenté le rapport.",
     [], [("Société zoologique de Londres Mme Claire Martin", "ORG")],
     [("Société zoologique de Londres", [])]),
    ("Le Forum des pêches Dr Ana Silva a ouvert la séance.",
     [], [("Forum des pêches Dr Ana Silva a ouvert", "ORG")],
     [("Forum des pêches", [])]),
    ("TRAFFIC et le Groupe de travail sur le bois d'agar établi par le Comité pour les plantes ont fait rapport.",
     [], [("Groupe de travail sur le bois d'agar établi par le Comité pour les plantes", "ORG")],
     [("Groupe de travail sur le bois d'agar", []), ("Comité pour les plantes", ["cites-plants-committee"])]),
    # O4: the rejected entity 'Comité permanent)' does not remove the KB mention inside it
    ("(Préparé par le Secrétariat au nom du Comité permanent) Le Réseau pour les voies de migration examinera.",
     [("Secrétariat", []), ("Comité permanent", [])],
     [("Secrétariat", "ORG"), ("Comité permanent)", "ORG"), ("Réseau pour les voies de migration", "ORG")],
     [("Secrétariat", []), ("Comité permanent", []), ("Réseau pour les voies de migration", [])]),
    # a longer name that adds a capitalised name still replaces a KB acronym inside it
    ("Le Bureau régional du PNUE pour la Mongolie; les autres bureaux.",
     [("PNUE", ["unep"])], [("Bureau régional du PNUE pour la Mongolie; les autres bureaux", "ORG")],
     [("Bureau régional du PNUE pour la Mongolie", [])]),
]


@pytest.mark.parametrize("text,kb_spans,ents,expected", NER_BOUNDARY_CASES)
def test_ner_entity_cut_at_clause_boundaries(blank, text, kb_spans, ents, expected):
    assert _run_org_ner(blank, text, kb_spans, ents) == expected


@pytest.mark.parametrize("text,bare,ent,expected", [
    # a bare body's name is whole, even when the entity adds a capitalised word
    ("Prie le Conseil scientifique de recenser les besoins de la Convention en matière d'évaluation.",
     "Conseil scientifique", "Conseil scientifique de recenser les besoins de la Convention",
     [("Conseil scientifique", ["cms-scientific-council"])]),
    ("Le Secrétariat du Réseau Ouest-Africain a écrit.", "Secrétariat", "Secrétariat du Réseau Ouest-Africain",
     [("Secrétariat", ["cms-secretariat"])]),
])
def test_ner_never_extends_a_bare_body(blank, text, bare, ent, expected):
    from docmine.extraction.components.org_ner import OrgNer
    from docmine.extraction.kb import load_kb
    from spacy.tokens import Span
    doc = blank.make_doc(text)
    i = text.index(bare)
    sp = doc.char_span(i, i + len(bare), label="ORG")
    sp._.ids, sp._.attrs = expected[0][1], {}
    doc.spans["ORG"] = [sp]
    doc.user_data["docmine_bare_orgs"] = {(i, i + len(bare))}
    j = text.index(ent)
    e = doc.char_span(j, j + len(ent))
    doc.ents = [Span(doc, e.start, e.end, label="ORG")]
    OrgNer(load_ner_patterns(S.patterns_dir), load_kb(str(S.kb_path)))(doc)
    assert [(s.text, s._.ids) for s in doc.spans["ORG"]] == expected
