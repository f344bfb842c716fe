"""Normalise text for the NLP while keeping a map back to the original offsets.

The contract: offsets always point into the original text. Extraction runs on
a normalised copy (whitespace runs, including line breaks and form feeds,
collapsed to one space; control characters to spaces) and every span is
mapped back with :meth:`NormText.to_original`.
"""
from __future__ import annotations

from dataclasses import dataclass
from array import array
import re

#: what the normalised text leaves out (the original keeps it):
#: * PDFium's line-end hyphen mark (U+FFFE, older stored pages) and the soft
#:   hyphen, with a line break right after them;
#: * a hyphen at a line end between two lower-case letters, with the line
#:   break (``perma-\r\nnent`` reads ``permanent``); between other letters only
#:   the line break (``Kunming-\nMontreal`` reads ``Kunming-Montreal``);
#: * superscript digits (footnote calls: the reader stores ``14.3`` + raised
#:   ``1`` as ``14.3¹``, which reads ``14.3``).
_DROP_RE = re.compile(
    r"[\ufffe\u00ad](?:[ \t]*(?:\r\n|\n|\r)[ \t]*)?"
    r"|(?<=[^\W\d_])-[ \t]*(?:\r\n|\n|\r)[ \t]*(?=[^\W\d_])"
    r"|[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+")
_WS = re.compile(r"[\s\x00-\x1f\x7f\u00a0\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")


@dataclass
class NormText:
    original: str
    text: str
    #: offsets[i] = index in original of normalised char i; offsets[len(text)] = len(original)
    offsets: array

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span [start, end) to the original text."""
        if end <= start:
            o = self.offsets[start]
            return o, o
        return self.offsets[start], self.offsets[end - 1] + 1


def _drops(original: str) -> list[tuple[int, int]]:
    out = []
    for m in _DROP_RE.finditer(original):
        s, e = m.span()
        if original[s] == "-" and not (original[s - 1].islower() and original[e].islower()):
            out.append((s + 1, e))  # ``Kunming-\nMontreal``: the hyphen stays, the line break goes
            continue
        out.append((s, e))
    return out


def normalise(original: str) -> NormText:
    """Collapse every whitespace/control run to one space (a leading run too);
    leave out line-end hyphens and footnote calls (see ``_DROP_RE``)."""
    drops = _drops(original)
    if drops:
        return _normalise_dropping(original, drops)
    out: list[str] = []
    offsets = array("l")
    pos = 0
    for m in _WS.finditer(original):
        s, e = m.span()
        if s > pos:
            out.append(original[pos:s])
            offsets.extend(range(pos, s))
        out.append(" ")
        offsets.append(s)
        pos = e
    if pos < len(original):
        out.append(original[pos:])
        offsets.extend(range(pos, len(original)))
    offsets.append(len(original))
    return NormText(original, "".join(out), offsets)


def _normalise_dropping(original: str, drops: list[tuple[int, int]]) -> NormText:
    """:func:`normalise` for texts with stretches to leave out (``drops``:
    sorted, non-overlapping ``(start, end)``): the kept stretches are collapsed
    run by run as in the fast path, a whitespace run continuing across a
    dropped stretch (``Kunming-\n Montreal`` keeps one space at most)."""
    out: list[str] = []
    offsets = array("l")
    in_ws = False
    n = len(original)
    kept: list[tuple[int, int]] = []
    pos = 0
    for s, e in drops:
        if s > pos:
            kept.append((pos, s))
        pos = max(pos, e)
    if pos < n:
        kept.append((pos, n))
    for a, b in kept:
        p = a
        for m in _WS.finditer(original, a, b):
            s, e = m.span()
            if s > p:
                out.append(original[p:s])
                offsets.extend(range(p, s))
                in_ws = False
            if not in_ws:
                out.append(" ")
                offsets.append(s)
                in_ws = True
            p = e
        if p < b:
            out.append(original[p:b])
            offsets.extend(range(p, b))
            in_ws = False
    offsets.append(n)
    return NormText(original, "".join(out), offsets)
