"""Write an extraction into the database: mentions, entities, action items.

:func:`store_extraction` takes a :class:`docmine.records.Extraction` whose
offsets point into the document text (the stored pages joined with ``"\\f"``)
and writes, for one document, in one transaction:

* the :class:`~docmine.store.schema.ModelVersion` row (by name) and an
  :class:`~docmine.store.schema.ExtractionRun`;
* one :class:`~docmine.store.schema.Mention` per mention, located on its page
  (``page_number``, ``start``/``end`` into ``pages.text``; ``doc_start``/``doc_end``
  into the joined text; a span that crosses a page break keeps the page it
  starts on and an ``end`` past that page's text), with the numbered paragraph
  it stands in and, for REF and DOC, the citing sentence;
* the :class:`~docmine.store.schema.Entity` rows its ids name (upserted, see
  :mod:`docmine.store.entities`) and the ``mention_entities`` links;
* the action items with their refs, ``deadline_sort`` (first day of the
  deadline date, else the meeting's estimated first day, else NULL) and
  ``treaty`` (the actor's treaty, else the deadline meeting's, else the
  document's).

Re-extraction **replaces** the document's previous model output (rows with
``origin='model'``); editors' rows (``origin='editor'``) and the corrections
ledger are never touched: corrections are keyed by coordinates and overlaid
by :mod:`docmine.query`.
"""
from __future__ import annotations

import bisect
import re
import time
from functools import lru_cache
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from docmine import records
from .db import begin_write
from .entities import (apply_count_delta, date_first_day, document_entity_counts, guess_label,
                       kb_loaded, link_document_symbol, load_organisations, meeting_date,
                       parse_entity_id, upsert_entities)
from .schema import (ActionItem, ActionItemRef, Document, Entity, ExtractionRun, Mention,
                     MentionEntity, ModelVersion, Page)
from docmine.extraction.decision_structure import TextParagraphs
from .search import index_document

#: labels whose mentions keep their citing sentence
CITING_LABELS = ("REF", "DOC")
_SENTENCE_MAX = 1200

_ABBREV = {"conf", "rev", "res", "rés", "dec", "déc", "doc", "rec", "no", "n°", "nos", "art",
           "para", "paras", "par", "p", "pp", "cf", "etc", "m", "mm", "mme", "mmes", "dr", "st",
           "vol", "al", "ex", "annex", "env", "inf", "add", "corr", "sect", "chap", "fig", "e.g",
           "i.e", "op", "ibid", "resp", "approx", "sbstta", "cop", "distr", "gén", "gen", "orig"}
_BOUNDARY = re.compile(r"[.!?;](?=[\s\"”»)]*\s)|\r?\n[ \t]*\r?\n|\f"
                       r"|\r?\n(?=[ \t]*(?:\d{1,3}\.|[a-z][.)]|[•\-–])\s)"
                       r"|\r?\n(?=[ \t]*[A-ZÀ-ÖØ-Þ0-9])")
#: a line this short, not ending a sentence, followed by a capital: a heading or header
_SHORT_LINE = 60


# ------------------------------------------------------------------ text helpers
def _is_boundary(text: str, m: re.Match) -> bool:
    ch = text[m.start()]
    if ch in "\r\n" and "\n" not in m.group()[1:].lstrip("\n") and m.group().count("\n") == 1:
        if re.match(r"\r?\n[ \t]*[A-ZÀ-ÖØ-Þ0-9]", m.group() + text[m.end():m.end() + 1]) \
                and not re.match(r"\r?\n[ \t]*(?:\d{1,3}\.|[a-z][.)]|[•\-–])\s",
                                 text[m.start():m.start() + 8]):
            line_start = text.rfind("\n", 0, m.start()) + 1
            line = text[line_start:m.start()].strip()
            return len(line) < _SHORT_LINE and not line.endswith((",", "de", "la", "le", "les",
                                                                 "et", "à", "du", "des"))
        return True
    if ch != ".":
        return True
    w = re.search(r"([\w°.]+)$", text[max(0, m.start() - 12):m.start()])
    if not w:
        return True
    word = w.group(1).lower()
    if word in _ABBREV or (len(word) == 1 and word.isalpha()):
        return False
    return True


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence around ``text[start:end]`` (whitespace collapsed): from the
    last boundary before ``start`` (``. ! ? ;`` + space, a blank line, a page
    break, a numbered or lettered item starting a line) to the first after ``end``."""
    lo_win = max(0, start - _SENTENCE_MAX // 2)
    lo = lo_win
    for m in _BOUNDARY.finditer(text, lo_win, start):
        if _is_boundary(text, m):
            lo = m.end()
    hi_win = min(len(text), end + _SENTENCE_MAX // 2)
    hi = hi_win
    for m in _BOUNDARY.finditer(text, end, hi_win):
        if _is_boundary(text, m):
            hi = m.start() + (1 if text[m.start()] in ".!?;" else 0)
            break
    return re.sub(r"\s+", " ", text[lo:hi]).strip()


def paragraph_at(text: str, offset: int) -> str | None:
    """The numbered paragraph (``"12"``), lettered item (``"b"``) or both
    (``"12 b"``) that ``offset`` stands in, read from the decision structure
    of ``text`` (:class:`docmine.extraction.decision_structure.TextParagraphs`, the same
    tree the extraction uses; parsed once per text, the last few cached).
    For positions that have no extracted record (editors' additions, search hits)."""
    return _paragraphs(text).paragraph_at(offset)


@lru_cache(maxsize=8)
def _paragraphs(text: str) -> TextParagraphs:
    return TextParagraphs(text)


# ------------------------------------------------------------------ pages
class PageMap:
    """Document offsets → (page, page offset), from ``pages.doc_offset``."""

    def __init__(self, pages: list[tuple[int, int, int, str | None]]):
        # (id, number, doc_offset, text) ordered by number
        self.pages = pages
        offsets, pos = [], 0
        for _pid, _n, _o, t in pages:
            offsets.append(pos)
            pos += len(t or "") + 1
        stored = [p[2] for p in pages]
        # trust the stored offsets when they are consistent with the "\f" join
        self.offsets = stored if stored == offsets else offsets
        self.text = "\f".join(t or "" for _pid, _n, _o, t in pages)

    def locate(self, doc_offset: int) -> tuple[int, int, int]:
        """``(page_id, page_number, offset in page)``."""
        i = max(0, bisect.bisect_right(self.offsets, doc_offset) - 1)
        pid, number, _o, _t = self.pages[i]
        return pid, number, doc_offset - self.offsets[i]


def page_map(document_id: int, *, session: Session) -> PageMap:
    rows = session.execute(select(Page.id, Page.number, Page.doc_offset, Page.text)
                           .where(Page.document_id == document_id).order_by(Page.number)).all()
    if not rows:
        raise ValueError(f"document {document_id} has no stored pages")
    return PageMap([tuple(r) for r in rows])


# ------------------------------------------------------------------ storing
def lock_document(document_id: int, *, session: Session) -> None:
    """Take the per-document write lock for the rest of the transaction, so two
    writers replacing one document's model rows take turns (the second one
    then deletes the first one's rows and counts from them).

    PostgreSQL: ``SELECT … FOR UPDATE`` on the ``documents`` row (READ
    COMMITTED: every later statement of the transaction sees what the
    previous holder committed). SQLite: nothing to do when the transaction
    began with :func:`docmine.store.db.begin_write` (``BEGIN IMMEDIATE`` holds the
    database's single write lock); inside a deferred transaction, the first
    write takes it or fails with ``database is locked``, never interleaves.
    Raises ValueError when there is no such document."""
    found = session.execute(select(Document.id).where(Document.id == document_id)
                            .with_for_update()).scalar()
    if found is None:
        raise ValueError(f"no document with id {document_id}")


def get_model_version(name: str, *, session: Session, config: dict | None = None) -> ModelVersion:
    """The ModelVersion row named ``name`` (created when missing)."""
    from .entities import _insert
    _insert(session, ModelVersion.__table__, [{"name": name, "config": config or {},
                                              "scores": {}, "promoted": False,
                                              "created_at": datetime.now(timezone.utc)}])
    return session.scalars(select(ModelVersion).where(ModelVersion.name == name)).one()


def delete_model_output(document_id: int, *, session: Session) -> dict[str, int]:
    """Delete one document's model rows (mentions, action items and their links);
    editors' rows stay. Returns how many mentions and action items went."""
    mids = select(Mention.id).where(Mention.document_id == document_id, Mention.origin == "model")
    aids = select(ActionItem.id).where(ActionItem.document_id == document_id,
                                       ActionItem.origin == "model")
    session.execute(delete(MentionEntity).where(MentionEntity.mention_id.in_(mids)))
    n_m = session.execute(delete(Mention).where(Mention.document_id == document_id,
                                                Mention.origin == "model")).rowcount
    session.execute(delete(ActionItemRef).where(ActionItemRef.action_item_id.in_(aids)))
    n_a = session.execute(delete(ActionItem).where(ActionItem.document_id == document_id,
                                                   ActionItem.origin == "model")).rowcount
    return {"mentions": n_m or 0, "action_items": n_a or 0}


def _ref_label(entity_id: str) -> str:
    label = guess_label(entity_id)
    return label if label in ("REF", "DOC") else "DOC"


def store_extraction(document_id: int, extraction: records.Extraction, *, session: Session,
                     model_version: str) -> dict[str, Any]:
    """Store ``extraction`` as document ``document_id``'s current model output,
    replacing the previous one (``origin='model'`` rows only).

    Transaction: when ``session`` has no transaction in progress, this call
    owns one and commits it (or rolls it back on error); inside a caller's
    transaction (e.g. :func:`docmine.store.db.session_scope`) it only flushes, and
    the caller's commit makes the replacement atomic.

    Returns ``{"document_id", "extraction_run_id", "model_version", "mentions",
    "labels": {label: n}, "action_items", "entities", "replaced": {...}}``.
    """
    owns = not session.in_transaction()
    try:
        if owns:
            begin_write(session)
        result = _store(document_id, extraction, session=session, model_version=model_version)
        if owns:
            session.commit()
        else:
            session.flush()
        return result
    except BaseException:
        if owns:
            session.rollback()
        raise


def _store(document_id: int, extraction: records.Extraction, *, session: Session,
           model_version: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    lock_document(document_id, session=session)
    doc = session.get(Document, document_id)
    if doc is None:
        raise ValueError(f"no document with id {document_id}")
    pm = page_map(document_id, session=session)
    if not kb_loaded(session):
        load_organisations(session)
    mv = get_model_version(model_version, session=session)
    started = datetime.now(timezone.utc)
    counts_before = document_entity_counts(session, document_id)
    replaced = delete_model_output(document_id, session=session)

    # entities named anywhere in this extraction
    wanted: list[tuple[str, str]] = []
    for m in extraction.mentions:
        wanted.extend((i, m.label) for i in m.ids if i)
    for a in extraction.action_items:
        if a.actor:
            wanted.append((a.actor, "ORG"))
        if a.deadline and a.deadline.meeting:
            wanted.append((a.deadline.meeting, "MEETING"))
        wanted.extend((r, _ref_label(r)) for r in a.refs if r)
    n_entities = upsert_entities(session, wanted)
    meta = {}
    meeting_ids = {a.deadline.meeting for a in extraction.action_items
                   if a.deadline and a.deadline.meeting}
    org_ids = {a.actor for a in extraction.action_items if a.actor}
    if meeting_ids or org_ids:
        for eid, treaty, data in session.execute(
                select(Entity.id, Entity.treaty, Entity.data)
                .where(Entity.id.in_(meeting_ids | org_ids))):
            meta[eid] = (treaty, data or {})

    run = ExtractionRun(document_id=document_id, model_version_id=mv.id, started_at=started,
                        language=extraction.document.language, pipeline=extraction.pipeline)
    session.add(run)
    session.flush()

    text = pm.text
    # the extractor gives every record its paragraph (from the document's decision
    # structure); hand-made extractions without any are read from the same structure
    records_have_paragraphs = any(m.paragraph is not None for m in extraction.mentions)
    labels: dict[str, int] = {}
    mention_rows: list[dict[str, Any]] = []
    mention_links: list[list[str]] = []
    seen_m: set[tuple] = set()
    for m in extraction.mentions:
        if (m.start, m.end, m.label) in seen_m:  # the database holds one (see uq_mentions_span)
            continue
        seen_m.add((m.start, m.end, m.label))
        pid, number, pstart = pm.locate(m.start)
        mention_links.append(list(dict.fromkeys(i for i in m.ids if i)))
        mention_rows.append(dict(
            document_id=document_id, page_id=pid, page_number=number, start=pstart,
            end=pstart + (m.end - m.start), doc_start=m.start, doc_end=m.end, label=m.label,
            text=m.text, attrs=dict(m.attrs or {}),
            sentence=sentence_at(text, m.start, m.end) if m.label in CITING_LABELS else None,
            paragraph=m.paragraph if m.paragraph is not None or records_have_paragraphs
            else paragraph_at(text, m.start), extraction_run_id=run.id,
            model_version=model_version, origin="model"))
        labels[m.label] = labels.get(m.label, 0) + 1
    mention_ids = _insert_returning_ids(session, Mention.__table__, mention_rows)
    _insert_rows(session, MentionEntity.__table__,
                 [{"mention_id": mid, "entity_id": eid, "position": k}
                  for mid, ids in zip(mention_ids, mention_links) for k, eid in enumerate(ids)])

    item_rows: list[dict[str, Any]] = []
    item_refs: list[list[str]] = []
    seen_a: set[tuple] = set()
    for a in extraction.action_items:
        if (a.start, a.end) in seen_a:  # one action item per span (uq_action_items_span)
            continue
        seen_a.add((a.start, a.end))
        pid, number, pstart = pm.locate(a.start)
        meeting = a.deadline.meeting if a.deadline else None
        ddate = a.deadline.date if a.deadline else None
        sort = date_first_day(ddate) or meeting_date(meeting, meta.get(meeting, (None, {}))[1])
        treaty = (meta.get(a.actor, (None,))[0] if a.actor else None) \
            or (parse_entity_id(meeting, "MEETING")["treaty"] if meeting else None) \
            or doc.treaty or extraction.document.treaty
        item_refs.append(list(dict.fromkeys(r for r in a.refs if r)))
        item_rows.append(dict(
            document_id=document_id, page_id=pid, page_number=number, start=pstart,
            end=pstart + (a.end - a.start), doc_start=a.start, doc_end=a.end, text=a.text,
            actor_id=a.actor, actor_text=a.actor_text or "", verb=a.verb or "", kind=a.kind,
            deadline_meeting_id=meeting, deadline_date=ddate, deadline_sort=sort,
            paragraph=a.paragraph if a.paragraph is not None or records_have_paragraphs
            else paragraph_at(text, a.start), treaty=treaty,
            extraction_run_id=run.id, model_version=model_version, origin="model"))
    item_ids = _insert_returning_ids(session, ActionItem.__table__, item_rows)
    _insert_rows(session, ActionItemRef.__table__,
                 [{"action_item_id": aid, "entity_id": r}
                  for aid, refs in zip(item_ids, item_refs) for r in refs])
    mentions, items = mention_rows, item_rows

    run.finished_at = datetime.now(timezone.utc)
    run.stats = {"mentions": len(mentions), "labels": labels, "action_items": len(items),
                 "seconds": round(time.perf_counter() - t0, 4), "replaced": replaced}
    doc.extracted_version = model_version
    session.flush()
    apply_count_delta(session, counts_before, document_entity_counts(session, document_id))
    link_document_symbol(session, document_id)
    index_document(document_id, session=session)
    return {"document_id": document_id, "extraction_run_id": run.id,
            "model_version": model_version, "mentions": len(mentions), "labels": labels,
            "action_items": len(items), "entities": n_entities, "replaced": replaced}


#: rows per multi-row INSERT statement (SQLite allows 32,766 bound parameters; a
#: mention row has 16 columns)
INSERT_BATCH = 500


def _insert_rows(session: Session, table, rows: list[dict[str, Any]]) -> None:
    """Plain bulk INSERT of ``rows`` (one ``executemany`` per :data:`INSERT_BATCH`)."""
    for i in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(table), rows[i:i + INSERT_BATCH])


def _insert_returning_ids(session: Session, table, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk INSERT of ``rows`` into ``table``; the new primary keys, in the order
    of ``rows`` (SQLAlchemy's "insertmanyvalues": multi-row ``INSERT … RETURNING``
    on SQLite ≥ 3.35 and PostgreSQL, ordered by ``sort_by_parameter_order``)."""
    ids: list[int] = []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for i in range(0, len(rows), INSERT_BATCH):
        ids.extend(session.execute(stmt, rows[i:i + INSERT_BATCH]).scalars().all())
    if len(ids) != len(rows):  # pragma: no cover - a driver that does not return every row
        raise RuntimeError(f"{table.name}: {len(rows)} rows inserted, {len(ids)} ids returned")
    return ids


def extract_and_store(document_id: int, *, session: Session, settings=None, nlp=None) -> dict:
    """Extract one stored document (its pages joined with ``"\\f"``) with
    :func:`docmine.extraction.extract.extract_pages` and store the result.
    The model is the version in force and the knowledge base has the
    knowledge learned from corrections (:func:`docmine.store.models.apply_in_force`),
    unless ``nlp`` is given (then only the recorded version name follows them).

    Transactions: when ``session`` has no transaction in progress, the pages
    are read in a short read transaction, extraction runs with none open, and
    the rows are replaced in one write transaction that this call commits
    (:func:`store_extraction`, under :func:`lock_document`). Inside a caller's
    transaction everything happens in it and the caller commits."""
    from docmine.extraction import extract as _extract
    from docmine.extraction.version import model_version as _model_version
    from docmine.settings import get_settings

    from .models import apply_in_force, knowledge_behind, sync_knowledge
    settings = settings or get_settings()
    owns = not session.in_transaction()
    # what editors' corrections taught since the last extraction (kb_overlay), at once
    if not owns:
        sync_knowledge(session=session)
    elif knowledge_behind(session=session):
        from sqlalchemy.exc import IntegrityError
        session.rollback()
        try:
            begin_write(session)
            sync_knowledge(session=session)
            session.commit()
        except IntegrityError:  # another process learned the same rows meanwhile
            session.rollback()
    else:
        session.rollback()
    # the version in force's NER and the knowledge learned from corrections (database settings)
    settings = apply_in_force(settings, session=session)
    doc = session.get(Document, document_id)
    if doc is None:
        raise ValueError(f"no document with id {document_id}")
    rows = session.execute(select(Page.text, Page.blocks).where(Page.document_id == document_id)
                           .order_by(Page.number)).all()
    source, symbol = doc.source, doc.symbol
    if owns:
        session.rollback()  # end the read transaction: no snapshot held while extracting
    # the stored blocks give the page's structure (headers, footers, footnotes
    # as sentence boundaries); the language is found part by part, not forced
    ex = _extract.extract_pages([r.text for r in rows], settings=settings, nlp=nlp, source=source,
                                symbol=symbol, blocks=[r.blocks or [] for r in rows])
    version = ex.model_version or _model_version(settings)
    return store_extraction(document_id, ex, session=session, model_version=version)
