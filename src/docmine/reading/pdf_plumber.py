"""PDF backend on pdfplumber (layout-precise, slow: ~10 pages/s).

Lines come from ``page.extract_text_lines()`` (characters clustered by
position, so the reading order is geometric); the raw page text is those
lines joined with ``\\n``. Each page is closed right after use: pdfplumber
caches every character and layout object per page, which otherwise grows
to >1 GB on a 200-page document.
"""
from __future__ import annotations

import io

from docmine.reading.layout import RawLine, RawPage
from docmine.reading.errors import ReadError, has_text_layer


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
    for top, bottom, size, text in _text_lines(page.extract_words(x_tolerance=3, y_tolerance=3)):
        if parts:
            parts.append("\n")
            pos += 1
        lines.append(RawLine(pos, pos + len(text), top, bottom, size))
        parts.append(text)
        pos += len(text)
    text = "".join(parts)
    if not has_text_layer(text):
        return RawPage(number, None, width, height, [])
    return RawPage(number, text, width, height, lines)


def _text_lines(words: list[dict]) -> list[tuple[float, float, float, str]]:
    """Group words into lines by vertical overlap (not by equal ``top``, which
    splits a 20 pt "CBD" from the 10 pt "/COP/DEC/16/31" on the same baseline
    and lifts superscripts out of their line). Words on a line are ordered
    left to right and joined with a space only where there is a gap."""
    rows: list[list] = []  # [top, bottom, [words]]
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        t, b = float(w["top"]), float(w["bottom"])
        for row in reversed(rows[-4:]):
            overlap = min(b, row[1]) - max(t, row[0])
            if overlap >= 0.5 * min(b - t, row[1] - row[0]):
                row[0], row[1] = min(row[0], t), max(row[1], b)
                row[2].append(w)
                break
        else:
            rows.append([t, b, [w]])
    out = []
    for top, bottom, ws in sorted(rows, key=lambda r: r[0]):
        ws.sort(key=lambda w: w["x0"])
        pieces = [ws[0]["text"]]
        for prev, cur in zip(ws, ws[1:]):
            pieces.append((" " if cur["x0"] - prev["x1"] > 1.0 else "") + cur["text"])
        size = max(float(w["bottom"]) - float(w["top"]) for w in ws)
        out.append((top, bottom, size, "".join(pieces)))
    return out
