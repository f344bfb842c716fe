"""Corrections follow a new version of a document.

Editors' corrections are keyed by the document's sha256 and page
coordinates (see :class:`~docmine.store.schema.Correction`), so a file changed at
the same path — a new version, with new bytes — would lose them: a deleted
action item would come back. When a new version is stored,
:func:`carry_corrections` takes every correction in force on the previous
version (the latest per coordinates, superseded ones left out) and:

* maps its offsets from the previous version's text to the new one (pages
  joined with ``"\\f"``; :class:`OffsetMap`, from :mod:`difflib` matching
  blocks: lines first, then characters inside changed lines);
* when the text at the mapped place is exactly the text the correction was
  made on, **appends** a copy keyed by the new version's sha256 and page
  coordinates (``comment`` names the original) — the ledger is append-only,
  nothing is updated or deleted;
* otherwise records it as **uncarried**, with the reason, for an editor to
  review (:func:`uncarried_corrections`).

Each outcome is one :class:`~docmine.store.schema.CorrectionCarry` row (unique per
correction and new version, so carrying twice adds nothing).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .schema import Correction, CorrectionCarry, Document, Page

__all__ = ["OffsetMap", "carry_corrections", "uncarried_corrections", "effective_corrections"]

#: changed regions longer than this (characters, either side) are not matched
#: character by character (difflib is quadratic): their corrections stay uncarried
CHAR_DIFF_LIMIT = 20_000


class OffsetMap:
    """Offsets in ``old`` text → offsets in ``new`` text, where both hold the
    same characters (difflib matching blocks; lines first, then characters
    inside replaced runs of lines)."""

    def __init__(self, old: str, new: str):
        self.old, self.new = old, new
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
        a_pos, b_pos = _starts(a), _starts(b)
        blocks: list[tuple[int, int, int]] = []  # (old start, new start, length) in characters
        sm = SequenceMatcher(None, a, b, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            oa, ob = a_pos[i1], b_pos[j1]
            la, lb = a_pos[i2] - oa, b_pos[j2] - ob
            if tag == "equal":
                blocks.append((oa, ob, la))
            elif tag == "replace" and la <= CHAR_DIFF_LIMIT and lb <= CHAR_DIFF_LIMIT:
                inner = SequenceMatcher(None, old[oa:oa + la], new[ob:ob + lb], autojunk=False)
                blocks.extend((oa + i, ob + j, n) for i, j, n in inner.get_matching_blocks() if n)
        self.blocks = sorted(blocks)
        self._starts = [blk[0] for blk in self.blocks]

    def map(self, offset: int) -> Optional[int]:
        """The new offset of the character at ``offset`` in the old text, or
        None when that character is not in the new text."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return None
        oa, ob, n = self.blocks[i]
        return ob + (offset - oa) if offset < oa + n else None

    def map_span(self, start: int, end: int) -> Optional[tuple[int, int]]:
        """``(new_start, new_end)`` when ``old[start:end]`` is found unchanged
        at the mapped place in the new text, else None."""
        if end <= start:
            ns = self.map(start) if start < len(self.old) else (len(self.new) if start == len(self.old) else None)
            return (ns, ns) if ns is not None else None
        ns = self.map(start)
        if ns is None:
            return None
        ne = ns + (end - start)
        return (ns, ne) if self.new[ns:ne] == self.old[start:end] else None


def _starts(lines: list[str]) -> list[int]:
    out, pos = [0], 0
    for line in lines:
        pos += len(line)
        out.append(pos)
    return out


@dataclass
class _Text:
    """A version's pages joined with ``"\\f"``: page number ↔ document offsets."""
    numbers: list[int]
    offsets: list[int]
    texts: list[str]

    @classmethod
    def of(cls, pages: list[tuple[int, Optional[str]]]) -> "_Text":
        numbers, offsets, texts, pos = [], [], [], 0
        for number, text in sorted(pages):
            numbers.append(number)
            offsets.append(pos)
            texts.append(text or "")
            pos += len(text or "") + 1
        return cls(numbers, offsets, texts)

    @property
    def joined(self) -> str:
        return "\f".join(self.texts)

    def to_doc(self, page: int, offset: int) -> Optional[int]:
        if page not in self.numbers:
            return None
        i = self.numbers.index(page)
        return self.offsets[i] + offset if offset >= 0 else None

    def to_page(self, doc_offset: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self.offsets, doc_offset) - 1)
        return self.numbers[i], doc_offset - self.offsets[i]


def effective_corrections(session: Session, sha256: str) -> list[Correction]:
    """The corrections in force on the document with ``sha256``: per target and
    coordinates the latest one, those superseded by a later edit left out
    (the rule :mod:`docmine.query` overlays with). Ordered by id."""
    rows = list(session.scalars(select(Correction).where(Correction.document_sha256 == sha256,
                                                         Correction.status != "conflict")
                                .order_by(Correction.id)))
    superseded = {c.supersedes_id for c in rows if c.supersedes_id}
    state: dict[tuple, Correction] = {}
    for c in rows:
        if c.id not in superseded:
            state[(c.target, c.page_number, c.start, c.end,
                   c.label if c.target == "mention" else None)] = c
    # a ``restore`` (undo back to the model output) leaves nothing to carry
    return sorted((c for c in state.values() if c.op != "restore"), key=lambda c: c.id)


def _pages(session: Session, document_id: int) -> _Text:
    return _Text.of([tuple(r) for r in session.execute(
        select(Page.number, Page.text).where(Page.document_id == document_id))])


def carry_corrections(document_id: int, *, session: Session) -> dict[str, int]:
    """Carry the corrections of the version that document ``document_id``
    supersedes to it (see the module doc). Runs in the caller's transaction
    (flushes, does not commit); idempotent. Returns ``{"carried": n,
    "uncarried": n}`` (0 and 0 for a first version)."""
    doc = session.get(Document, document_id)
    counts = {"carried": 0, "uncarried": 0}
    if doc is None or doc.supersedes_id is None:
        return counts
    prev = session.get(Document, doc.supersedes_id)
    todo = effective_corrections(session, prev.sha256)
    done = set(session.scalars(select(CorrectionCarry.correction_id)
                               .where(CorrectionCarry.document_id == document_id)))
    todo = [c for c in todo if c.id not in done]
    if not todo:
        return counts
    old, new = _pages(session, prev.id), _pages(session, document_id)
    omap = OffsetMap(old.joined, new.joined)
    for c in todo:
        carried, reason = _carry_one(c, old, new, omap, doc, prev)
        if carried is not None:
            session.add(carried)
            session.flush()
        session.add(CorrectionCarry(correction_id=c.id, document_id=document_id,
                                    status="carried" if carried is not None else "uncarried",
                                    carried_id=carried.id if carried is not None else None,
                                    reason=reason))
        counts["carried" if carried is not None else "uncarried"] += 1
    session.flush()
    return counts


def _map_coords(page: int, start: int, end: int, old: _Text, new: _Text,
                omap: OffsetMap) -> tuple[Optional[tuple[int, int, int]], str]:
    ds, de = old.to_doc(page, start), old.to_doc(page, end)
    if ds is None or de is None or de > len(omap.old):
        return None, f"page {page} offsets {start}-{end} are not in the previous version's text"
    span = omap.map_span(ds, de)
    if span is None:
        quoted = omap.old[ds:de]
        quoted = quoted if len(quoted) <= 60 else quoted[:59] + "…"
        return None, (f"the text it was made on ({' '.join(quoted.split())!r}, page {page}) "
                      "changed or is gone in the new version")
    number, pstart = new.to_page(span[0])
    return (number, pstart, pstart + (span[1] - span[0])), ""


def _carry_one(c: Correction, old: _Text, new: _Text, omap: OffsetMap, doc: Document,
               prev: Document) -> tuple[Optional[Correction], Optional[str]]:
    coords, reason = _map_coords(c.page_number, c.start, c.end, old, new, omap)
    if coords is None:
        return None, reason
    after = dict(c.after) if c.after else c.after
    if after and any(k in after for k in ("page", "start", "end")):
        p = int(after.get("page", c.page_number))
        s, e = int(after.get("start", c.start)), int(after.get("end", c.end))
        moved, reason = _map_coords(p, s, e, old, new, omap)
        if moved is None:
            return None, "its new record's place: " + reason
        after.update({"page": moved[0], "start": moved[1], "end": moved[2]})
    page, start, end = coords
    if c.target == "mention":
        key = f"mention:{doc.sha256}:{page}:{start}:{end}:{c.label}"
    else:
        key = f"action_item:{doc.sha256}:{page}:{start}:{end}"
    return Correction(
        editor=c.editor, target=c.target, op=c.op, document_sha256=doc.sha256,
        page_number=page, start=start, end=end, label=c.label, before=c.before, after=after,
        model_version=c.model_version, supersedes_id=None, user_id=c.user_id, edit=c.edit,
        # the new version's target starts its own revisions (docmine.corrections)
        target_key=key, base_revision=0, revision=1, status="applied",
        comment=(f"carried from correction {c.id} (document {prev.id}, version {prev.version})"
                 + (f": {c.comment}" if c.comment else ""))), None


def uncarried_corrections(*, session: Session, document_id: int | None = None) -> list[dict[str, Any]]:
    """Corrections that could not be carried to a new version, for an editor
    to review: ``[{"correction_id", "document_id", "version", "sha256",
    "previous_document_id", "target", "op", "page", "start", "end", "label",
    "editor", "reason"}]`` (offsets: the previous version's page
    coordinates), newest version first. ``document_id``: only those of that
    new version."""
    q = (select(CorrectionCarry, Correction, Document)
         .join(Correction, Correction.id == CorrectionCarry.correction_id)
         .join(Document, Document.id == CorrectionCarry.document_id)
         .where(CorrectionCarry.status == "uncarried")
         .order_by(Document.id.desc(), Correction.id))
    if document_id is not None:
        q = q.where(CorrectionCarry.document_id == document_id)
    return [{"correction_id": c.id, "document_id": d.id, "version": d.version, "sha256": d.sha256,
             "previous_document_id": d.supersedes_id, "target": c.target, "op": c.op,
             "page": c.page_number, "start": c.start, "end": c.end, "label": c.label,
             "editor": c.editor, "reason": cc.reason}
            for cc, c, d in session.execute(q)]
