"""The parts of retraining that need no training run (issue 14): the knowledge
overlay (learned through the corrections API, read by the rule components),
model versions (promote, rollback, the version in force as a database
setting), the gate's decision, paragraphs, the held-back split, settings."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from paperpdf import write_pdf


# ------------------------------------------------------------------ knowledge base overlay
def test_overlay_adds_aliases_and_entities_and_base_names_win():
    from docmine.extraction.kb import KnowledgeBase, load_kb
    from docmine.settings import get_settings
    kb = load_kb(str(get_settings().kb_path))
    assert kb.lookup("Fondation Zorbal") is None
    ov = (("entity", "zorbal", "Fondation Zorbal", ""), ("alias", "cms", "Convention Bonn-Zorbal", ""),
          ("alias", "unep", "Convention on Migratory Species", ""), ("entity", "zx", "ZXQA", ""))
    kb2 = kb.with_overlay(ov)
    assert isinstance(kb2, KnowledgeBase) and kb2 is not kb
    assert kb2.lookup("fondation zorbal") == "zorbal"  # names: case-insensitive
    assert kb2.lookup("Convention Bonn-Zorbal") == "cms"
    assert kb2.lookup("ZXQA") == "zx" and kb2.lookup("zxqa") is None  # acronyms: case-sensitive
    assert kb2.lookup("Convention on Migratory Species") == kb.lookup("Convention on Migratory Species")
    assert kb.lookup("Fondation Zorbal") is None  # the base is untouched
    assert load_kb(str(get_settings().kb_path), ov) is load_kb(str(get_settings().kb_path), list(ov))
    assert kb.with_overlay(()) is kb


@pytest.mark.slow
def test_rule_components_read_the_overlay_passed_in_settings():
    from docmine.extraction.extract import extract_text
    from docmine.settings import get_settings
    text = "Le Secrétariat a collaboré avec le Réseau des gardiens du Sahel pour la mise en œuvre."
    s = get_settings(use_ner=False)
    before = {m.text for m in extract_text(text, settings=s).mentions if m.label == "ORG"}
    assert "Réseau des gardiens du Sahel" not in before
    s2 = s.with_(kb_overlay=(("entity", "sahel-keepers", "Réseau des gardiens du Sahel", ""),))
    after = {(m.text, tuple(m.ids)) for m in extract_text(text, settings=s2).mentions if m.label == "ORG"}
    assert ("Réseau des gardiens du Sahel", ("sahel-keepers",)) in after


# ------------------------------------------------------------------ through the corrections API
@pytest.fixture
def paper_db(db_url, tmp_path):
    """A stored (not extracted) paper, an editor and an admin."""
    from docmine import accounts
    from docmine.ingest import ingest_paths
    from docmine.settings import get_settings
    from docmine.store.db import session_scope
    from docmine.store.schema import Document, Page
    pdf = write_pdf(tmp_path / "p.pdf", [["1. Le Secrétariat coopère avec Kelmarin et la Fondation Zorbal."]])
    settings = get_settings(database_url=db_url, data_dir=tmp_path / "data")
    ingest_paths([pdf], settings=settings, progress=False)
    with session_scope(db_url) as s:
        doc = s.scalars(select(Document)).one()
        page = s.scalar(select(Page.text).where(Page.document_id == doc.id))
        accounts.add_user("ed", "a long pass phrase", role="editor", session=s)
        accounts.add_user("boss", "another long phrase", role="admin", session=s)
    return settings, doc.id, page


def test_learn_knowledge_from_corrections_with_their_ids_and_revert(paper_db):
    from docmine import corrections
    from docmine.store import models as M
    from docmine.store.db import session_scope
    from docmine.store.schema import Entity, KbOverlay, User
    settings, doc_id, page = paper_db
    with session_scope(settings.url) as s:
        from docmine.store.entities import load_organisations
        load_organisations(s, settings.kb_path)
        ed = s.scalars(select(User).where(User.name == "ed")).one()
        i = page.index("Kelmarin")
        a1 = corrections.apply({"op": "add", "kind": "mention", "document": doc_id, "page": 1, "start": i,
                                "end": i + 8, "label": "ORG", "ids": ["kelmarin"]}, session=s, user=ed)
        j = page.index("Fondation Zorbal")
        a2 = corrections.apply({"op": "add", "kind": "mention", "document": doc_id, "page": 1, "start": j,
                                "end": j + 16, "label": "ORG", "ids": ["cms"]}, session=s, user=ed)
    # the next extraction learns it at once (no training, no run): the rules link the name
    from docmine.store.schema import Mention, MentionEntity
    from docmine.store.write import extract_and_store
    with session_scope(settings.url) as s:
        extract_and_store(doc_id, session=s, settings=settings.with_(use_ner=False))
    with session_scope(settings.url) as s:
        linked = set(s.execute(select(Mention.text, MentionEntity.entity_id).join(
            MentionEntity, MentionEntity.mention_id == Mention.id).where(Mention.origin == "model")).all())
        assert ("Kelmarin", "kelmarin") in linked and ("Fondation Zorbal", "cms") in linked, linked
        got = M.learn_knowledge(session=s)
        assert got["added"] == 0 and got["active"] == 2
        rows = {(r.kind, r.entity_id, r.alias, r.correction_id) for r in s.scalars(select(KbOverlay))}
        assert rows == {("entity", "kelmarin", "Kelmarin", a1.correction["id"]),
                        ("alias", "cms", "Fondation Zorbal", a2.correction["id"])}
        assert s.get(Entity, "kelmarin").kind == "organisation"  # mentions can link to it
        assert M.learn_knowledge(session=s)["added"] == 0  # idempotent
    # the overlay reaches extraction through the settings the store resolves
    in_force = M.settings_in_force(settings)
    assert set(in_force.kb_overlay) == {("entity", "kelmarin", "Kelmarin", ""),
                                        ("alias", "cms", "Fondation Zorbal", "")}
    # an admin reverts the second correction: that knowledge goes out of force
    with session_scope(settings.url) as s:
        boss = s.scalars(select(User).where(User.name == "boss")).one()
        corrections.revert(a2.correction["id"], session=s, user=boss)
    with session_scope(settings.url) as s:
        got = M.learn_knowledge(session=s)
        assert got["deactivated"] == 1 and got["active"] == 1
        assert [r["entity_id"] for r in M.list_overlay(session=s)] == ["kelmarin"]


# ------------------------------------------------------------------ versions
def test_versions_promote_rollback_and_the_setting_in_force(db_url, tmp_path):
    from docmine.settings import get_settings
    from docmine.store import models as M
    from docmine.store.db import init_db, session_scope
    settings = get_settings(database_url=db_url, data_dir=tmp_path)
    init_db(db_url)
    assert M.settings_in_force(settings).model == settings.model  # nothing in force: the process's
    arts = {}
    for t in ("ner_org_fr-a", "ner_org_fr-b"):
        arts[t] = tmp_path / "models" / t
        arts[t].mkdir(parents=True)
    with session_scope(db_url) as s:
        base = M.register_baseline(settings, session=s)
        assert base.tag == Path(settings.model).name and base.status == "in_force"
        with pytest.raises(M.ModelError, match="only version"):
            M.rollback(session=s)
        for t in arts:
            M.add_candidate(session=s, tag=t, artefact_path=str(arts[t]), parent=base.name, config={},
                            data_hashes={"train": "x"})
        with pytest.raises(M.ModelError, match="no model version"):
            M.promote("nope", session=s)
        M.promote("ner_org_fr-a", session=s)
        M.promote(M.version_name("ner_org_fr-b"), session=s)  # by name too
    assert M.settings_in_force(settings).model == str(arts["ner_org_fr-b"])
    from docmine.extraction.nlp import model_version
    assert model_version(M.settings_in_force(settings)) == M.version_name("ner_org_fr-b")
    with session_scope(db_url) as s:
        old, new = M.rollback(session=s)
        assert (old.tag, new.tag) == ("ner_org_fr-b", "ner_org_fr-a")
        old, new = M.rollback(session=s)
        assert (old.tag, new.tag) == ("ner_org_fr-a", base.tag)
        status = {r["tag"]: (r["status"], r["in_force"]) for r in M.list_versions(session=s)}
        assert status == {base.tag: ("in_force", True), "ner_org_fr-a": ("rolled_back", False),
                          "ner_org_fr-b": ("rolled_back", False)}
        # a version whose artefact is gone cannot be put in force
        M.add_candidate(session=s, tag="ner_org_fr-c", artefact_path=str(tmp_path / "gone"), parent=None,
                        config={}, data_hashes={})
        with pytest.raises(M.ModelError, match="no artefact"):
            M.promote("ner_org_fr-c", session=s)
    assert M.settings_in_force(settings).model == str(settings.model)
    # the web app reads the same setting
    from fastapi.testclient import TestClient

    from docmine.web import create_app
    with TestClient(create_app(settings)) as client:
        rows = client.get("/api/models").json()
    assert [r["tag"] for r in rows if r["in_force"]] == [base.tag]
    assert {r["tag"] for r in rows} == {base.tag, "ner_org_fr-a", "ner_org_fr-b", "ner_org_fr-c"}
    # docmine models list: the four formats, the same rows
    import csv
    import io
    import json
    from typer.testing import CliRunner

    from docmine.cli import app
    out = {f: CliRunner().invoke(app, ["models", "list", "-f", f, "--database", db_url,
                                       "--data-dir", str(tmp_path)], env={"COLUMNS": "100"})
           for f in ("table", "csv", "json", "jsonl")}
    assert all(r.exit_code == 0 for r in out.values()), {f: r.output for f, r in out.items()}
    as_json = json.loads(out["json"].stdout)
    assert [json.loads(ln) for ln in out["jsonl"].stdout.splitlines()] == as_json and len(as_json) == 4
    assert len(list(csv.reader(io.StringIO(out["csv"].stdout)))) == 5
    assert out["table"].stdout.splitlines()[-1] == "(4 versions)"
    res = CliRunner().invoke(app, ["models", "promote", "nope", "--database", db_url])
    assert res.exit_code != 0


# ------------------------------------------------------------------ the gate
def _scores(f1: dict, actions: float = 1.0) -> dict:
    def fig(v):
        return {"gold": 10, "pred": 10, "strict": {"tp": 0, "p": v, "r": v, "f1": v},
                "lenient": {"tp": 0, "p": v, "r": v, "f1": v}, "ids": {"n": 1, "correct": 1, "accuracy": 1.0}}
    labels = {k: fig(v) for k, v in f1.items()}
    micro = sum(f1.values()) / len(f1)
    return {"documents": 2, "labels": labels, "micro": fig(round(micro, 4)),
            "actions": {"gold": 3, "pred": 3, "matched": 3, "p": actions, "r": actions, "f1": actions,
                        "actor": 1.0, "verb": 1.0, "deadline": 1.0}}


BASE = {"REF": 0.9, "DOC": 0.9, "ORG": 0.8, "MEETING": 0.9, "DATE": 0.9}


@pytest.mark.parametrize("cand, actions, accepted, reason", [
    ({**BASE, "ORG": 0.85}, 1.0, True, None),                        # +0.01 micro, nothing falls
    ({**BASE, "ORG": 0.81}, 1.0, False, "micro strict F1 gained +0.0020"),  # below the margin
    ({**BASE, "ORG": 0.95, "DATE": 0.88}, 1.0, False, "DATE strict F1 fell by 0.020"),
    ({**BASE, "ORG": 0.95, "DATE": 0.89}, 1.0, True, None),          # a fall within the tolerance
    ({**BASE, "ORG": 0.95}, 0.9, False, "actions strict F1 fell by 0.100"),
])
def test_gate_decides_on_margin_and_per_label_tolerance(cand, actions, accepted, reason):
    from docmine.training.gate import gate
    rep = gate(_scores(BASE), _scores(cand, actions), margin=0.005, tolerance=0.01)
    assert rep.accepted is accepted
    if reason:
        assert any(r.startswith(reason) for r in rep.reasons), rep.reasons
    d = rep.to_dict()
    assert d["verdict"] == ("accepted" if accepted else "refused") and len(d["rows"]) == 6
    table = rep.render()
    assert table.splitlines()[-1].startswith("verdict: " + d["verdict"].upper())
    assert "ORG" in table and "micro" in table


# ------------------------------------------------------------------ collect helpers
def test_paragraphs_never_cut_an_organisation():
    from docmine.training.collect import paragraphs
    text = "Premier paragraphe avec le Fonds\nmondial pour la nature.\n\nSecond.\fTroisième page ; fin."
    s = text.index("Fonds")
    e = text.index("nature") + len("nature")
    paras = paragraphs(text, [(s, e)])
    assert any(a <= s and e <= b for a, b in paras), paras
    assert all(text[a:b].strip() == text[a:b] and text[a:b] for a, b in paras)
    assert [text[a:b] for a, b in paras][-1] == "Troisième page ; fin."


def test_held_back_is_stable_and_never_everything():
    from docmine.training.collect import held_back
    shas = [f"{i:012x}" + "0" * 52 for i in range(20)]
    held = held_back(shas, 5)
    assert held == {s for s in shas if int(s[:12], 16) % 5 == 0} and len(held) == 4
    assert held_back(shas + ["f" * 64], 5) >= held  # adding documents keeps the split
    assert held_back([shas[0]], 5) == set()  # nothing left to train on: none held back


def test_training_settings_from_environment_and_bounds(monkeypatch):
    from pydantic import ValidationError

    from docmine.settings import get_training_settings
    monkeypatch.setenv("DOCMINE_GATE_MARGIN", "0.02")
    t = get_training_settings(gate_tolerance=0.05)
    assert (t.gate_margin, t.gate_tolerance, t.train_max_steps) == (0.02, 0.05, 400)
    with pytest.raises(ValidationError):
        get_training_settings(gate_margin=-1)


def test_dry_run_collects_and_writes_nothing(paper_db):
    from docmine import corrections
    from docmine.store.db import session_scope
    from docmine.store.schema import KbOverlay, ModelVersion, User
    from docmine.training.retrain import train
    settings, doc_id, page = paper_db
    with session_scope(settings.url) as s:
        ed = s.scalars(select(User).where(User.name == "ed")).one()
        i = page.index("Kelmarin")
        corrections.apply({"op": "add", "kind": "mention", "document": doc_id, "page": 1, "start": i,
                           "end": i + 8, "label": "ORG", "ids": ["kelmarin"]}, session=s, user=ed)
    res = train(settings, dry_run=True, train_gold=[], eval_gold=[])
    assert res.dry_run and res.counts["corrected_documents"] == 1 and res.counts["corrections"] == 1
    assert res.counts["corrected_paragraphs"] >= 1 and res.knowledge["added"] == 1
    assert "dry run: nothing trained, nothing written" in res.render()
    with session_scope(settings.url) as s:
        assert s.scalars(select(KbOverlay)).all() == [] and s.scalars(select(ModelVersion)).all() == []
    assert not (Path(settings.data_dir) / "training" / ".dry-run").exists()
    assert not (Path(settings.data_dir) / "models").exists()


def test_learning_curve_renders_each_share():
    from docmine.training.retrain import CurvePoint, render_curve
    text = render_curve({"eval_documents": 2, "current": {"micro_f1": 0.9, "org_f1": 0.8},
                         "points": [CurvePoint(0.25, 4, 0.90, 0.80, 0.9, 0.72),
                                    CurvePoint(1.0, 16, 0.93, 0.86, 0.9, 0.82)],
                         "verdict": "still rising at 100 %: more corrections should help"})
    lines = text.splitlines()
    assert lines[2].split()[:3] == ["25%", "4", "0.900"] and lines[3].split()[-1] == "+0.030"
    assert lines[-1].startswith("still rising")
