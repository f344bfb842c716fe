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

#: characters dropped from the normalised text: PDFium's line-end hyphen mark
#: (U+FFFE, written where a word was hyphenated across lines) and the soft
#: hyphen, so ``coopéra\ufffetion`` reads ``coopération`` and names match
_DROP = "\ufffe\u00ad"
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


def normalise(original: str) -> NormText:
    """Collapse every whitespace/control run to one space (a leading run too);
    drop line-end hyphen marks (see ``_DROP``)."""
    if any(c in original for c in _DROP):
        return _normalise_dropping(original)
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


def _normalise_dropping(original: str) -> NormText:
    """Slow path of :func:`normalise` for texts holding characters to drop; a
    line break right after a dropped hyphen mark is dropped too (the word
    continues on the next line)."""
    out: list[str] = []
    offsets = array("l")
    in_ws = False
    i, n = 0, len(original)
    while i < n:
        c = original[i]
        if c in _DROP:
            j = i + 1
            m = _WS.match(original, j)
            if m and ("\n" in m.group() or "\r" in m.group()):
                j = m.end()
            i = j
            continue
        if _WS.fullmatch(c):
            if not in_ws:
                in_ws = True
                out.append(" ")
                offsets.append(i)
            i += 1
            continue
        in_ws = False
        out.append(c)
        offsets.append(i)
        i += 1
    offsets.append(n)
    return NormText(original, "".join(out), offsets)
