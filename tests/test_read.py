"""The PDF reader on PDFs built here with reportlab (no ../shared needed):
bad input, header/footer/footnote separation, derived views, both backends,
language and page-1 metadata."""
from __future__ import annotations

import hashlib
import re

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from docmine.reading.layout import TextView, dehyphenate, is_furniture_text
from docmine.reading.pagemeta import find_symbols, parse_date, treaty_of_symbol
from docmine.reading.read import PageText, ReadError, read_bytes, read_pdf
from docmine.settings import get_settings

FR_SENTENCES = [
    "Le Secrétariat a poursuivi la mise en œuvre du programme de travail conjoint avec les autres conventions.",
    "Les Parties sont invitées à communiquer leurs rapports nationaux avant la prochaine réunion du Comité.",
    "La coopération avec les organisations internationales a été renforcée dans le domaine de la conservation.",
    "Le Comité permanent est prié de prendre note du présent rapport et de formuler des recommandations.",
    "Des ateliers régionaux ont été organisés afin de renforcer les capacités des points focaux nationaux.",
    "Les espèces migratrices menacées font l'objet de plans d'action concertés entre les États de l'aire de répartition.",
]
EN_SENTENCES = [
    "The Secretariat continued to implement the joint work programme with the other conventions.",
    "Parties are invited to submit their national reports before the next meeting of the Committee.",
    "Cooperation with international organizations has been strengthened in the field of conservation.",
    "The Standing Committee is requested to take note of this report and to make recommendations.",
    "Regional workshops were organized to strengthen the capacity of national focal points.",
    "Threatened migratory species are the subject of concerted action plans among range States.",
]


def make_pdf(path, *, pages=3, symbol="UNEP/CMS/StC44/17", lang="fr", date_line="1er septembre 2015",
             running_title=None, footnote=True, job="GE.15-12345", page_style="Page {n}", encrypt=None):
    """A meeting paper: running header with the symbol (and an optional running
    title), page number footer, a job number on page 1, a small-font footnote
    under a rule, a masthead and title on page 1, and a hyphenated line break."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    kw = {"encrypt": StandardEncryption(encrypt, "owner-" + encrypt)} if encrypt else {}
    c = canvas.Canvas(str(path), pagesize=A4, **kw)
    w, h = A4
    sentences = FR_SENTENCES if lang == "fr" else EN_SENTENCES
    for n in range(1, pages + 1):
        if symbol:
            c.setFont("Helvetica", 9)
            c.drawRightString(w - 60, h - 36, symbol)
        if running_title:
            c.setFont("Helvetica", 9)
            c.drawString(60, h - 36, running_title)
        y = h - 110
        if n == 1:
            c.setFont("Helvetica", 10)
            for line in ([symbol] if symbol else []) + ([date_line] if date_line else []):
                c.drawRightString(w - 60, y, line)
                y -= 14
            y -= 10
            c.setFont("Helvetica-Bold", 15)
            c.drawString(60, y, "SYNERGIES ET PARTENARIATS" if lang == "fr" else "SYNERGIES AND PARTNERSHIPS")
            y -= 30
        c.setFont("Helvetica", 11)
        k = 0
        while y > 190:
            if n == 1 and k == 2:
                c.drawString(60, y, "Le Secrétariat a élargi sa coopéra-" if lang == "fr" else "The Secretariat has widened its coop-")
                y -= 15
                c.drawString(60, y, "tion avec les autres accords." if lang == "fr" else "eration with other agreements.")
            else:
                c.drawString(60, y, f"{n}.{k} " + sentences[(n + k) % len(sentences)][:80])
            y -= 15
            k += 1
        if footnote:
            c.setLineWidth(0.5)
            c.line(60, 150, 200, 150)
            c.setFont("Helvetica", 8)
            c.drawString(60, 138, f"{n} Voir le document UNEP/CMS/COP11/Doc.{n} pour plus de détails sur ce point."
                         if lang == "fr" else f"{n} See document UNEP/CMS/COP11/Doc.{n} for details on this point.")
        c.setFont("Helvetica", 9)
        c.drawCentredString(w / 2, 30, page_style.format(n=n, N=pages))
        if n == 1 and job:
            c.drawString(60, 30, job)
        c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def fr_pdf(tmp_path_factory):
    return make_pdf(tmp_path_factory.mktemp("pdf") / "fr.pdf", pages=4,
                    running_title="Rapport du Secrétariat")


@pytest.fixture(scope="module")
def fr_doc(fr_pdf):
    return read_pdf(fr_pdf)


def squash(s: str) -> str:
    return "".join(s.split())


# --- bad input -----------------------------------------------------------------

def _bad_inputs(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", pages=2).read_bytes()
    return {
        "empty": b"",
        "not_pdf": b"<html><body>Not found</body></html>\n" * 10,
        "not_pdf_zip": b"PK\x03\x04" + b"\x00" * 2000,
        "truncated": good[: len(good) // 2],
        "garbage": b"%PDF-1.4\n" + b"garbage " * 300 + b"\n%%EOF\n",
        "encrypted": make_pdf(tmp_path / "enc.pdf", pages=1, encrypt="secret").read_bytes(),
    }


@pytest.mark.parametrize("backend", ["pypdfium2", "pdfplumber"])
@pytest.mark.parametrize("case, code", [
    ("empty", "empty"),
    ("not_pdf", "not_pdf"),
    ("not_pdf_zip", "not_pdf"),
    ("truncated", "corrupt"),
    ("garbage", "corrupt"),
    ("encrypted", "encrypted"),
])
def test_bad_input_gives_read_error(tmp_path, backend, case, code):
    path = tmp_path / f"{case}.pdf"
    path.write_bytes(_bad_inputs(tmp_path)[case])
    with pytest.raises(ReadError) as info:
        read_pdf(path, backend=backend)
    err = info.value
    assert err.code == code
    assert err.reason and "\n" not in err.reason
    assert str(err).startswith(code + ": ")


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(ReadError) as info:
        read_pdf(tmp_path / "nope.pdf")
    assert info.value.code == "unreadable"


def test_unknown_backend_is_a_value_error(fr_pdf):
    with pytest.raises(ValueError):
        read_pdf(fr_pdf, backend="tesseract")


def test_read_error_rejects_unknown_code():
    with pytest.raises(ValueError):
        ReadError("oops", "x")


# --- document facts --------------------------------------------------------------

def test_document_facts(fr_pdf, fr_doc):
    data = fr_pdf.read_bytes()
    assert fr_doc.sha256 == hashlib.sha256(data).hexdigest()
    assert fr_doc.size == len(data)
    assert fr_doc.backend == "pypdfium2"
    assert fr_doc.status == "ok"
    assert fr_doc.page_count == 4 and [p.number for p in fr_doc.pages] == [1, 2, 3, 4]
    assert fr_doc.text == "\f".join(p.text for p in fr_doc.pages)
    assert fr_doc.symbol == "UNEP/CMS/StC44/17"
    assert fr_doc.treaty == "CMS"
    assert fr_doc.date == "2015-09-01"
    assert fr_doc.title == "SYNERGIES ET PARTENARIATS"
    assert fr_doc.language == "fr" and fr_doc.languages == {"fr": 1.0}
    assert all(p.language == "fr" for p in fr_doc.pages)


def test_settings_choose_the_backend(fr_pdf):
    doc = read_pdf(fr_pdf, settings=get_settings(pdf_backend="pdfplumber"))
    assert doc.backend == "pdfplumber"
    assert read_pdf(fr_pdf, backend="pdfium", settings=get_settings(pdf_backend="pdfplumber")).backend == "pypdfium2"


def test_read_bytes_matches_read_pdf(fr_pdf, fr_doc):
    doc = read_bytes(fr_pdf.read_bytes(), path=str(fr_pdf))
    assert doc.text == fr_doc.text and doc.sha256 == fr_doc.sha256


# --- structure -----------------------------------------------------------------

def test_blocks_partition_each_page(fr_doc):
    for page in fr_doc.pages:
        assert page.blocks[0].start == 0 and page.blocks[-1].end == len(page.text)
        for a, b in zip(page.blocks, page.blocks[1:]):
            assert a.end == b.start and a.kind != b.kind
        assert {b.kind for b in page.blocks} <= {"header", "footer", "footnote", "body"}


@pytest.mark.parametrize("backend", ["pypdfium2", "pdfplumber"])
def test_furniture_is_in_raw_text_not_in_body(fr_pdf, backend):
    doc = read_pdf(fr_pdf, backend=backend)
    for page in doc.pages:
        raw, body = page.text, page.body_text()
        n = page.number
        furniture = [f"Page {n}", "Rapport du Secrétariat"] + (["UNEP/CMS/StC44/17"] if n > 1 else [])
        for s in furniture:
            assert s in raw, (n, s)
            assert s not in body, (n, s)
        assert "Page" in page.kind_text("footer")
        assert "UNEP/CMS/StC44/17" in page.kind_text("header")
        note = f"{n} Voir le document UNEP/CMS/COP11/Doc.{n}"
        assert note in page.kind_text("footnote") and note not in body
        assert f"{n}.1 " in body  # body lines stay
    assert "GE.15-12345" in doc.pages[0].kind_text("footer")
    # page 1: the running header is furniture, the masthead symbol is body
    assert doc.pages[0].body_text().count("UNEP/CMS/StC44/17") == 1


@pytest.mark.parametrize("style", ["Page {n}", "{n}/{N}", "- {n} -", "{n}", "{n} of {N}"])
def test_page_number_styles_are_footers(tmp_path, style):
    doc = read_pdf(make_pdf(tmp_path / "p.pdf", pages=3, page_style=style, footnote=False, job=None))
    for page in doc.pages:
        label = style.format(n=page.number, N=3)
        assert label in page.kind_text("footer")
        assert squash(label) not in squash(page.body_text()[-40:])


def test_single_page_symbol_header_without_repetition(tmp_path):
    doc = read_pdf(make_pdf(tmp_path / "one.pdf", pages=1, symbol="CBD/SBSTTA/REC/XVII/1", lang="en",
                            date_line="27 February 2025"))
    page = doc.pages[0]
    assert "CBD/SBSTTA/REC/XVII/1" in page.kind_text("header")
    assert doc.symbol == "CBD/SBSTTA/REC/XVII/1" and doc.treaty == "CBD"
    assert doc.date == "2025-02-27" and doc.language == "en"


def test_body_view_maps_back_to_raw(fr_doc):
    for page in fr_doc.pages:
        view = page.body_view()
        assert len(view.text) == len(view.offsets)
        for i, ch in enumerate(view.text):
            raw = page.text[view.offsets[i]]
            assert ch == raw or (ch == "-" and raw in "\ufffe\x02")


def test_page_without_blocks_is_all_body():
    page = PageText(3, "Le Secrétariat a\r\npoursuivi ses tra-\r\nvaux.")
    assert page.body_text() == page.text
    assert page.body_text(dehyphenated=True) == "Le Secrétariat a\r\npoursuivi ses travaux."
    assert PageText(4, None).body_text() == "" and PageText(4, None).kind_text("header") == ""


def test_dehyphenation_is_a_view(fr_doc):
    page = fr_doc.pages[0]
    # raw text untouched (PDFium joins the lines itself and marks the hyphen U+FFFE)
    assert re.search("coopéra(?:\ufffe|-\r\n)tion", page.text)
    view = page.body_view(dehyphenated=True)
    assert "sa coopération avec les autres" in view.text and "coopéra-" not in view.text
    i = view.text.index("sa coopération") + 3
    start, end = view.to_raw(i, i + len("coopération"))
    assert re.fullmatch("coopéra[-\ufffe]\\s*tion", page.text[start:end])
    assert page.body_text(dehyphenated=True) == view.text


@pytest.mark.parametrize("text, expected", [
    ("coopéra-\r\ntion", "coopération"),
    ("coopéra-\ntion", "coopération"),
    ("Kunming-\nMontreal", "Kunming-Montreal"),    # uppercase after: a real hyphen, the lines joined
    ("COP-\n16", "COP-\n16"),
    ("well-\r\n known", "wellknown"),
    ("bien\ufffe\r\nêtre", "bienêtre"),
    ("no break here - ok", "no break here - ok"),
    ("coopéra\ufffetion", "coopération"),          # PDFium already removed the break
    ("Kunming\ufffeMontreal", "Kunming\ufffeMontreal"),
])
def test_dehyphenate_table(text, expected):
    view = dehyphenate(TextView(text, list(range(len(text)))))
    assert view.text == expected
    assert all(text[o] == c for o, c in zip(view.offsets, view.text))


def test_backends_agree_on_body_text(fr_pdf, fr_doc):
    other = read_pdf(fr_pdf, backend="pdfplumber")
    assert other.page_count == fr_doc.page_count
    for a, b in zip(fr_doc.pages, other.pages):
        assert squash(a.body_text()) == squash(b.body_text())
    assert (other.symbol, other.date, other.language) == (fr_doc.symbol, fr_doc.date, fr_doc.language)


def test_pdfplumber_pages_are_closed(fr_pdf, monkeypatch):
    """Each page is closed after use (pdfplumber's caches otherwise grow to GBs)."""
    from pdfplumber.page import Page

    closed = []
    original = Page.close
    monkeypatch.setattr(Page, "close", lambda self: (closed.append(self.page_number), original(self))[1])
    read_pdf(fr_pdf, backend="pdfplumber")
    assert closed[:4] == [1, 2, 3, 4]  # one by one as read (pdf.close() closes them again)


def test_language_detection_is_deterministic(fr_pdf, tmp_path):
    en = make_pdf(tmp_path / "en.pdf", pages=2, lang="en", date_line="27 February 2025")
    for path, lang in [(fr_pdf, "fr"), (en, "en")]:
        runs = [read_pdf(path, settings=get_settings(langdetect_seed=seed)) for seed in (0, 0, 0, 7)]
        assert {r.language for r in runs} == {lang}
        assert len({tuple(p.language for p in r.pages) for r in runs[:3]}) == 1
        assert len({tuple(sorted(r.languages.items())) for r in runs[:3]}) == 1


# --- tables for the pieces -------------------------------------------------------

@pytest.mark.parametrize("text, symbols", [
    ("UNEP/CMS/StC44/17", ["UNEP/CMS/StC44/17"]),
    ("CBD/COP/DEC/16/31*", ["CBD/COP/DEC/16/31"]),
    ("see CBD/SBSTTA/REC/XVII/1.", ["CBD/SBSTTA/REC/XVII/1"]),
    ("United Nations A/RES/73/3", ["A/RES/73/3"]),
    ("WCPFC/Comm.1/8 ", ["WCPFC/Comm.1/8"]),
    ("IPBES/3/18", ["IPBES/3/18"]),
    ("CoP18 Doc. 12 and SC65 Doc. 7", ["CoP18 Doc. 12", "SC65 Doc. 7"]),
    ("UNEP/CBD/COP/DEC/X/2", ["UNEP/CBD/COP/DEC/X/2"]),
    ("Résolutions 11.10 et 11.11", []),
    ("and/or km/h N/A 2015/2016", []),
    ("http://www.cms.int/sites/default/files/doc/Res_11", []),
])
def test_find_symbols(text, symbols):
    assert find_symbols(text) == symbols


@pytest.mark.parametrize("text, iso", [
    ("27 February 2025", "2025-02-27"),
    ("Distr.: General\n18 October 2018", "2018-10-18"),
    ("1er septembre 2015", "2015-09-01"),
    ("12 octobre 2015", "2015-10-12"),
    ("3 décembre 2019", "2019-12-03"),
    ("2-6 December 2012", None),           # a meeting's date range
    ("Rome, 25–27 February 2025", None),
    ("31 February 2020", None),
    ("no date here", None),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("symbol, treaty", [
    ("UNEP/CMS/StC44/17", "CMS"), ("CBD/COP/DEC/16/31", "CBD"), ("UNEP/CBD/COP/DEC/X/2", "CBD"),
    ("CoP18 Doc. 12", "CITES"), ("SC65 Doc. 7", "CITES"), ("IPBES/3/18", "IPBES"),
    ("A/RES/73/3", "UN"), ("WCPFC/Comm.1/8", "WCPFC"), ("UNEP/AEWA/MOP7/1", "AEWA"),
    (None, None), ("XYZ", None),
])
def test_treaty_of_symbol(symbol, treaty):
    assert treaty_of_symbol(symbol) == treaty


@pytest.mark.parametrize("line, furniture", [
    ("12", True), ("Page 12", True), ("6/32", True), ("- 3 -", True), ("-3-", True),
    ("3 of 9", True), ("GE.15-12345", True), ("18-16895 (E) 241018", True), ("*1816895*", True),
    ("1234567", True), ("2/10 18-16895", True), ("UNEP/CMS/StC44/17", True), ("xii", True),
    ("1 A/73/85.", False), ("Rapport du Secrétariat", False), ("1. Le Secrétariat a poursuivi", False), ("", False),
])
def test_furniture_shapes(line, furniture):
    assert is_furniture_text(line) is furniture


def _page(rows, height=800.0):
    """A RawPage from (top, size, text) rows, one line each."""
    from docmine.reading.layout import RawLine, RawPage

    text, lines, pos = "", [], 0
    for top, size, s in rows:
        lines.append(RawLine(pos, pos + len(s), top, top + size, size))
        text += s + "\r\n"
        pos = len(text)
    return RawPage(1, text, 600.0, height, lines)


@pytest.mark.parametrize("bottom_rows, footnote", [
    ([(700, 8, "7 See decision 15/4."), (712, 8, "8 Decision 15/11, annex.")], True),
    ([(700, 8, "* Reissued for technical reasons.")], True),
    ([(700, 8, "30 mins Introduction to the assessment"), (712, 8, "15 mins Comments and reflections")], False),
    ([(700, 8, "1,200 3,400 5,600"), (712, 8, "7 800 900")], False),        # a table of figures
    ([(700, 11, "7 The Committee is invited to take note.")], False),      # body-size numbered paragraph
])
def test_footnote_rules(bottom_rows, footnote):
    from docmine.reading.layout import classify

    body = [(100 + 15 * i, 11, f"Body line number {i} of the paper, with enough words.") for i in range(20)]
    page = _page(body + bottom_rows)
    kinds = {page.text[b.start:b.end].split("\r\n")[0]: b.kind for b in classify([page])[0]}
    first = bottom_rows[0][2]
    assert (kinds.get(first) == "footnote") is footnote
