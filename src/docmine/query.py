"""The researchers' queries: each takes a keyword-only ``session`` and returns
a :class:`pandas.DataFrame` (``entity`` returns a dict of them).

Every row names where it comes from: the document's ``symbol`` (and
``document_id``), the ``page`` (1-based) and the ``paragraph`` (``"12"``,
``"b"`` or ``"12 b"``). Every filter is a bound parameter; user text is
never pasted into SQL.

Corrections overlay
-------------------
Model rows are read *overlaid with the editors' ledger* (``corrections``),
matched by coordinates, never by row ids: for each coordinate key
(``document_sha256, page_number, start, end`` and, for mentions, ``label``)
the latest correction not superseded (``supersedes_id``) wins:

* ``delete`` hides the model row at those coordinates;
* ``modify`` hides it and shows the ``after`` record instead;
* ``add`` shows the ``after`` record (and hides a model row at the same place);
* ``accept`` (an editor confirmed the record) shows its ``after`` record like
  ``modify``; ``restore`` (an undo back to the model output) shows the model
  row again; refused rows (``status == "conflict"``) are never in force
  (:mod:`docmine.corrections` writes them all).

``after`` records are the contract's JSON (spec §1 for a mention: ``label``,
``text``, ``ids``, ``attrs``; §2 for an action item: ``text``, ``actor``,
``actor_text``, ``verb``, ``kind``, ``deadline``, ``refs``, ``paragraph``),
optionally with ``page``/``start``/``end`` (page coordinates; default: the
correction's). Rows that come from corrections have ``origin ==
"correction"``.
"""
from __future__ import annotations

import re
from datetime import date
from dataclasses import dataclass, field
from typing import Any, Iterable

import pandas as pd
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from docmine.store import search as _search
from docmine.documents import as_row_id
from docmine.store.entities import (date_first_day, meeting_date, meetings_before, normalise_symbol,
                       parse_entity_id)
from docmine.store.schema import (ActionItem, ActionItemRef, Correction, Document, Entity, EntityAlias,
                     Mention, MentionEntity, Page)
from docmine.store.write import paragraph_at, sentence_at

ACTION_COLUMNS = ["symbol", "page", "paragraph", "actor", "actor_text", "verb",
                  "deadline_meeting", "deadline_date", "refs", "text", "treaty",
                  "deadline_sort", "deadline_start", "document_id", "start", "end", "origin"]
CITES_COLUMNS = ["symbol", "page", "paragraph", "label", "text", "sentence", "cited", "actor",
                 "verb", "action", "document_id", "start", "end", "origin"]
CITED_BY_COLUMNS = ["symbol", "page", "paragraph", "label", "text", "cited", "cited_document_id",
                    "cited_symbol", "cited_title", "sentence", "document_id", "start", "end",
                    "origin"]
ENTITY_COLUMNS = ["id", "label", "kind", "name", "treaty", "mentions", "documents",
                  "document_id"]
SEARCH_COLUMNS = ["symbol", "page", "paragraph", "snippet", "highlights", "terms", "hits",
                  "title", "document_id", "rank"]
_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?|-Q[1-4])?$")
_SHA = re.compile(r"^[0-9a-fA-F]{6,64}$")


# ------------------------------------------------------------------ helpers
_INT_COLUMNS = ("page", "document_id", "cited_document_id", "start", "end", "mentions",
                "documents", "hits", "terms")


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return _typed(pd.DataFrame(rows, columns=columns))


def _fetch(session: Session, stmt) -> list[tuple]:
    """Run a Core SELECT on the session's DBAPI cursor and return plain tuples:
    the same statement and bound parameters as ``session.execute``, without the
    per-row Result processing (several times faster for large results). Only for
    selects of plain column types (text, numbers)."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = tuple(params[k] for k in compiled.positiontup) if compiled.positional else params
    cur = conn.connection.cursor()
    try:
        cur.execute(str(compiled), args)
        return cur.fetchall()
    finally:
        cur.close()


def _columns_frame(rows, columns: list[str]) -> pd.DataFrame:
    """A DataFrame from result rows, built column by column (fast for many rows)."""
    cols = list(zip(*rows)) if rows else [()] * len(columns)
    return pd.DataFrame({c: list(v) for c, v in zip(columns, cols)}, columns=columns)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for c in _INT_COLUMNS:  # nullable integers: no float NaN for a missing id
        if c in df.columns:
            df[c] = df[c].astype("Int64")
    if "deadline_start" in df.columns:  # datetime64: the first day of deadline_date's grain
        df["deadline_start"] = pd.to_datetime(df["deadline_date"].map(date_first_day),
                                              errors="coerce", format="%Y-%m-%d")
    return df.reset_index(drop=True)


def resolve_entity_id(value: str, *, session: Session) -> str:
    """An entity id from an id, a document symbol written with spaces, or a
    name/alias (``Secrétariat de la CMS`` → ``cms-secretariat``); unchanged
    when nothing matches."""
    if value is None:
        return value
    v = value.strip()
    if session.get(Entity, v) is not None:
        return v
    sym = normalise_symbol(v)
    if sym and session.get(Entity, sym) is not None:
        return sym
    hit = session.scalar(select(EntityAlias.entity_id)
                         .where(func.lower(EntityAlias.alias) == v.lower()).limit(1))
    if hit:
        return hit
    hit = session.scalar(select(Entity.id).where(func.lower(Entity.id) == v.lower()).limit(1))
    return hit or v


def resolve_documents(doc: Any, *, session: Session) -> list[int]:
    """Document ids for ``doc``: an id, a sha256 prefix (≥ 6 hex digits) or a
    symbol (whitespace ignored). Empty when nothing matches."""
    if doc is None:
        return []
    did = as_row_id(doc)
    if did is not None and session.get(Document, did) is not None:
        return [did]
    s = str(doc).strip()
    sym = normalise_symbol(s)
    ids = list(session.scalars(select(Document.id).where(
        or_(Document.symbol == s, Document.symbol == sym)).order_by(Document.id)))
    if ids:
        return ids
    if _SHA.match(s):
        return list(session.scalars(select(Document.id).where(
            Document.sha256.like(s.lower() + "%")).order_by(Document.id)))
    return []


@dataclass
class _Overlay:
    """The effective corrections of one target kind."""
    hidden: set = field(default_factory=set)
    records: list = field(default_factory=list)  # (correction, after dict)

    def __bool__(self) -> bool:
        return bool(self.hidden or self.records)


def _overlay(session: Session, target: str, shas: Iterable[str] | None = None) -> _Overlay:
    q = (select(Correction).where(Correction.target == target, Correction.status != "conflict")
         .order_by(Correction.id))
    if shas is not None:
        shas = list(shas)
        if not shas:
            return _Overlay()
        q = q.where(Correction.document_sha256.in_(shas))
    rows = list(session.scalars(q))
    if not rows:
        return _Overlay()
    superseded = {c.supersedes_id for c in rows if c.supersedes_id}
    state: dict[tuple, Correction] = {}
    for c in rows:
        if c.id in superseded:
            continue
        state[_ckey(c, target)] = c
    # ``restore`` (an undo back to the model output) shows the model row again
    ov = _Overlay(hidden={k for k, c in state.items() if c.op != "restore"})
    for c in state.values():
        if c.op not in ("delete", "restore") and c.after:
            ov.records.append((c, dict(c.after)))
    return ov


def _ckey(c: Correction, target: str) -> tuple:
    return (c.document_sha256, c.page_number, c.start, c.end,
            c.label if target == "mention" else None)


def _docs_by_sha(session: Session, shas: Iterable[str]) -> dict[str, Any]:
    shas = list(set(shas))
    if not shas:
        return {}
    return {r.sha256: r for r in session.execute(
        select(Document.id, Document.sha256, Document.symbol, Document.treaty, Document.title)
        .where(Document.sha256.in_(shas)))}


def _page_text(session: Session, document_id: int, number: int) -> str:
    return session.scalar(select(Page.text).where(Page.document_id == document_id,
                                                  Page.number == number)) or ""


def _contains_all_sql(session: Session, column, words: list[str]):
    """SQL condition: ``column`` folded contains every (folded) word."""
    if session.get_bind().dialect.name == "postgresql":
        folded = func.lower(func.docmine_unaccent(column))
        return and_(*[folded.like("%" + _like_escape(w) + "%", escape="\\") for w in words])
    raw = session.connection().connection.driver_connection

    def contains_all(v, joined):
        if v is None:
            return 0
        fv = _search.fold(v)
        return int(all(w in fv for w in joined.split("\t")))
    raw.create_function("docmine_contains_all", 2, contains_all, deterministic=True)
    return func.docmine_contains_all(column, "\t".join(words)) == 1


def _folded_sql(session: Session, column):
    """``column`` folded like :func:`docmine.store.search.fold` (lower case, no accents),
    in SQL: ``docmine_unaccent`` on PostgreSQL, a Python function registered
    on the SQLite connection."""
    if session.get_bind().dialect.name == "postgresql":
        return func.lower(func.docmine_unaccent(column))
    raw = session.connection().connection.driver_connection
    raw.create_function("docmine_fold", 1, lambda v: None if v is None else _search.fold(v),
                        deterministic=True)
    return func.docmine_fold(column)


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ------------------------------------------------------------------ actions
@dataclass
class _ActionFilter:
    actor: str | None = None
    treaty: str | None = None
    verb: str | None = None
    meeting: str | None = None
    before_meetings: list[str] | None = None
    cutoff: str | None = None
    due: bool = False
    document_ids: list[int] | None = None
    words: list[str] | None = None
    ref: str | None = None

    def matches(self, r: dict) -> bool:
        if self.ref and self.ref not in (r["refs"] or []):
            return False
        if self.actor and r["actor"] != self.actor:
            return False
        if self.treaty and (r["treaty"] or "").upper() != self.treaty.upper():
            return False
        if self.verb and (r["verb"] or "").lower() != self.verb.lower():
            return False
        if self.meeting and r["deadline_meeting"] != self.meeting:
            return False
        if self.due:
            ok = (r["deadline_meeting"] in (self.before_meetings or [])) or \
                 bool(self.cutoff and r["deadline_sort"] and r["deadline_sort"] < self.cutoff)
            if not ok:
                return False
        if self.document_ids is not None and r["document_id"] not in self.document_ids:
            return False
        if self.words:
            folded = _search.fold(r["text"] or "")
            if not all(w in folded for w in self.words):
                return False
        return True


def _valid_iso_grain(value: str) -> bool:
    """``2025``, ``2025-02``, ``2025-02-28`` are real dates at their grain;
    ``2025-13-45`` and ``2025-02-30`` are not."""
    parts = value.split("-")
    try:
        if len(parts) == 1:
            return 1 <= int(parts[0]) <= 9999
        if len(parts) == 2:
            return parts[1].startswith("Q") or 1 <= int(parts[1]) <= 12
        date.fromisoformat(value)
        return True
    except ValueError:
        return False


def due_before_filter(due_before: str, *, session: Session) -> tuple[list[str], str | None]:
    """``(meeting ids before, cutoff date)`` for ``--due-before``: an ISO date
    (cutoff = its first day) or a meeting id (the same treaty and body's
    meetings numbered below it, and its estimated first day when known)."""
    v = due_before.strip()
    if _ISO.match(v):
        if not _valid_iso_grain(v):
            raise ValueError(f"--due-before {due_before!r} is not a real date "
                             f"(ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD)")
        return [], date_first_day(v)
    mid = resolve_entity_id(v, session=session)
    row = parse_entity_id(mid, "MEETING")
    if row["number"] is None:
        raise ValueError(f"--due-before wants an ISO date or a meeting id like 'CBD COP13', "
                         f"not {due_before!r}")
    cands = list(session.scalars(select(Entity.id).where(Entity.kind == "meeting",
                                                         Entity.treaty == row["treaty"])))
    data = session.scalar(select(Entity.data).where(Entity.id == mid))
    return meetings_before(mid, cands), meeting_date(mid, data)


def actions(*, session: Session, actor: str | None = None, treaty: str | None = None,
            verb: str | None = None, meeting: str | None = None, due_before: str | None = None,
            document: Any = None, text: str | None = None, ref: str | None = None,
            limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """Action items (contract §2), filtered; one row each, ordered by document,
    page and position; ``limit``/``offset`` give one page of that order (the
    same rows as slicing the whole result).

    * ``actor``: organisation id (``cbd-executive-secretary``, ``parties``) or a
      name/alias from the knowledge base;
    * ``treaty``: ``CMS``, ``CBD``, ``CITES``… (the actor's treaty, else the
      deadline meeting's, else the document's);
    * ``verb``: the infinitive (``prier``, ``examiner``);
    * ``meeting``: deadline meeting id (``CMS StC45``);
    * ``due_before``: an ISO date (deadline's first day before it) or a meeting
      id (``CBD COP13``: deadlines at an earlier meeting of the same treaty and
      body, or dated before that meeting's first day when known);
    * ``document``: id, sha256 prefix or symbol;
    * ``text``: words that must all occur in the item's text (accents and case
      ignored);
    * ``ref``: an instrument or symbol the item refers to (``CMS Res 11.10``).

    Columns: symbol, page, paragraph, actor, actor_text, verb, deadline_meeting,
    deadline_date (ISO 8601 string at its own grain: ``2016``, ``2016-Q4``,
    ``2016-03``, ``2016-03-31``), refs (list of ids), text, treaty,
    deadline_sort, deadline_start (``datetime64``: the first day of
    deadline_date's grain, ``NaT`` when there is no date), document_id, start,
    end (page offsets), origin.
    """
    f = _ActionFilter()
    q = (select(ActionItem.id, Document.symbol, Document.sha256, ActionItem.document_id,
                ActionItem.page_number, ActionItem.paragraph, ActionItem.actor_id,
                ActionItem.actor_text, ActionItem.verb, ActionItem.deadline_meeting_id,
                ActionItem.deadline_date, ActionItem.deadline_sort, ActionItem.text,
                ActionItem.treaty, ActionItem.start, ActionItem.end, ActionItem.origin)
         .join(Document, Document.id == ActionItem.document_id))
    if actor:
        f.actor = resolve_entity_id(actor, session=session)
        q = q.where(ActionItem.actor_id == f.actor)
    if treaty:
        f.treaty = treaty.strip()
        q = q.where(ActionItem.treaty.in_(sorted({f.treaty, f.treaty.upper()})))
    if verb:
        f.verb = verb.strip()
        q = q.where(ActionItem.verb.in_(sorted({f.verb, f.verb.lower()})))
    if meeting:
        f.meeting = resolve_entity_id(meeting, session=session)
        q = q.where(ActionItem.deadline_meeting_id == f.meeting)
    if due_before:
        f.due = True
        f.before_meetings, f.cutoff = due_before_filter(due_before, session=session)
        conds = []
        if f.before_meetings:
            conds.append(ActionItem.deadline_meeting_id.in_(f.before_meetings))
        if f.cutoff:
            conds.append(ActionItem.deadline_sort < f.cutoff)
        q = q.where(or_(*conds) if conds else false())
    if document is not None:
        f.document_ids = resolve_documents(document, session=session)
        q = q.where(ActionItem.document_id.in_(f.document_ids))
    if ref:
        f.ref = resolve_entity_id(ref, session=session)
        q = q.where(ActionItem.id.in_(select(ActionItemRef.action_item_id)
                                      .where(ActionItemRef.entity_id == f.ref)))
    if text:
        f.words = [_search.fold(w) for w in text.split() if w.strip()]
        q = q.where(_contains_all_sql(session, ActionItem.text, f.words))
    q = q.order_by(ActionItem.document_id, ActionItem.page_number, ActionItem.start,
                   ActionItem.id)
    ov = _overlay(session, "action_item")
    if not ov and (limit is not None or offset):  # no corrections: page in SQL
        if (limit is not None and limit < 0) or offset < 0:
            raise ValueError("limit and offset must be 0 or more")
        q = q.limit(limit).offset(offset or None)
        limit, offset = None, 0
    rows = _fetch(session, q)
    if ov:  # (sha256, page, start, end) of the row
        rows = [r for r in rows if (r[2], r[4], r[14], r[15], None) not in ov.hidden]
    df = _columns_frame(
        rows,
        ["id", "symbol", "sha256", "document_id", "page", "paragraph", "actor",
                 "actor_text", "verb", "deadline_meeting", "deadline_date", "deadline_sort",
                 "text", "treaty", "start", "end", "origin"])
    refs = _refs_for(session, [r[0] for r in rows])
    df["refs"] = [refs.get(i, []) for i in df["id"]]
    if ov.records:
        docs = _docs_by_sha(session, [c.document_sha256 for c, _a in ov.records])
        extra = []
        for c, a in ov.records:
            d = docs.get(c.document_sha256)
            if d is None:
                continue
            rec = _action_from_after(c, a, d, session)
            if f.matches(rec):
                extra.append(rec)
        if extra:
            df = pd.concat([df, pd.DataFrame(extra)], ignore_index=True) if len(df) \
                else pd.DataFrame(extra)
            df = df.sort_values(["document_id", "page", "start"], kind="stable")
    return _page(_typed(df.reindex(columns=ACTION_COLUMNS)), limit, offset)


def _page(df: pd.DataFrame, limit: int | None, offset: int) -> pd.DataFrame:
    """Rows ``offset … offset + limit`` of ``df`` (all from ``offset`` when
    ``limit`` is None). Raises ValueError for a negative limit or offset."""
    if (limit is not None and limit < 0) or offset < 0:
        raise ValueError("limit and offset must be 0 or more")
    if limit is None and not offset:
        return df
    end = None if limit is None else offset + limit
    return df.iloc[offset:end].reset_index(drop=True)


def _refs_for(session: Session, ids: list[int]) -> dict[int, list[str]]:
    refs: dict[int, list[str]] = {}
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        for aid, eid in _fetch(session,
                               select(ActionItemRef.action_item_id, ActionItemRef.entity_id)
                               .where(ActionItemRef.action_item_id.in_(chunk))
                               .order_by(ActionItemRef.action_item_id, ActionItemRef.entity_id)):
            refs.setdefault(aid, []).append(eid)
    return refs


def _action_from_after(c: Correction, a: dict, d, session: Session) -> dict:
    dl = a.get("deadline") or {}
    meeting, ddate = dl.get("meeting"), dl.get("date")
    mdata = session.scalar(select(Entity.data).where(Entity.id == meeting)) if meeting else None
    actor = a.get("actor")
    atreaty = session.scalar(select(Entity.treaty).where(Entity.id == actor)) if actor else None
    treaty = atreaty or (parse_entity_id(meeting, "MEETING")["treaty"] if meeting else None) \
        or d.treaty
    return {"symbol": d.symbol, "page": a.get("page", c.page_number),
            "paragraph": a.get("paragraph"), "actor": actor,
            "actor_text": a.get("actor_text", ""), "verb": a.get("verb", ""),
            "deadline_meeting": meeting, "deadline_date": ddate,
            "refs": list(a.get("refs") or []), "text": a.get("text", ""), "treaty": treaty,
            "deadline_sort": date_first_day(ddate) or meeting_date(meeting, mdata),
            "document_id": d.id, "start": a.get("start", c.start), "end": a.get("end", c.end),
            "origin": "correction"}


# ------------------------------------------------------------------ citations
def cites(entity_id: str, *, session: Session, limit: int | None = None,
          offset: int = 0) -> pd.DataFrame:
    """Where ``entity_id`` (an instrument such as ``CMS Res 11.10``, a document
    symbol, or any entity) is cited: one row per citing mention, with the
    citing sentence and, when the mention stands inside an action item, what
    that item asks (``actor``, ``verb``, ``action``). Ordered by document, page
    and position. Columns: symbol, page, paragraph, label, text, sentence,
    cited, actor, verb, action, document_id, start, end, origin."""
    eid = resolve_entity_id(entity_id, session=session)
    ai = aliased(ActionItem)
    q = (select(Mention.id, Document.symbol, Document.sha256, Mention.document_id,
                Mention.page_number, Mention.paragraph, Mention.label, Mention.text,
                Mention.sentence, Mention.start, Mention.end, Mention.origin,
                ai.actor_id, ai.verb, ai.text.label("action"))
         .join(MentionEntity, MentionEntity.mention_id == Mention.id)
         .join(Document, Document.id == Mention.document_id)
         .outerjoin(ai, and_(ai.document_id == Mention.document_id,
                             ai.doc_start <= Mention.doc_start, ai.doc_end > Mention.doc_start))
         .where(MentionEntity.entity_id == eid)
         .order_by(Mention.document_id, Mention.page_number, Mention.start, Mention.id, ai.id))
    rows = session.execute(q).all()
    ov = _overlay(session, "mention")
    own = session.scalar(select(Entity.document_id).where(Entity.id == eid))
    out, seen = [], set()
    for r in rows:
        if r.id in seen or (own is not None and r.document_id == own):
            continue  # (a document's own symbol in its header is not a citation)
        seen.add(r.id)
        if ov and (r.sha256, r.page_number, r.start, r.end, r.label) in ov.hidden:
            continue
        out.append({"symbol": r.symbol, "page": r.page_number, "paragraph": r.paragraph,
                    "label": r.label, "text": r.text, "sentence": r.sentence, "cited": eid,
                    "actor": r.actor_id, "verb": r.verb, "action": r.action,
                    "document_id": r.document_id, "start": r.start, "end": r.end,
                    "origin": r.origin})
    if ov.records:
        added = [(c, a) for c, a in ov.records if eid in (a.get("ids") or [])]
        docs = _docs_by_sha(session, [c.document_sha256 for c, _a in added])
        for c, a in added:
            d = docs.get(c.document_sha256)
            if d is not None:
                out.append(_mention_from_after(c, a, d, session, cited=eid))
        out.sort(key=lambda r: (r["document_id"], r["page"], r["start"]))
    return _page(_frame(out, CITES_COLUMNS), limit, offset)


def _mention_from_after(c: Correction, a: dict, d, session: Session, cited=None) -> dict:
    page = a.get("page", c.page_number)
    start, end = a.get("start", c.start), a.get("end", c.end)
    ptext = _page_text(session, d.id, page)
    return {"symbol": d.symbol, "page": page, "paragraph": paragraph_at(ptext, start),
            "label": a.get("label", c.label), "text": a.get("text", ptext[start:end]),
            "sentence": sentence_at(ptext, start, end), "cited": cited,
            "actor": None, "verb": None, "action": None, "document_id": d.id,
            "start": start, "end": end, "origin": "correction"}


def cited_by(doc: Any, *, session: Session, limit: int | None = None,
             offset: int = 0) -> pd.DataFrame:
    """What a document cites (``doc``: id, sha256 prefix or symbol): one row per
    cited instrument or symbol (a mention naming three gives three rows), with
    cited symbols resolved to ingested documents (``cited_document_id``,
    ``cited_symbol``, ``cited_title``). Columns: symbol, page, paragraph,
    label, text, cited, cited_document_id, cited_symbol, cited_title,
    sentence, document_id, start, end, origin."""
    ids = resolve_documents(doc, session=session)
    if not ids:
        return _frame([], CITED_BY_COLUMNS)
    d2 = aliased(Document)
    q = (select(Mention.id, Document.symbol, Document.sha256, Mention.document_id,
                Mention.page_number, Mention.paragraph, Mention.label, Mention.text,
                Mention.sentence, Mention.start, Mention.end, Mention.origin,
                MentionEntity.entity_id, d2.id.label("cid"), d2.symbol.label("csym"),
                d2.title.label("ctitle"))
         .join(MentionEntity, MentionEntity.mention_id == Mention.id)
         .join(Entity, Entity.id == MentionEntity.entity_id)
         .join(Document, Document.id == Mention.document_id)
         .outerjoin(d2, d2.id == Entity.document_id)
         .where(Mention.document_id.in_(ids), Mention.label.in_(("REF", "DOC")))
         .order_by(Mention.document_id, Mention.page_number, Mention.start,
                   MentionEntity.position))
    rows = session.execute(q).all()
    shas = {r.sha256 for r in rows} | set(session.scalars(
        select(Document.sha256).where(Document.id.in_(ids))))
    ov = _overlay(session, "mention", shas)
    out = []
    for r in rows:
        if ov and (r.sha256, r.page_number, r.start, r.end, r.label) in ov.hidden:
            continue
        if r.cid is not None and r.cid == r.document_id:
            continue  # its own symbol (running header): not a citation
        out.append({"symbol": r.symbol, "page": r.page_number, "paragraph": r.paragraph,
                    "label": r.label, "text": r.text, "cited": r.entity_id,
                    "cited_document_id": r.cid, "cited_symbol": r.csym, "cited_title": r.ctitle,
                    "sentence": r.sentence, "document_id": r.document_id, "start": r.start,
                    "end": r.end, "origin": r.origin})
    if ov.records:
        docs = _docs_by_sha(session, shas)
        for c, a in ov.records:
            if a.get("label", c.label) not in ("REF", "DOC") or c.document_sha256 not in docs:
                continue
            d = docs[c.document_sha256]
            base = _mention_from_after(c, a, d, session)
            for eid in a.get("ids") or []:
                out.append({**{k: base[k] for k in ("symbol", "page", "paragraph", "label",
                                                     "text", "sentence", "document_id",
                                                     "start", "end", "origin")},
                            "cited": eid, "cited_document_id": None, "cited_symbol": None,
                            "cited_title": None})
        out.sort(key=lambda r: (r["document_id"], r["page"], r["start"]))
    # symbols of documents ingested after the entity row was linked
    missing = {r["cited"] for r in out if r["cited_document_id"] is None and r["label"] == "DOC"}
    own = set(session.scalars(select(Document.symbol).where(Document.id.in_(ids))))
    if missing:
        found = {}
        for did, sym, title in session.execute(
                select(Document.id, Document.symbol, Document.title)
                .where(Document.symbol.in_(missing)).order_by(Document.id)):
            found.setdefault(sym, (did, sym, title))
        for r in out:
            if r["cited"] in found and r["cited_document_id"] is None:
                r["cited_document_id"], r["cited_symbol"], r["cited_title"] = found[r["cited"]]
        out = [r for r in out if not (r["label"] == "DOC" and r["cited"] in own
                                      and r["cited_document_id"] == r["document_id"])]
    return _page(_frame(out, CITED_BY_COLUMNS), limit, offset)


# ------------------------------------------------------------------ entities
def entities(*, session: Session, label: str | None = None, limit: int | None = None,
             offset: int = 0) -> pd.DataFrame:
    """Entities that have mentions, most mentioned first (then by id), with
    their mention and document counts (``label``: ORG, REF, MEETING, DOC or
    DATE); ``limit``/``offset`` give one page of that order. Columns: id,
    label, kind, name, treaty, mentions, documents, document_id (the ingested
    document bearing a DOC symbol)."""
    q = select(Entity.id, Entity.label, Entity.kind, Entity.name, Entity.treaty,
               Entity.mention_count, Entity.document_count, Entity.document_id)
    if label:
        q = q.where(Entity.label == label.upper())
    ov = _overlay(session, "mention")
    if not ov:
        q = q.where(Entity.mention_count > 0)
        q = q.order_by(Entity.mention_count.desc(), Entity.id)
        if (limit is not None and limit < 0) or offset < 0:
            raise ValueError("limit and offset must be 0 or more")
        if limit is not None or offset:
            q = q.limit(limit).offset(offset or None)
        return _typed(_columns_frame(_fetch(session, q), ENTITY_COLUMNS))
    # corrections present: move the counts of the documents they touch
    delta_m: dict[str, int] = {}
    delta_d: dict[str, int] = {}
    docs = _docs_by_sha(session, {k[0] for k in ov.hidden})
    for sha, d in docs.items():
        raw: dict[str, int] = {}
        eff: dict[str, int] = {}
        for m_sha_key, eid in _doc_mention_links(session, d.id, sha):
            raw[eid] = raw.get(eid, 0) + 1
            if m_sha_key not in ov.hidden:
                eff[eid] = eff.get(eid, 0) + 1
        for c, a in ov.records:
            if c.document_sha256 == sha:
                for eid in a.get("ids") or []:
                    eff[eid] = eff.get(eid, 0) + 1
        for eid in set(raw) | set(eff):
            delta_m[eid] = delta_m.get(eid, 0) + eff.get(eid, 0) - raw.get(eid, 0)
            delta_d[eid] = delta_d.get(eid, 0) + int(eff.get(eid, 0) > 0) - int(raw.get(eid, 0) > 0)
    q = q.where(or_(Entity.mention_count > 0, Entity.id.in_(list(delta_m) or [""])))
    out = []
    for r in session.execute(q).all():
        rec = _entity_row(r)
        rec["mentions"] += delta_m.get(r.id, 0)
        rec["documents"] += delta_d.get(r.id, 0)
        if rec["mentions"] > 0:
            out.append(rec)
    known = {r["id"] for r in out}
    for eid, dm in delta_m.items():  # entities only corrections name
        if eid not in known and dm > 0 and session.get(Entity, eid) is None:
            row = parse_entity_id(eid)
            if label and row["label"] != label.upper():
                continue
            out.append({"id": eid, "label": row["label"], "kind": row["kind"], "name": eid,
                        "treaty": row["treaty"], "mentions": dm, "documents": delta_d.get(eid, 0),
                        "document_id": None})
    out.sort(key=lambda r: (-r["mentions"], r["id"]))
    return _page(_frame(out, ENTITY_COLUMNS), limit, offset)


def _entity_row(r) -> dict:
    return {"id": r.id, "label": r.label, "kind": r.kind, "name": r.name, "treaty": r.treaty,
            "mentions": r.mention_count or 0, "documents": r.document_count or 0,
            "document_id": r.document_id}


def _doc_mention_links(session: Session, document_id: int, sha: str):
    q = (select(Mention.page_number, Mention.start, Mention.end, Mention.label,
                MentionEntity.entity_id)
         .join(MentionEntity, MentionEntity.mention_id == Mention.id)
         .where(Mention.document_id == document_id))
    for p, s, e, lab, eid in session.execute(q):
        yield (sha, p, s, e, lab), eid


def entity(entity_id: str, *, session: Session) -> dict[str, pd.DataFrame]:
    """Everything about one entity, as a dict of DataFrames:

    * ``"entity"``: one row (id, label, kind, name, treaty, body,
      instrument_kind, number, document_id, mentions, documents) — empty when
      the id is unknown;
    * ``"aliases"``: alias, lang, is_acronym (names from the knowledge base);
    * ``"mentions"``: as :func:`cites`;
    * ``"documents"``: document_id, symbol, title, mentions (count);
    * ``"actions"``: action items it is the actor or deadline of, or that
      refer to it (as :func:`actions`).
    """
    eid = resolve_entity_id(entity_id, session=session)
    e = session.get(Entity, eid)
    ent_cols = ["id", "label", "kind", "name", "treaty", "body", "instrument_kind", "number",
                "document_id", "mentions", "documents"]
    if e is None:
        empty = {"entity": _frame([], ent_cols),
                 "aliases": _frame([], ["alias", "lang", "is_acronym"]),
                 "mentions": _frame([], CITES_COLUMNS),
                 "documents": _frame([], ["document_id", "symbol", "title", "mentions"]),
                 "actions": _frame([], ACTION_COLUMNS)}
        return empty
    ments = cites(eid, session=session)
    info = {"id": e.id, "label": e.label, "kind": e.kind, "name": e.name, "treaty": e.treaty,
            "body": e.body, "instrument_kind": e.instrument_kind, "number": e.number,
            "document_id": e.document_id, "mentions": len(ments),
            "documents": int(ments["document_id"].nunique()) if len(ments) else 0}
    aliases = [{"alias": a.alias, "lang": a.lang, "is_acronym": a.is_acronym}
               for a in session.scalars(select(EntityAlias).where(EntityAlias.entity_id == eid)
                                        .order_by(EntityAlias.lang, EntityAlias.alias))]
    if len(ments):
        docs = (ments.groupby(["document_id"], dropna=False)
                .agg(symbol=("symbol", "first"), mentions=("text", "size")).reset_index())
        titles = dict(session.execute(select(Document.id, Document.title).where(
            Document.id.in_([int(x) for x in docs["document_id"]]))).all())
        docs["title"] = [titles.get(int(x)) for x in docs["document_id"]]
        docs = docs[["document_id", "symbol", "title", "mentions"]]
    else:
        docs = _frame([], ["document_id", "symbol", "title", "mentions"])
    parts = [actions(session=session, actor=eid), actions(session=session, ref=eid)]
    if e.kind == "meeting":
        parts.append(actions(session=session, meeting=eid))
    parts = [p for p in parts if len(p)]
    if parts:
        acts = pd.concat(parts, ignore_index=True)
        acts = (acts.loc[~acts[["document_id", "page", "start", "end", "origin"]].duplicated()]
                .sort_values(["document_id", "page", "start"], kind="stable")
                .reset_index(drop=True))
    else:
        acts = _frame([], ACTION_COLUMNS)
    return {"entity": _frame([info], ent_cols), "aliases": _frame(aliases, ["alias", "lang",
                                                                          "is_acronym"]),
            "mentions": ments, "documents": docs, "actions": acts}


# ------------------------------------------------------------------ search
def search(words: str, *, session: Session, limit: int = 20, offset: int = 0) -> pd.DataFrame:
    """Pages whose text has any of ``words``, best first: most query terms on
    the page, then most hits, then document and page — the same pages in the
    same order on SQLite and PostgreSQL. Query syntax (:mod:`docmine.store.search`):
    French stemming, accents and case ignored, function words (``le``, ``de``)
    left out; ``"a phrase"`` and a document symbol (``UNEP/CMS/StC52/11``) are
    one term; ``coop*`` is a prefix; ``-word`` excludes.

    Columns: symbol, page, paragraph, snippet (plain raw text around the
    hits, whitespace collapsed), highlights (list of ``[start, end]`` offsets
    of the hits in the snippet), terms (query terms on the page), hits, title,
    document_id, rank (the engine's own score: differs between SQLite and
    PostgreSQL, not used for the order). ``offset`` skips the first pages of
    that order (``limit`` then counts from there).

    Raises :class:`docmine.store.search.SearchQueryError` (a ``ValueError``) for an
    empty query, one made only of function words, or only of exclusions.
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be 0 or more")
    hits = _search.search_pages(words, session=session,
                                limit=max(offset + limit, 1))[offset:offset + limit]
    if not hits:
        return _frame([], SEARCH_COLUMNS)
    meta = {r.id: r for r in session.execute(
        select(Document.id, Document.symbol, Document.title)
        .where(Document.id.in_({h["document_id"] for h in hits})))}
    out = []
    for h in hits:
        d = meta.get(h["document_id"])
        out.append({"symbol": d.symbol if d else None, "page": h["page"],
                    "paragraph": paragraph_at(h["text"] or "", h["start"])
                    if h["start"] is not None else None,
                    "snippet": h["snippet"], "highlights": h["highlights"],
                    "terms": h["terms"], "hits": h["hits"],
                    "title": d.title if d else None,
                    "document_id": h["document_id"], "rank": h["rank"]})
    return _frame(out, SEARCH_COLUMNS)


# ------------------------------------------------------------------ one document, overview
MENTION_COLUMNS = ["symbol", "page", "paragraph", "label", "text", "ids", "start", "end",
                   "document_id", "origin"]


def document_mentions(doc: Any, *, session: Session, page: int | None = None) -> pd.DataFrame:
    """The mentions of one document (``doc``: id, sha256 prefix or symbol; the
    first match), with the corrections overlay, ordered by page and position;
    only page ``page`` (1-based) when given. ``ids`` is the list of canonical
    ids the mention links to, in order. Columns: symbol, page, paragraph,
    label, text, ids, start, end (page offsets), document_id, origin."""
    ids = resolve_documents(doc, session=session)
    if not ids:
        return _frame([], MENTION_COLUMNS)
    did = ids[0]
    d = session.execute(select(Document.id, Document.sha256, Document.symbol, Document.treaty,
                               Document.title).where(Document.id == did)).one()
    q = (select(Mention.id, Mention.page_number, Mention.paragraph, Mention.label, Mention.text,
                Mention.start, Mention.end, Mention.origin)
         .where(Mention.document_id == did).order_by(Mention.page_number, Mention.start,
                                                     Mention.id))
    if page is not None:
        q = q.where(Mention.page_number == page)
    rows = session.execute(q).all()
    links: dict[int, list[str]] = {}
    lq = (select(MentionEntity.mention_id, MentionEntity.entity_id)
          .join(Mention, Mention.id == MentionEntity.mention_id)
          .where(Mention.document_id == did)
          .order_by(MentionEntity.mention_id, MentionEntity.position, MentionEntity.entity_id))
    if page is not None:
        lq = lq.where(Mention.page_number == page)
    for mid, eid in session.execute(lq):
        links.setdefault(mid, []).append(eid)
    ov = _overlay(session, "mention", [d.sha256])
    out = []
    for r in rows:
        if ov and (d.sha256, r.page_number, r.start, r.end, r.label) in ov.hidden:
            continue
        out.append({"symbol": d.symbol, "page": r.page_number, "paragraph": r.paragraph,
                    "label": r.label, "text": r.text, "ids": links.get(r.id, []),
                    "start": r.start, "end": r.end, "document_id": did, "origin": r.origin})
    for c, a in ov.records:
        rec = _mention_from_after(c, a, d, session)
        if page is not None and rec["page"] != page:
            continue
        out.append({k: rec[k] for k in ("symbol", "page", "paragraph", "label", "text", "start",
                                        "end", "document_id", "origin")}
                   | {"ids": list(a.get("ids") or [])})
    out.sort(key=lambda r: (r["page"], r["start"], r["end"]))
    return _frame(out, MENTION_COLUMNS)


def overview(*, session: Session, runs: int = 10) -> dict[str, Any]:
    """What the database holds, for a front page: ``{"totals": {documents,
    pages, mentions, action_items, entities}, "treaty"|"language"|"year":
    DataFrame(value, documents), "runs": DataFrame(id, started_at,
    finished_at, status, trigger, inputs, new, skipped, failed), "failures":
    DataFrame(run_id, source, outcome, error_code, reason)}`` — the latest
    ``runs`` ingest runs, newest first, and their inputs that failed or need
    OCR."""
    from docmine.store.schema import IngestItem, IngestRun
    count = lambda col: session.scalar(select(func.count(col))) or 0  # noqa: E731
    totals = {"documents": count(Document.id), "pages": count(Page.id),
              "mentions": count(Mention.id), "action_items": count(ActionItem.id),
              "entities": session.scalar(select(func.count(Entity.id))
                                         .where(Entity.mention_count > 0)) or 0}
    out: dict[str, Any] = {"totals": totals}
    year = func.substr(Document.doc_date, 1, 4)
    for name, col, order in (("treaty", Document.treaty, None), ("language", Document.language,
                                                                   None), ("year", year, "desc")):
        q = select(col, func.count()).group_by(col)
        q = q.order_by(col.desc()) if order else q.order_by(func.count().desc(), col)
        out[name] = _typed(pd.DataFrame([{"value": v, "documents": n}
                                         for v, n in session.execute(q)],
                                        columns=["value", "documents"]))
    rr = list(session.scalars(select(IngestRun).order_by(IngestRun.id.desc()).limit(runs)))
    out["runs"] = pd.DataFrame(
        [{"id": r.id, "started_at": r.started_at.isoformat() if r.started_at else None,
          "finished_at": r.finished_at.isoformat() if r.finished_at else None,
          "status": r.status, "trigger": r.trigger,
          "inputs": (r.summary or {}).get("inputs"), "new": (r.summary or {}).get("new"),
          "skipped": (r.summary or {}).get("skipped"), "failed": (r.summary or {}).get("failed")}
         for r in rr],
        columns=["id", "started_at", "finished_at", "status", "trigger", "inputs", "new",
                 "skipped", "failed"])
    fails = []
    if rr:
        for it in session.scalars(select(IngestItem).where(
                IngestItem.run_id.in_([r.id for r in rr]),
                IngestItem.outcome.in_(("failed", "needs_ocr")))
                .order_by(IngestItem.run_id.desc(), IngestItem.id).limit(200)):
            fails.append({"run_id": it.run_id, "source": it.source, "outcome": it.outcome,
                          "error_code": it.error_code, "reason": it.reason})
    out["failures"] = pd.DataFrame(fails, columns=["run_id", "source", "outcome", "error_code",
                                                   "reason"])
    return out


def action_facets(*, session: Session, top: int = 300) -> dict[str, list[tuple[str, int]]]:
    """Values to narrow :func:`actions` by, with how many (model) action items
    have each, most frequent first: ``{"treaty": […], "verb": […], "actor":
    […], "meeting": […]}`` (``top`` values at most per facet)."""
    out = {}
    for name, col in (("treaty", ActionItem.treaty), ("verb", ActionItem.verb),
                      ("actor", ActionItem.actor_id), ("meeting", ActionItem.deadline_meeting_id)):
        out[name] = [(v, n) for v, n in session.execute(
            select(col, func.count()).where(col.is_not(None)).group_by(col)
            .order_by(func.count().desc(), col).limit(top))]
    return out


def store_version(*, session: Session) -> tuple:
    """A cheap fingerprint of what the store holds: the highest row ids of
    documents, mentions, action items, corrections and ingest runs, and how
    many runs have finished. It changes whenever an ingest, an extraction or
    a correction lands, so derived summaries (:func:`overview`, facets) can be
    cached under it. Index look-ups only."""
    from docmine.store.schema import IngestRun
    top = lambda col: session.scalar(select(func.max(col)))  # noqa: E731
    return (top(Document.id), top(Mention.id), top(ActionItem.id), top(Correction.id),
            top(IngestRun.id), top(IngestRun.finished_at))


def entity_aliases(ids: Iterable[str], *, session: Session) -> dict[str, list[str]]:
    """The names (aliases, from the knowledge base) of each entity in ``ids``:
    ``{id: [alias, …]}`` sorted, acronyms first; ids without aliases are left out."""
    ids = list(dict.fromkeys(ids))
    out: dict[str, list[str]] = {}
    for i in range(0, len(ids), 500):
        q = (select(EntityAlias.entity_id, EntityAlias.alias)
             .where(EntityAlias.entity_id.in_(ids[i:i + 500]))
             .order_by(EntityAlias.entity_id, EntityAlias.is_acronym.desc(), EntityAlias.alias))
        for eid, alias in session.execute(q):
            names = out.setdefault(eid, [])
            if alias not in names:
                names.append(alias)
    return out
