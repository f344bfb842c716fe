"""docmine.query (filters, citations, entities, the corrections overlay) and the
query CLI, on SQLite and PostgreSQL (``db_url``)."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from docmine.store import db
from docmine import query
from docmine.cli import app
from docmine.cli.query import records
from docmine.store.schema import Correction, Document

from test_query_fixtures import build_store


@pytest.fixture
def store(db_url):
    db.init_db(db_url)
    s = db.make_session_factory(db_url)()
    try:
        ids = build_store(s)
        yield s, ids, db_url
    finally:
        s.close()
        db.dispose_engines()


def test_actions_columns_and_filters(store):
    s, (a, b, c), _url = store
    df = query.actions(session=s)
    assert list(df.columns[:10]) == ["symbol", "page", "paragraph", "actor", "actor_text", "verb",
                                     "deadline_meeting", "deadline_date", "refs", "text"]
    assert len(df) == 5
    sc = query.actions(session=s, actor="cms-standing-committee")
    assert list(sc["symbol"]) == ["UNEP/CMS/StC44/13"] * 2
    assert list(sc["page"]) == [2, 2] and list(sc["paragraph"]) == ["a", "b"]
    assert sc.iloc[1]["refs"] == ["UNEP/CMS/StC44/18.1"]
    # an actor by name (knowledge base alias)
    assert len(query.actions(session=s, actor="Comité permanent de la CMS")) == 2
    assert len(query.actions(session=s, treaty="cbd")) == 3
    assert list(query.actions(session=s, verb="inviter")["actor"]) == ["parties"]
    assert len(query.actions(session=s, meeting="CMS StC45")) == 1
    # the CBD's Executive Secretary, due before COP13: the dated item, not the COP14 one
    es = query.actions(session=s, actor="cbd-executive-secretary", due_before="CBD COP13")
    assert list(es["deadline_date"]) == ["2016-03-31"]
    assert len(query.actions(session=s, actor="cbd-executive-secretary",
                             due_before="CBD COP15")) == 2
    assert list(query.actions(session=s, due_before="2016-06-01")["deadline_date"]) == ["2016-03-31"]
    assert len(query.actions(session=s, due_before="CMS StC46")) == 1
    with pytest.raises(ValueError):
        query.actions(session=s, due_before="soon")
    for impossible in ("2025-13-45", "2025-02-30", "2025-00"):  # ISO-shaped but no such day
        with pytest.raises(ValueError, match="not a real date"):
            query.actions(session=s, due_before=impossible)
    assert len(query.actions(session=s, due_before="2016-Q3")) == len(query.actions(session=s, due_before="2016-07-01"))
    # documents by symbol, id, sha prefix
    sha = s.get(Document, c).sha256
    for doc in ("CBD/COP/12/5", c, str(c), sha[:10]):
        assert len(query.actions(session=s, document=doc)) == 2
    # words, accents and case ignored
    assert len(query.actions(session=s, text="COOPERATION technique")) == 1
    assert len(query.actions(session=s, text="progrès")) == 1
    assert len(query.actions(session=s, text="progres accomplis")) == 1
    assert list(query.actions(session=s, ref="CBD COP Dec XII/30")["document_id"]) == [b]


def test_filters_are_bound_parameters(store):
    s, _ids, _url = store
    evil = "x' OR '1'='1"
    assert query.actions(session=s, actor=evil).empty
    assert query.actions(session=s, text="%' OR 1=1 --").empty
    assert query.actions(session=s, text="%").empty
    assert query.cites(evil, session=s).empty
    assert query.cited_by(evil, session=s).empty
    assert query.search('"); DROP TABLE pages; --', session=s).empty
    assert len(query.actions(session=s)) == 5


def test_cites_and_cited_by(store):
    s, (a, b, c), _url = store
    df = query.cites("CMS Res 11.10", session=s)
    assert list(df["symbol"]) == ["UNEP/CMS/StC44/13"]
    assert df.iloc[0]["page"] == 1 and df.iloc[0]["paragraph"] == "1"
    assert "coopération technique" in df.iloc[0]["sentence"]
    # a symbol cited in an action item: what it asks
    df = query.cites("UNEP/CMS/StC44/18.1", session=s)
    assert len(df) == 2  # the cited document's own header is not a citation
    asked = df[df["verb"].notna()]
    assert list(asked["actor"]) == ["cms-standing-committee"] and list(asked["verb"]) == ["examiner"]
    assert len(query.cites("UNEP/CMS/StC44/ 18.1", session=s)) == 2  # spaces ignored
    cb = query.cited_by("UNEP/CMS/StC44/13", session=s)
    assert set(cb["cited"]) == {"CMS Res 11.10", "UNEP/CMS/StC44/18.1"}
    linked = cb[cb["cited"] == "UNEP/CMS/StC44/18.1"]
    assert set(linked["cited_document_id"]) == {b}
    assert set(linked["cited_symbol"]) == {"UNEP/CMS/StC44/18.1"}
    assert query.cited_by(a, session=s).equals(cb)
    assert query.cited_by("nonexistent", session=s).empty


def test_entities_and_entity(store):
    s, (a, b, c), _url = store
    ents = query.entities(session=s)
    top = ents.iloc[0]
    assert (top["id"], top["mentions"], top["documents"]) == ("UNEP/CMS/StC44/18.1", 3, 2)
    orgs = query.entities(session=s, label="ORG")
    assert set(orgs["label"]) == {"ORG"} and "cbd-executive-secretary" in set(orgs["id"])
    meetings = query.entities(session=s, label="meeting")
    assert set(meetings["id"]) == {"CMS StC45", "CBD COP13", "CBD COP14"}
    e = query.entity("cbd-executive-secretary", session=s)
    assert set(e) == {"entity", "aliases", "mentions", "documents", "actions"}
    assert e["entity"].iloc[0]["treaty"] == "CBD"
    assert "Secrétaire exécutif de la CDB" in set(e["aliases"]["alias"])
    assert len(e["actions"]) == 2 and len(e["mentions"]) == 1
    assert list(e["documents"]["document_id"]) == [b]
    assert query.entity("nothing-like-this", session=s)["entity"].empty
    ref = query.entity("CMS Res 11.10", session=s)["entity"].iloc[0]
    assert (ref["kind"], ref["instrument_kind"], ref["number"]) == ("instrument", "Res", "11.10")


def test_corrections_overlay(store):
    s, (a, b, c), _url = store
    sha_a = s.get(Document, a).sha256
    sha_c = s.get(Document, c).sha256
    ref = query.cites("CMS Res 11.10", session=s).iloc[0]
    items = query.actions(session=s, document=c)
    invite = items[items["verb"] == "inviter"].iloc[0]
    prie = items[items["verb"] == "prier"].iloc[0]
    # delete a model mention, add one elsewhere
    s.add(Correction(editor="ed", target="mention", op="delete", document_sha256=sha_a,
                     page_number=1, start=int(ref["start"]), end=int(ref["end"]), label="REF"))
    s.add(Correction(editor="ed", target="mention", op="add", document_sha256=sha_c,
                     page_number=1, start=0, end=12, label="REF",
                     after={"label": "REF", "text": "CBD/COP/12/5", "ids": ["CMS Res 11.10"]}))
    # modify an action item, delete another, add a new one
    s.add(Correction(editor="ed", target="action_item", op="modify", document_sha256=sha_c,
                     page_number=1, start=int(invite["start"]), end=int(invite["end"]),
                     before={"verb": "inviter"},
                     after={"text": invite["text"], "actor": "parties", "actor_text": "les Parties",
                            "verb": "inviter", "deadline": {"meeting": None, "date": "2016-01-31"},
                            "refs": [], "paragraph": "5"}))
    first = Correction(editor="ed", target="action_item", op="delete", document_sha256=sha_c,
                       page_number=1, start=int(prie["start"]), end=int(prie["end"]))
    s.add(first)
    s.flush()
    # …and a later edit that supersedes the delete: the item is shown again, modified
    s.add(Correction(editor="ed2", target="action_item", op="modify", document_sha256=sha_c,
                     page_number=1, start=int(prie["start"]), end=int(prie["end"]),
                     supersedes_id=first.id,
                     after={"text": prie["text"], "actor": "cbd-executive-secretary",
                            "actor_text": "le Secrétaire exécutif", "verb": "prier",
                            "deadline": {"meeting": "CBD COP12"}, "refs": ["CBD COP Dec XII/30"]}))
    s.add(Correction(editor="ed", target="action_item", op="add", document_sha256=sha_a,
                     page_number=1, start=0, end=17,
                     after={"text": "UNEP/CMS/StC44/13", "actor": "cms-secretariat",
                            "actor_text": "Le Secrétariat", "verb": "prier", "refs": []}))
    s.commit()

    cites = query.cites("CMS Res 11.10", session=s)
    assert list(cites["symbol"]) == ["CBD/COP/12/5"] and list(cites["origin"]) == ["correction"]
    assert query.cited_by(a, session=s).query("cited == 'CMS Res 11.10'").empty
    ents = query.entities(session=s, label="REF").set_index("id")
    assert ents.loc["CMS Res 11.10", "mentions"] == 1
    assert ents.loc["CMS Res 11.10", "documents"] == 1

    df = query.actions(session=s, document=c)
    assert len(df) == 2 and set(df["origin"]) == {"correction"}
    assert set(df["deadline_date"].dropna()) == {"2016-01-31"}
    # filters apply to corrected rows: both CBD items are now due before COP13
    due = query.actions(session=s, treaty="CBD", due_before="CBD COP13")
    assert len(due) == 3
    assert list(query.actions(session=s, actor="cms-secretariat")["origin"]) == ["correction"]
    # re-extraction keeps the ledger, and the overlay still applies
    from docmine.store.write import store_extraction
    from test_query_fixtures import extraction_c
    store_extraction(c, extraction_c(), session=s, model_version="test-model-2")
    s.commit()
    df2 = query.actions(session=s, document=c)
    pd.testing.assert_frame_equal(df.reset_index(drop=True), df2.reset_index(drop=True))


def test_cli_mirrors_python(store):
    s, (a, b, c), url = store
    runner = CliRunner()

    def cli(*args):
        s.commit()  # SQLite: a session's open transaction holds the lock (BEGIN IMMEDIATE)
        res = runner.invoke(app, [*args, "--format", "json", "--database", url])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    assert cli("actions") == records(query.actions(session=s))
    assert cli("actions", "--actor", "cbd-executive-secretary", "--due-before", "CBD COP13") == \
        records(query.actions(session=s, actor="cbd-executive-secretary", due_before="CBD COP13"))
    assert cli("actions", "--treaty", "CMS", "--verb", "examiner", "--meeting", "CMS StC45",
               "--document", "UNEP/CMS/StC44/13", "--text", "documents") == \
        records(query.actions(session=s, treaty="CMS", verb="examiner", meeting="CMS StC45",
                              document="UNEP/CMS/StC44/13", text="documents"))
    assert cli("actions", "--ref", "CBD COP Dec XII/30") == \
        records(query.actions(session=s, ref="CBD COP Dec XII/30"))
    assert cli("cites", "CMS Res 11.10") == records(query.cites("CMS Res 11.10", session=s))
    assert cli("cited-by", "UNEP/CMS/StC44/13") == \
        records(query.cited_by("UNEP/CMS/StC44/13", session=s))
    assert cli("entities", "--label", "ORG") == records(query.entities(session=s, label="ORG"))
    assert cli("entities") == records(query.entities(session=s))
    ent = cli("entity", "cbd-executive-secretary")
    assert ent == {k: records(v) for k, v in
                   query.entity("cbd-executive-secretary", session=s).items()}
    assert cli("search", "coopération technique") == \
        records(query.search("coopération technique", session=s))
    # every row names its document, page and paragraph
    for rows in (cli("actions"), cli("cites", "CMS Res 11.10"), cli("search", "coopération")):
        assert rows and all({"symbol", "page", "paragraph"} <= set(r) for r in rows)
    # table and csv render; bad input is a usage error; unknown entity exits 1
    s.commit()
    res = runner.invoke(app, ["actions", "--database", url])
    assert res.exit_code == 0 and res.stdout.rstrip().endswith("(5 action items)")
    res = runner.invoke(app, ["cites", "CMS Res 11.10", "-f", "csv", "--database", url])
    assert res.exit_code == 0 and res.stdout.startswith("symbol,page,paragraph")
    assert runner.invoke(app, ["actions", "--due-before", "soon", "-d", url]).exit_code == 2
    assert runner.invoke(app, ["entity", "no-such-thing", "-d", url]).exit_code == 1
    res = runner.invoke(app, ["actions", "--help"])
    assert res.exit_code == 0 and "--due-before" in res.stdout
