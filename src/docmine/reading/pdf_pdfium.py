"""PDF backend on pypdfium2 (the default: fast, ~10× pdfplumber).

Per page the raw text is ``textpage.get_text_range()`` (PDFium's own text
order, lines ending ``\\r\\n``). For layout we only need one position and a
font size per *line*, not per character: a few sampled characters per line
(first and last non-space) are mapped from text index to PDFium's char
index and asked for their box and font size. That keeps the reader at
hundreds of pages per second.
"""
from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docmine.reading.layout import RawLine, RawPage
from docmine.reading.errors import ReadError, has_text_layer

_LINE = re.compile(r"[^\r\n]+")


def read_pages(data: bytes) -> list[RawPage]:
    """All pages of the PDF in ``data``; raises :class:`ReadError`."""
    pdf = open_document(data)
    try:
        pages: list[RawPage] = []
        for i in range(len(pdf)):
            try:
                page = pdf[i]
            except pdfium.PdfiumError as exc:
                raise ReadError("corrupt", f"page {i + 1} cannot be loaded ({exc})") from None
            try:
                pages.append(_read_page(page, i + 1))
            finally:
                page.close()
        return pages
    finally:
        pdf.close()


def open_document(data: bytes) -> pdfium.PdfDocument:
    """Open with PDFium, turning its load errors into ``encrypted``/``corrupt``."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        err = pdfium_c.FPDF_GetLastError()
        if err == pdfium_c.FPDF_ERR_PASSWORD:
            raise ReadError("encrypted", "the PDF is encrypted with a password") from None
        if err == pdfium_c.FPDF_ERR_SECURITY:
            raise ReadError("encrypted", "the PDF uses an unsupported security (encryption) scheme") from None
        raise ReadError("corrupt", f"PDFium cannot parse the file ({exc})") from None


def _read_page(page: pdfium.PdfPage, number: int) -> RawPage:
    left, bottom, right, top = page.get_bbox()
    width, height = right - left, top - bottom
    tp = page.get_textpage()
    try:
        n = tp.count_chars()
        text = tp.get_text_range(0, n, force_this=True) if n > 0 else ""
        if not has_text_layer(text):
            return RawPage(number, None, width, height, [])
        lines = _lines(tp, text, top, n)
        return RawPage(number, text, width, height, lines)
    finally:
        tp.close()


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _utf16_index(text: str):
    """Map a Python index to a UTF-16 index (differs after astral characters)."""
    if not _ASTRAL.search(text):
        return lambda i: i
    table, u = [], 0
    for ch in text:
        table.append(u)
        u += 2 if ord(ch) > 0xFFFF else 1
    return lambda i: table[i]


def _lines(tp: pdfium.PdfTextPage, text: str, page_top: float, n_chars: int) -> list[RawLine]:
    to_u16 = _utf16_index(text)
    char_of = pdfium_c.FPDFText_GetCharIndexFromTextIndex
    # most pages: text index == char index (nothing inserted or left out);
    # then the per-character translation calls can be skipped
    u16_len = to_u16(len(text) - 1) + 1 if text else 0
    if u16_len == n_chars and n_chars and char_of(tp, n_chars - 1) == n_chars - 1 and char_of(tp, 0) == 0:
        def char_of(_tp, i):  # noqa: F811 - identity mapping
            return i
    font_size = pdfium_c.FPDFText_GetFontSize
    get_box = pdfium_c.FPDFText_GetCharBox
    l, r, b, t = (ctypes.c_double() for _ in range(4))
    pl, pr, pb, pt = (ctypes.byref(x) for x in (l, r, b, t))
    lines: list[RawLine] = []
    for m in _LINE.finditer(text):
        s, e = m.span()
        seg = text[s:e]
        stripped = seg.strip()
        if not stripped:
            continue
        first = s + (len(seg) - len(seg.lstrip()))
        last = s + len(seg.rstrip()) - 1
        # the font size of the first and last visible character (max: a line
        # opening with a superscript note number still has its text's size);
        # the position of the last one (a box costs ~3 µs: one per line)
        top_y = bot_y = None
        size = 0.0
        ci = char_of(tp, to_u16(first)) if first != last else -1
        if ci >= 0:
            size = font_size(tp, ci)
        ci = char_of(tp, to_u16(last))
        if ci >= 0:
            size = max(size, font_size(tp, ci))
            if get_box(tp, ci, pl, pr, pb, pt):
                top_y, bot_y = page_top - t.value, page_top - b.value
        if top_y is None:
            top_y = bot_y = lines[-1].top if lines else 0.0
        lines.append(RawLine(s, e, top_y, bot_y, size))
    return lines
