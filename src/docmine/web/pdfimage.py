"""The original PDF of a stored document, and its pages as PNG images.

A document's PDF is "at hand" when the file it was ingested from
(``documents.source``) still exists with the same size and sha256 (checked
once per file state, then cached). Pages are rendered with pypdfium2 and
cached as PNG files under ``<data_dir>/cache/pages/`` (nothing is written
anywhere else); PDFium calls are serialised by a lock.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Optional

_LOCK = threading.Lock()
_VERIFIED: dict[tuple, bool] = {}
#: rendering scale: 1.5 × 72 dpi = 108 dpi, sharp enough on a laptop, small files
SCALE = 1.5


def pdf_path(source: Optional[str], size: Optional[int], sha256: str) -> Optional[Path]:
    """The PDF file for a document, or ``None`` when it is not at hand (moved,
    changed, a URL, or not a PDF)."""
    if not source or "://" in source:
        return None
    p = Path(source)
    try:
        st = p.stat()
    except OSError:
        return None
    if not p.is_file() or (size is not None and st.st_size != size):
        return None
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns, sha256)
    ok = _VERIFIED.get(key)
    if ok is None:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        ok = h.hexdigest() == sha256
        _VERIFIED[key] = ok
    return p if ok else None


def page_png(pdf: Path, sha256: str, number: int, cache_dir: Path) -> Optional[Path]:
    """Page ``number`` (1-based) of ``pdf`` as a PNG file in ``cache_dir``
    (rendered once); ``None`` when the PDF has no such page."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_dir / f"{sha256}-{number}.png"
    if out.exists():
        return out
    import pypdfium2 as pdfium

    with _LOCK:
        if out.exists():
            return out
        pdf_doc = pdfium.PdfDocument(str(pdf))
        try:
            if not 1 <= number <= len(pdf_doc):
                return None
            page = pdf_doc[number - 1]
            bitmap = page.render(scale=SCALE)
            image = bitmap.to_pil()
            tmp = out.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            image.save(tmp, format="PNG", optimize=True)
            os.replace(tmp, out)
            page.close()
        finally:
            pdf_doc.close()
    return out
