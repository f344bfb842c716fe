"""The command line as a user meets it (issue 9): one plain error line and no
traceback for anything a user can type, read-only commands that create
nothing, one ``--format`` option on every listing command, help that names
real functions. Database cases run on SQLite and PostgreSQL (``db_url``)."""
from __future__ import annotations

import csv
import importlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from docmine import query
from docmine.store import db
from docmine.cli import app

from test_query_fixtures import build_store

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def invoke(*args, columns: int = 80):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False,
                         env={"COLUMNS": str(columns)})


def one_error_line(res, code: int, *words: str) -> str:
    """``res`` failed with ``code`` and said why in one plain line on stderr."""
    assert res.exit_code == code, (res.exit_code, res.output)
    err = res.stderr
    assert "Traceback" not in res.output and "╭" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("docmine"), err
    for w in words:
        assert w in err, (w, err)
    return err


@pytest.fixture
def store_url(db_url):
    db.init_db(db_url)
    s = db.make_session_factory(db_url)()
    try:
        build_store(s)
    finally:
        s.close()
    yield db_url
    db.dispose_engines()


# ------------------------------------------------------------------ item 1: usage errors
@pytest.mark.parametrize("columns", [20, 80, 300])
def test_usage_errors_are_one_plain_line_at_any_width(tmp_path, columns):
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 8) / "missing-document.pdf"
    res = invoke("ingest", deep, "--database", f"sqlite:///{tmp_path / 'x.db'}", columns=columns)
    err = one_error_line(res, 2, "docmine ingest: error:", str(deep), "does not exist")
    assert "--help" in err
    one_error_line(invoke("actions", "--due-before", columns=columns), 2, "--due-before")
    one_error_line(invoke("nosuchcommand", columns=columns), 2, "nosuchcommand")
    one_error_line(invoke("documents", "--format", "xml", columns=columns), 2, "xml")


# ------------------------------------------------------------------ item 2: no traceback
BAD_URLS = [
    ("not a database url", "is not a database URL"),
    ("foo://host/db", "unknown kind of database 'foo'"),
    ("mysql://user@localhost/db", "driver for mysql is not installed"),
    ("postgresql+psycopg2://u@127.0.0.1/test", "driver for postgresql+psycopg2 is not installed"),
    ("postgresql+psycopg://postgres@127.0.0.1:1/test", "cannot open the database"),
    ("postgresql+psycopg://postgres@no-such-host.invalid/test", "cannot open the database"),
]


@pytest.mark.parametrize("url,says", BAD_URLS, ids=[u for u, _ in BAD_URLS])
@pytest.mark.parametrize("command", [["documents"], ["actions"], ["search", "coopération"],
                                     ["show", "1"], ["entities"]])
def test_unusable_database_url_is_one_line(command, url, says):
    one_error_line(invoke(*command, "--database", url), 2, says)


@pytest.mark.parametrize("url,says", BAD_URLS[:4], ids=[u for u, _ in BAD_URLS[:4]])
def test_ingest_with_unusable_database_url_is_one_line(tmp_path, url, says):
    from test_ingest_helpers import make_pdf
    pdf = make_pdf(tmp_path / "a.pdf", 1, tag="a")
    one_error_line(invoke("ingest", pdf, "--database", url), 2, says)


READ_ONLY = [["documents"], ["show", "1"], ["actions"], ["cites", "CMS Res 11.10"],
             ["cited-by", "1"], ["entities"], ["entity", "parties"], ["search", "coopération"]]


@pytest.mark.parametrize("command", READ_ONLY, ids=[c[0] for c in READ_ONLY])
def test_read_only_commands_refuse_a_missing_database_and_create_nothing(db_url, tmp_path,
                                                                         command):
    if db_url.startswith("sqlite"):
        missing = tmp_path / "typo" / "docmine.db"
        url = f"sqlite:///{missing}"
        err = one_error_line(invoke(*command, "--database", url), 2,
                             f"no docmine database at {missing}", "`docmine run` creates one")
        assert not missing.parent.exists()
    else:  # a reachable server, an empty schema: no docmine tables created in it
        err = one_error_line(invoke(*command, "--database", db_url), 2, "no docmine database at",
                             "`docmine run` creates one")
        assert db.table_names(db_url) == []
    assert "password" not in err


def test_read_only_default_database_is_not_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCMINE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DOCMINE_DATA_DIR", raising=False)
    one_error_line(invoke("actions"), 2, "no docmine database at", "data/docmine.db")
    assert list(tmp_path.iterdir()) == []


def test_argument_not_utf8_is_refused(tmp_path):
    res = invoke("search", "caf\udcff")  # how Python hands over the bytes b"caf\xff"
    one_error_line(res, 2, "not valid UTF-8", "caf\\xff")
    proc = subprocess.run([sys.executable, "-c", "from docmine.cli import main; main()",
                           "entity", b"\xff\xfeorg", "--database", f"sqlite:///{tmp_path}/x.db"],
                          capture_output=True, timeout=120)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert b"not valid UTF-8" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_integers_beyond_64_bits(store_url):
    huge = "99999999999999999999"
    one_error_line(invoke("show", huge, "--database", store_url), 2, "no stored document")
    res = invoke("actions", "--document", huge, "--database", store_url, "-f", "json")
    assert res.exit_code == 0 and json.loads(res.stdout) == []
    res = invoke("cited-by", huge, "--database", store_url, "-f", "json")
    assert res.exit_code == 0 and json.loads(res.stdout) == []
    one_error_line(invoke("search", "coopération", "--limit", huge, "--database", store_url), 2,
                   "--limit")


SEARCH_CLI = [
    (["coopération", "-Afrique"], 0, None),          # exclusion needs no quotes and no --
    (["coopération technique", "-renforcée"], 0, None),
    (["coop*"], 0, None),
    (["-technique"], 2, "a search needs a word to find"),
    (["le"], 2, "only French function words"),
    ([""], 2, "nothing to search"),
]


@pytest.mark.parametrize("words,code,says", SEARCH_CLI, ids=[" ".join(w) or "<empty>"
                                                             for w, _c, _s in SEARCH_CLI])
def test_search_cli_exclusion_prefix_and_refusals(store_url, words, code, says):
    res = invoke("search", *words, "--database", store_url, "-f", "json")
    if code:
        one_error_line(res, code, says)
        return
    assert res.exit_code == 0, res.output
    with db.session_scope(store_url) as s:
        expected = query.search(" ".join(words), session=s)
    assert [(r["symbol"], r["page"]) for r in json.loads(res.stdout)] == \
        list(zip(expected["symbol"], expected["page"]))
    # options after the words still work; -n is an option, not a word
    res = invoke("search", *words, "-n", "1", "--database", store_url, "-f", "jsonl")
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == min(1, len(expected))


def test_search_prefix_finds_what_the_word_finds(store_url):
    with db.session_scope(store_url) as s:
        assert len(query.search("coop*", session=s)) >= len(query.search("coopération",
                                                                           session=s)) > 0


# ------------------------------------------------------------------ item 4: one --format
LISTINGS = [["documents"], ["actions"], ["cites", "CMS Res 11.10"],
            ["cited-by", "UNEP/CMS/StC44/13"], ["entities"], ["entity", "cbd-executive-secretary"],
            ["search", "coopération technique"]]


@pytest.mark.parametrize("command", LISTINGS, ids=[c[0] for c in LISTINGS])
def test_every_listing_command_has_the_four_formats(store_url, command):
    out = {}
    for fmt in ("table", "csv", "json", "jsonl"):
        res = invoke(*command, "--format", fmt, "--database", store_url, columns=70)
        assert res.exit_code == 0, (fmt, res.output)
        out[fmt] = res.stdout
    jsonl = [json.loads(line) for line in out["jsonl"].splitlines()]
    as_json = json.loads(out["json"])
    if isinstance(as_json, dict):  # entity: all its tables; csv/jsonl give one (mentions)
        assert set(as_json) == {"entity", "aliases", "documents", "mentions", "actions"}
        as_json = as_json["mentions"]
    assert jsonl == as_json and as_json
    # a CSV reader reads one table: a header, then one row per JSON object
    rows = list(csv.reader(io.StringIO(out["csv"])))
    assert rows[0] == list(as_json[0]) and len(rows) == 1 + len(as_json)
    assert all(len(r) == len(rows[0]) for r in rows)
    # the table fits the terminal, counts its rows, shows no markup
    lines = out["table"].splitlines()
    assert max(map(len, lines)) <= 70, out["table"]
    assert re.fullmatch(r"\(\d+ [a-z ]+\)", lines[-1]) and "**" not in out["table"]


def test_entity_part_option_and_csv_parts(store_url):
    for part in ("entity", "aliases", "documents", "mentions", "actions"):
        res = invoke("entity", "cbd-executive-secretary", "--part", part, "-f", "csv",
                     "--database", store_url)
        assert res.exit_code == 0
        with db.session_scope(store_url) as s:
            expected = query.entity("cbd-executive-secretary", session=s)[part]
        rows = list(csv.DictReader(io.StringIO(res.stdout)))
        assert list(rows[0]) == list(expected.columns) and len(rows) == len(expected)
    one_error_line(invoke("entity", "no-such-thing", "--database", store_url), 1,
                   "unknown entity")


def test_search_snippets_are_plain_text_with_offsets(store_url):
    res = invoke("search", "coopération technique", "-f", "json", "--database", store_url)
    rows = json.loads(res.stdout)
    assert rows
    for r in rows:
        assert "**" not in r["snippet"]
        hits = [r["snippet"][a:b].lower() for a, b in r["highlights"]]
        assert hits and set(hits) <= {"coopération", "technique", "coopérations"}
    table = invoke("search", "coopération technique", "--database", store_url, columns=200)
    assert "**" not in table.stdout and "coopération" in table.stdout


def test_extract_and_evaluate_have_the_formats(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text("Action requise :\nLe Comité permanent est invité à :\na. Prendre note du "
                 "rapport du Secrétariat de la CMS ;\nb. Examiner la Résolution 11.10.",
                 encoding="utf-8")
    res = {f: invoke("extract", p, "--no-ner", "-f", f, columns=70) for f in
           ("json", "jsonl", "csv", "table")}
    assert all(r.exit_code == 0 for r in res.values()), {f: r.output for f, r in res.items()}
    assert res["json"].stdout == res["jsonl"].stdout  # the contract: one object per line
    doc = json.loads(res["json"].stdout)
    rows = list(csv.DictReader(io.StringIO(res["csv"].stdout)))
    assert [(r["label"], int(r["start"]), int(r["end"]), r["text"]) for r in rows] == \
        [(m["label"], m["start"], m["end"], m["text"]) for m in doc["mentions"]]
    assert max(map(len, res["table"].stdout.splitlines())) <= 70

    gold = tmp_path / "gold"
    gold.mkdir()
    text = "Le Comité permanent est invité à :\na. Prendre note du rapport ;"
    (gold / "x.txt").write_text(text, encoding="utf-8")
    (gold / "x.gold.json").write_text(json.dumps({"mentions": [], "action_items": []}),
                                      encoding="utf-8")
    ev = {f: invoke("evaluate", gold, "--no-ner", "-f", f) for f in ("csv", "jsonl", "json")}
    assert all(r.exit_code == 0 for r in ev.values())
    table = list(csv.DictReader(io.StringIO(ev["csv"].stdout)))
    assert [json.loads(x) for x in ev["jsonl"].stdout.splitlines()][-1]["label"] == \
        table[-1]["label"] == "action items"
    assert table[-2]["label"] == "micro" and "labels" in json.loads(ev["json"].stdout)


def test_version():
    from docmine import __version__
    res = invoke("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"docmine {__version__}"


def _commands():
    import typer.main
    return sorted(typer.main.get_command(app).commands)


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


@pytest.mark.parametrize("command", _commands())
def test_help_names_an_existing_function_and_shows_no_markup(command):
    res = invoke(command, "--help", columns=200)
    assert res.exit_code == 0
    assert not re.search(r"\[/?(bold|italic|b|i|red|green|dim)\]", res.stdout), res.stdout
    names = re.findall(r"\b(docmine(?:_pipeline)?(?:\.\w+)+)", res.stdout)
    names = [n for n in names if not n.endswith((".db", ".pdf"))]
    assert names, f"`docmine {command} --help` names no Python function"
    assert all(_resolves(n) for n in names), names


def test_readme_usage_lists_existing_functions_and_every_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    usage = readme.split("## Usage", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in usage.splitlines() if r.startswith("| `docmine")]
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        names = re.findall(r"`([\w.]+)`", cells[1])
        module = None
        for n in names:  # `docmine.query.cites` / `cited_by`: the second in the same module
            if "." in n:
                module = n.rsplit(".", 1)[0]
                assert _resolves(n), n
            else:
                assert module and _resolves(f"{module}.{n}"), n
    listed = {re.match(r"\| `docmine ([\w-]+)", r).group(1) for r in rows}
    listed |= set(re.findall(r"/ `docmine ([\w-]+)", usage))
    assert set(_commands()) <= listed, set(_commands()) - listed


# ------------------------------------------------------------------ dates in DataFrames
def test_actions_deadline_start_is_datetime64(store_url):
    from docmine.store.schema import Correction, Document
    with db.session_scope(store_url) as s:
        sha = s.query(Document.sha256).filter(Document.symbol == "CBD/COP/12/5").scalar()
        s.add(Correction(editor="ed", target="action_item", op="add", document_sha256=sha,
                         page_number=1, start=0, end=12,
                         after={"text": "CBD/COP/12/5", "actor": "parties", "actor_text": "x",
                                "verb": "prier", "deadline": {"date": "2016-Q4"}, "refs": []}))
    with db.session_scope(store_url) as s:
        df = query.actions(session=s)
    assert pd.api.types.is_datetime64_any_dtype(df["deadline_start"])
    got = {d: s for d, s in zip(df["deadline_date"], df["deadline_start"]) if d}
    assert got == {"2016-03-31": pd.Timestamp("2016-03-31"),
                   "2016-Q4": pd.Timestamp("2016-10-01")}
    assert df.loc[df["deadline_date"].isna(), "deadline_start"].isna().all()
    res = invoke("actions", "-f", "json", "--database", store_url)
    assert {r["deadline_date"]: r["deadline_start"] for r in json.loads(res.stdout)
            if r["deadline_date"]} == {"2016-03-31": "2016-03-31", "2016-Q4": "2016-10-01"}
