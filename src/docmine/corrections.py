"""Editors' corrections: apply, history, undo, revert and export (issue 13).

Every change an editor makes to a mention (spec §1) or an action item (spec
§2) is one new row of the append-only ledger
(:class:`~docmine.store.schema.Correction`); nothing is updated or deleted.
The interface is documented in ``docs/editing.md``; in short:

* a **target** is named by its anchor in the text
  (``mention:<sha256>:<page>:<start>:<end>:<label>`` or
  ``action_item:<sha256>:<page>:<start>:<end>``, page offsets into the stored
  page text), never by a model row id, so corrections survive re-extraction
  and follow new versions (:mod:`docmine.store.carry`);
* every change names the **base revision** it was made against; revision 0
  is the model output, each applied change makes ``base + 1``. A change whose
  base is no longer current is refused with :class:`Conflict` and kept as a
  ``status='conflict'`` row; the database's unique index on
  ``(target_key, revision)`` makes sure two writes against the same base
  cannot both land;
* :mod:`docmine.query` overlays the ledger (latest row per anchor wins:
  ``delete`` hides, ``restore`` shows the model row again, any other op shows
  its ``after`` record), so ``docmine actions``, the web pages and the API
  show corrected values at once.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docmine.documents import AmbiguousDocument, DocumentNotFound, get_document
from docmine.store.db import begin_write
from docmine.store.schema import (ActionItem, ActionItemRef, Correction, Document, Entity,
                                  Mention, MentionEntity, Page, User)
from docmine.store.write import paragraph_at

__all__ = ["apply", "targets", "history", "get", "revert", "undo", "export", "Applied",
           "CorrectionError", "Conflict", "InvalidCorrection", "UnknownTarget", "NotAllowed",
           "LEDGER_COLUMNS", "LABELS", "OPS", "mention_key", "action_key", "parse_key"]

LABELS = ("ORG", "REF", "DOC", "MEETING", "DATE")
MENTION_OPS = ("accept", "delete", "relabel", "move", "set_ids", "edit", "undo")
ACTION_OPS = ("accept", "delete", "move", "set_actor", "set_verb", "set_deadline", "set_refs",
              "edit", "undo")
OPS = tuple(sorted(set(MENTION_OPS) | set(ACTION_OPS) | {"add"}))
LEDGER_COLUMNS = ["id", "created_at", "editor", "target", "target_key", "op", "edit", "status",
                  "document_sha256", "document_id", "page", "start", "end", "label",
                  "base_revision", "revision", "before", "after", "model_version", "revert_of",
                  "supersedes_id", "comment"]
_ISO_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?|-Q[1-4])?$")
_MAX_ID = 255
_MAX_LIST = 50
_MAX_COMMENT = 4000


# ------------------------------------------------------------------ errors
class CorrectionError(Exception):
    """A refused change: ``status`` (HTTP code) and a one-line ``message``."""
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidCorrection(CorrectionError, ValueError):
    """The change is malformed (bad op, label, offsets, field) — HTTP 422."""
    status = 422


class UnknownTarget(InvalidCorrection):
    """No mention or action item has that target key — HTTP 404."""
    status = 404


class NotAllowed(CorrectionError):
    """The user may not make this change (viewer, disabled, not admin) — HTTP 403."""
    status = 403


class Conflict(CorrectionError):
    """The change was made against a revision that is no longer current — HTTP 409.

    ``current``: the target's record now (None: deleted); ``current_revision``;
    ``latest``: the ledger row in force (dict) or None; ``yours``: the record
    the refused change asked for; ``conflict_id``: the refused change's own
    ledger row (``status='conflict'``), kept so nothing is lost."""
    status = 409

    def __init__(self, message: str, *, current, current_revision: int, latest, yours,
                 conflict_id: Optional[int]):
        super().__init__(message)
        self.current, self.current_revision = current, current_revision
        self.latest, self.yours, self.conflict_id = latest, yours, conflict_id

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.message, "status": 409, "current": self.current,
                "current_revision": self.current_revision, "latest": self.latest,
                "yours": self.yours, "conflict_id": self.conflict_id}


@dataclass
class Applied:
    """An applied change: ``correction`` (its ledger row as a dict), ``target``
    (key), ``revision`` (the target's revision now), ``record`` (the target's
    record now; None after a delete)."""
    correction: dict[str, Any]
    target: str
    revision: int
    record: Optional[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"correction": self.correction, "target": self.target,
                "revision": self.revision, "record": self.record}


# ------------------------------------------------------------------ keys
def mention_key(sha256: str, page: int, start: int, end: int, label: str) -> str:
    """``mention:<sha256>:<page>:<start>:<end>:<label>``."""
    return f"mention:{sha256}:{int(page)}:{int(start)}:{int(end)}:{label}"


def action_key(sha256: str, page: int, start: int, end: int) -> str:
    """``action_item:<sha256>:<page>:<start>:<end>``."""
    return f"action_item:{sha256}:{int(page)}:{int(start)}:{int(end)}"


_KEY = re.compile(r"^(mention|action_item):([0-9a-f]{64}):(\d{1,6}):(\d{1,9}):(\d{1,9})"
                  r"(?::(ORG|REF|DOC|MEETING|DATE))?$")


def parse_key(key: str) -> dict[str, Any]:
    """``{"target", "sha256", "page", "start", "end", "label"}`` from a target
    key; raises :class:`InvalidCorrection` for a malformed one."""
    m = _KEY.match(str(key or "").strip())
    if not m or (m.group(1) == "mention") != bool(m.group(6)):
        raise InvalidCorrection(
            f"bad target {str(key)[:120]!r}: want mention:<sha256>:<page>:<start>:<end>:<LABEL> "
            "or action_item:<sha256>:<page>:<start>:<end>")
    return {"target": m.group(1), "sha256": m.group(2), "page": int(m.group(3)),
            "start": int(m.group(4)), "end": int(m.group(5)), "label": m.group(6)}


def _key_of(c: Correction) -> str:
    if c.target_key:
        return c.target_key
    if c.target == "mention":
        return mention_key(c.document_sha256, c.page_number, c.start, c.end, c.label or "")
    return action_key(c.document_sha256, c.page_number, c.start, c.end)


# ------------------------------------------------------------------ rows → dicts
def row_dict(c: Correction, document_id: Optional[int] = None) -> dict[str, Any]:
    """A ledger row as a plain dict (:data:`LEDGER_COLUMNS`)."""
    return {"id": c.id, "created_at": c.created_at.isoformat() if c.created_at else None,
            "editor": c.editor, "target": c.target, "target_key": _key_of(c), "op": c.op,
            "edit": c.edit, "status": c.status or "applied",
            "document_sha256": c.document_sha256, "document_id": document_id,
            "page": c.page_number, "start": c.start, "end": c.end, "label": c.label,
            "base_revision": c.base_revision, "revision": c.revision, "before": c.before,
            "after": c.after, "model_version": c.model_version, "revert_of": c.revert_of,
            "supersedes_id": c.supersedes_id, "comment": c.comment}


def _mention_record(m: Mention, ids: list[str]) -> dict[str, Any]:
    return {"label": m.label, "text": m.text, "ids": list(ids), "attrs": dict(m.attrs or {}),
            "page": m.page_number, "start": m.start, "end": m.end}


def _action_record(a: ActionItem, refs: list[str]) -> dict[str, Any]:
    return {"text": a.text, "actor": a.actor_id, "actor_text": a.actor_text, "verb": a.verb,
            "kind": a.kind, "deadline": {"meeting": a.deadline_meeting_id,
                                         "date": a.deadline_date},
            "refs": list(refs), "paragraph": a.paragraph, "page": a.page_number,
            "start": a.start, "end": a.end}


# ------------------------------------------------------------------ state
@dataclass
class _State:
    key: str
    parts: dict[str, Any]
    document: Document
    model: Optional[dict[str, Any]]  # the model row's record at the anchor
    latest: Optional[Correction]  # the row in force
    revision: int

    @property
    def record(self) -> Optional[dict[str, Any]]:
        if self.latest is None or self.latest.op == "restore":
            return self.model
        if self.latest.op == "delete":
            return None
        return dict(self.latest.after) if self.latest.after else self.model


def _doc_by_sha(session: Session, sha: str) -> Document:
    doc = session.scalar(select(Document).where(Document.sha256 == sha))
    if doc is None:
        raise UnknownTarget(f"no stored document has sha256 {sha}")
    return doc


def _model_record(session: Session, doc: Document, parts: dict) -> Optional[dict[str, Any]]:
    if parts["target"] == "mention":
        m = session.scalar(select(Mention).where(
            Mention.document_id == doc.id, Mention.page_number == parts["page"],
            Mention.start == parts["start"], Mention.end == parts["end"],
            Mention.label == parts["label"]).order_by(Mention.id).limit(1))
        if m is None:
            return None
        ids = list(session.scalars(select(MentionEntity.entity_id).where(
            MentionEntity.mention_id == m.id).order_by(MentionEntity.position)))
        return _mention_record(m, ids)
    a = session.scalar(select(ActionItem).where(
        ActionItem.document_id == doc.id, ActionItem.page_number == parts["page"],
        ActionItem.start == parts["start"], ActionItem.end == parts["end"])
        .order_by(ActionItem.id).limit(1))
    if a is None:
        return None
    refs = list(session.scalars(select(ActionItemRef.entity_id).where(
        ActionItemRef.action_item_id == a.id).order_by(ActionItemRef.entity_id)))
    return _action_record(a, refs)


def _coord_filter(parts: dict):
    conds = [Correction.document_sha256 == parts["sha256"], Correction.target == parts["target"],
             Correction.page_number == parts["page"], Correction.start == parts["start"],
             Correction.end == parts["end"]]
    if parts["target"] == "mention":
        conds.append(Correction.label == parts["label"])
    return and_(*conds)


def _rows_of(session: Session, key: str, parts: dict) -> list[Correction]:
    """Applied rows of one target, oldest first (rows from before 0005 have no
    target_key: matched by coordinates)."""
    return list(session.scalars(select(Correction).where(
        or_(Correction.target_key == key, and_(Correction.target_key.is_(None),
                                               _coord_filter(parts))),
        Correction.status != "conflict").order_by(Correction.id)))


def _state(session: Session, key: str) -> _State:
    parts = parse_key(key)
    doc = _doc_by_sha(session, parts["sha256"])
    rows = _rows_of(session, key, parts)
    superseded = {c.supersedes_id for c in rows if c.supersedes_id}
    live = [c for c in rows if c.id not in superseded]
    latest = live[-1] if live else None
    revision = max([c.revision or 0 for c in rows], default=0)
    return _State(key, parts, doc, _model_record(session, doc, parts), latest, revision)


def _state_before(session: Session, st: _State, row: Correction) -> tuple[str, Optional[dict]]:
    """(coarse op, record) that puts ``st``'s target back as it was before ``row``."""
    if row.revision:
        if row.revision <= 1:
            return ("restore", st.model) if st.model is not None else ("delete", None)
        prev = session.scalar(select(Correction).where(
            Correction.target_key == st.key, Correction.revision == row.revision - 1))
        if prev is not None:
            if prev.op == "restore":
                return ("restore", st.model) if st.model is not None else ("delete", None)
            if prev.op == "delete" or not prev.after:
                return "delete", None
            return "modify", dict(prev.after)
    if row.before is None:
        return "delete", None
    return "modify", dict(row.before)


# ------------------------------------------------------------------ validation
def _user_name(user: Any) -> str:
    return getattr(user, "name", None) or str(user)


def _check_writer(user: Any) -> None:
    if user is None:
        raise NotAllowed("a correction needs an account (sign in or use an API token)")
    if getattr(user, "disabled", False):
        raise NotAllowed(f"user {_user_name(user)!r} is disabled")
    if getattr(user, "role", None) not in ("editor", "admin"):
        raise NotAllowed(f"user {_user_name(user)!r} is a {getattr(user, 'role', None)}: "
                         "only editors and admins correct")


def _int(change: Mapping, name: str, default: Any = None) -> int:
    v = change.get(name, default)
    if isinstance(v, bool) or v is None:
        raise InvalidCorrection(f"{name}: give a whole number")
    try:
        return int(v)
    except (TypeError, ValueError):
        raise InvalidCorrection(f"{name}: give a whole number, not {str(v)[:40]!r}") from None


def _id_list(v: Any, name: str) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, (list, tuple)) or len(v) > _MAX_LIST:
        raise InvalidCorrection(f"{name}: give a list of at most {_MAX_LIST} ids")
    out = []
    for x in v:
        if not isinstance(x, str) or not x.strip() or len(x.strip()) > _MAX_ID:
            raise InvalidCorrection(f"{name}: every id is a non-empty string of at most "
                                    f"{_MAX_ID} characters")
        if x.strip() not in out:
            out.append(x.strip())
    return out


def _opt_id(v: Any, name: str) -> Optional[str]:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if not isinstance(v, str) or len(v.strip()) > _MAX_ID:
        raise InvalidCorrection(f"{name}: give an id (a string of at most {_MAX_ID} characters)")
    return v.strip()


def _deadline(v: Any) -> dict[str, Optional[str]]:
    if v is None:
        return {"meeting": None, "date": None}
    if not isinstance(v, Mapping) or set(v) - {"meeting", "date"}:
        raise InvalidCorrection('deadline: give {"meeting": id or null, "date": ISO 8601 or null}')
    date = v.get("date")
    if date is not None and date != "":
        if not isinstance(date, str) or not all(_ISO_DATE.match(p) for p in date.split("/")) \
                or date.count("/") > 1:
            raise InvalidCorrection(f"deadline.date: {str(date)[:40]!r} is not ISO 8601 "
                                    "(YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Qn, or start/end)")
    else:
        date = None
    return {"meeting": _opt_id(v.get("meeting"), "deadline.meeting"), "date": date}


def _page_text(session: Session, doc: Document, page: int) -> str:
    row = session.execute(select(Page.text).where(Page.document_id == doc.id,
                                                  Page.number == page)).first()
    if row is None:
        raise InvalidCorrection(f"document {doc.id} has no page {page}")
    return row[0] or ""


def _place(session: Session, doc: Document, change: Mapping, rec: Optional[dict],
           required: bool) -> tuple[int, int, int, str]:
    """(page, start, end, text) from the change (else the record's)."""
    if required:
        for k in (("page", "start", "end") if rec is None else ("start", "end")):
            if k not in change:
                raise InvalidCorrection(f"{k}: required")
    page = _int(change, "page", (rec or {}).get("page"))
    start = _int(change, "start", (rec or {}).get("start"))
    end = _int(change, "end", (rec or {}).get("end"))
    text = _page_text(session, doc, page)
    if not 0 <= start < end <= len(text):
        raise InvalidCorrection(f"start/end: {start}-{end} is not a span of page {page} "
                                f"(0 ≤ start < end ≤ {len(text)})")
    if not text[start:end].strip():
        raise InvalidCorrection("start/end: the span holds no text")
    return page, start, end, text[start:end]


def _label(v: Any) -> str:
    if v not in LABELS:
        raise InvalidCorrection(f"label: one of {', '.join(LABELS)}, not {str(v)[:20]!r}")
    return v


def _verb(v: Any) -> str:
    if not isinstance(v, str) or not v.strip() or len(v.strip()) > 64:
        raise InvalidCorrection("verb: a non-empty word of at most 64 characters")
    return v.strip()


def _new_mention(session, doc, change, rec: Optional[dict], op: str) -> dict:
    rec = dict(rec or {"label": None, "ids": [], "attrs": {}})
    fields = {"relabel": {"label"}, "move": {"page", "start", "end"}, "set_ids": {"ids"},
              "edit": {"label", "page", "start", "end", "ids"}, "accept": set(),
              "add": {"label", "page", "start", "end", "ids"}}[op]
    if op in ("relabel",) and "label" not in change:
        raise InvalidCorrection("label: required")
    if op == "set_ids" and "ids" not in change:
        raise InvalidCorrection("ids: required")
    if "label" in fields and ("label" in change or op == "add"):
        rec["label"] = _label(change.get("label"))
    if "ids" in fields and "ids" in change:
        rec["ids"] = _id_list(change.get("ids"), "ids")
    if fields & {"start", "end", "page"} and (op in ("move", "add") or
                                              fields & set(change) & {"start", "end", "page"}):
        rec["page"], rec["start"], rec["end"], rec["text"] = _place(
            session, doc, change, rec if op != "add" else None, required=op in ("add", "move"))
    rec.setdefault("attrs", {})
    return {k: rec.get(k) for k in ("label", "text", "ids", "attrs", "page", "start", "end")}


def _new_action(session, doc, change, rec: Optional[dict], op: str) -> dict:
    rec = dict(rec or {"kind": "request", "refs": [], "deadline": {"meeting": None, "date": None},
                       "actor": None, "actor_text": "", "verb": None})
    need = {"set_actor": "actor", "set_verb": "verb", "set_deadline": "deadline",
            "set_refs": "refs"}.get(op)
    if need and need not in change:
        raise InvalidCorrection(f"{need}: required")
    edit_all = op in ("edit", "add")
    if op == "set_actor" or (edit_all and ("actor" in change or "actor_text" in change)):
        if "actor" in change:
            rec["actor"] = _opt_id(change.get("actor"), "actor")
        if "actor_text" in change:
            at = change.get("actor_text")
            if at is not None and (not isinstance(at, str) or len(at) > 2000):
                raise InvalidCorrection("actor_text: a string of at most 2000 characters")
            rec["actor_text"] = at or ""
    if op == "set_verb" or (edit_all and "verb" in change):
        rec["verb"] = _verb(change.get("verb"))
    if op == "set_deadline" or (edit_all and "deadline" in change):
        rec["deadline"] = _deadline(change.get("deadline"))
    if op == "set_refs" or (edit_all and "refs" in change):
        rec["refs"] = _id_list(change.get("refs"), "refs")
    # the record's own ``kind`` (spec §2, "request"); with op add, ``kind`` names the target
    ik = change.get("item_kind", change.get("kind") if op == "edit" else None)
    if edit_all and ik is not None:
        if not isinstance(ik, str) or not re.fullmatch(r"[a-z_]{1,16}", ik):
            raise InvalidCorrection("item_kind: a word such as request")
        rec["kind"] = ik
    if op in ("move", "add") or (op == "edit" and {"start", "end", "page"} & set(change)):
        page, start, end, text = _place(session, doc, change, rec if op != "add" else None,
                                        required=op in ("add", "move"))
        rec.update(page=page, start=start, end=end, text=text,
                   paragraph=paragraph_at(_page_text(session, doc, page), start))
    if op == "add" and not rec.get("verb"):
        raise InvalidCorrection("verb: required to add an action item")
    return {k: rec.get(k) for k in ("text", "actor", "actor_text", "verb", "kind", "deadline",
                                    "refs", "paragraph", "page", "start", "end")}


# ------------------------------------------------------------------ apply
def _resolve_doc(session: Session, key: Any) -> Document:
    if key is None or (isinstance(key, str) and not key.strip()):
        raise InvalidCorrection("document: required to add (id, sha256 or symbol)")
    try:
        return get_document(key, session=session)
    except (DocumentNotFound, AmbiguousDocument) as exc:
        raise InvalidCorrection(f"document: {exc.args[0] if exc.args else exc}") from None


def _comment(change: Mapping) -> Optional[str]:
    c = change.get("comment")
    if c is None or c == "":
        return None
    if not isinstance(c, str) or len(c) > _MAX_COMMENT:
        raise InvalidCorrection(f"comment: a string of at most {_MAX_COMMENT} characters")
    return c


def apply(change: Mapping[str, Any], *, session: Session, user: Any) -> Applied:
    """Apply one editor's ``change`` (see ``docs/editing.md``: ``op``,
    ``target``, ``base_revision``, the op's fields, optional
    ``model_version`` and ``comment``) as one new ledger row, and commit.

    Returns :class:`Applied`. Raises :class:`NotAllowed` (403: no account,
    viewer, disabled), :class:`InvalidCorrection` (422; :class:`UnknownTarget`
    404) or :class:`Conflict` (409: ``base_revision`` is not the target's
    current revision — the refused change is kept as a conflict row)."""
    _check_writer(user)
    if not isinstance(change, Mapping):
        raise InvalidCorrection("a change is a JSON object")
    op = change.get("op")
    if op not in OPS:
        raise InvalidCorrection(f"op: one of {', '.join(OPS)}, not {str(op)[:30]!r}")
    comment = _comment(change)
    begin_write(session)  # SQLite: read and write under one lock; PostgreSQL: a no-op
    if op == "add":
        kind = change.get("kind") or change.get("target_kind")
        if kind not in ("mention", "action_item"):
            raise InvalidCorrection("kind: mention or action_item, to add")
        doc = _resolve_doc(session, change.get("document"))
        rec = (_new_mention if kind == "mention" else _new_action)(session, doc, change, None, "add")
        key = (mention_key(doc.sha256, rec["page"], rec["start"], rec["end"], rec["label"])
               if kind == "mention" else action_key(doc.sha256, rec["page"], rec["start"], rec["end"]))
        st = _state(session, key)
        if st.record is not None:
            raise InvalidCorrection(f"there is already a {kind.replace('_', ' ')} there "
                                    f"(target {key}): accept or edit it")
        base = _int(change, "base_revision", st.revision) if "base_revision" in change \
            else st.revision if st.latest is not None else 0
        return _write(session, st, user, op="add", edit="add", before=None, after=rec,
                      base=base, change=change, comment=comment)
    key = change.get("target")
    st = _state(session, str(key or ""))
    if "base_revision" not in change:
        raise InvalidCorrection("base_revision: required (the target's revision you saw; "
                                "0 for model output)")
    base = _int(change, "base_revision")
    cur = st.record
    if op == "undo":
        if st.latest is None:
            raise InvalidCorrection(f"nothing to undo on {st.key}")
        coarse, after = _state_before(session, st, st.latest)
        return _write(session, st, user, op=coarse, edit="undo", before=cur, after=after,
                      base=base, change=change, comment=comment, revert_of=st.latest.id)
    if cur is None and st.latest is None and st.model is None:
        raise UnknownTarget(f"no mention or action item at {st.key}")
    if cur is None and base == st.revision:
        raise InvalidCorrection(f"{st.key} is deleted: undo the deletion or add it again")
    kind = st.parts["target"]
    allowed = MENTION_OPS if kind == "mention" else ACTION_OPS
    if op not in allowed:
        raise InvalidCorrection(f"op {op!r} does not apply to a {kind.replace('_', ' ')} "
                                f"(use one of {', '.join(allowed)})")
    if op == "delete":
        return _write(session, st, user, op="delete", edit="delete", before=cur, after=None,
                      base=base, change=change, comment=comment)
    builder = _new_mention if kind == "mention" else _new_action
    after = builder(session, st.document, change, cur or st.model, op)
    return _write(session, st, user, op="accept" if op == "accept" else "modify", edit=op,
                  before=cur, after=after, base=base, change=change, comment=comment)


def _write(session: Session, st: _State, user: Any, *, op: str, edit: str,
           before: Optional[dict], after: Optional[dict], base: int, change: Mapping,
           comment: Optional[str], revert_of: Optional[int] = None) -> Applied:
    p = st.parts
    mv = change.get("model_version") if isinstance(change.get("model_version"), str) else None
    row = Correction(
        editor=_user_name(user), user_id=getattr(user, "id", None), target=p["target"], op=op,
        edit=edit, document_sha256=p["sha256"], page_number=p["page"], start=p["start"],
        end=p["end"], label=p["label"], before=before, after=after,
        model_version=(mv or st.document.extracted_version or None),
        supersedes_id=st.latest.id if st.latest is not None else None, comment=comment,
        target_key=st.key, base_revision=base, revert_of=revert_of)
    if base != st.revision:
        return _refuse(session, st, row, f"{st.key} changed since revision {base} "
                                         f"(now {st.revision}): see both versions and choose")
    row.revision, row.status = base + 1, "applied"
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        session.expunge(row) if row in session else None
        session.rollback()
        begin_write(session)
        st2 = _state(session, st.key)
        row2 = Correction(**{k: getattr(row, k) for k in (
            "editor", "user_id", "target", "op", "edit", "document_sha256", "page_number",
            "start", "end", "label", "before", "after", "model_version", "comment",
            "target_key", "base_revision", "revert_of")})
        return _refuse(session, st2, row2, f"{st.key} was changed by someone else at the same "
                                           f"time (now revision {st2.revision}): see both "
                                           "versions and choose")
    session.commit()
    return Applied(row_dict(row, st.document.id), st.key, row.revision, after if op not in
                   ("restore",) else st.model)


def _refuse(session: Session, st: _State, row: Correction, message: str):
    row.status, row.revision = "conflict", None
    row.supersedes_id = None
    session.add(row)
    session.commit()
    latest = row_dict(st.latest, st.document.id) if st.latest is not None else None
    raise Conflict(message, current=st.record, current_revision=st.revision, latest=latest,
                   yours=row.after, conflict_id=row.id)


def undo(target: str, *, session: Session, user: Any, base_revision: int,
         comment: Optional[str] = None) -> Applied:
    """Put ``target`` back as it was before its latest change: a new row
    (``edit="undo"``, ``revert_of`` = that change); undo of an undo redoes.
    Same errors as :func:`apply`."""
    return apply({"op": "undo", "target": target, "base_revision": base_revision,
                  "comment": comment}, session=session, user=user)


def revert(correction_id: int, *, session: Session, user: Any,
           comment: Optional[str] = None) -> Applied:
    """Admin only: a new row putting the target of ledger row
    ``correction_id`` back to the state before that row (``edit="revert"``,
    ``revert_of``), made against the target's current revision. Raises
    :class:`NotAllowed`, :class:`UnknownTarget` (no such row), :class:`Conflict`
    (a write landed meanwhile), :class:`InvalidCorrection` (a refused row)."""
    if user is None or getattr(user, "disabled", False) or getattr(user, "role", None) != "admin":
        raise NotAllowed("only an admin reverts a correction (editors undo their change)")
    c = session.get(Correction, int(correction_id))
    if c is None:
        raise UnknownTarget(f"no correction {correction_id}")
    if c.status == "conflict":
        raise InvalidCorrection(f"correction {correction_id} was refused (conflict): "
                                "nothing to revert")
    begin_write(session)
    st = _state(session, _key_of(c))
    coarse, after = _state_before(session, st, c)
    return _write(session, st, user, op=coarse, edit="revert", before=st.record, after=after,
                  base=st.revision, change={}, comment=_comment({"comment": comment}),
                  revert_of=c.id)


# ------------------------------------------------------------------ reading
def get(correction_id: int, *, session: Session) -> dict[str, Any]:
    """One ledger row (dict, :data:`LEDGER_COLUMNS`); :class:`UnknownTarget` when absent."""
    c = session.get(Correction, int(correction_id))
    if c is None:
        raise UnknownTarget(f"no correction {correction_id} (see `docmine corrections list`)")
    did = session.scalar(select(Document.id).where(Document.sha256 == c.document_sha256))
    return row_dict(c, did)


def history(*, session: Session, target: Optional[str] = None, document: Any = None,
            editor: Optional[str] = None, limit: Optional[int] = None) -> list[dict[str, Any]]:
    """Ledger rows, oldest first, refused (conflict) rows included:
    ``target`` (a key: its rows), ``document`` (id, sha256 prefix or symbol:
    every row on it), ``editor`` (a user name). Raises
    :class:`InvalidCorrection` for a bad key or unknown document."""
    q = select(Correction).order_by(Correction.id)
    if target:
        parts = parse_key(target)
        q = q.where(or_(Correction.target_key == target,
                        and_(Correction.target_key.is_(None), _coord_filter(parts))))
    if document is not None and str(document).strip():
        doc = _resolve_doc(session, document)
        q = q.where(Correction.document_sha256 == doc.sha256)
    if editor:
        q = q.where(Correction.editor == editor)
    if limit is not None:
        q = q.limit(limit)
    rows = list(session.scalars(q))
    shas = {c.document_sha256 for c in rows}
    ids = dict(session.execute(select(Document.sha256, Document.id).where(
        Document.sha256.in_(shas))).all()) if shas else {}
    return [row_dict(c, ids.get(c.document_sha256)) for c in rows]


def targets(document: Any, *, session: Session) -> dict[str, Any]:
    """A document's mentions and action items with every correction applied,
    each with its ``target`` key, ``revision`` and ``origin`` (``model`` or
    ``correction``), ordered by page and offset; ``deleted`` lists the deleted
    targets (for undo). ``document``: id, sha256 prefix or symbol."""
    doc = document if isinstance(document, Document) else _resolve_doc(session, document)
    rows = list(session.scalars(select(Correction).where(
        Correction.document_sha256 == doc.sha256, Correction.status != "conflict")
        .order_by(Correction.id)))
    superseded = {c.supersedes_id for c in rows if c.supersedes_id}
    latest: dict[str, Correction] = {}
    revision: dict[str, int] = {}
    for c in rows:
        k = _key_of(c)
        revision[k] = max(revision.get(k, 0), c.revision or 0)
        if c.id not in superseded:
            latest[k] = c
    out: dict[str, list] = {"mention": [], "action_item": []}
    deleted = []
    seen = set()
    ids: dict[int, list[str]] = {}
    for mid, eid in session.execute(
            select(MentionEntity.mention_id, MentionEntity.entity_id).join(
                Mention, Mention.id == MentionEntity.mention_id)
            .where(Mention.document_id == doc.id).order_by(MentionEntity.position)):
        ids.setdefault(mid, []).append(eid)
    refs: dict[int, list[str]] = {}
    for aid, eid in session.execute(
            select(ActionItemRef.action_item_id, ActionItemRef.entity_id).join(
                ActionItem, ActionItem.id == ActionItemRef.action_item_id)
            .where(ActionItem.document_id == doc.id).order_by(ActionItemRef.entity_id)):
        refs.setdefault(aid, []).append(eid)
    models = [(mention_key(doc.sha256, m.page_number, m.start, m.end, m.label), "mention",
               _mention_record(m, ids.get(m.id, [])))
              for m in session.scalars(select(Mention).where(Mention.document_id == doc.id))]
    models += [(action_key(doc.sha256, a.page_number, a.start, a.end), "action_item",
                _action_record(a, refs.get(a.id, [])))
               for a in session.scalars(select(ActionItem).where(ActionItem.document_id == doc.id))]
    for key, kind, rec in models:
        if key in seen:
            continue
        seen.add(key)
        c = latest.get(key)
        if c is None or c.op == "restore":
            out[kind].append({"target": key, "revision": revision.get(key, 0), "origin": "model",
                              **rec})
        elif c.op == "delete" or not c.after:
            deleted.append({"target": key, "revision": revision.get(key, 0), "kind": kind, **rec})
        else:
            out[kind].append({"target": key, "revision": revision.get(key, 0),
                              "origin": "correction", **dict(c.after)})
    for key, c in latest.items():
        if key in seen:
            continue
        kind = c.target
        if c.op in ("delete", "restore") or not c.after:
            deleted.append({"target": key, "revision": revision.get(key, 0), "kind": kind,
                            **dict(c.before or {})})
        else:
            out[kind].append({"target": key, "revision": revision.get(key, 0),
                              "origin": "correction", **dict(c.after)})
    order = lambda r: (r.get("page") or 0, r.get("start") or 0, r.get("end") or 0)  # noqa: E731
    return {"document": {"id": doc.id, "sha256": doc.sha256, "symbol": doc.symbol,
                         "model_version": doc.extracted_version, "language": doc.language},
            "mentions": sorted(out["mention"], key=order),
            "action_items": sorted(out["action_item"], key=order),
            "deleted": sorted(deleted, key=order)}


# ------------------------------------------------------------------ export
def _contract_json(doc: Document, state: dict) -> dict[str, Any]:
    """Contract §7 JSON of ``doc`` from :func:`targets`' state (document offsets)."""
    pages = {p.number: p for p in doc.pages}
    text_length = sum(len(p.text or "") for p in doc.pages) + max(0, len(doc.pages) - 1)

    def doc_off(page: int, off: int) -> int:
        p = pages.get(page)
        return (p.doc_offset if p is not None else 0) + off

    mentions = [{"label": m["label"], "start": doc_off(m["page"], m["start"]),
                 "end": doc_off(m["page"], m["end"]), "text": m["text"], "ids": m["ids"] or [],
                 "attrs": m.get("attrs") or {}} for m in state["mentions"]]
    actions = [{"start": doc_off(a["page"], a["start"]), "end": doc_off(a["page"], a["end"]),
                "text": a["text"], "actor": a["actor"], "actor_text": a["actor_text"],
                "verb": a["verb"], "kind": a.get("kind") or "request",
                "deadline": a["deadline"] or {"meeting": None, "date": None},
                "refs": a["refs"] or [], "paragraph": a.get("paragraph")}
               for a in state["action_items"]]
    pages_n = len(doc.pages)
    return {"document": {"source": doc.source, "sha256": doc.sha256, "language": doc.language,
                         "symbol": doc.symbol, "treaty": doc.treaty, "pages": pages_n},
            "text_length": text_length, "mentions": mentions, "action_items": actions}


def export(out_dir: str | Path, *, session: Session, documents: Optional[Iterable[Any]] = None,
           only_corrected: bool = True) -> dict[str, Any]:
    """Write the corrected documents for training into ``out_dir`` (created):

    * ``corrections.spacy`` — a spaCy ``DocBin``: one ``Doc`` per page with
      text (``spacy.blank`` of the document's language, fr by default), the
      corrected mentions in ``doc.spans["sc"]`` and, without overlaps
      (``spacy.util.filter_spans``), in ``doc.ents``; ``doc.user_data
      ["docmine"]`` holds sha256, page and symbol. ``spacy train`` reads it.
    * ``documents.jsonl`` — one contract §7 object per document (model output
      with every correction applied; document offsets, pages joined by ``\\f``).
    * ``ledger.csv`` — the ledger rows of those documents (:data:`LEDGER_COLUMNS`,
      ``before``/``after`` as JSON).

    ``documents``: ids, sha256 prefixes or symbols (default: every document
    with a correction, or every document when ``only_corrected`` is False).
    Returns paths and counts: ``{"docbin", "jsonl", "ledger", "documents",
    "docs", "mentions", "action_items", "corrections"}``."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if documents is not None:
        docs = [_resolve_doc(session, d) for d in documents]
    elif only_corrected:
        shas = set(session.scalars(select(Correction.document_sha256).where(
            Correction.status != "conflict").distinct()))
        docs = list(session.scalars(select(Document).where(Document.sha256.in_(shas))
                                    .order_by(Document.id))) if shas else []
    else:
        docs = list(session.scalars(select(Document).order_by(Document.id)))
    blanks: dict[str, Any] = {}
    db = DocBin(store_user_data=True)
    n_docs = n_mentions = n_actions = 0
    jsonl_path, ledger_path, docbin_path = out / "documents.jsonl", out / "ledger.csv", \
        out / "corrections.spacy"
    with jsonl_path.open("w", encoding="utf-8") as jf:
        for doc in docs:
            state = targets(doc, session=session)
            jf.write(json.dumps(_contract_json(doc, state), ensure_ascii=False) + "\n")
            n_mentions += len(state["mentions"])
            n_actions += len(state["action_items"])
            lang = doc.language if doc.language in ("fr", "en", "es") else "fr"
            nlp = blanks.get(lang) or blanks.setdefault(lang, spacy.blank(lang))
            by_page: dict[int, list] = {}
            for m in state["mentions"]:
                by_page.setdefault(m["page"], []).append(m)
            for p in doc.pages:
                if not (p.text or "").strip():
                    continue
                sd = nlp.make_doc(p.text)
                spans = []
                for m in by_page.get(p.number, []):
                    sp = sd.char_span(m["start"], m["end"], label=m["label"],
                                      alignment_mode="expand")
                    if sp is not None and len(sp):
                        spans.append(sp)
                sd.spans["sc"] = spans
                sd.ents = filter_spans(spans)
                sd.user_data["docmine"] = {"sha256": doc.sha256, "page": p.number,
                                           "symbol": doc.symbol}
                db.add(sd)
                n_docs += 1
    db.to_disk(docbin_path)
    rows = []
    for doc in docs:
        rows += history(session=session, document=doc.sha256)
    with ledger_path.open("w", encoding="utf-8", newline="") as lf:
        w = csv.DictWriter(lf, fieldnames=LEDGER_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: (json.dumps(r[k], ensure_ascii=False) if isinstance(r[k], (dict, list))
                            else r[k]) for k in LEDGER_COLUMNS})
    return {"docbin": str(docbin_path), "jsonl": str(jsonl_path), "ledger": str(ledger_path),
            "documents": len(docs), "docs": n_docs, "mentions": n_mentions,
            "action_items": n_actions, "corrections": len(rows)}


def user_of(name: str, *, session: Session) -> Optional[User]:
    """The user called ``name`` (for scripts calling :func:`apply`)."""
    return session.scalar(select(User).where(User.name == name))
