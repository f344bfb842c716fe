"""docmine_org_ner: statistical NER fallback for organisations the KB lacks."""
from __future__ import annotations

import pytest

from docmine.components.org_ner import OrgFilter, load_ner_patterns
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
    from docmine.nlp import build_nlp
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
