"""The dev gold files are well formed (spec §1–§8), without running the extractor.

For every ``corpus/dev/**/NAME.gold.json`` (and, when ``../shared`` is there,
the shared dev gold): the text beside it has the gold's sha256 and length;
every mention's ``text`` is ``original[start:end]``; labels are the contract's
five; ids follow the contract's schemes (REF §3, MEETING §5, DATE §6, DOC
symbols without whitespace and with ``UNEP/`` for ``PNUE/``, ORG one id of the
knowledge base ``corpus/kb/organisations.tsv`` or none); mentions do not
overlap; action items have an actor (a KB id, ``parties`` or ``donors``; or
null for an addressee that is none of these, e.g. ``other Governments``, see
corpus/dev/README.md), actor text, verb, kind ``request``, a ``paragraph``
key, well-formed deadlines and refs that are the REF/DOC ids named inside
them. The gold under every ``corpus/dev/<lang>`` folder is exactly what
``scripts/build_gold.py`` builds from its annotated sources, and its
``document.language`` is the folder's. Fast: standard library only, no model.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / "corpus" / "dev"
SHARED_DEV = Path(os.environ.get("DOCMINE_SHARED_DIR", REPO.parent / "shared")) / "corpus" / "dev"
KB = REPO / "corpus" / "kb" / "organisations.tsv"

LABELS = {"REF", "DOC", "ORG", "MEETING", "DATE"}
COLLECTIVE_ACTORS = {"parties", "donors"}  # spec §2

# spec §3: <TREATY> <BODY?> <KIND> <NUMBER>; CITES resolutions carry "Conf".
REF_ID = re.compile(r"^[A-Z][A-Z0-9]*( [A-Z][A-Za-z]*)? (Res|Dec|Rec)( Conf)? "
                    r"[0-9IVXL]+([./][0-9A-Za-z]+(\.[0-9]+)*)*$")
# spec §5: <TREATY> <BODY><N> (CMS COP11, CBD CP-MOP11, CMS Sharks MOS2) or IPBES-3 / UNEA-2.
MEETING_ID = re.compile(r"^[A-Z][A-Za-z]*(-[0-9]+| ([A-Z][A-Za-z-]* )*[A-Z][A-Za-z-]*[0-9]+)$")
# spec §6 and docs/extraction-rules.md (seasons): one value or start/end.
_DATE_TOKEN = r"[0-9]{4}(-(0[1-9]|1[0-2])(-[0-9]{2})?|-Q[1-4]|-(SP|SU|FA|WI))?"
DATE_ID = re.compile(rf"^{_DATE_TOKEN}(/{_DATE_TOKEN})?$")
DATE_MODS = {"START", "MID", "END"}


def ref_id_ok(i: str) -> bool:
    return bool(REF_ID.match(i))


def meeting_id_ok(i: str) -> bool:
    return bool(MEETING_ID.match(i))


def _date_key(token: str) -> tuple:
    parts = token.split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return (year, 0, 0)
    if parts[1].startswith("Q"):
        return (year, 3 * int(parts[1][1]) - 2, 0)
    if parts[1] in ("SP", "SU", "FA", "WI"):
        return (year, {"SP": 3, "SU": 6, "FA": 9, "WI": 12}[parts[1]], 0)
    month = int(parts[1])
    if len(parts) == 3:
        dt.date(year, month, int(parts[2]))  # raises on 2015-02-30
        return (year, month, int(parts[2]))
    return (year, month, 0)


def date_id_ok(i: str) -> bool:
    if not DATE_ID.match(i):
        return False
    try:
        keys = [_date_key(t) for t in i.split("/")]
    except ValueError:
        return False
    return len(keys) == 1 or keys[0][0] < keys[1][0] or keys[0] <= keys[1]


def doc_id_ok(i: str) -> bool:
    return bool(i) and not re.search(r"\s", i) and not i.startswith("PNUE/")


def kb_ids() -> set[str]:
    rows = (line for line in KB.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    return {r["id"] for r in csv.DictReader(rows, delimiter="\t")}


@pytest.mark.parametrize("value, ok", [
    ("CMS Res 11.10", True), ("CITES Res Conf 11.4", True), ("CBD COP Dec XII/30", True),
    ("CBD SBSTTA Rec 26/5", True), ("UNGA Res 73/284", True), ("UNFCCC COP Dec 1/CP.21", True),
    ("UNFCCC CMA Dec 3/CMA.1", True), ("CITES Dec 19.152", True),
    ("CMS Res. 11.10", False), ("Res 11.10", False), ("CMS Resolution 11.10", False),
    ("CMS Res 11.10 (Rev.COP13)", False), ("cms res 11.10", False),
])
def test_ref_id_scheme(value, ok):
    assert ref_id_ok(value) is ok


@pytest.mark.parametrize("value, ok", [
    ("CMS COP11", True), ("CITES SC78", True), ("CBD SBSTTA28", True), ("IPBES-10", True),
    ("UNEA-2", True), ("CMS ScC-SC2", True), ("CBD CP-MOP11", True), ("CMS Sharks MOS2", True),
    ("CMS COP 11", False), ("COP11", False), ("CMS COP", False), ("CMS cop11", False),
])
def test_meeting_id_scheme(value, ok):
    assert meeting_id_ok(value) is ok


@pytest.mark.parametrize("value, ok", [
    ("2015", True), ("2015-09", True), ("2015-09-01", True), ("2016-Q4", True), ("2023-SP", True),
    ("2015-10-27/2015-10-29", True), ("2026-07/2030-06", True), ("2012/2015", True),
    ("2015-02-30", False), ("2015-13", False), ("15-09-01", False), ("2015-10-29/2015-10-27", False),
    ("2015-9-1", False), ("fin 2015", False),
])
def test_date_id_scheme(value, ok):
    assert date_id_ok(value) is ok


def gold_files() -> list[Path]:
    files = sorted(DEV.rglob("*.gold.json"))
    if SHARED_DEV.is_dir():
        files += sorted(SHARED_DEV.glob("*.gold.json"))
    return files


def _id(p: Path) -> str:
    return str(p.relative_to(REPO.parent)) if REPO.parent in p.parents else p.name


def test_dev_gold_present():
    assert sorted(DEV.rglob("*.gold.json")), f"no gold under {DEV}"


@pytest.fixture(scope="module")
def kb() -> set[str]:
    return kb_ids()


@pytest.mark.parametrize("gold_path", gold_files(), ids=_id)
def test_gold_well_formed(gold_path: Path, kb: set[str]):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    txt = gold_path.with_name(gold_path.name[: -len(".gold.json")] + ".txt")
    data = txt.read_bytes()
    text = data.decode("utf-8")
    problems: list[str] = []
    doc = gold["document"]
    if doc["sha256"] != hashlib.sha256(data).hexdigest():
        problems.append("sha256 does not match the text")
    if gold["text_length"] != len(text):
        problems.append(f"text_length {gold['text_length']} != {len(text)}")
    if doc["source"] != txt.name or doc["language"] not in ("fr", "en", "es"):
        problems.append(f"document source/language: {doc['source']!r}, {doc['language']!r}")

    spans = []
    for m in gold["mentions"]:
        where = f"{m['label']} {m['start']}-{m['end']} {m['text']!r}"
        if m["label"] not in LABELS:
            problems.append(f"unknown label: {where}")
        if not (0 <= m["start"] < m["end"] <= len(text)) or text[m["start"]:m["end"]] != m["text"]:
            problems.append(f"offsets do not give the text: {where}")
        ids, attrs = m["ids"], m["attrs"]
        if not isinstance(ids, list) or not isinstance(attrs, dict):
            problems.append(f"ids must be a list and attrs a dict: {where}")
            continue
        bad = {
            "REF": lambda: not ids or not all(map(ref_id_ok, ids)),
            "MEETING": lambda: len(ids) != 1 or not meeting_id_ok(ids[0]),
            "DATE": lambda: len(ids) != 1 or not date_id_ok(ids[0]) or attrs.get("mod", "END") not in DATE_MODS,
            "DOC": lambda: not ids or not all(map(doc_id_ok, ids)),
            "ORG": lambda: len(ids) > 1 or any(i not in kb for i in ids),
        }.get(m["label"], lambda: False)()
        if bad:
            problems.append(f"ids {ids} {attrs or ''} break the scheme: {where}")
        spans.append((m["start"], m["end"], where))
    spans.sort()
    for (s1, e1, w1), (s2, e2, w2) in zip(spans, spans[1:]):
        if s2 < e1:
            problems.append(f"overlapping mentions: {w1} / {w2}")

    for a in gold["action_items"]:
        where = f"item {a['start']}-{a['end']} {a['text'][:40]!r}"
        if not (0 <= a["start"] < a["end"] <= len(text)) or text[a["start"]:a["end"]] != a["text"]:
            problems.append(f"offsets do not give the text: {where}")
        if "actor" not in a or (a["actor"] is not None and a["actor"] not in kb
                                and a["actor"] not in COLLECTIVE_ACTORS):
            problems.append(f"actor {a.get('actor')!r} is not a KB id, parties, donors or null: {where}")
        if not a.get("actor_text") or not a.get("verb") or a.get("kind") != "request":
            problems.append(f"actor_text, verb and kind 'request' required: {where}")
        if "paragraph" not in a or not (a["paragraph"] is None or isinstance(a["paragraph"], str)):
            problems.append(f"paragraph must be a string or null: {where}")
        d = a.get("deadline")
        if d is not None:
            if set(d) != {"meeting", "date"} or not (d["meeting"] or d["date"]):
                problems.append(f"deadline must be null or {{meeting, date}}: {where}")
            elif (d["meeting"] and not meeting_id_ok(d["meeting"])) or (d["date"] and not date_id_ok(d["date"])):
                problems.append(f"deadline {d} breaks the schemes: {where}")
        inside = {i for m in gold["mentions"] if m["label"] in ("REF", "DOC")
                  and a["start"] <= m["start"] and m["end"] <= a["end"] for i in m["ids"]}
        if set(a.get("refs", [])) != inside:
            problems.append(f"refs {a.get('refs')} != REF/DOC ids inside the item {sorted(inside)}: {where}")
    assert not problems, "\n".join(problems)


GOLD_LANGS = sorted(d.name for d in DEV.iterdir() if (d / "src").is_dir())


def test_gold_languages_present():
    """Issue 11 asks for English and Spanish dev gold beside the French."""
    assert {"fr", "en", "es"} <= set(GOLD_LANGS)


@pytest.mark.parametrize("lang", GOLD_LANGS)
def test_gold_is_built_from_its_sources(lang: str, tmp_path: Path):
    """Every gold file under corpus/dev/<lang> is what build_gold.py makes of src/*.ann (no hand edits)."""
    src = DEV / lang / "src"
    anns = sorted(src.glob("*.ann"))
    assert anns, f"no annotated sources in {src}"
    spec = importlib.util.spec_from_file_location("build_gold", REPO / "scripts" / "build_gold.py")
    build_gold = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_gold)
    for ann in anns:
        gold = build_gold.build(ann, tmp_path)
        assert gold["document"]["language"] == lang, f"{ann.stem}: language {gold['document']['language']!r}"
        for suffix in (".txt", ".gold.json"):
            built = (tmp_path / f"{ann.stem}{suffix}").read_bytes()
            assert built == (DEV / lang / f"{ann.stem}{suffix}").read_bytes(), f"{ann.stem}{suffix} differs from its source"
    assert {p.name[: -len(".gold.json")] for p in (DEV / lang).glob("*.gold.json")} == {a.stem for a in anns}
