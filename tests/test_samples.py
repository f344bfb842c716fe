"""The project's own sample corpus: invented French meeting papers rendered to PDF.

Checks that ``scripts/render_samples.py`` is deterministic and reproduces the
committed PDFs byte for byte, and that each PDF has the layout the reader and
the extractor are built for (symbol on page 1 and in the running header of
every page, page numbers in the footer, expected page counts).
"""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpus" / "samples"
SRC = SAMPLES / "src"
SCRIPT = REPO / "scripts" / "render_samples.py"

#: name -> (symbol, treaty, page count, footer style)
EXPECTED = {
    "cms_stc52_11": ("UNEP/CMS/StC52/11", "CMS", 2, "page"),
    "cms_cop15_doc24": ("UNEP/CMS/COP15/Doc.24", "CMS", 3, "n/m"),
    "cbd_sbstta_27_6": ("CBD/SBSTTA/27/6", "CBD", 2, "n/m"),
    "cbd_cop_17_8": ("CBD/COP/17/8", "CBD", 1, "page"),
    "cites_sc79_doc14": ("SC79 Doc. 14", "CITES", 2, "page"),
}


def _load_renderer():
    spec = importlib.util.spec_from_file_location("render_samples", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod   # dataclasses look their module up while the script loads
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def renderer():
    return _load_renderer()


def _pages(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf))]
    finally:
        pdf.close()


def test_sources_and_pdfs_match_expected_set():
    assert sorted(p.stem for p in SRC.glob("*.md")) == sorted(EXPECTED)
    assert sorted(p.stem for p in SAMPLES.glob("*.pdf")) == sorted(EXPECTED)


def test_sources_parse_with_their_metadata(renderer):
    for name, (symbol, treaty, _, footer) in EXPECTED.items():
        paper = renderer.parse_source(SRC / f"{name}.md")
        assert paper.meta["symbol"] == symbol
        assert paper.meta["treaty"] == treaty
        assert paper.meta.get("footer", "page") == footer
        assert any(b.kind == "num" for b in paper.blocks), name
        assert paper.notes, f"{name} has no footnotes"


def test_render_is_deterministic_and_matches_committed(renderer, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    pages_a = renderer.render_all(SRC, a)
    pages_b = renderer.render_all(SRC, b)
    assert pages_a == pages_b == {n: e[2] for n, e in EXPECTED.items()}
    for name in EXPECTED:
        first = (a / f"{name}.pdf").read_bytes()
        assert first == (b / f"{name}.pdf").read_bytes(), f"{name}: two renders differ"
        assert first == (SAMPLES / f"{name}.pdf").read_bytes(), (
            f"{name}.pdf is stale: run `python scripts/render_samples.py`")


def test_render_cli_selects_names(renderer, tmp_path):
    assert renderer.main(["--out", str(tmp_path), "cbd_cop_17_8"]) == 0
    assert [p.name for p in tmp_path.glob("*.pdf")] == ["cbd_cop_17_8.pdf"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_pdf_layout(name):
    symbol, _, n_pages, footer = EXPECTED[name]
    path = SAMPLES / f"{name}.pdf"
    pdf = pdfium.PdfDocument(str(path))
    try:
        assert len(pdf) == n_pages
        for i in range(n_pages):
            page = pdf[i]
            width, height = page.get_size()
            tp = page.get_textpage()
            text = tp.get_text_bounded()
            # the symbol is in the running header: top band, right-aligned
            searcher = tp.search(symbol, match_case=True)
            hit = searcher.get_next()
            assert hit is not None, f"{name} p{i + 1}: symbol missing"
            left, bottom, right, top = tp.get_charbox(hit[0] + hit[1] - 1)
            assert top > height - 60, f"{name} p{i + 1}: symbol not in the header band"
            assert right > width - 90, f"{name} p{i + 1}: symbol not right-aligned"
            # page number in the footer
            number = f"Page {i + 1}" if footer == "page" else f"{i + 1}/{n_pages}"
            assert text.rstrip().endswith(number), f"{name} p{i + 1}: footer {number!r} missing"
            # no source markup leaks into the PDF
            assert "**" not in text and "[^" not in text
        first = _pages(path)[0]
        assert symbol in first
        assert "Original : français" in first
    finally:
        pdf.close()


def test_samples_exercise_the_contract():
    texts = {name: re.sub(r"\s+", " ", " ".join(_pages(SAMPLES / f"{name}.pdf"))) for name in EXPECTED}
    with_phrase = [n for n, t in texts.items() if "coopération technique" in t]
    assert len(with_phrase) >= 2, with_phrase
    assert sum(1 for n in EXPECTED if EXPECTED[n][2] >= 2) >= 2
    joined = " ".join(texts.values())
    for needle in ("Résolutions 11.10 et 11.11", "décision XIV/30", "Résolution Conf. 11.4 (Rev. CoP18)",
                   "Décisions 19.45 à 19.48", "UNEP/CMS/StC52/14.1, 14.2 et 14.3", "le document 10.3",
                   "le 1er mars 2024", "du 12 au 16 février 2024", "fin juin 2025",
                   "dernier trimestre de 2024", "Action requise", "Le Comité permanent est invité à :",
                   "Prie le Secrétariat, sous réserve des ressources disponibles",
                   "à sa 53e réunion", "SBSTTA-26", "CdP19"):
        assert needle in joined, needle
