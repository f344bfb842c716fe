"""PDF backend on pdfplumber (layout-precise, slow: ~10 pages/s).

Lines come from ``page.extract_text_lines()`` (characters clustered by
position, so the reading order is geometric); the raw page text is those
lines joined with ``\\n``. Each page is closed right after use: pdfplumber
caches every character and layout object per page, which otherwise grows
to >1 GB on a 200-page document.
"""
from __future__ import annotations

import io

from docmine.layout import RawLine, RawPage
from docmine.read import ReadError, has_text_layer


def read_pages(data: bytes) -> list[RawPage]:
    """All pages of the PDF in ``data``; raises :class:`ReadError`."""
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        raise _error(exc.args[0] if exc.args else exc) from None
    except Exception as exc:  # pdfminer raises many plain types on broken files
        raise _error(exc) from None
    try:
        pages: list[RawPage] = []
        for i, page in enumerate(pdf.pages):
            try:
                pages.append(_read_page(page, i + 1))
            except PdfminerException as exc:
                raise _error(exc.args[0] if exc.args else exc, page=i + 1) from None
            finally:
                page.close()
        return pages
    except PdfminerException as exc:
        raise _error(exc.args[0] if exc.args else exc) from None
    finally:
        pdf.close()


def _error(exc: BaseException, page: int | None = None) -> ReadError:
    name = type(exc).__name__
    where = f"page {page}: " if page else ""
    if "Password" in name or "Encrypt" in name:
        return ReadError("encrypted", f"{where}the PDF is encrypted with a password")
    return ReadError("corrupt", f"{where}pdfminer cannot parse the file ({name}: {exc})".replace("\n", " "))


def _read_page(page, number: int) -> RawPage:
    width, height = float(page.width), float(page.height)
    parts: list[str] = []
    lines: list[RawLine] = []
    pos = 0
    for ln in page.extract_text_lines(strip=True, return_chars=True):
        s = ln["text"]
        if not s:
            continue
        if parts:
            parts.append("\n")
            pos += 1
        chars = ln.get("chars") or []
        sample = [chars[0], chars[len(chars) // 2], chars[-1]] if chars else []
        size = max((float(c.get("size", 0.0)) for c in sample), default=0.0)
        lines.append(RawLine(pos, pos + len(s), float(ln["top"]), float(ln["bottom"]), size))
        parts.append(s)
        pos += len(s)
    text = "".join(parts)
    if not has_text_layer(text):
        return RawPage(number, None, width, height, [])
    return RawPage(number, text, width, height, lines)
