"""The database schema (SQLAlchemy 2 typed ORM). Migrations: ``migrations/``.

Layers, from raw to derived:

* ingestion: ``IngestRun`` → ``IngestItem`` (one per input file and run, with
  its outcome and reason) → ``Document`` (one per distinct sha256) → ``Page``
  (raw text exactly as the backend returned it, plus its layout blocks);
* model output: ``ModelVersion`` → ``ExtractionRun`` → ``Mention`` (offsets
  into the stored page text) ↔ ``Entity`` through ``MentionEntity``;
  ``ActionItem`` (+ ``ActionItemRef``). Re-extraction replaces one document's
  model rows in one transaction;
* editors: ``Correction`` is an append-only ledger (who, when, before, after)
  keyed by stable coordinates (document sha256, page, offsets, label), never
  by model row ids, so corrections overlay model output and survive
  re-extraction.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer,
                        String, Text, UniqueConstraint, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# --------------------------------------------------------------------------- ingestion
class IngestRun(Base):
    """One invocation of ``docmine ingest`` / one flow run."""
    __tablename__ = "ingest_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|partial|failed
    trigger: Mapped[str] = mapped_column(String(32), default="cli")  # cli|flow|api
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    items: Mapped[list["IngestItem"]] = relationship(back_populates="run")


class IngestItem(Base):
    """What happened to one input (file path or URL) in one run."""
    __tablename__ = "ingest_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(Text)  # path or URL as given
    sha256: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    size: Mapped[Optional[int]] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))  # new|skipped|failed|needs_ocr
    reason: Mapped[Optional[str]] = mapped_column(Text)  # one line, for failed/needs_ocr/skipped
    error_code: Mapped[Optional[str]] = mapped_column(String(32))  # corrupt|encrypted|empty|not_pdf|...
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    run: Mapped[IngestRun] = relationship(back_populates="items")


class Document(Base):
    """One distinct PDF (or text) by content: the same bytes are stored once."""
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(Text)  # first path/URL it was seen at
    source_key: Mapped[str] = mapped_column(Text, index=True)  # normalised path/URL: versions share it
    version: Mapped[int] = mapped_column(Integer, default=1)  # 1, 2, … per source_key
    supersedes_id: Mapped[Optional[int]] = mapped_column(ForeignKey("documents.id"))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(64), default="application/pdf")
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok|needs_ocr
    page_count: Mapped[int] = mapped_column(Integer)
    language: Mapped[Optional[str]] = mapped_column(String(8), index=True)
    languages: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"fr": 0.93, ...} share of pages
    symbol: Mapped[Optional[str]] = mapped_column(String(128), index=True)  # its own symbol (page 1)
    treaty: Mapped[Optional[str]] = mapped_column(String(16), index=True)
    doc_date: Mapped[Optional[str]] = mapped_column(String(32))  # ISO, grain as written
    title: Mapped[Optional[str]] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(32))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: model version whose output is current for this document (None: never extracted)
    extracted_version: Mapped[Optional[str]] = mapped_column(String(128), index=True)
    pages: Mapped[list["Page"]] = relationship(back_populates="document", order_by="Page.number",
                                               cascade="all, delete-orphan")


class Page(Base):
    """One page's text exactly as the backend returned it, and its structure."""
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1-based
    text: Mapped[Optional[str]] = mapped_column(Text)  # None: no text layer (needs OCR)
    #: [{"kind": "header|footer|footnote|body", "start": int, "end": int}] offsets into text
    blocks: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[Optional[str]] = mapped_column(String(8))
    char_count: Mapped[int] = mapped_column(Integer, default=0)
    #: offset of this page's text in the document text (pages joined with "\f")
    doc_offset: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[Document] = relationship(back_populates="pages")


# --------------------------------------------------------------------------- model output
class ModelVersion(Base):
    """An extraction model (pipeline + patterns + KB) and its evaluation."""
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("tag", name="uq_model_versions_tag"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)  # e.g. docmine-0.1.0+fr_core_news_sm
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)  # evaluation figures
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    # ---- trained versions (migration 0006_training; docmine.store.models, docmine.training)
    #: short name, the artefact folder's name (``ner_org_fr-20261130T010203``); ``name`` is
    #: ``docmine-<version>+<tag>``, the model version stored with every mention
    tag: Mapped[Optional[str]] = mapped_column(String(128))
    #: baseline | candidate | in_force | retired | refused | rolled_back
    status: Mapped[str] = mapped_column(String(16), default="candidate", server_default="candidate")
    #: the spaCy pipeline whose NER extraction loads (absolute; under ``<data_dir>/models/<tag>``)
    artefact_path: Mapped[Optional[str]] = mapped_column(Text)
    #: the version it was trained from (``name``)
    parent: Mapped[Optional[str]] = mapped_column(String(128))
    #: sha256 of every training and evaluation input, by part
    data_hashes: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: accepted | refused | None (never gated)
    verdict: Mapped[Optional[str]] = mapped_column(String(16))
    #: the gate's report (docmine.training.gate.GateReport.to_dict())
    report: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: last time it was put in force (rollback goes back to the latest before the current)
    promoted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class ExtractionRun(Base):
    """One extraction of one document by one model version."""
    __tablename__ = "extraction_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    model_version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    language: Mapped[Optional[str]] = mapped_column(String(8))
    pipeline: Mapped[Optional[str]] = mapped_column(String(16))  # fr|rules
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Entity(Base):
    """A canonical thing mentions link to: an instrument, organisation, meeting,
    document symbol or date value. ``id`` is the contract's canonical id."""
    __tablename__ = "entities"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # "CMS Res 11.10", "cms-secretariat"
    kind: Mapped[str] = mapped_column(String(16), index=True)  # instrument|organisation|meeting|symbol|date
    label: Mapped[str] = mapped_column(String(16), index=True)  # REF|ORG|MEETING|DOC|DATE
    treaty: Mapped[Optional[str]] = mapped_column(String(16), index=True)
    body: Mapped[Optional[str]] = mapped_column(String(32))  # COP, SBSTTA, StC…
    instrument_kind: Mapped[Optional[str]] = mapped_column(String(16))  # Res|Dec|Rec|Res Conf
    number: Mapped[Optional[str]] = mapped_column(String(32))  # "11.10", "XII/30", "12"
    name: Mapped[Optional[str]] = mapped_column(Text)  # display name
    parent_id: Mapped[Optional[str]] = mapped_column(ForeignKey("entities.id"))
    #: ingested document that bears this symbol (DOC entities)
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: how many mentions link to it and in how many documents (kept by docmine.store;
    #: docmine.store.entities.refresh_counts recomputes them; added by migration 0002_query)
    mention_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    document_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    aliases: Mapped[list["EntityAlias"]] = relationship(cascade="all, delete-orphan")


class EntityAlias(Base):
    __tablename__ = "entity_aliases"
    __table_args__ = (UniqueConstraint("entity_id", "alias", "lang"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[str] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="")
    is_acronym: Mapped[bool] = mapped_column(Boolean, default=False)


class Mention(Base):
    """A labelled span of a stored page's text, made by a model or an editor."""
    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_doc_label", "document_id", "label"),
                      # one copy of a document's output (migration 0004_robust)
                      Index("uq_mentions_span", "document_id", "doc_start", "doc_end", "label",
                            "origin", unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    page_number: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)  # offsets into pages.text
    end: Mapped[int] = mapped_column(Integer)
    doc_start: Mapped[int] = mapped_column(Integer)  # offsets into the joined document text
    doc_end: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(Text)
    attrs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sentence: Mapped[Optional[str]] = mapped_column(Text)  # the citing sentence
    #: numbered paragraph (and lettered item) the mention stands in, e.g. "12" or "12 b"
    #: (added by migration 0002_query; written by docmine.store.write)
    paragraph: Mapped[Optional[str]] = mapped_column(String(32))
    extraction_run_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("extraction_runs.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[Optional[str]] = mapped_column(String(128))
    origin: Mapped[str] = mapped_column(String(16), default="model")  # model|editor
    links: Mapped[list["MentionEntity"]] = relationship(cascade="all, delete-orphan")


class MentionEntity(Base):
    """Mention → canonical entity (a range or coordination links to several)."""
    __tablename__ = "mention_entities"
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[str] = mapped_column(ForeignKey("entities.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ActionItem(Base):
    """Who is asked to do what, by when (contract §2)."""
    __tablename__ = "action_items"
    __table_args__ = (Index("uq_action_items_span", "document_id", "doc_start", "doc_end",
                            "origin", unique=True),)  # migration 0004_robust
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    page_number: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    doc_start: Mapped[int] = mapped_column(Integer)
    doc_end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[Optional[str]] = mapped_column(ForeignKey("entities.id"), index=True)
    actor_text: Mapped[str] = mapped_column(Text)
    verb: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="request")
    deadline_meeting_id: Mapped[Optional[str]] = mapped_column(ForeignKey("entities.id"), index=True)
    deadline_date: Mapped[Optional[str]] = mapped_column(String(32))  # ISO value as in the contract
    #: first day the deadline covers (for --due-before), from the date or the meeting
    deadline_sort: Mapped[Optional[str]] = mapped_column(String(10), index=True)
    paragraph: Mapped[Optional[str]] = mapped_column(String(32))
    treaty: Mapped[Optional[str]] = mapped_column(String(16), index=True)
    extraction_run_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("extraction_runs.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[Optional[str]] = mapped_column(String(128))
    origin: Mapped[str] = mapped_column(String(16), default="model")  # model|editor
    refs: Mapped[list["ActionItemRef"]] = relationship(cascade="all, delete-orphan")


class ActionItemRef(Base):
    __tablename__ = "action_item_refs"
    action_item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id", ondelete="CASCADE"),
                                                primary_key=True)
    entity_id: Mapped[str] = mapped_column(ForeignKey("entities.id"), primary_key=True, index=True)


# --------------------------------------------------------------------------- editors
class Correction(Base):
    """Append-only ledger of editors' changes. Never updated, never deleted.

    ``target`` is ``mention`` or ``action_item``; the target is located by
    stable coordinates (``document_sha256``, ``page_number``, ``start``, ``end``,
    ``label``), so a correction still applies after re-extraction. ``op`` is
    ``add``, ``delete`` or ``modify``; ``before``/``after`` hold the record as
    JSON. ``supersedes_id`` chains an edit to the one it replaces; a conflicting
    edit (its ``before`` no longer matches the current state) is refused.
    """
    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_target", "document_sha256", "target", "start", "end"),
                      # one winner per target and revision (migration 0005_editors): two
                      # writes made against the same base revision cannot both land
                      Index("uq_corrections_target_revision", "target_key", "revision",
                            unique=True),
                      Index("ix_corrections_target_key", "target_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    editor: Mapped[str] = mapped_column(String(128))
    target: Mapped[str] = mapped_column(String(16))  # mention|action_item
    op: Mapped[str] = mapped_column(String(16))  # add|delete|modify
    document_sha256: Mapped[str] = mapped_column(String(64), index=True)
    page_number: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    label: Mapped[Optional[str]] = mapped_column(String(16))
    before: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    after: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    model_version: Mapped[Optional[str]] = mapped_column(String(128))  # what the editor saw
    supersedes_id: Mapped[Optional[int]] = mapped_column(ForeignKey("corrections.id"))
    comment: Mapped[Optional[str]] = mapped_column(Text)
    # --- migration 0005_editors (docmine.corrections) ---
    #: stable name of the corrected thing: ``mention:<sha256>:<page>:<start>:<end>:<label>``
    #: or ``action_item:<sha256>:<page>:<start>:<end>`` (the anchor: the coordinates of
    #: the model row or of the added record, kept by every later edit of it)
    target_key: Mapped[Optional[str]] = mapped_column(String(255))
    #: the target's revision the editor saw (0: model output, never corrected)
    base_revision: Mapped[Optional[int]] = mapped_column(Integer)
    #: the revision this row made (base + 1); NULL for a refused row (status conflict)
    revision: Mapped[Optional[int]] = mapped_column(Integer)
    #: applied (in force unless a later row replaces it) | conflict (refused: its base
    #: was no longer current; kept so nothing an editor did is lost)
    status: Mapped[str] = mapped_column(String(16), default="applied", server_default="applied")
    #: the editor's operation: accept, delete, relabel, move, set_ids, add, set_actor,
    #: set_verb, set_deadline, set_refs, edit, undo, revert
    edit: Mapped[Optional[str]] = mapped_column(String(32))
    #: the row this one reverts (admin revert, editor undo)
    revert_of: Mapped[Optional[int]] = mapped_column(ForeignKey("corrections.id"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


# --------------------------------------------------------------------------- accounts
class User(Base):
    """An account (migration 0005_editors): ``role`` ``viewer`` (reads),
    ``editor`` (corrects), ``admin`` (also reverts); the password is kept as an
    argon2id hash (argon2-cffi), never in clear."""
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A bearer token for scripts: only its SHA-256 is stored."""
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginAttempt(Base):
    """One failed sign-in (per name and client address), for rate limiting."""
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_time", "key", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))  # "<name>|<ip>"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CorrectionCarry(Base):
    """Whether a correction of a document's previous version was carried to a
    new version (``status`` ``carried``: ``carried_id`` is the ledger row
    appended for the new version) or not (``uncarried``, with ``reason``: an
    editor reviews it). Written once per (correction, new version) by
    :mod:`docmine.store.carry`; append-only like the ledger."""
    __tablename__ = "correction_carries"
    __table_args__ = (UniqueConstraint("correction_id", "document_id",
                                       name="uq_correction_carries_once"),
                      Index("ix_correction_carries_document_status", "document_id", "status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(ForeignKey("corrections.id"))
    #: the new version the correction was carried (or not) to
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # carried|uncarried
    carried_id: Mapped[Optional[int]] = mapped_column(ForeignKey("corrections.id"))
    reason: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --------------------------------------------------------------------------- training
class DatabaseSetting(Base):
    """A setting every process reads from the database (migration 0006_training),
    e.g. ``model_in_force`` (a ``model_versions.name``), so CLI, web and flows use
    the same model. ``value`` is JSON."""
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Optional[Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KbOverlay(Base):
    """Knowledge learned from editors' corrections, overlaying ``corpus/kb/``
    (migration 0006_training): an ``alias`` of a known organisation, or a new
    ``entity`` (with its name as first alias). One row per (correction, id,
    alias); ``active`` turns false when the correction is no longer in effect
    (superseded or reverted). Read by the organisation rule components through
    :func:`docmine.store.models.kb_overlay` (passed down as data)."""
    __tablename__ = "kb_overlay"
    __table_args__ = (UniqueConstraint("correction_id", "entity_id", "alias",
                                       name="uq_kb_overlay_correction_alias"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # alias|entity
    entity_id: Mapped[str] = mapped_column(String(255), index=True)
    alias: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="")
    correction_id: Mapped[int] = mapped_column(ForeignKey("corrections.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
