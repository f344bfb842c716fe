"""Issue 13: docmine.corrections and docmine.accounts on SQLite and PostgreSQL.

A small two-page CMS paper (rendered with reportlab, ingested and extracted
for real, statistical NER off) is corrected through the library: every
operation is one ledger row, conflicts are refused and kept, undo and revert
are new rows, the researchers' queries show corrected values at once,
corrections survive re-extraction and follow a new version, and the export
is a DocBin that ``spacy train`` reads.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from docmine import accounts, corrections as C, query
from docmine.ingest import ingest_paths
from docmine.settings import Settings
from docmine.store import db
from docmine.store.schema import Correction, Document
from docmine.store.write import extract_and_store
from test_carry_corrections import V1, V2, render


@pytest.fixture
def store(db_url, tmp_path):
    """(session factory, settings, document id, pdf path) with one extracted paper."""
    settings = Settings(data_dir=tmp_path / "d", database_url=db_url, use_ner=False)
    pdf = render(tmp_path / "paper.pdf", V1)
    assert ingest_paths([pdf], settings=settings, progress=False).exit_code == 0
    factory = db.make_session_factory(db_url)
    with factory() as s:
        doc = s.scalar(sa.select(Document))
        extract_and_store(doc.id, session=s, settings=settings)
        accounts.add_user("ed", "password-ed", role="editor", session=s)
        accounts.add_user("eve", "password-eve", role="editor", session=s)
        accounts.add_user("vic", "password-vic", role="viewer", session=s)
        accounts.add_user("ada", "password-ada", role="admin", session=s)
        doc_id = doc.id
    yield factory, settings, doc_id, pdf
    db.dispose_engines()


def _user(s, name):
    return accounts.get_user(name, session=s)


def _find(items, **want):
    for it in items:
        if all((w in it[k]) if k == "text" else it[k] == w for k, w in want.items()):
            return it
    raise AssertionError(f"nothing like {want} in {[i.get('text') for i in items]}")


def test_every_operation_is_one_row_and_the_queries_show_it(store):
    factory, _settings, doc_id, _pdf = store
    with factory() as s:
        ed = _user(s, "ed")
        st = C.targets(doc_id, session=s)
        ref = _find(st["mentions"], label="REF")
        org = _find(st["mentions"], label="ORG", text="Secrétariat")
        item = _find(st["action_items"], text="préparer un rapport")
        invite = _find(st["action_items"], text="Invite les Parties")
        publish = _find(st["action_items"], text="publier")
        assert ref["ids"] == ["CMS Res 11.10"] and ref["revision"] == 0

        r = C.apply({"op": "set_ids", "target": ref["target"], "base_revision": 0,
                     "ids": ["CMS Res 11.11"]}, session=s, user=ed)
        assert (r.revision, r.record["ids"], r.correction["edit"]) == (1, ["CMS Res 11.11"], "set_ids")
        C.apply({"op": "relabel", "target": org["target"], "base_revision": 0, "label": "MEETING"},
                session=s, user=ed)
        C.apply({"op": "move", "target": org["target"], "base_revision": 1,
                 "start": org["start"] - 3, "end": org["end"]}, session=s, user=ed)
        C.apply({"op": "set_deadline", "target": item["target"], "base_revision": 0,
                 "deadline": {"meeting": "CMS StC53", "date": "2016-03-31"}}, session=s, user=ed)
        C.apply({"op": "set_actor", "target": invite["target"], "base_revision": 0,
                 "actor": "donors", "actor_text": "les donateurs"}, session=s, user=ed)
        C.apply({"op": "set_verb", "target": invite["target"], "base_revision": 1,
                 "verb": "encourager"}, session=s, user=ed)
        C.apply({"op": "set_refs", "target": invite["target"], "base_revision": 2,
                 "refs": ["CMS Res 11.10"]}, session=s, user=ed)
        C.apply({"op": "delete", "target": publish["target"], "base_revision": 0},
                session=s, user=ed)
        C.apply({"op": "accept", "target": _find(st["mentions"], label="MEETING")["target"],
                 "base_revision": 0}, session=s, user=ed)
        page1 = s.scalar(sa.text("select text from pages where document_id = :d and number = 1"),
                         {"d": doc_id})
        at = page1.index("rapports nationaux")
        added = C.apply({"op": "add", "kind": "mention", "document": doc_id, "page": 1,
                         "start": at, "end": at + len("rapports nationaux"), "label": "DOC",
                         "ids": ["UNEP/CMS/StC99/8"]}, session=s, user=ed)
        assert added.record["text"] == "rapports nationaux"
        new_item = C.apply({"op": "add", "kind": "action_item", "document": doc_id, "page": 1,
                            "start": at, "end": at + 18, "actor": "parties", "verb": "soumettre",
                            "deadline": {"meeting": None, "date": "2017"}}, session=s, user=ed)
        assert new_item.target.startswith("action_item:")

        rows = C.history(session=s, document=doc_id)
        assert [r["edit"] for r in rows] == ["set_ids", "relabel", "move", "set_deadline",
                                             "set_actor", "set_verb", "set_refs", "delete",
                                             "accept", "add", "add"]
        assert all(r["status"] == "applied" and r["editor"] == "ed" for r in rows)
        assert rows[2]["before"]["label"] == "MEETING" and rows[2]["after"]["start"] == org["start"] - 3

        acts = query.actions(session=s, document=doc_id)
        got = {" ".join(t.split()): r for t, r in zip(acts["text"], acts.to_dict("records"))}
        assert not any("publier" in t for t in acts["text"])
        prep = next(r for t, r in got.items() if "préparer" in t)
        assert (prep["deadline_meeting"], prep["deadline_date"], prep["origin"]) == \
            ("CMS StC53", "2016-03-31", "correction")
        inv = next(r for t, r in got.items() if t.startswith("Invite"))
        assert (inv["actor"], inv["verb"], inv["refs"]) == ("donors", "encourager", ["CMS Res 11.10"])
        assert any(v == "soumettre" for v in acts["verb"])
        assert query.cites("CMS Res 11.10", session=s).empty or \
            set(query.cites("CMS Res 11.10", session=s)["origin"]) != {"model"}
        assert len(query.cites("CMS Res 11.11", session=s)) == 1
        # a viewer and nobody may not write
        for who in (_user(s, "vic"), None):
            with pytest.raises(C.NotAllowed):
                C.apply({"op": "delete", "target": ref["target"], "base_revision": 1},
                        session=s, user=who)


@pytest.mark.parametrize("change, fragment", [
    ({"op": "explode"}, "op: one of"),
    ({"op": "relabel", "base_revision": 0, "label": "PERSON"}, "label: one of"),
    ({"op": "move", "base_revision": 0, "start": 5, "end": 99999}, "is not a span"),
    ({"op": "set_ids", "base_revision": 0, "ids": [""]}, "non-empty"),
    ({"op": "relabel", "label": "DOC"}, "base_revision: required"),
    ({"op": "set_verb", "base_revision": 0, "verb": "x"}, "does not apply to a mention"),
    ({"op": "add", "kind": "mention", "document": "no-such-doc", "page": 1, "start": 0,
      "end": 3, "label": "ORG"}, "document:"),
    ({"op": "delete", "base_revision": 0, "target": "mention:abc"}, "bad target"),
])
def test_bad_changes_are_refused_with_a_reason(store, change, fragment):
    factory, _settings, doc_id, _pdf = store
    with factory() as s:
        m = C.targets(doc_id, session=s)["mentions"][0]
        change = {"target": m["target"], **change}
        with pytest.raises(C.InvalidCorrection) as exc:
            C.apply(change, session=s, user=_user(s, "ed"))
        assert fragment in exc.value.message and "\n" not in exc.value.message
        assert s.scalar(sa.select(sa.func.count()).select_from(Correction)) == 0


def test_conflict_keeps_both_rows_and_undo_revert_are_new_rows(store):
    factory, _settings, doc_id, _pdf = store
    with factory() as s:
        ed, eve, ada = _user(s, "ed"), _user(s, "eve"), _user(s, "ada")
        m = _find(C.targets(doc_id, session=s)["mentions"], label="REF")
        C.apply({"op": "set_ids", "target": m["target"], "base_revision": 0,
                 "ids": ["CMS Res 11.11"]}, session=s, user=ed)
        with pytest.raises(C.Conflict) as exc:
            C.apply({"op": "delete", "target": m["target"], "base_revision": 0}, session=s, user=eve)
        e = exc.value
        assert e.status == 409 and e.current["ids"] == ["CMS Res 11.11"] and e.current_revision == 1
        assert e.yours is None and e.latest["editor"] == "ed"
        rows = C.history(session=s, target=m["target"])
        assert [(r["editor"], r["status"], r["revision"]) for r in rows] == \
            [("ed", "applied", 1), ("eve", "conflict", None)]
        assert rows[1]["id"] == e.conflict_id
        # eve saw both and chooses hers: a new change against revision 1
        C.apply({"op": "delete", "target": m["target"], "base_revision": 1}, session=s, user=eve)
        assert query.cites("CMS Res 11.11", session=s).empty
        u = C.undo(m["target"], session=s, user=ed, base_revision=2)
        assert u.record["ids"] == ["CMS Res 11.11"] and u.correction["revert_of"] == rows[0]["id"] + 2
        assert len(query.cites("CMS Res 11.11", session=s)) == 1
        with pytest.raises(C.NotAllowed):
            C.revert(rows[0]["id"], session=s, user=ed)
        r = C.revert(rows[0]["id"], session=s, user=ada)  # back to the model output
        assert r.correction["op"] == "restore" and r.record["ids"] == ["CMS Res 11.10"]
        assert len(query.cites("CMS Res 11.10", session=s)) == 1
        assert query.cites("CMS Res 11.11", session=s).empty
        assert [r["revision"] for r in C.history(session=s, target=m["target"])] == \
            [1, None, 2, 3, 4]
        # the ledger is append-only in the database itself
        for stmt in ("UPDATE corrections SET editor = 'x'", "DELETE FROM corrections"):
            with pytest.raises(sa.exc.DBAPIError):
                s.execute(sa.text(stmt))
                s.commit()
            s.rollback()
        assert s.scalar(sa.select(sa.func.count()).select_from(Correction)) == 5


def test_the_database_lets_one_of_two_writes_on_one_base_land(store):
    """Bypassing the library's check: the unique (target_key, revision) index refuses."""
    factory, _settings, doc_id, _pdf = store
    with factory() as s:
        m = C.targets(doc_id, session=s)["mentions"][0]
        sha = s.get(Document, doc_id).sha256
        kw = dict(editor="x", target="mention", op="delete", document_sha256=sha, page_number=1,
                  start=0, end=1, label="DOC", target_key=m["target"], base_revision=0,
                  revision=1, status="applied")
        s.add(Correction(**kw))
        s.commit()
        s.add(Correction(**kw))
        with pytest.raises(sa.exc.IntegrityError):
            s.commit()


def test_corrections_survive_reextraction_and_follow_a_new_version(store):
    factory, settings, doc_id, pdf = store
    with factory() as s:
        ed = _user(s, "ed")
        st = C.targets(doc_id, session=s)
        item = _find(st["action_items"], text="consulter")
        ref = _find(st["mentions"], label="REF")
        C.apply({"op": "set_deadline", "target": item["target"], "base_revision": 0,
                 "deadline": {"meeting": "CMS COP15", "date": None}}, session=s, user=ed)
        C.apply({"op": "set_ids", "target": ref["target"], "base_revision": 0,
                 "ids": ["CMS Res 12.1"]}, session=s, user=ed)
        extract_and_store(doc_id, session=s, settings=settings)  # model rows replaced
        again = C.targets(doc_id, session=s)
        assert _find(again["action_items"], text="consulter")["deadline"]["meeting"] == "CMS COP15"
        assert _find(again["mentions"], label="REF")["ids"] == ["CMS Res 12.1"]
        assert "CMS COP15" in set(query.actions(session=s, document=doc_id)["deadline_meeting"])
    render(pdf, V2)  # a new version at the same path
    assert ingest_paths([pdf], settings=settings, progress=False).exit_code == 0
    with factory() as s:
        v2 = s.scalar(sa.select(Document).where(Document.version == 2))
        extract_and_store(v2.id, session=s, settings=settings)
        st2 = C.targets(v2.id, session=s)
        it2 = _find(st2["action_items"], text="consulter")
        assert it2["deadline"]["meeting"] == "CMS COP15" and it2["revision"] == 1
        # the carried row is a target of its own: it can be edited on
        r = C.apply({"op": "set_deadline", "target": it2["target"], "base_revision": 1,
                     "deadline": {"meeting": "CMS COP16", "date": None}},
                    session=s, user=_user(s, "ed"))
        assert r.revision == 2
        assert "CMS COP16" in set(query.actions(session=s, document=v2.id)["deadline_meeting"])


def test_export_docbin_jsonl_ledger_and_spacy_train_reads_it(store, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    factory, _settings, doc_id, _pdf = store
    with factory() as s:
        ed = _user(s, "ed")
        st = C.targets(doc_id, session=s)
        org = _find(st["mentions"], label="ORG", text="Secrétariat")
        C.apply({"op": "relabel", "target": org["target"], "base_revision": 0, "label": "DOC",
                 "comment": "<script>alert(1)</script>"}, session=s, user=ed)
        dele = _find(st["mentions"], label="MEETING")
        C.apply({"op": "delete", "target": dele["target"], "base_revision": 0}, session=s, user=ed)
        out = C.export(tmp_path / "out", session=s)
        assert (out["documents"], out["docs"], out["corrections"]) == (1, 2, 2)
        docs = list(DocBin().from_disk(out["docbin"]).get_docs(spacy.blank("fr").vocab))
        assert len(docs) == 2
        ents = {(e.text, e.label_) for d in docs for e in d.ents}
        assert ("Secrétariat", "DOC") in ents and not any(lbl == "MEETING" for _t, lbl in ents)
        assert docs[0].user_data["docmine"]["page"] == 1
        lines = [json.loads(x) for x in Path(out["jsonl"]).read_text(encoding="utf-8").splitlines()]
        assert len(lines) == 1
        doc = lines[0]
        text = "\f".join(s.scalars(sa.text("select text from pages where document_id = :d "
                                           "order by number"), {"d": doc_id}))
        assert doc["text_length"] == len(text)
        for m in doc["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]
        assert not any(m["label"] == "MEETING" for m in doc["mentions"])
        for a in doc["action_items"]:
            assert text[a["start"]:a["end"]] == a["text"]
        with open(out["ledger"], encoding="utf-8") as fh:
            ledger = list(csv.DictReader(fh))
        assert [r["edit"] for r in ledger] == ["relabel", "delete"]
        assert ledger[0]["comment"] == "<script>alert(1)</script>"
    cfg = tmp_path / "config.cfg"
    subprocess.run([sys.executable, "-m", "spacy", "init", "config", str(cfg), "--lang", "fr",
                    "--pipeline", "ner", "--optimize", "efficiency", "--force"],
                   check=True, capture_output=True, timeout=300)
    run = subprocess.run([sys.executable, "-m", "spacy", "train", str(cfg),
                          "--paths.train", out["docbin"], "--paths.dev", out["docbin"],
                          "--training.max_steps", "2", "--training.eval_frequency", "1",
                          "--output", str(tmp_path / "model")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert (tmp_path / "model" / "model-last" / "meta.json").exists()
    assert "DOC" in json.loads((tmp_path / "model" / "model-last" / "meta.json")
                               .read_text())["labels"]["ner"]


def test_accounts_hash_tokens_disable_and_rate_limit(store):
    factory, _settings, _doc_id, _pdf = store
    with factory() as s:
        u = _user(s, "ed")
        assert u.password_hash.startswith("$argon2id$") and "password-ed" not in u.password_hash
        assert accounts.authenticate("ed", "password-ed", session=s).name == "ed"
        assert accounts.authenticate("ed", "wrong", session=s) is None
        assert accounts.authenticate("nobody", "password-ed", session=s) is None
        with pytest.raises(accounts.AccountError, match="already exists"):
            accounts.add_user("ed", "password-xx", session=s)
        with pytest.raises(accounts.AccountError, match="bad role"):
            accounts.add_user("zed", "password-xx", role="root", session=s)
        with pytest.raises(accounts.AccountError, match="bad user name"):
            accounts.add_user("a b'; drop table users; --", "password-xx", session=s)
        tok = accounts.create_token("ed", session=s)
        assert accounts.user_for_token(tok, session=s).name == "ed"
        assert accounts.user_for_token(tok + "x", session=s) is None
        assert tok not in json.dumps([r for r in s.execute(sa.text(
            "select token_hash from api_tokens")).scalars()])
        rows = {r["name"]: r for r in accounts.list_users(session=s)}
        assert rows["ed"]["tokens"] == 1 and rows["vic"]["role"] == "viewer"
        for _ in range(accounts.MAX_FAILURES - 1):
            accounts.record_failure("ed", "10.0.0.1", session=s)
        assert accounts.login_blocked("ed", "10.0.0.1", session=s) == 0
        accounts.record_failure("ed", "10.0.0.1", session=s)
        assert accounts.login_blocked("ed", "10.0.0.1", session=s) > 0
        assert accounts.login_blocked("ed", "10.0.0.2", session=s) == 0  # another address
        accounts.disable_user("ed", session=s)
        assert accounts.user_for_token(tok, session=s) is None
        assert accounts.authenticate("ed", "password-ed", session=s) is None
        with pytest.raises(C.NotAllowed):
            C.apply({"op": "accept", "target": "x"}, session=s, user=_user(s, "ed"))
