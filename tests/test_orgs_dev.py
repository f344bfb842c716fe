"""ORG scores on the dev gold (../shared/corpus/dev), with floors."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _dev_orgs():
    spec = importlib.util.spec_from_file_location("dev_orgs", REPO / "models" / "training" / "scripts" / "dev_orgs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


FLOOR_F1 = 0.95
FLOOR_IDS = 0.95


def test_dev_gold_org_rules_only(shared_dir):
    from docmine.extraction.nlp import build_nlp
    dev = _dev_orgs()
    res = dev.run(shared_dir / "corpus" / "dev", build_nlp(use_ner=False), meeting_oracle=True)
    assert res["strict"]["f1"] >= FLOOR_F1, res
    assert res["id_accuracy"] >= FLOOR_IDS, res


@pytest.mark.slow
def test_dev_gold_org_with_ner(shared_dir):
    from docmine.extraction.nlp import build_nlp
    dev = _dev_orgs()
    res = dev.run(shared_dir / "corpus" / "dev", build_nlp(use_ner=True), meeting_oracle=True)
    assert res["strict"]["f1"] >= FLOOR_F1, res
    assert res["id_accuracy"] >= FLOOR_IDS, res
