"""PDF backend on pypdfium2 (the default: fast, ~10× pdfplumber).

Per page the raw text is ``textpage.get_text_range()`` (PDFium's own text
order, lines ending ``\\r\\n``). For layout we only need one position and a
font size per *line*, not per character: a few sampled characters per line
(first and last non-space) are mapped from text index to PDFium's char
index and asked for their box and font size. That keeps the reader at
hundreds of pages per second.

Two things PDFium reports are written as the page shows them (issue 8, kind
9): a hyphen it saw at a line end (U+FFFE or U+0002, with the line break
dropped) is stored as ``-`` followed by ``\r\n`` (:func:`_hyphens`), and
digits that end a word or number and are set smaller and raised (a footnote
call: ``Conf. 14.3`` + ``1``) are stored as superscript digits, one character
for one (:func:`_superscripts`), so no later step reads them as part of the
number.
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
        text = _superscripts(tp, text, n)
        text, src = _hyphens(text)
        lines = _lines(tp, text, top, n, src)
        return RawPage(number, text, width, height, lines)
    finally:
        tp.close()


#: PDFium writes a hyphen it saw at a line end as U+FFFE (sometimes U+0002)
#: and drops that line's break; the page text stores it as the hyphen and
#: the line break the page shows (``perma-\r\nnent``), never as a noncharacter
_HYPHEN_MARKS = re.compile("[\ufffe\x02]")


def _hyphens(text: str) -> tuple[str, list[int] | None]:
    """``text`` with each hyphen mark written ``-\r\n``, and for each character of
    the result the index of the character of ``text`` it comes from (None when
    nothing changed)."""
    if not _HYPHEN_MARKS.search(text):
        return text, None
    out: list[str] = []
    src: list[int] = []
    last = 0
    for m in _HYPHEN_MARKS.finditer(text):
        i = m.start()
        out.append(text[last:i])
        src.extend(range(last, i))
        follows_break = text[i + 1:i + 2] in ("\r", "\n")
        out.append("-" if follows_break else "-\r\n")
        src.extend([i] if follows_break else [i, i, i])
        last = i + 1
    out.append(text[last:])
    src.extend(range(last, len(text)))
    return "".join(out), src


#: superscript digits (footnote calls): ``14.3`` + raised small ``1`` is stored ``14.3¹``
_SUPER = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
#: a raised character is at most this share of its neighbour's font size
SUPER_SIZE = 0.8
#: and its baseline is at least this share of the neighbour's size above the neighbour's
SUPER_RISE = 0.15
#: digit runs that end a word or number: the only candidates for a footnote call
_DIGITS_AT_END = re.compile(r"\d+(?=[\s.,;:)\]»”\"’']|$)")


def _superscripts(tp: pdfium.PdfTextPage, text: str, n_chars: int) -> str:
    """Digits set smaller and raised above the character before them (a footnote
    call glued to a word or a number: ``Résolution Conf. 14.3`` + ``1``) are
    written as superscript digits (one character for one: offsets unchanged),
    so they are never read as part of the number. Only the last three digits
    of a run that ends a word are looked at (a box costs ~3 µs)."""
    cands = list(_DIGITS_AT_END.finditer(text))
    if not cands:
        return text
    to_u16 = _utf16_index(text)
    char_of = pdfium_c.FPDFText_GetCharIndexFromTextIndex
    font_size = pdfium_c.FPDFText_GetFontSize
    get_box = pdfium_c.FPDFText_GetCharBox
    l, r, b, t = (ctypes.c_double() for _ in range(4))
    pl, pr, pb, pt = (ctypes.byref(x) for x in (l, r, b, t))

    def info(i: int):
        ci = char_of(tp, to_u16(i))
        if ci < 0 or ci >= n_chars:
            return None
        size = font_size(tp, ci)
        if size <= 0 or not get_box(tp, ci, pl, pr, pb, pt):
            return None
        return size, b.value  # PDF space: y grows upwards

    chars = list(text)
    changed = False
    for m in cands:
        s, e = m.span()
        ref = s - 1 if s > 0 and not text[s - 1].isspace() else s
        if e - (ref + 1) < 1:
            continue
        base = info(ref)
        if base is None:
            continue
        bsize, bbottom = base
        first = max(ref + 1, e - 3)
        raised_from = None
        for i in range(first, e):
            ch = info(i)
            if ch is None:
                raised_from = None
                break
            size, bottom = ch
            # a digit's box bottom sits on its baseline; the reference may reach
            # below it (a descender), so the rise is measured against its size
            up = size <= SUPER_SIZE * bsize and bottom - bbottom >= SUPER_RISE * bsize
            if up and raised_from is None:
                raised_from = i
            elif not up and raised_from is not None:
                raised_from = None
                break
        if raised_from is not None:
            for i in range(raised_from, e):
                chars[i] = chars[i].translate(_SUPER)
            changed = True
    return "".join(chars) if changed else text


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


def _lines(tp: pdfium.PdfTextPage, text: str, page_top: float, n_chars: int,
           src: list[int] | None = None) -> list[RawLine]:
    """Lines of ``text``; ``src`` maps each character to PDFium's text (when
    :func:`_hyphens` inserted line breaks)."""
    pdfium_text_len = (src[-1] + 1) if src else len(text)
    to_u16_src = _utf16_index(text) if src is None else None
    if src is not None:
        # astral characters are rare; map through the source text's positions
        to_u16_src = (lambda i: src[i])
    to_u16 = to_u16_src
    char_of = pdfium_c.FPDFText_GetCharIndexFromTextIndex
    # most pages: text index == char index (nothing inserted or left out);
    # then the per-character translation calls can be skipped
    u16_len = to_u16(len(text) - 1) + 1 if text else 0
    if (src is None and u16_len == n_chars and n_chars and char_of(tp, n_chars - 1) == n_chars - 1
            and char_of(tp, 0) == 0) or (src is not None and pdfium_text_len == n_chars
                                         and char_of(tp, n_chars - 1) == n_chars - 1):
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
