"""Retraining from editors' corrections (issue 14), on SQLite and PostgreSQL.

The loop test drives everything for real: a meeting paper rendered to PDF,
``docmine run``, an editor's corrections through :mod:`docmine.corrections`
(never ledger rows written by hand), ``docmine train`` as a process with a
tiny training config (the spaCy project ``models/training``, workflow
``retrain``), the gate's report, promotion, re-extraction with the version in
force, a refused candidate trained on corrupted labels, rollback.
"""
from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from paperpdf import write_pdf

REPO = Path(__file__).resolve().parents[1]
DOCMINE = str(Path(sys.executable).with_name("docmine"))
#: the evaluation set of the tests: one small dev gold file (a fast gate)
EVAL_GOLD = REPO / "corpus" / "dev" / "fr" / "101_cbd_sbstta_rec_especes_envahissantes.gold.json"
TRAIN_GOLD = REPO / "corpus" / "dev" / "fr" / "102_cites_decisions_cop19.gold.json"
#: organisations the model in force misses (the editor adds them with new ids)
UNKNOWN = {"Kelmarin": "kelmarin", "Amis de Varnel": "amis-de-varnel", "BirdLink Sahel": "birdlink-sahel"}
#: names the model in force wrongly calls organisations (the editor deletes them)
FALSE = ("Programme Corridor Bleu", "Mécanisme Flyway Atlas")
PAPER = [
    ("big", "Coopération avec les partenaires"),
    "1. Le Secrétariat a poursuivi sa collaboration avec Kelmarin et avec les Amis de Varnel",
    "dans le cadre du plan de travail conjoint, ainsi qu'avec BirdLink Sahel.",
    "2. Le Groupe Sahel Migrateurs a été examiné par le Comité permanent.",
    "3. La Stratégie Grues Cendrées et le Programme Corridor Bleu ont été présentés.",
    "4. Les Parties sont invitées à coopérer avec Kelmarin et BirdLink Sahel au titre du",
    "Mécanisme Flyway Atlas.",
]
#: a document the candidate never saw, naming the three organisations
UNSEEN = ("Le Secrétariat a remercié Kelmarin pour son appui. Une réunion avec BirdLink Sahel a eu lieu "
          "à Dakar, et les Amis de Varnel ont présenté un rapport sur les oiseaux d'eau.")
#: a tiny training (about a minute with the evaluation): few steps, corrections weighed up
TINY = {"DOCMINE_TRAIN_MAX_STEPS": "60", "DOCMINE_TRAIN_EVAL_FREQUENCY": "20", "DOCMINE_TRAIN_UPSAMPLE": "20",
        "DOCMINE_TRAIN_REHEARSAL_RATIO": "1"}


def _env(data_dir: Path, **extra) -> dict:
    env = dict(os.environ, DOCMINE_DATA_DIR=str(data_dir), **TINY, **extra)
    env.pop("DOCMINE_DATABASE_URL", None)
    return env


def _docmine(args: list[str], env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([DOCMINE, *args], env=env, capture_output=True, text=True, timeout=timeout)


def _setup(db_url: str, tmp_path: Path):
    from docmine import accounts, corrections
    from docmine.run import run
    from docmine.settings import get_settings
    from docmine.store.db import session_scope
    from docmine.store.schema import Document, Page
    data = tmp_path / "data"
    data.mkdir()
    pdf = write_pdf(tmp_path / "paper.pdf", [PAPER])
    settings = get_settings(database_url=db_url, data_dir=data)
    run([pdf], settings=settings, progress=False)
    with session_scope(db_url) as s:
        user = accounts.add_user("editor1", "a long pass phrase", role="editor", session=s)
        s.commit()
        doc = s.scalars(select(Document)).one()
        state = corrections.targets(doc.id, session=s)
        found = {m["text"] for m in state["mentions"] if m["label"] == "ORG"}
        assert not found & set(UNKNOWN), found  # the model in force misses them
        assert set(FALSE) <= found, found  # and calls these organisations
        page = s.scalar(select(Page.text).where(Page.document_id == doc.id))
        for name, eid in UNKNOWN.items():  # link three unknown organisations
            for m in re.finditer(re.escape(name), page):
                corrections.apply({"op": "add", "kind": "mention", "document": doc.id, "page": 1,
                                   "start": m.start(), "end": m.end(), "label": "ORG", "ids": [eid]},
                                  session=s, user=user)
        for m in state["mentions"]:  # fix two false ones
            if m["text"] in FALSE:
                corrections.apply({"op": "delete", "target": m["target"], "base_revision": m["revision"]},
                                  session=s, user=user)
    return settings, doc.id


def _extracted_version(db_url: str, doc_id: int) -> tuple[str, set]:
    from docmine.store.db import session_scope
    from docmine.store.schema import Document, Mention
    with session_scope(db_url) as s:
        v = s.scalar(select(Document.extracted_version).where(Document.id == doc_id))
        mv = set(s.scalars(select(Mention.model_version).where(Mention.document_id == doc_id,
                                                                Mention.origin == "model")))
    return v, mv


def corrupt(examples: list[dict]) -> list[dict]:
    """Labels turned to nonsense: the organisations unmarked, every other
    ordinary word marked ORG."""
    out = []
    for e in examples:
        words = [m.span() for m in re.finditer(r"\b[A-ZÀ-Ý]?[a-zà-ÿ]{3,}\b", e["text"])]
        orgs = e.get("ents") or []
        bad = [w for w in words if not any(s < w[1] and w[0] < en for s, en, _ in orgs)]
        out.append(dict(e, ents=[[s, en, "ORG"] for s, en in bad[::2]], corrected=True))
    random.Random(0).shuffle(out)
    return out


@pytest.mark.slow
def test_corrections_train_gate_promote_reextract_refuse_rollback(db_url, tmp_path):
    import spacy

    from docmine.extraction.extract import extract_text
    from docmine.run import run
    from docmine.settings import get_training_settings
    from docmine.store.db import session_scope
    from docmine.store import models as M
    from docmine.store.schema import ModelVersion
    from docmine.training.retrain import train

    settings, doc_id = _setup(db_url, tmp_path)
    env = _env(settings.data_dir)
    baseline = M.version_name("ner_org_fr")
    assert _extracted_version(db_url, doc_id)[0] == baseline

    # ---- docmine train (a real process, tiny config): collect, learn, train, evaluate, gate
    out = _docmine(["train", "--database", db_url, "--eval-gold", str(EVAL_GOLD), "--train-gold",
                    str(TRAIN_GOLD)], env)
    text = out.stdout
    assert out.returncode in (0, 1) and "gate:" in text, out.stderr + text
    assert "1 corrected document(s)" in text, text
    for label in ("REF", "DOC", "ORG", "MEETING", "DATE", "actions", "micro"):
        assert re.search(rf"^{label}\s+\d+\s+[01]\.\d{{3}}", text, re.M), (label, text)
    assert re.search(r"^verdict: (ACCEPTED|REFUSED)", text, re.M), text
    with session_scope(db_url) as s:
        cand = s.scalars(select(ModelVersion).where(ModelVersion.parent == baseline)).one()
        accepted = cand.verdict == "accepted"
        assert (out.returncode == 0) == accepted and ("promoted:" in text) == accepted
        tag = cand.tag
    if not accepted:  # the operator's decision: promote it by hand
        out = _docmine(["models", "promote", tag, "--database", db_url], env)
        assert out.returncode == 0, out.stderr
    with session_scope(db_url) as s:
        cand = M.in_force(session=s)
        assert cand.tag == tag and cand.parent == baseline
        assert Path(cand.artefact_path).is_relative_to(Path(settings.data_dir).resolve() / "models")
        assert (Path(cand.artefact_path) / "report.json").is_file()
        rep = cand.report
        assert rep["eval_documents"] == 1 and {r["label"] for r in rep["rows"]} >= {"ORG", "actions"}
        assert set(cand.data_hashes) >= {"train", "eval"} and cand.config["training"]["train_max_steps"] == 60
        # the knowledge learned, each row with the correction it came from
        overlay = M.list_overlay(session=s)
        assert {r["entity_id"] for r in overlay} == set(UNKNOWN.values())
        assert all(isinstance(r["correction_id"], int) for r in overlay)
        cand_name, cand_path = cand.name, cand.artefact_path

    # the candidate's NER finds the three names on a document it never saw
    ents = {e.text for e in spacy.load(cand_path)(UNSEEN).ents if e.label_ == "ORG"}
    assert set(UNKNOWN) <= ents, ents
    before = {e.text for e in spacy.load(settings.model)(UNSEEN).ents if e.label_ == "ORG"}
    assert set(UNKNOWN) - before, before  # the NER in force did not know them all
    # and the rules, with the knowledge learned, link them at once (no retraining needed)
    in_force = M.settings_in_force(settings)
    assert in_force.model == cand_path
    ids = {tuple(m.ids) for m in extract_text(UNSEEN, settings=in_force.with_(use_ner=False)).mentions}
    assert {(i,) for i in UNKNOWN.values()} <= ids, ids

    # ---- re-extraction uses the version in force
    assert _extracted_version(db_url, doc_id)[0] == baseline  # extracted before the promotion
    run([], settings=settings, progress=False)  # stored already: only re-extracted
    assert _extracted_version(db_url, doc_id) == (cand_name, {cand_name})

    # ---- a candidate trained on corrupted labels is refused; the version in force stays
    bad = train(settings, tset=get_training_settings(train_max_steps=60, train_eval_frequency=20,
                                                     train_rehearsal_ratio=0),
                train_gold=[TRAIN_GOLD], eval_gold=[EVAL_GOLD], examples_hook=corrupt)
    assert bad.report["verdict"] == "refused" and not bad.promoted, bad.report_text
    org = next(r for r in bad.report["rows"] if r["label"] == "ORG")
    assert org["candidate"]["f1"] < org["current"]["f1"] - 0.01, bad.report_text
    assert any(r.startswith("ORG") for r in bad.report["reasons"]), bad.report["reasons"]
    with session_scope(db_url) as s:
        assert M.in_force(session=s).name == cand_name
        assert M.find_version(bad.tag, session=s).status == "refused"

    # ---- rollback restores the previous version; the flow re-extracts with it
    out = _docmine(["models", "rollback", "--database", db_url], env)
    assert out.returncode == 0 and "ner_org_fr is in force again" in out.stdout, out.stderr
    out = _docmine(["models", "list", "--database", db_url, "-f", "json"], env)
    rows = json.loads(out.stdout)
    assert [r["tag"] for r in rows if r["in_force"]] == ["ner_org_fr"]
    assert {r["status"] for r in rows} == {"in_force", "rolled_back", "refused"}
    out = _docmine(["reextract", "--database", db_url], env)
    assert out.returncode == 0, out.stderr + out.stdout
    assert _extracted_version(db_url, doc_id) == (baseline, {baseline})
