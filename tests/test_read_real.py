"""The PDF reader on the real PDFs in ../shared (skipped without it).

Page counts were taken once with pypdfium2 and are asserted as literals."""
from __future__ import annotations

import hashlib
import re

import pytest

from docmine.reading.read import read_pdf
from docmine.settings import get_settings

pytestmark = pytest.mark.shared

DEV = {"000": "000_cedb1ec72c960b43.pdf", "001": "001_9bcc4a9328eedad3.pdf", "002": "002_a738b74171b8a425.pdf"}

PAGES = {
    "dev/pdf/000_cedb1ec72c960b43.pdf": 4,
    "dev/pdf/001_9bcc4a9328eedad3.pdf": 2,
    "dev/pdf/002_a738b74171b8a425.pdf": 3,
    "real/A_RES_73_3-EN.pdf": 10,
    "real/A_RES_73_6-EN.pdf": 5,
    "real/A_RES_73_7-EN.pdf": 5,
    "real/A_RES_73_8-EN.pdf": 2,
    "real/WCPFC1.pdf": 9,
    "real/WCPFC2_Records_Summary.pdf": 66,
    "real/WCPFC9-Summary-Report-final.pdf": 63,
    "real/cop-16-dec-31-en.pdf": 32,
    "real/ipbes-ilk-dialogue-2019.pdf": 46,
    "real/ipbes-ilk-values-2021.pdf": 58,
    "real/list_of_docs_1983.pdf": 4,
    "real/list_of_docs_2001.pdf": 8,
    "real/report_of_ccsbt2.pdf": 21,
    "real/report_of_ccsbt7.pdf": 68,
}

_CACHE: dict = {}


@pytest.fixture(scope="module")
def read(shared_dir):
    """read(rel, backend) with a per-module cache (the corpus takes seconds)."""
    def _read(rel: str, backend: str = "pypdfium2"):
        key = (rel, backend)
        if key not in _CACHE:
            _CACHE[key] = read_pdf(shared_dir / "corpus" / rel, backend=backend)
        return _CACHE[key]
    return _read


def squash(s: str) -> str:
    return "".join(s.split())


@pytest.mark.parametrize("rel, pages", sorted(PAGES.items()))
def test_page_count_and_hash(shared_dir, read, rel, pages):
    doc = read(rel)
    assert doc.page_count == pages
    data = (shared_dir / "corpus" / rel).read_bytes()
    assert doc.sha256 == hashlib.sha256(data).hexdigest() and doc.size == len(data)
    assert doc.text.count("\f") == pages - 1


@pytest.mark.parametrize("rel, symbol, treaty, date", [
    ("dev/pdf/000_cedb1ec72c960b43.pdf", "UNEP/CMS/StC44/17", "CMS", "2015-09-01"),
    ("dev/pdf/001_9bcc4a9328eedad3.pdf", "UNEP/CMS/StC38/15", "CMS", "2011-10-24"),
    ("dev/pdf/002_a738b74171b8a425.pdf", None, None, None),
    ("real/cop-16-dec-31-en.pdf", "CBD/COP/DEC/16/31", "CBD", "2025-02-27"),
    ("real/A_RES_73_3-EN.pdf", "A/RES/73/3", "UN", "2018-10-18"),
    ("real/A_RES_73_6-EN.pdf", "A/RES/73/6", "UN", "2018-10-31"),
    ("real/A_RES_73_8-EN.pdf", "A/RES/73/8", "UN", "2018-11-05"),
    ("real/WCPFC1.pdf", "WCPFC/Comm.1/8", "WCPFC", "2004-12-10"),
    ("real/list_of_docs_1983.pdf", None, None, None),   # page 1 lists symbols: none is its own
    ("real/list_of_docs_2001.pdf", None, None, None),   # a scan
])
def test_page1_metadata(read, rel, symbol, treaty, date):
    doc = read(rel)
    assert (doc.symbol, doc.treaty, doc.date) == (symbol, treaty, date)


@pytest.mark.parametrize("rel, title_start", [
    ("real/cop-16-dec-31-en.pdf", "16/31. Monitoring framework for the Kunming-Montreal"),
    ("real/A_RES_73_7-EN.pdf", "73/7. Report of the International Criminal Court"),
    ("dev/pdf/000_cedb1ec72c960b43.pdf", "SYNERGIES ET PARTENARIATS"),
    ("dev/pdf/001_9bcc4a9328eedad3.pdf", "COOPERATION ENTRE LA CMS ET CITES"),
])
def test_page1_title(read, rel, title_start):
    assert read(rel).title.startswith(title_start)


def _body_lines(page) -> set[str]:
    return {ln.strip().rstrip("*") for ln in page.body_text().splitlines()}


@pytest.mark.parametrize("rel, header, footer", [
    ("real/cop-16-dec-31-en.pdf", "CBD/COP/DEC/16/31", "{n}/32"),
    ("dev/pdf/000_cedb1ec72c960b43.pdf", "UNEP/CMS/StC44/17", "{n}"),
    ("dev/pdf/001_9bcc4a9328eedad3.pdf", "UNEP/CMS/StC38/15", "{n}"),
])
def test_running_header_footer_in_raw_not_in_body(read, rel, header, footer):
    doc = read(rel)
    for page in doc.pages[1:]:
        label = footer.format(n=page.number)
        raw_lines = {ln.strip() for ln in page.text.splitlines()}
        assert header in raw_lines and label in raw_lines
        assert header not in _body_lines(page) and label not in _body_lines(page)
        assert header in page.kind_text("header")
        assert label in page.kind_text("footer")


def test_un_resolution_furniture(read):
    doc = read("real/A_RES_73_3-EN.pdf")
    p1, p2, p3 = doc.pages[:3]
    assert "18-16895 (E) 241018" in p1.kind_text("footer") and "18-16895 (E)" not in p1.body_text()
    assert "2/10 18-16895" in p2.text and "2/10 18-16895" in p2.kind_text("footer")
    assert "2/10" not in p2.body_text() and "3/10" not in p3.body_text()
    for page in (p2, p3):  # the running title alternates sides and is a header, not body
        assert "A/RES/73/3" in page.kind_text("header")
        assert "on the fight against tuberculosis" in page.kind_text("header")
        assert "A/RES/73/3" not in _body_lines(page)


def test_footnotes_are_separated(read):
    doc = read("real/cop-16-dec-31-en.pdf")
    p1, p2 = doc.pages[:2]
    assert "1 See CBD/FM/TEG/2024/1/2." in p1.kind_text("footnote")
    assert "CBD/FM/TEG/2024/1/2" not in p1.body_text()
    assert "10 Decision 15/11, annex." in p2.kind_text("footnote")
    assert "Decision 15/11, annex." not in p2.body_text()
    assert "Recalling the previous work on indicators" in p2.body_text()
    # A/RES: notes sit under a "_____" rule
    a = read("real/A_RES_73_3-EN.pdf").pages[1]
    assert "1 Resolution 70/1." in a.kind_text("footnote") and "Resolution 70/1." not in a.body_text()


@pytest.mark.parametrize("backend", ["pypdfium2", "pdfplumber"])
def test_scan_without_text_layer_needs_ocr(read, backend):
    doc = read("real/list_of_docs_2001.pdf", backend)
    assert doc.status == "needs_ocr"
    assert [p.text for p in doc.pages] == [None] * 8
    assert all(p.blocks == [] and p.body_text() == "" for p in doc.pages)
    assert doc.text == "\f" * 7 and doc.language is None and doc.languages == {}


@pytest.mark.parametrize("rel, no_text", [
    ("real/WCPFC2_Records_Summary.pdf", [1, 61]),
    ("real/WCPFC9-Summary-Report-final.pdf", [63]),
    ("real/cop-16-dec-31-en.pdf", []),
])
def test_pages_without_text_layer(read, rel, no_text):
    doc = read(rel)
    assert doc.status == "ok"
    assert [p.number for p in doc.pages if p.text is None] == no_text
    assert all(p.text.strip() for p in doc.pages if p.text is not None)


@pytest.mark.parametrize("rel, lang", [
    ("dev/pdf/000_cedb1ec72c960b43.pdf", "fr"),
    ("dev/pdf/001_9bcc4a9328eedad3.pdf", "fr"),
    ("dev/pdf/002_a738b74171b8a425.pdf", "fr"),
    ("real/cop-16-dec-31-en.pdf", "en"),
    ("real/A_RES_73_3-EN.pdf", "en"),
    ("real/A_RES_73_8-EN.pdf", "en"),
    ("real/WCPFC1.pdf", "en"),
    ("real/WCPFC2_Records_Summary.pdf", "en"),
    ("real/ipbes-ilk-dialogue-2019.pdf", "en"),
    ("real/report_of_ccsbt2.pdf", "en"),
])
def test_document_language(read, rel, lang):
    doc = read(rel)
    assert doc.language == lang
    assert doc.languages[lang] >= 0.9
    assert abs(sum(doc.languages.values()) - 1) < 0.01


def test_language_detection_is_deterministic(shared_dir, read):
    rel = "real/WCPFC2_Records_Summary.pdf"
    first = read(rel)
    again = read_pdf(shared_dir / "corpus" / rel, settings=get_settings(langdetect_seed=0))
    assert [p.language for p in again.pages] == [p.language for p in first.pages]
    assert again.languages == first.languages


@pytest.mark.parametrize("rel", [
    "dev/pdf/000_cedb1ec72c960b43.pdf",
    "dev/pdf/001_9bcc4a9328eedad3.pdf",
    "dev/pdf/002_a738b74171b8a425.pdf",
    "real/A_RES_73_8-EN.pdf",
])
def test_backends_agree_on_body_text(read, rel):
    a, b = read(rel), read(rel, "pdfplumber")
    assert a.page_count == b.page_count
    for pa, pb in zip(a.pages, b.pages):
        assert squash(pa.body_text()) == squash(pb.body_text()), pa.number
    assert (a.symbol, a.date, a.language) == (b.symbol, b.date, b.language)


def test_body_view_offsets_on_real_pdf(read):
    page = read("real/cop-16-dec-31-en.pdf").pages[4]
    view = page.body_view(dehyphenated=True)
    assert "Kunming-Montreal" in view.text
    for m in re.finditer(r"\w{6,}", view.text):
        s, e = view.to_raw(m.start(), m.end())
        assert squash(page.text[s:e]).replace("\ufffe", "") == m.group(0)
