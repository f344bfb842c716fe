"""Two ``docmine.run.run`` started together on one database store exactly the
rows of one run (issue 9): each document's model rows are replaced under a
per-document lock, the database refuses a second copy of a mention or an
action item, and entity counts equal what the rows say."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpus" / "samples"

_WORKER = r"""
import json, os, sys, time
from docmine.settings import Settings
from docmine.run import run
from docmine.extraction.nlp import load_nlp
url, data, go = sys.argv[1:4]
settings = Settings(data_dir=data, database_url=url, use_ner=False)
load_nlp(settings)  # warm: both processes reach the database at the same moment
while not os.path.exists(go):
    time.sleep(0.005)
summary = run(sys.argv[4:], settings=settings, progress=False)
print(json.dumps(summary.to_dict()))
"""


def fingerprint(url: str) -> dict:
    """Rows that do not depend on scheduling, and the entity counts as stored and as derived."""
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            def rows(sql):
                return sorted(tuple(r) for r in c.execute(text(sql)).all())
            return {
                "mentions": rows('SELECT d.sha256, m.page_number, m.start, m."end", m.label, m.text '
                                 "FROM mentions m JOIN documents d ON d.id = m.document_id"),
                "action_items": rows('SELECT d.sha256, a.page_number, a.start, a."end", a.verb, '
                                     "COALESCE(a.actor_id, '') FROM action_items a "
                                     "JOIN documents d ON d.id = a.document_id"),
                "links": rows("SELECT d.sha256, m.start, m.label, me.entity_id FROM mention_entities me "
                              "JOIN mentions m ON m.id = me.mention_id "
                              "JOIN documents d ON d.id = m.document_id"),
                "entity_counts": rows("SELECT id, mention_count, document_count FROM entities "
                                      "WHERE mention_count > 0 OR document_count > 0"),
                "derived_counts": rows(
                    "SELECT me.entity_id, COUNT(*), COUNT(DISTINCT m.document_id) "
                    "FROM mention_entities me JOIN mentions m ON m.id = me.mention_id "
                    "GROUP BY me.entity_id"),
            }
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> dict:
    """The rows of one run alone (SQLite), in a subprocess like the racing ones."""
    tmp = tmp_path_factory.mktemp("one_run")
    url = f"sqlite:///{tmp / 'one.db'}"
    go = tmp / "go"
    go.touch()
    subprocess.run([sys.executable, "-c", _WORKER, url, str(tmp / "data"), str(go), str(SAMPLES)],
                   check=True, capture_output=True, timeout=600, env=_env())
    fp = fingerprint(url)
    assert fp["mentions"] and fp["action_items"], "the samples give mentions and action items"
    return fp


def _env() -> dict:
    env = dict(os.environ)
    env["DOCMINE_USE_NER"] = "0"
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def test_two_runs_at_once_store_the_rows_of_one(db_url, tmp_path, one_run):
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, db_url, str(tmp_path / f"data{i}"),
                               str(go), str(SAMPLES)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
             for i in range(2)]
    time.sleep(0.5)
    go.touch()
    outs = [p.communicate(timeout=900) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["extract_failed"] == [], summary["extract_failed"]
    fp = fingerprint(db_url)
    assert fp["entity_counts"] == fp["derived_counts"]
    for key in ("mentions", "action_items", "links", "derived_counts"):
        assert len(fp[key]) == len(one_run[key]), key
        assert fp[key] == one_run[key], key


def _upgrade(url: str, revision: str) -> None:
    from alembic import command

    from docmine.store import db
    engine = db.get_engine(url)
    cfg = db.alembic_config()
    with engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        connection.commit()


def test_migration_removes_duplicates_and_the_database_refuses_them(db_url):
    """A database left with duplicates by the old race: 0003 keeps one copy, recomputes
    entity counts, and from then on a second copy is an IntegrityError."""
    from sqlalchemy.exc import IntegrityError

    from docmine.store import db
    _upgrade(db_url, "0002_query")
    eng = db.get_engine(db_url)
    with eng.begin() as c:
        c.execute(text("INSERT INTO documents (id, sha256, source, source_key, version, size, media_type, "
                       "status, page_count, languages, backend, meta, ingested_at) VALUES "
                       "(1, 'aa', 'a.pdf', 'a.pdf', 1, 1, 'application/pdf', 'ok', 1, '{}', 'x', '{}', "
                       "CURRENT_TIMESTAMP)"))
        c.execute(text("INSERT INTO pages (id, document_id, number, text, blocks, char_count, doc_offset) "
                       "VALUES (1, 1, 1, 'CMS Res 11.10', '[]', 13, 0)"))
        c.execute(text("INSERT INTO entities (id, kind, label, data, mention_count, document_count) "
                       "VALUES ('CMS Res 11.10', 'instrument', 'REF', '{}', 7, 3)"))
        for mid in (1, 2, 3):  # three copies of one mention, as two racing runs left them
            c.execute(text("INSERT INTO mentions (id, document_id, page_id, page_number, start, \"end\", "
                           "doc_start, doc_end, label, text, attrs, origin) VALUES "
                           "(:i, 1, 1, 1, 0, 13, 0, 13, 'REF', 'CMS Res 11.10', '{}', 'model')"), {"i": mid})
            c.execute(text("INSERT INTO mention_entities (mention_id, entity_id, position) "
                           "VALUES (:i, 'CMS Res 11.10', 0)"), {"i": mid})
        for aid in (1, 2):
            c.execute(text("INSERT INTO action_items (id, document_id, page_id, page_number, start, \"end\", "
                           "doc_start, doc_end, text, actor_text, verb, kind, origin) VALUES "
                           "(:i, 1, 1, 1, 0, 13, 0, 13, 'x', 'y', 'prie', 'request', 'model')"), {"i": aid})
    db.init_db(db_url)
    with eng.connect() as c:
        one = lambda sql: c.execute(text(sql)).scalar()  # noqa: E731
        assert one("SELECT COUNT(*) FROM mentions") == 1
        assert one("SELECT COUNT(*) FROM mention_entities") == 1
        assert one("SELECT COUNT(*) FROM action_items") == 1
        assert c.execute(text("SELECT mention_count, document_count FROM entities")).one() == (1, 1)
    for sql in ("INSERT INTO mentions (document_id, page_id, page_number, start, \"end\", doc_start, "
                "doc_end, label, text, attrs, origin) VALUES (1, 1, 1, 0, 13, 0, 13, 'REF', 'z', '{}', 'model')",
                "INSERT INTO action_items (document_id, page_id, page_number, start, \"end\", doc_start, "
                "doc_end, text, actor_text, verb, kind, origin) VALUES "
                "(1, 1, 1, 0, 13, 0, 13, 'x', 'y', 'prie', 'request', 'model')"):
        with pytest.raises(IntegrityError):
            with eng.begin() as c:
                c.execute(text(sql))
    db.dispose_engines()
