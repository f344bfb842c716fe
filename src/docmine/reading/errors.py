"""What the reader and its backends share: the error type and the text-layer check.

Both :mod:`docmine.reading.read` and its backends (:mod:`.pdf_pdfium`,
:mod:`.pdf_plumber`) import this module, so the reader and its backends do
not import each other.
"""
from __future__ import annotations

__all__ = ["ERROR_CODES", "MIN_PAGE_LETTERS", "ReadError", "has_text_layer"]

#: the one-word reasons a PDF cannot be read
ERROR_CODES = ("empty", "not_pdf", "corrupt", "encrypted", "unreadable")
#: fewer letters than this on a page means it has no usable text layer
MIN_PAGE_LETTERS = 3


class ReadError(Exception):
    """A PDF that cannot be read: ``code`` in :data:`ERROR_CODES`, ``reason`` one line."""

    def __init__(self, code: str, reason: str):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown ReadError code {code!r}")
        self.code = code
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{code}: {self.reason}")


def has_text_layer(text: str | None) -> bool:
    """A page has a usable text layer when its text holds at least
    :data:`MIN_PAGE_LETTERS` letters (a scanned page often carries only a
    stray page number or chart labels like ``59 - 90,000``)."""
    if not text:
        return False
    n = 0
    for ch in text:
        if ch.isalpha():
            n += 1
            if n >= MIN_PAGE_LETTERS:
                return True
    return False
