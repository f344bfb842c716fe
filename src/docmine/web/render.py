"""Page text to safe HTML: paragraphs, highlighted mentions, search snippets.

Every piece of text from the database is escaped (:func:`markupsafe.escape`)
before it is wrapped in markup; the only markup is what these functions write.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from markupsafe import Markup, escape

#: a line that starts a numbered paragraph ("12. ") or a lettered item ("a) ", "(b) ")
_ITEM = re.compile(r"^[ \t]*(?:\d{1,3}\.|\(?[a-z]\)|[a-z]\.)[ \t]+\S")
LABELS = ("ORG", "REF", "DOC", "MEETING", "DATE")


@dataclass
class Block:
    """A paragraph of a page: ``[start, end)`` offsets in the page text, its
    HTML (mentions highlighted) and the action items that start in it."""
    start: int
    end: int
    html: Markup = Markup("")
    actions: list[dict] = field(default_factory=list)


def split_blocks(text: str) -> list[tuple[int, int]]:
    """``[(start, end)]`` paragraphs of a page: a new one at each line that
    starts a numbered paragraph or lettered item, and after each blank line."""
    spans: list[tuple[int, int]] = []
    start = 0
    pos = 0
    prev_blank = False
    for line in text.splitlines(keepends=True):
        blank = not line.strip()
        if pos > start and not blank and (prev_blank or _ITEM.match(line)):
            spans.append((start, pos))
            start = pos
        prev_blank = blank
        pos += len(line)
    if pos > start or not spans:
        spans.append((start, len(text)))
    return spans


def highlight(text: str, start: int, end: int, mentions: list[dict],
              entity_url: Callable[[str], str]) -> Markup:
    """``text[start:end]`` as HTML with each mention inside it marked: a link to
    its (first) entity, classed by label (``m m-ORG``), anchored
    ``m-<start>``; overlapping mentions after the first are left plain."""
    out: list[str] = []
    pos = start
    for m in mentions:
        a, b = max(m["start"], start), min(m["end"], end)
        if a >= b or a < pos:
            continue
        out.append(str(escape(text[pos:a])))
        label = m["label"] if m["label"] in LABELS else "X"
        ids = [i for i in (m.get("ids") or []) if i]
        title = escape(f"{m['label']}: {', '.join(ids)}" if ids else m["label"])
        anchor = f' id="m-{m["start"]}"' if a == m["start"] else ""
        # coordinates for the editors' toolbar (corrections are keyed by page offsets)
        anchor += f' data-start="{int(m["start"])}" data-end="{int(m["end"])}" data-label="{escape(m["label"])}"'
        inner = escape(text[a:b])
        if ids:
            out.append(f'<a class="m m-{label}"{anchor} href="{escape(entity_url(ids[0]))}" '
                       f'title="{title}">{inner}</a>')
        else:
            out.append(f'<mark class="m m-{label}"{anchor} title="{title}">{inner}</mark>')
        pos = b
    out.append(str(escape(text[pos:end])))
    return Markup("".join(out))


def page_blocks(text: str, mentions: list[dict], actions: list[dict],
                entity_url: Callable[[str], str]) -> list[Block]:
    """The page's paragraphs with mentions highlighted and each action item
    attached to the paragraph it starts in."""
    ms = sorted(mentions, key=lambda m: (m["start"], -m["end"]))
    blocks = []
    for a, b in split_blocks(text):
        blk = Block(a, b, highlight(text, a, b, ms, entity_url))
        blk.actions = [x for x in actions if a <= (x.get("start") or 0) < b]
        blocks.append(blk)
    if blocks:  # items past the end (should not happen) go with the last paragraph
        placed = {id(x) for blk in blocks for x in blk.actions}
        blocks[-1].actions += [x for x in actions if id(x) not in placed]
    return blocks


def snippet_html(snippet: Any, highlights: Any = None) -> Markup:
    """A search snippet (plain text, see :func:`docmine.store.search.snippet`)
    as escaped HTML with the hits — the ``[start, end]`` offsets of
    ``highlights`` in the snippet — in ``<mark>``."""
    if snippet is None:
        return Markup("")
    text = str(snippet)
    html, pos = [], 0
    for a, b in sorted((int(x), int(y)) for x, y in (highlights or [])):
        if a < pos or b > len(text) or a >= b:
            continue
        html.append(str(escape(text[pos:a])))
        html.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    html.append(str(escape(text[pos:])))
    return Markup("".join(html))
