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
