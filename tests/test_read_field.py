"""Issue 8, kind 9: what the reader stores, on PDFs rendered here.

A line-end hyphen is stored as a hyphen and the page's line break, never as
the noncharacter U+FFFE; a footnote call set small and raised after a symbol
(``14.3`` + ``1``) is stored as a superscript digit and is no part of it; the
document date comes from the page-1 block, never from a deadline; page-1
titles are whole."""
from __future__ import annotations

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from docmine.extraction.extract import extract
from docmine.extraction.nlp import load_nlp
from docmine.reading.pagemeta import block_date
from docmine.reading.read import read_pdf
from docmine.reading.textmap import normalise
from docmine.settings import get_settings
from paperpdf import body, sup, write_pdf


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


HYPHENATED = [
    "1. Prie le Secrétariat de transmettre au Comité perma-",
    "nent, à sa 53e réunion, un rapport sur la Résolu-",
    "tion 11.10 établi avec le Conseil scienti-",
    "fique et la Kunming-",
    "Montreal coalition d’ici le 31 décembre 2025.",
]


@pytest.mark.parametrize("backend", ["pypdfium2", "pdfplumber"])
def test_line_end_hyphen_is_stored_as_a_hyphen(tmp_path, backend):
    doc = read_pdf(write_pdf(tmp_path / "h.pdf", [HYPHENATED]), backend=backend)
    text = doc.pages[0].text
    assert "\ufffe" not in text and "\x02" not in text
    squashed = "".join(text.split())
    for word in ("perma-nent", "Résolu-tion", "scienti-fique", "Kunming-Montreal"):
        assert word in squashed


@pytest.mark.parametrize("text, expected", [
    ("Comité perma-\r\nnent", "Comité permanent"),
    ("Comité perma-\nnent", "Comité permanent"),
    ("la Kunming-\r\nMontreal", "la Kunming-Montreal"),
    ("coopéra\ufffetion", "coopération"),  # pages stored before the reader wrote hyphens
    ("2011-\n2020", "2011- 2020"),
    ("Conf. 14.3¹ et 18.49¹²", "Conf. 14.3 et 18.49"),
])
def test_normalised_text_reads_through_hyphens_and_calls(text, expected):
    norm = normalise(text)
    assert norm.text == expected
    # every character of the normalised text maps back to itself (or to white space)
    assert all(text[norm.offsets[i]] == ch or ch == " " for i, ch in enumerate(norm.text))


def test_hyphenated_names_are_found_with_hyphen_in_their_text(tmp_path, nlp):
    ex = extract(write_pdf(tmp_path / "h.pdf", [HYPHENATED]), nlp=nlp)
    found = {(m.label, "".join(m.text.split())): m.ids for m in ex.mentions}
    assert found[("ORG", "Comitéperma-nent")] == ["cms-standing-committee"]
    assert found[("REF", "Résolu-tion11.10")] == ["CMS Res 11.10"]
    assert found[("ORG", "Conseilscienti-fique")] == ["cms-scientific-council"]
    texts = [m.text for m in ex.mentions] + [it.text for it in ex.action_items]
    assert not any("\ufffe" in t for t in texts)


def test_footnote_calls_are_superscripts_not_digits(tmp_path, nlp):
    pdf = write_pdf(tmp_path / "n.pdf", [[
        [body("1. Rappelant la résolution Conf. 14.3"), sup("1"), body(" et la décision 18.49"), sup("12"),
         body(",")],
        [body("2. Le Comité permanent s’est réuni en 2015"), sup("3"), body(" à Genève avec 12 Parties.")],
        ("note", "1 Voir le document CoP18 Doc. 12."),
    ]], header="CoP18 Doc. 7")
    page = read_pdf(pdf).pages[0].text
    assert "14.3¹" in page and "18.49¹²" in page and "2015³" in page
    assert "12 Parties" in page and "1 Voir" in page  # body-size digits stay digits
    ex = extract(pdf, nlp=nlp)
    got = {(m.label, m.text): m.ids for m in ex.mentions}
    assert got[("REF", "résolution Conf. 14.3")] == ["CITES Res Conf 14.3"]
    assert got[("REF", "décision 18.49")] == ["CITES Dec 18.49"]
    assert got[("DATE", "2015")] == ["2015"]


@pytest.mark.parametrize("lines, expected", [
    (["UNEP/CMS/StC44/17", "1er septembre 2015", "Original : anglais"], "2015-09-01"),
    (["Bonn, 27 February 2025"], "2025-02-27"),
    (["Date : 12 mars 2024"], "2024-03-12"),
    (["2. Les Parties sont invitées à répondre avant le 1er mars 2026."], None),
    (["Soumettre les rapports d’ici le 30 juin 2026"], None),
    (["by 31 December 2025"], None),
    (["Geneva, 2-6 December 2012"], None),  # a meeting's dates
    (["2. Les Parties sont invitées à répondre avant le 1er mars 2026.", "Bonn, 3 février 2026"], "2026-02-03"),
])
def test_block_date(lines, expected):
    assert block_date(lines) == expected


def test_document_date_is_never_a_deadline(tmp_path):
    no_date = write_pdf(tmp_path / "a.pdf", [[
        "1. Le Conseil scientifique a confié au Secrétariat la définition des priorités.",
        "2. Les Parties sont invitées à répondre avant le 1er mars 2026.",
    ]])
    assert read_pdf(no_date).date is None
    dated = write_pdf(tmp_path / "b.pdf", [[
        "Bonn, 27 février 2025",
        "2. Les Parties sont invitées à répondre avant le 1er mars 2026.",
    ]])
    assert read_pdf(dated).date == "2025-02-27"


def _title_pdf(path, title_lines, size):
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    w, h = A4
    c.setFont("Times-Roman", 9)
    c.drawRightString(w - 70, h - 40, "UNEP/CMS/StC99/7")
    y = h - 120
    for line in title_lines:
        c.setFont("Times-Bold", size)
        c.drawString(70, y, line)
        y -= size * 1.2
    y -= 20
    for i in range(12):
        c.setFont("Times-Roman", 11.5)
        c.drawString(70, y, f"{i + 1}. Le Secrétariat a poursuivi ses travaux avec les Parties et les partenaires.")
        y -= 15
    c.showPage()
    c.save()
    return path


@pytest.mark.parametrize("lines, size, expected", [
    (["RAPPORT SUR LA COOPÉRATION ENTRE LA CMS", "ET LES AUTRES CONVENTIONS"], 11.5,
     "RAPPORT SUR LA COOPÉRATION ENTRE LA CMS ET LES AUTRES CONVENTIONS"),
    (["Rapport du groupe de travail sur les espèces", "migratrices et les infrastructures linéaires"], 16,
     "Rapport du groupe de travail sur les espèces migratrices et les infrastructures linéaires"),
    (["SYNERGIES ET PARTENARIATS"], 11.5, "SYNERGIES ET PARTENARIATS"),
])
def test_page1_title_is_whole(tmp_path, lines, size, expected):
    assert read_pdf(_title_pdf(tmp_path / "t.pdf", lines, size)).title == expected
