"""Issue 8, kind 5: symbols as the contract writes them (spec §1).

``PNUE/`` and ``PNUMA/`` symbols are UNEP documents; ``et Add.1``, ``et
Corr.1``, ``et Rev.1`` continue the symbol before them; a symbol broken
across a line is one mention; a reference right before ``].`` is found."""
from __future__ import annotations

import pytest

from docmine.extraction.extract import extract, extract_text
from docmine.extraction.grammars.symbols import part_id, symbol_id
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings
from paperpdf import write_pdf


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def docs(ex):
    return [(m.text, m.ids) for m in ex.mentions if m.label == "DOC"]


@pytest.mark.parametrize("written, expected", [
    ("PNUE/CMS/COP11/Doc.17.1", "UNEP/CMS/COP11/Doc.17.1"),
    ("PNUMA/CMS/COP12/Doc.5", "UNEP/CMS/COP12/Doc.5"),
    ("PNUE/CBD/COP/12/2", "UNEP/CBD/COP/12/2"),
    ("UNEP/CMS/StC99/ 12.1", "UNEP/CMS/StC99/12.1"),
    ("FCCC/CP/1996/14", "FCCC/CP/1996/14"),
])
def test_symbol_id(written, expected):
    assert symbol_id(written) == expected


@pytest.mark.parametrize("symbol, part, expected", [
    ("UNEP/CBD/COP/12/2", "Corr.1", "UNEP/CBD/COP/12/2/Corr.1"),
    ("FCCC/CP/1996/14", "Add. 1", "FCCC/CP/1996/14/Add.1"),
    ("UNEP/CBD/COP/12/2/Add.1", "Add.2", "UNEP/CBD/COP/12/2/Add.2"),
    ("UNEP/CBD/COP/12/2/Add.1", "Corr.1", "UNEP/CBD/COP/12/2/Add.1/Corr.1"),
    ("PNUE/CMS/COP11/Doc.17", "Rev.1", "UNEP/CMS/COP11/Doc.17/Rev.1"),
])
def test_part_id(symbol, part, expected):
    assert part_id(symbol, part) == expected


@pytest.mark.parametrize("text, expected", [
    ("Le document PNUE/CMS/COP11/Doc.17.1 complète le document UNEP/CMS/COP11/Doc.17.1/Add.1.",
     [("PNUE/CMS/COP11/Doc.17.1", ["UNEP/CMS/COP11/Doc.17.1"]),
      ("UNEP/CMS/COP11/Doc.17.1/Add.1", ["UNEP/CMS/COP11/Doc.17.1/Add.1"])]),
    ("Voir les documents PNUE/CMS/StC44/18.1, 18.2 et 18.3.",
     [("PNUE/CMS/StC44/18.1, 18.2 et 18.3",
       ["UNEP/CMS/StC44/18.1", "UNEP/CMS/StC44/18.2", "UNEP/CMS/StC44/18.3"])]),
    ("La Conférence prend note du document FCCC/CP/1996/14 et Add.1 et du rapport.",
     [("FCCC/CP/1996/14 et Add.1", ["FCCC/CP/1996/14", "FCCC/CP/1996/14/Add.1"])]),
    ("Voir UNEP/CBD/COP/12/2 et Corr.1.",
     [("UNEP/CBD/COP/12/2 et Corr.1", ["UNEP/CBD/COP/12/2", "UNEP/CBD/COP/12/2/Corr.1"])]),
    ("Voir UNEP/CMS/COP12/Doc.21 et Rev.1, ainsi que le rapport.",
     [("UNEP/CMS/COP12/Doc.21 et Rev.1", ["UNEP/CMS/COP12/Doc.21", "UNEP/CMS/COP12/Doc.21/Rev.1"])]),
    ("See documents UNEP/CBD/SBI/3/2 and Add.1 and Add.2.",
     [("UNEP/CBD/SBI/3/2 and Add.1 and Add.2",
       ["UNEP/CBD/SBI/3/2", "UNEP/CBD/SBI/3/2/Add.1", "UNEP/CBD/SBI/3/2/Add.2"])]),
    ("Véase el documento UNEP/CBD/COP/13/5 y Corr.1.",
     [("UNEP/CBD/COP/13/5 y Corr.1", ["UNEP/CBD/COP/13/5", "UNEP/CBD/COP/13/5/Corr.1"])]),
    # two full symbols joined by "et" stay two mentions
    ("Voir UNEP/CMS/StC44/13 et UNEP/CMS/StC44/14.",
     [("UNEP/CMS/StC44/13", ["UNEP/CMS/StC44/13"]), ("UNEP/CMS/StC44/14", ["UNEP/CMS/StC44/14"])]),
    # a symbol broken across a line after a slash is one mention
    ("le rapport sur le document UNEP/CMS/StC99/\n12.1 présenté par le Conseil.",
     [("UNEP/CMS/StC99/\n12.1", ["UNEP/CMS/StC99/12.1"])]),
    ("voir le document UNEP/CBD/SBSTTA/\r\n25/INF/3 pour le détail.",
     [("UNEP/CBD/SBSTTA/\r\n25/INF/3", ["UNEP/CBD/SBSTTA/25/INF/3"])]),
    # a slash and a space before a word is no broken symbol
    ("les secrétariats de la CITES/ CMS ont travaillé ensemble.", []),
])
def test_doc_mentions(nlp, text, expected):
    ex = extract_text(text, nlp=nlp, language="fr")
    assert docs(ex) == expected
    assert all(text[m.start:m.end] == m.text for m in ex.mentions)


@pytest.mark.parametrize("text, label, mention, ids", [
    ("Le processus est décrit ailleurs [voir la résolution 11.10].", "REF", "résolution 11.10", ["CMS Res 11.10"]),
    ("Le processus est décrit ailleurs [voir résolution Conf. 12.8].", "REF", "résolution Conf. 12.8",
     ["CITES Res Conf 12.8"]),
    ("Voir aussi (décision XI/2).", "REF", "décision XI/2", ["CBD COP Dec XI/2"]),
    ("[voir le document UNEP/CMS/COP11/Doc.17.1].", "DOC", "UNEP/CMS/COP11/Doc.17.1",
     ["UNEP/CMS/COP11/Doc.17.1"]),
    ("« Prie le Secrétariat de faire rapport à la COP12 ».", "MEETING", "COP12", ["CMS COP12"]),
])
def test_reference_before_closing_bracket_and_stop(nlp, text, label, mention, ids):
    text = "Secrétariat de la CMS. " + text
    ex = extract_text(text, nlp=nlp, language="fr")
    found = {(m.label, m.text): m.ids for m in ex.mentions}
    assert found.get((label, mention)) == ids


def test_pdf_symbol_broken_across_a_line_and_pnue(tmp_path, nlp):
    pdf = write_pdf(tmp_path / "s.pdf", [[
        "1. Le Secrétariat a présenté le document PNUE/CMS/COP11/Doc.17.1 et Add.1 ainsi que le document UNEP/CMS/StC99/",
        "12.1 au Comité permanent.",
    ]], header="PNUE/CMS/StC99/7")
    ex = extract(pdf, nlp=nlp)
    got = {m.ids[0]: m.ids for m in ex.mentions if m.label == "DOC"}
    assert got["UNEP/CMS/COP11/Doc.17.1"] == ["UNEP/CMS/COP11/Doc.17.1", "UNEP/CMS/COP11/Doc.17.1/Add.1"]
    assert got["UNEP/CMS/StC99/12.1"] == ["UNEP/CMS/StC99/12.1"]
    assert "UNEP/CMS/StC99/7" in got  # the running header's PNUE/ symbol
