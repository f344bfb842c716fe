"""Canonical ids → entity rows (instruments, meetings, symbols, organisations, dates).

The contract's ids (spec/extraction.md §3–6) are parsed into the columns of
:class:`docmine.store.schema.Entity`:

=========================  =============================================================
id                         row
=========================  =============================================================
``CMS Res 11.10``          instrument, treaty CMS, instrument_kind Res, number 11.10
``CITES Res Conf 11.4``    instrument, treaty CITES, instrument_kind Res Conf, number 11.4
``CBD COP Dec XII/30``     instrument, treaty CBD, body COP, instrument_kind Dec, number XII/30
``CMS StC45``              meeting, treaty CMS, body StC, number 45
``IPBES-3`` / ``UNEA-2``   meeting, treaty IPBES / UNEA, body None, number 3 / 2
``UNEP/CMS/StC44/18.1``    symbol (DOC), treaty CMS, linked to the ingested document
                           bearing that symbol (``documents.symbol``), now or later
``cms-secretariat``        organisation (names and aliases from the knowledge base)
``2016-03-31``             date
=========================  =============================================================

Upserts are ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL), so
concurrent writers and repeated loads are idempotent.
"""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .schema import Document, Entity, EntityAlias

LABEL_KIND = {"REF": "instrument", "ORG": "organisation", "MEETING": "meeting",
              "DOC": "symbol", "DATE": "date"}
KIND_LABEL = {v: k for k, v in LABEL_KIND.items()}

_INSTRUMENT_KINDS = ("Res Conf", "Res", "Dec", "Rec")
_REF_RE = re.compile(
    r"^(?P<treaty>[A-Z][A-Za-z]*)(?: (?P<body>[A-Za-z][A-Za-z-]*))?? "
    r"(?P<kind>Res Conf|Res|Dec|Rec) (?P<number>\S+)$")
_MEETING_RE = re.compile(r"^(?P<treaty>[A-Z][A-Za-z]*) (?P<body>.*?[A-Za-z])-?(?P<number>\d+)$")
_MEETING_DASH_RE = re.compile(r"^(?P<treaty>[A-Z][A-Za-z]*)-(?P<number>\d+)$")
_DATE_RE = re.compile(r"^\d{4}(-(\d{2}|Q[1-4])(-\d{2})?)?(/\d{4}(-(\d{2}|Q[1-4])(-\d{2})?)?)?$")
_ORG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TREATY_IN_SYMBOL = (("/CMS/", "CMS"), ("/CBD/", "CBD"), ("/CITES/", "CITES"),
                     ("IPBES/", "IPBES"), ("/EA.", "UNEA"), ("UNEP/EA", "UNEA"))
_CITES_SYMBOL = re.compile(r"^(CoP|SC|AC|PC)\d+", re.I)

#: treaty prefixes of organisation ids (``cms-secretariat`` → CMS)
ORG_TREATIES = {"cms": "CMS", "cbd": "CBD", "cites": "CITES", "ipbes": "IPBES", "unea": "UNEA",
                "ramsar": "RAMSAR", "iwc": "IWC", "unep": "UNEP"}

#: collective addressees of action items (contract §2)
COLLECTIVE = {"parties": "Parties", "donors": "Donors"}

#: first day of well-known meetings (an estimate for deadlines given as a meeting);
#: a meeting entity's ``data["date"]`` overrides this table
MEETING_DATES: dict[str, str] = {
    "CMS COP10": "2011-11-20", "CMS COP11": "2014-11-04", "CMS COP12": "2017-10-23",
    "CMS COP13": "2020-02-17", "CMS COP14": "2024-02-12",
    "CMS StC44": "2015-10-14", "CMS StC45": "2016-11-09",
    "CBD COP10": "2010-10-18", "CBD COP11": "2012-10-08", "CBD COP12": "2014-10-06",
    "CBD COP13": "2016-12-04", "CBD COP14": "2018-11-17", "CBD COP15": "2021-10-11",
    "CITES CoP16": "2013-03-03", "CITES CoP17": "2016-09-24", "CITES CoP18": "2019-08-17",
    "IPBES-3": "2015-01-12", "IPBES-4": "2016-02-22", "IPBES-5": "2017-03-07",
    "UNEA-1": "2014-06-23", "UNEA-2": "2016-05-23", "UNEA-3": "2017-12-04",
}


# ------------------------------------------------------------------ parsing
def guess_label(entity_id: str) -> str:
    """The label an id belongs to, from its form alone."""
    if _REF_RE.match(entity_id):
        return "REF"
    if _MEETING_DASH_RE.match(entity_id) or (_MEETING_RE.match(entity_id) and "/" not in entity_id):
        return "MEETING"
    if _DATE_RE.match(entity_id):
        return "DATE"
    if _ORG_RE.match(entity_id):
        return "ORG"
    return "DOC"


def symbol_treaty(symbol: str) -> str | None:
    s = symbol.upper()
    for needle, treaty in _TREATY_IN_SYMBOL:
        if needle.upper() in s:
            return treaty
    if _CITES_SYMBOL.match(symbol):
        return "CITES"
    return None


def normalise_symbol(symbol: str | None) -> str | None:
    """A document symbol as the contract writes it: whitespace removed."""
    if symbol is None:
        return None
    s = re.sub(r"\s+", "", symbol)
    return s or None


def parse_entity_id(entity_id: str, label: str | None = None) -> dict[str, Any]:
    """Columns of the :class:`~docmine.store.schema.Entity` row for a canonical id.

    >>> parse_entity_id("CMS Res 11.10")["instrument_kind"]
    'Res'
    >>> parse_entity_id("CMS StC45")["body"], parse_entity_id("CMS StC45")["number"]
    ('StC', '45')
    """
    label = label or guess_label(entity_id)
    row: dict[str, Any] = {"id": entity_id, "label": label, "kind": LABEL_KIND.get(label, "other"),
                           "treaty": None, "body": None, "instrument_kind": None,
                           "number": None, "name": entity_id, "data": {}}
    if label == "REF":
        m = _REF_RE.match(entity_id)
        if m:
            row.update(treaty=m["treaty"], body=m["body"], instrument_kind=m["kind"],
                       number=m["number"])
    elif label == "MEETING":
        m = _MEETING_DASH_RE.match(entity_id)
        if m:
            row.update(treaty=m["treaty"], number=m["number"])
        else:
            m = _MEETING_RE.match(entity_id)
            if m:
                row.update(treaty=m["treaty"], body=m["body"], number=m["number"])
        if entity_id in MEETING_DATES:
            row["data"] = {"date": MEETING_DATES[entity_id]}
    elif label == "DOC":
        row["treaty"] = symbol_treaty(entity_id)
    elif label == "ORG":
        prefix = entity_id.split("-", 1)[0]
        row["treaty"] = ORG_TREATIES.get(prefix)
        if entity_id in COLLECTIVE:
            row["name"] = COLLECTIVE[entity_id]
    return row


def meeting_number(entity_id: str) -> tuple[str | None, str | None, int | None]:
    """``(treaty, body, number)`` of a meeting id (``("CBD", "COP", 13)``)."""
    row = parse_entity_id(entity_id, "MEETING")
    n = row["number"]
    return row["treaty"], row["body"], int(n) if n is not None else None


def meetings_before(meeting_id: str, candidates: Iterable[str]) -> list[str]:
    """The candidate meeting ids of the same treaty and body numbered below ``meeting_id``."""
    treaty, body, number = meeting_number(meeting_id)
    if number is None:
        return []
    out = []
    for c in candidates:
        t, b, n = meeting_number(c)
        if t == treaty and (b or "") == (body or "") and n is not None and n < number:
            out.append(c)
    return out


def meeting_date(meeting_id: str | None, data: dict | None = None) -> str | None:
    """Estimated first day of a meeting (entity data, else the built-in table)."""
    if not meeting_id:
        return None
    if data and data.get("date"):
        return str(data["date"])[:10]
    return MEETING_DATES.get(meeting_id)


def date_first_day(value: str | None) -> str | None:
    """First day an ISO date value covers: ``2015-09`` → ``2015-09-01``,
    ``2016-Q4`` → ``2016-10-01``, ``2015-10-27/2015-10-29`` → ``2015-10-27``."""
    if not value:
        return None
    v = value.split("/", 1)[0].strip()
    m = re.match(r"^(\d{4})(?:-(Q[1-4]|\d{2})(?:-(\d{2}))?)?", v)
    if not m:
        return None
    year, mid, day = m.group(1), m.group(2), m.group(3)
    if mid is None:
        return f"{year}-01-01"
    if mid.startswith("Q"):
        return f"{year}-{(int(mid[1]) - 1) * 3 + 1:02d}-01"
    try:
        return date(int(year), int(mid), int(day or 1)).isoformat()
    except ValueError:
        return f"{year}-{mid}-01"


# ------------------------------------------------------------------ upserts
def _insert(session: Session, table, rows: list[dict]):
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for i in range(0, len(rows), 500):
        session.execute(insert(table).on_conflict_do_nothing(), rows[i:i + 500])


def upsert_entities(session: Session, ids: Iterable[tuple[str, str | None]]) -> int:
    """Make sure an entity row exists for each ``(id, label)``; existing rows
    (e.g. organisations loaded from the knowledge base) are left as they are.
    Returns how many ids were asked for."""
    wanted: dict[str, str | None] = {}
    for eid, label in ids:
        if eid and eid not in wanted:
            wanted[eid] = label
    if not wanted:
        return 0
    existing: set[str] = set()
    keys = list(wanted)
    for i in range(0, len(keys), 500):
        existing.update(session.scalars(select(Entity.id).where(Entity.id.in_(keys[i:i + 500]))))
    # sorted: concurrent writers (PostgreSQL) take row locks in one order, no deadlock
    rows = [parse_entity_id(eid, label) for eid, label in sorted(wanted.items())
            if eid not in existing]
    _insert(session, Entity.__table__, rows)
    if any(r["label"] == "DOC" for r in rows):
        link_symbols(session, [r["id"] for r in rows if r["label"] == "DOC"])
    return len(wanted)


def link_symbols(session: Session, symbols: Iterable[str] | None = None) -> int:
    """Point DOC entities at the ingested document bearing their symbol
    (``entities.document_id``). ``symbols=None`` relinks all of them (run it
    after ingesting: documents ingested later get linked). Returns the number
    of entities linked."""
    q = select(Document.id, Document.symbol).where(Document.symbol.is_not(None))
    by_symbol: dict[str, int] = {}
    for did, sym in session.execute(q.order_by(Document.id)):
        by_symbol.setdefault(normalise_symbol(sym), did)
    if not by_symbol:
        return 0
    eq = select(Entity.id, Entity.document_id).where(Entity.kind == "symbol")
    if symbols is not None:
        symbols = list(symbols)
        if not symbols:
            return 0
        eq = eq.where(Entity.id.in_(symbols))
    n = 0
    for eid, current in session.execute(eq).all():
        did = by_symbol.get(eid)
        if did is not None and did != current:
            session.execute(update(Entity).where(Entity.id == eid).values(document_id=did))
            n += 1
    return n


def link_document_symbol(session: Session, document_id: int) -> None:
    """Link the DOC entity of one document's own symbol to it (after ingest)."""
    sym = session.scalar(select(Document.symbol).where(Document.id == document_id))
    sym = normalise_symbol(sym)
    if sym:
        session.execute(update(Entity).where(Entity.id == sym, Entity.document_id.is_(None))
                        .values(document_id=document_id))


# ------------------------------------------------------------------ knowledge base
def _kb_records(kb_path: Path | None) -> list[dict]:
    """``[{"id", "name", "aliases": [(alias, lang, is_acronym)], "treaty", "parent"}]``
    from :mod:`docmine.extraction.kb` when it offers a loader, else from the TSV itself."""
    try:
        from docmine.extraction import kb as _kb  # type: ignore
    except Exception:  # pragma: no cover - orgs engineer's module absent
        _kb = None
    if _kb is not None:
        for name in ("load_kb", "load", "load_organisations"):
            fn = getattr(_kb, name, None)
            if callable(fn):
                try:
                    kb = fn(kb_path) if kb_path is not None else fn()
                except TypeError:
                    continue
                recs = _records_from_kb_object(kb)
                if recs:
                    return recs
    return _records_from_tsv(kb_path)


def _records_from_kb_object(kb: Any) -> list[dict]:
    items = None
    for attr in ("organisations", "orgs", "entries", "records"):
        if hasattr(kb, attr):
            items = getattr(kb, attr)
            break
    if items is None and isinstance(kb, (dict, list)):
        items = kb
    if isinstance(items, dict):
        items = list(items.values())
    if not isinstance(items, list):
        return []
    out = []
    for it in items:
        if isinstance(getattr(it, "names", None), dict):  # docmine.extraction.kb.Org
            aliases = []
            for lang, names in it.names.items():
                aliases.extend((n, lang, False) for n in names)
            for lang, acrs in (getattr(it, "acronyms", None) or {}).items():
                aliases.extend((a, lang, True) for a in acrs)
            aliases.extend((a, "", a.isupper() and len(a) <= 12)
                           for a in getattr(it, "aliases", None) or [])
            out.append({"id": it.id, "name": getattr(it, "name", None) or it.id,
                        "aliases": aliases, "treaty": getattr(it, "treaty", None) or None,
                        "parent": getattr(it, "parent", None) or None})
            continue
        get = (lambda k, d=None, it=it: it.get(k, d)) if isinstance(it, dict) \
            else (lambda k, d=None, it=it: getattr(it, k, d))
        oid = get("id")
        if not oid:
            continue
        aliases = []
        for a in get("aliases", None) or get("names", None) or []:
            if isinstance(a, str):
                aliases.append((a, "", a.isupper() and len(a) <= 12))
            elif isinstance(a, dict):
                aliases.append((a.get("alias") or a.get("name"), a.get("lang") or "",
                                bool(a.get("is_acronym") or a.get("acronym"))))
            else:
                text = getattr(a, "alias", None) or getattr(a, "name", None) or getattr(a, "text", None)
                aliases.append((text, getattr(a, "lang", "") or "", bool(getattr(a, "is_acronym", False))))
        out.append({"id": oid, "name": get("name") or get("name_en") or (aliases[0][0] if aliases else oid),
                    "aliases": [a for a in aliases if a[0]], "treaty": get("treaty"),
                    "parent": get("parent") or get("parent_id")})
    return out


def _records_from_tsv(kb_path: Path | None) -> list[dict]:
    if kb_path is None or not Path(kb_path).is_file():
        return []
    out = []
    with open(kb_path, encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    reader = csv.reader(lines, delimiter="\t")
    header = next(reader, None)
    if header is None:
        return []
    cols = [h.strip().lower() for h in header]
    has_header = cols and cols[0] == "id"
    rows = list(reader) if has_header else [header, *reader]
    if not has_header:
        cols = ["id", "names"]
    for r in rows:
        rec = dict(zip(cols, r))
        oid = (rec.get("id") or "").strip()
        if not oid:
            continue
        aliases = []
        for col, val in rec.items():
            if col == "id" or not val:
                continue
            lang = col.split("_")[-1] if "_" in col and len(col.split("_")[-1]) == 2 else ""
            for a in re.split(r"\s*[;|]\s*", val):
                if a:
                    aliases.append((a, lang, "acronym" in col or (a.isupper() and len(a) <= 12)))
        name = rec.get("name_en") or rec.get("name") or (aliases[0][0] if aliases else oid)
        out.append({"id": oid, "name": name, "aliases": aliases, "treaty": None,
                    "parent": rec.get("parent") or None})
    return out


def load_organisations(session: Session, kb_path: Path | str | None = None) -> int:
    """Load the knowledge base's organisations (names and aliases) into
    ``entities``/``entity_aliases``. Idempotent: existing rows get their name
    filled, aliases are inserted once. Returns the number of organisations."""
    if kb_path is None:
        from docmine.settings import get_settings
        kb_path = get_settings().kb_path
    recs = _kb_records(Path(kb_path) if kb_path else None)
    if not recs:
        return 0
    rows = []
    for r in recs:
        row = parse_entity_id(r["id"], "ORG")
        row["name"] = r["name"] or r["id"]
        if r.get("treaty"):
            row["treaty"] = r["treaty"]
        rows.append(row)
    upsert_entities(session, [(r["id"], "ORG") for r in recs])
    known = {r["id"] for r in recs}
    t = Entity.__table__
    from sqlalchemy import bindparam
    # names of rows created earlier as bare ids; treaty and parent from the KB
    session.execute(t.update().where(t.c.id == bindparam("eid"), t.c.name == bindparam("eid"))
                    .values(name=bindparam("nm")),
                    [{"eid": r["id"], "nm": r["name"]} for r in rows])
    session.execute(t.update().where(t.c.id == bindparam("eid"))
                    .values(treaty=bindparam("tr"), parent_id=bindparam("pa")),
                    [{"eid": r["id"], "tr": rec.get("treaty") or r["treaty"],
                      "pa": rec["parent"] if rec.get("parent") in known else None}
                     for r, rec in zip(rows, recs)])
    alias_rows, seen = [], set()
    for r in recs:
        for alias, lang, acro in r["aliases"]:
            key = (r["id"], alias, lang or "")
            if key in seen:
                continue
            seen.add(key)
            alias_rows.append({"entity_id": r["id"], "alias": alias, "lang": lang or "",
                               "is_acronym": bool(acro)})
    _insert(session, EntityAlias.__table__, alias_rows)
    return len(recs)


def kb_loaded(session: Session) -> bool:
    return session.scalar(select(EntityAlias.id).limit(1)) is not None


# ------------------------------------------------------------------ mention counts
def document_entity_counts(session: Session, document_id: int) -> dict[str, int]:
    """``{entity_id: number of this document's mentions linking to it}`` (any origin)."""
    from sqlalchemy import func

    from .schema import Mention, MentionEntity
    q = (select(MentionEntity.entity_id, func.count())
         .join(Mention, Mention.id == MentionEntity.mention_id)
         .where(Mention.document_id == document_id).group_by(MentionEntity.entity_id))
    return {eid: n for eid, n in session.execute(q)}


def apply_count_delta(session: Session, before: dict[str, int], after: dict[str, int]) -> None:
    """Move ``entities.mention_count``/``document_count`` by the difference between
    one document's per-entity mention counts before and after a change."""
    from sqlalchemy import bindparam
    rows = []
    for eid in sorted(set(before) | set(after)):  # one lock order for concurrent writers
        b, a = before.get(eid, 0), after.get(eid, 0)
        dm, dd = a - b, int(a > 0) - int(b > 0)
        if dm or dd:
            rows.append({"eid": eid, "dm": dm, "dd": dd})
    if rows:
        t = Entity.__table__
        session.execute(t.update().where(t.c.id == bindparam("eid"))
                        .values(mention_count=t.c.mention_count + bindparam("dm"),
                                document_count=t.c.document_count + bindparam("dd")), rows)


def refresh_counts(session: Session) -> None:
    """Recompute every entity's mention and document counts from scratch."""
    session.execute(text_sql(
        "UPDATE entities SET mention_count = coalesce((SELECT count(*) FROM mention_entities me "
        "WHERE me.entity_id = entities.id), 0), document_count = coalesce((SELECT "
        "count(DISTINCT m.document_id) FROM mention_entities me JOIN mentions m ON "
        "m.id = me.mention_id WHERE me.entity_id = entities.id), 0)"))


def text_sql(s: str):
    from sqlalchemy import text
    return text(s)
