"""The one PDF reader: ``read_pdf(path) -> ReadDocument``.

It checks the bytes (empty, not a PDF, truncated), hands them to a backend
(:mod:`docmine.reading.pdf_pdfium`, default, or :mod:`docmine.reading.pdf_plumber`), splits
every page into header / footer / footnote / body blocks
(:mod:`docmine.reading.layout`), detects the language (:mod:`docmine.reading.language`) and
reads the document's own symbol, treaty, date and title from page 1
(:mod:`docmine.reading.pagemeta`).

What is stored is the backend's raw text per page (with PDFium, two marks
are written as what the page shows: a line-end hyphen as ``-`` and the line
break, never U+FFFE; a raised small footnote call as a superscript digit,
``14.3¹``: :mod:`docmine.reading.pdf_pdfium`); blocks are
offsets into it and the body / de-hyphenated texts are derived views that
map back to raw offsets. Bad input never escapes as a traceback: it is a
:class:`ReadError` with a ``code`` and a one-line ``reason``.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from docmine.reading.errors import ERROR_CODES, MIN_PAGE_LETTERS, ReadError, has_text_layer  # noqa: F401  (re-exported)
from docmine.reading.layout import Block, RawPage, TextView, body_view, classify

__all__ = ["read_pdf", "read_bytes", "ReadDocument", "PageText", "Block", "TextView", "ReadError", "BACKENDS"]

BACKENDS = ("pypdfium2", "pdfplumber")
_ALIASES = {"pypdfium2": "pypdfium2", "pdfium": "pypdfium2", "pdfplumber": "pdfplumber", "plumber": "pdfplumber"}


@dataclass
class PageText:
    """One page: ``text`` is the backend's raw text (None without a text layer)."""

    number: int
    text: str | None
    blocks: list[Block] = field(default_factory=list)
    language: str | None = None
    width: float = 0.0
    height: float = 0.0

    def _blocks(self) -> list[Block]:
        # a page stored without blocks (older rows, hand-made pages) is all body
        if self.blocks or not self.text:
            return self.blocks
        return [Block("body", 0, len(self.text))]

    def body_view(self, *, dehyphenated: bool = False) -> TextView:
        """Body text (headers, footers, footnotes left out) with raw offsets."""
        if self.text is None:
            return TextView("", [])
        return body_view(self.text, self._blocks(), dehyphenated=dehyphenated)

    def body_text(self, *, dehyphenated: bool = False) -> str:
        """The body view's text ("" without a text layer)."""
        return self.body_view(dehyphenated=dehyphenated).text

    def kind_text(self, kind: str) -> str:
        """All text of the blocks of one ``kind`` (e.g. "header"), in order."""
        if self.text is None:
            return ""
        return body_view(self.text, self._blocks(), (kind,)).text


@dataclass
class ReadDocument:
    """A read PDF: per-page raw text and structure, plus document facts."""

    path: str
    sha256: str
    size: int
    backend: str
    status: str  # "ok" | "needs_ocr"
    pages: list[PageText]
    language: str | None = None
    languages: dict[str, float] = field(default_factory=dict)
    symbol: str | None = None
    treaty: str | None = None
    date: str | None = None
    title: str | None = None

    @property
    def text(self) -> str:
        """Pages' raw text joined with form feeds (pages without text give "")."""
        return "\f".join(p.text or "" for p in self.pages)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def body_text(self, *, dehyphenated: bool = False) -> str:
        """Body views of all pages joined with form feeds."""
        return "\f".join(p.body_text(dehyphenated=dehyphenated) for p in self.pages)


#: serialises backend calls: PDFium (and pdfplumber's pdfminer caches) are not thread-safe
_PDFIUM_LOCK = threading.Lock()


def read_pdf(path, *, backend: str | None = None, settings=None) -> ReadDocument:
    """Read a PDF file. ``backend`` defaults to ``settings.pdf_backend``
    (``pypdfium2``). Raises :class:`ReadError` for anything unreadable."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError("unreadable", f"cannot read {p.name}: {exc.strerror or exc}") from None
    return read_bytes(data, path=str(p), backend=backend, settings=settings)


def read_bytes(data: bytes, *, path: str = "", backend: str | None = None, settings=None) -> ReadDocument:
    """Like :func:`read_pdf` for bytes already in memory."""
    if settings is None:
        from docmine.settings import get_settings
        settings = get_settings()
    name = _ALIASES.get((backend or getattr(settings, "pdf_backend", "") or "pypdfium2").lower())
    if name is None:
        raise ValueError(f"unknown PDF backend {backend!r}; choose one of {BACKENDS}")
    check_bytes(data)
    try:
        with _PDFIUM_LOCK:  # PDFium is not thread-safe: one document at a time per process
            raw = _backend(name).read_pages(data)
    except ReadError:
        raise
    except Exception as exc:  # a backend bug or an exotic file: still one line
        raise ReadError("unreadable", f"{name} failed: {type(exc).__name__}: {exc}") from None
    if not raw:
        raise ReadError("corrupt", "the PDF has no pages")
    return build_document(raw, data=data, path=path, backend=name, settings=settings)


def check_bytes(data: bytes) -> None:
    """Reject empty files, non-PDFs and truncated PDFs before parsing."""
    if len(data) == 0:
        raise ReadError("empty", "the file is empty (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise ReadError("not_pdf", "not a PDF: no %PDF- header in the first 1024 bytes")
    if b"%%EOF" not in data[-2048:]:
        raise ReadError("corrupt", "truncated PDF: no %%EOF marker at the end of the file")


def _backend(name: str):
    if name == "pdfplumber":
        from docmine.reading import pdf_plumber
        return pdf_plumber
    from docmine.reading import pdf_pdfium
    return pdf_pdfium


def build_document(raw: list[RawPage], *, data: bytes, path: str, backend: str, settings) -> ReadDocument:
    """Assemble a :class:`ReadDocument` from a backend's pages."""
    from docmine.reading import language
    from docmine.reading import pagemeta

    blocks = classify(raw)
    pages = [PageText(r.number, r.text, b, None, r.width, r.height) for r, b in zip(raw, blocks)]
    status = "ok" if any(p.text is not None for p in pages) else "needs_ocr"
    seed = getattr(settings, "langdetect_seed", 0)
    doc_lang, shares = language.detect_pages(pages, seed=seed)
    meta = pagemeta.document_meta(raw, pages)
    return ReadDocument(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        backend=backend,
        status=status,
        pages=pages,
        language=doc_lang,
        languages=shares,
        symbol=meta.symbol,
        treaty=meta.treaty,
        date=meta.date,
        title=meta.title,
    )
