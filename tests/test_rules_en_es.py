"""Issue 11: the language-independent rules on English and Spanish papers.

Tables of (text, expected mentions) for each kind of fault fixed: REF
(decision-number headings, bare slash headings, UNFCCC/UNCCD numbers, UNGA
resolutions, a number cited with its treaty and later bare), DOC (the CMS
instruments' own symbols, UNCCD symbols), MEETING (Spanish ``del``,
``en la CITES``, ``período de sesiones``, ordinals to ninety-ninth, the
General Assembly's sessions, the CITES Standing Committee named after its
treaty word, fisheries Commissions), DATE (ranges, numeric dates, counts) and
the document's treaty (its symbol, its evidence; an acronym the paper defines
as something else). The texts are our own, in the style of CBD, CMS, CITES,
UNFCCC, UNCCD, General Assembly and WCPFC papers. Only the rules run (no
model); one PDF made with :mod:`paperpdf` goes through the whole extractor;
the field-format cases of ``tests/cases/en_es`` run through the shared
``check_cases.py`` and the real ``docmine`` command.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from docmine.extraction.extract import extract
from docmine.extraction.grammars.dates import find_dates
from docmine.extraction.grammars.ordinals import parse_ordinal
from docmine.extraction.patterns import load_patterns, merge
from paperpdf import write_pdf

RULES = ("sentencizer", "docmine_context", "docmine_symbols", "docmine_refs", "docmine_meetings", "docmine_dates")
CASES = Path(__file__).parent / "cases" / "en_es"


@pytest.fixture(scope="module")
def nlp():
    from docmine.extraction.nlp import build_nlp
    return build_nlp(use_ner=False)


def run(nlp, text, symbol=None):
    doc = nlp.make_doc(text)
    if symbol:
        doc._.symbol = symbol
    for name, proc in nlp.pipeline:
        if name in RULES:
            doc = proc(doc)
    return doc


def spans(doc, label):
    return [(s.text, list(s._.ids or [])) for s in doc.spans.get(label, [])]


# ------------------------------------------------------------------ REF
REF_CASES = [
    # a CITES decision list: the numbers at line starts under their heading line
    ("Decisions 19.50 to 19.51\n\nDirected to Parties\n\n19.50\tParties are encouraged to act.\n\n"
     "Directed to the Secretariat\n\n19.51\tThe Secretariat shall report.\n",
     [("Decisions 19.50 to 19.51", ["CMS Dec 19.50", "CMS Dec 19.51"]), ("19.50", ["CMS Dec 19.50"]),
      ("19.51", ["CMS Dec 19.51"])], "UNEP/CMS/COP14/Doc.3"),
    ("Decisiones 14.48 y 14.49 – Aves terrestres\n\nDirigida a la Secretaría\n\n14.48\tLa Secretaría deberá informar.\n",
     [("Decisiones 14.48 y 14.49", ["CMS Dec 14.48", "CMS Dec 14.49"]), ("14.48", ["CMS Dec 14.48"])],
     "UNEP/CMS/COP14/Doc.3"),
    # a number of another series at a line start is no decision (a section number)
    ("Decisions 19.50 to 19.51\n\n2.1\tBackground of the work\n", [("Decisions 19.50 to 19.51", ["CITES Dec 19.50", "CITES Dec 19.51"])],
     "CoP19 Doc. 3"),
    # placeholders of draft decisions are no numbers
    ("Draft decisions\n\n20.AA\tThe Secretariat shall report.\n", [], "CoP19 Doc. 3"),
    # bare slash headings: CBD decision, SBSTTA recommendation, General Assembly resolution
    ("Decision adopted by the Conference of the Parties\n\n16/31.\tMonitoring framework\n\nThe Conference of the Parties,",
     [("16/31", ["CBD COP Dec 16/31"])], "CBD/COP/DEC/16/31"),
    ("Recommendation adopted by the Subsidiary Body on Scientific, Technical and Technological Advice\n\n"
     "26/5.\tInvasive alien species\n", [("26/5", ["CBD SBSTTA Rec 26/5"])], None),
    ("IX/27.\tCooperation among multilateral environmental agreements\n", [("IX/27", ["CBD COP Dec IX/27"])],
     "UNEP/CBD/COP/DEC/IX/27"),
    ("73/8.\tNecessity of ending the embargo\n\nThe General Assembly,\n\nRecalling its resolutions 47/19 and 72/4,",
     [("73/8", ["UNGA Res 73/8"]), ("resolutions 47/19 and 72/4", ["UNGA Res 47/19", "UNGA Res 72/4"])], "A/RES/73/8"),
    # another body named with the number: not the paper's body's
    ("and Human Rights Council resolution 33/11 of 29 September 2016, and its resolution 71/3,",
     [("resolution 33/11", []), ("resolution 71/3", ["UNGA Res 71/3"])], "A/RES/73/3"),
    # UNFCCC and UNCCD numbers carry their body, whatever the paper
    ("Recalling decisions 1/CP.21, 3/CMA.1 and 2/CMP.1, and decision 3/COP.13,",
     [("decisions 1/CP.21, 3/CMA.1 and 2/CMP.1", ["UNFCCC COP Dec 1/CP.21", "UNFCCC CMA Dec 3/CMA.1", "UNFCCC CMP Dec 2/CMP.1"]),
      ("decision 3/COP.13", ["UNCCD COP Dec 3/COP.13"])], "CBD/COP/DEC/16/31"),
    # English and Spanish keywords, ranges, revisions
    ("Recalling decision XII/30, Resolution Conf. 11.4 (Rev. CoP12) and Decisions 13.24 to 13.26,",
     [("decision XII/30", ["CBD COP Dec XII/30"]), ("Resolution Conf. 11.4 (Rev. CoP12)", ["CITES Res Conf 11.4"]),
      ("Decisions 13.24 to 13.26", ["CMS Dec 13.24", "CMS Dec 13.25", "CMS Dec 13.26"])], "UNEP/CMS/COP14/Doc.3"),
    ("Recordando la Resolución XI.19 de Ramsar y las Resoluciones 11.10 y 12.26,",
     [("Resolución XI.19", ["RAMSAR Res XI.19"]), ("Resoluciones 11.10 y 12.26", ["CMS Res 11.10", "CMS Res 12.26"])],
     "UNEP/CMS/COP14/Doc.3"),
    # a number cited with its treaty keeps it when cited bare later in the paper
    ("Consciente de la Decisión 18.256 (Rev. CoP19) de la CITES,\n\n14.49\tSe alienta a las Partes a que tengan en cuenta "
     "la Decisión 18.256 (Rev. CoP19).",
     [("Decisión 18.256 (Rev. CoP19)", ["CITES Dec 18.256"]), ("Decisión 18.256 (Rev. CoP19)", ["CITES Dec 18.256"])],
     "UNEP/CMS/COP14/Doc.3"),
]


@pytest.mark.parametrize("text,expected,symbol", REF_CASES)
def test_refs(nlp, text, expected, symbol):
    assert spans(run(nlp, text, symbol), "REF") == expected


# ------------------------------------------------------------------ DOC and treaty
@pytest.mark.parametrize("text,docs,treaty", [
    ("CONVENCIÓN SOBRE LAS ESPECIES MIGRATORIAS\n        UNEP/CMS/Resolución 14.15\n\nRecordando la Resolución 11.10,",
     [("UNEP/CMS/Resolución 14.15", ["UNEP/CMS/Resolución14.15"])], "CMS"),
    ("UNEP/CMS/Resolution 12.26 (Rev.COP13)\n\nThe Conference of the Parties,",
     [("UNEP/CMS/Resolution 12.26 (Rev.COP13)", ["UNEP/CMS/Resolution12.26(Rev.COP13)"])], "CMS"),
    ("ICCD/COP(16)/20/Add.1\n\nDecision 3/COP.16", [("ICCD/COP(16)/20/Add.1", ["ICCD/COP(16)/20/Add.1"])], "UNCCD"),
    ("FCCC/CP/2021/12/Add.1\n\nDecision 1/CP.26", [("FCCC/CP/2021/12/Add.1", ["FCCC/CP/2021/12/Add.1"])], "UNFCCC"),
    # a CBD decision that cites Ramsar: its own symbol decides
    ("CBD/COP/DEC/15/4\n\nRecalling Ramsar Resolution XIII.4 and the Ramsar Convention, Ramsar and Ramsar,",
     [("CBD/COP/DEC/15/4", ["CBD/COP/DEC/15/4"])], "CBD"),
])
def test_symbols_and_treaty(nlp, text, docs, treaty):
    doc = run(nlp, text)
    assert spans(doc, "DOC") == docs
    assert doc._.treaty == treaty
    assert not [r for r in spans(doc, "REF") if r[0] in docs[0][0]]  # no REF inside the symbol


@pytest.mark.parametrize("text,treaty", [
    # no symbol: the evidence decides (CBD decisions and bodies outweigh the cited Ramsar)
    ("The Conference of the Parties to the Convention on Biological Diversity,\nRecalling decisions XII/30 and 14/30, "
     "and the Ramsar Convention,\n1. Requests the Subsidiary Body on Scientific, Technical and Technological Advice", "CBD"),
    # a General Assembly resolution without its symbol: no convention's
    ("Recalling its resolutions 47/19 and 72/4, and decision 1/CP.21,\nRequests the Secretary-General to report to "
     "the General Assembly at its seventy-fourth session;", None),
    # an acronym the paper defines as something else names no treaty
    ("Commission for the Conservation and Management of Highly Migratory Fish Stocks in the Western and Central "
     "Pacific Ocean\nThe Compliance Monitoring Scheme (CMS) was reviewed; the CMS and the CMS again.", "WCPFC"),
])
def test_treaty_from_evidence(nlp, text, treaty):
    assert run(nlp, text)._.treaty == treaty


# ------------------------------------------------------------------ MEETING
MEETING_CASES = [
    ("CBD/COP/DEC/16/31", "Requests the Executive Secretary to report to the Subsidiary Body at its twenty-sixth "
     "meeting and to the Conference of the Parties at its sixteenth meeting, SBSTTA-24 and COP 15.",
     [("twenty-sixth meeting", ["CBD SBSTTA26"]), ("sixteenth meeting", ["CBD COP16"]),
      ("SBSTTA-24", ["CBD SBSTTA24"]), ("COP 15", ["CBD COP15"])]),
    ("CoP19 Doc. 3", "The 73rd meeting of the CITES Standing Committee and the seventy-first meeting of the "
     "Standing Committee.", [("73rd meeting of the CITES Standing Committee", ["CITES SC73"]),
                             ("seventy-first meeting of the Standing Committee", ["CITES SC71"])]),
    # a partner convention named after 'with' is not the bare body's treaty
    ("CoP19 Doc. 3", "The Secretariat shall cooperate with the Secretariat of the Convention on the Conservation of "
     "Migratory Species of Wild Animals (CMS), and report to the Standing Committee at its 77th meeting.",
     [("77th meeting", ["CITES SC77"])]),
    ("FCCC/SBI/2018/9", "The Subsidiary Body for Implementation at its forty-eighth session (SBI 48), CMA 3 and CMP 16.",
     [("forty-eighth session (SBI 48)", ["UNFCCC SBI48"]), ("CMA 3", ["UNFCCC CMA3"]), ("CMP 16", ["UNFCCC CMP16"])]),
    ("UNEP/CMS/COP14/Doc.3", "Pide a la Secretaría que informe a la 73ª reunión del Comité Permanente y a la "
     "decimonovena reunión de la Conferencia de las Partes.",
     [("73ª reunión del Comité Permanente", ["CMS StC73"]),
      ("decimonovena reunión de la Conferencia de las Partes", ["CMS COP19"])]),
    ("UNEP/CMS/COP14/Doc.3", "antes de la 20ª reunión de la Conferencia de las Partes en la CITES.",
     [("20ª reunión de la Conferencia de las Partes en la CITES", ["CITES CoP20"])]),
    ("ICCD/COP(16)/20", "La Conferencia de las Partes, en su 16º período de sesiones y en su vigésima primera reunión.",
     [("16º período de sesiones", ["UNCCD COP16"]), ("vigésima primera reunión", ["UNCCD COP21"])]),
    # the General Assembly's sessions; a possessive with no body is the paper's body
    ("A/RES/73/8", "Requests the Secretary-General to submit it to the General Assembly at its ninety-ninth session;\n"
     "5. Decides to include in the provisional agenda of its eighty-first session the item.",
     [("ninety-ninth session", ["UNGA-99"]), ("eighty-first session", ["UNGA-81"])]),
    # another assembly named in the clause: its session is not the paper's body's (no id)
    ("A/RES/73/7", "Takes note of the decision of the Assembly of States Parties to the Rome Statute at its fifteenth "
     "session.", [("fifteenth session", [])]),
    ("A/RES/73/8", "La Asamblea General, en su septuagésimo cuarto período de sesiones,",
     [("septuagésimo cuarto período de sesiones", ["UNGA-74"])]),
    # fisheries Commissions: their own names
    ("WCPFC9-2012-Summary", "Ninth Regular Session of the Commission for the Conservation and Management of Highly "
     "Migratory Fish Stocks in the Western and Central Pacific Ocean, held before WCPFC10.",
     [("Ninth Regular Session of the Commission for the Conservation and Management of Highly Migratory Fish Stocks"
       " in the Western and Central Pacific Ocean", ["WCPFC9"]), ("WCPFC10", ["WCPFC10"])]),
]


@pytest.mark.parametrize("symbol,text,expected", MEETING_CASES)
def test_meetings(nlp, symbol, text, expected):
    assert spans(run(nlp, text, symbol), "MEETING") == expected


@pytest.mark.parametrize("written,n", [
    ("ninety-ninth", 99), ("eighty-first", 81), ("seventy-fourth", 74), ("hundredth", 100), ("73rd", 73), ("52d", 52),
    ("decimonovena", 19), ("vigésima primera", 21), ("vigesimoprimera", 21), ("septuagésimo cuarto", 74),
    ("nonagésima novena", 99), ("cuadragésima octava", 48), ("19ª", 19), ("16º", 16),
])
def test_ordinals(written, n):
    assert parse_ordinal(written) == n


# ------------------------------------------------------------------ DATE
@pytest.mark.parametrize("text,expected", [
    ("report by 31 March 2026", [("31 March 2026", "2026-03-31")]),
    ("held from 8 to 9 February 2024", [("from 8 to 9 February 2024", "2024-02-08/2024-02-09")]),
    ("held between 12 and 14 October 2021", [("between 12 and 14 October 2021", "2021-10-12/2021-10-14")]),
    ("for the period July 2026 – June 2030", [("July 2026 – June 2030", "2026-07/2030-06")]),
    ("on 5 December 2022 and 19 December 2022", [("5 December 2022", "2022-12-05"), ("19 December 2022", "2022-12-19")]),
    ("del 8 al 9 de febrero de 2024", [("del 8 al 9 de febrero de 2024", "2024-02-08/2024-02-09")]),
    ("antes del 31 de marzo de 2026", [("31 de marzo de 2026", "2026-03-31")]),
    ("entre el 12 y el 14 de octubre de 2021", [("entre el 12 y el 14 de octubre de 2021", "2021-10-12/2021-10-14")]),
    ("de julio de 2026 a junio de 2030", [("de julio de 2026 a junio de 2030", "2026-07/2030-06")]),
    ("el 31/12/2026 y el 2026-03-31", [("31/12/2026", "2026-12-31"), ("2026-03-31", "2026-03-31")]),
    # no false years: an impossible day, symbols, the 2030 Agenda
    ("el 31/02/2026", []),
    ("see decision 15/4, CoP19 Doc. 2020 and the 2030 Agenda", []),
    ("(Resolution 2012-01) (WCPFC9- 2012-DP28 Rev1) and CMM 2009-06", []),
])
def test_dates(text, expected):
    assert [(text[s:e], v) for s, e, v, _ in find_dates(text)] == expected


def test_spanish_counts_are_no_years(nlp):
    doc = run(nlp, "Se decomisaron 2025 especímenes y 2030 ejemplares en 2024.")
    assert spans(doc, "DATE") == [("2024", ["2024"])]


# ------------------------------------------------------------------ patterns as data
def test_language_files_are_merged(repo_dir):
    base = repo_dir / "models" / "patterns"
    data = load_patterns(base, "meetings")
    keys = {b["key"]: b for b in data["bodies"]}
    assert any("General" in n for n in keys["UNGA"]["names"])          # meetings_en.json
    assert any("Asamblea" in n for n in keys["UNGA"]["names"])         # meetings_es.json
    assert "en" in data["treaty_connectors"]                            # meetings_es.json
    assert any("especímenes" in w for w in load_patterns(base, "dates")["count_nouns"])
    refs = load_patterns(base, "refs")
    assert {"résolutions?", "resolutions?", "resoluci(?:ón|on|ones)"} <= set(refs["kinds"]["Res"])
    assert {"Décisions", "Decisions", "Decisiones"} <= set(refs["headings"])


def test_merge_rules():
    base = {"nouns": "(?:réunion)", "bodies": [{"key": "COP", "names": ["Conférence"], "codes": {"*": "COP"}}],
            "acronyms": {"COP": "COP"}, "list": [1], "kinds": {"Res": ["résolutions?"]}}
    extra = {"description": "x", "nouns": "(?:meeting)", "bodies": [{"key": "COP", "names": ["Conference"]},
                                                                    {"key": "X", "names": ["X"]}],
             "acronyms": {"CMA": "CMA"}, "list": [2], "kinds": {"Res": ["resolutions?"], "Dec": ["decisions?"]}}
    out = merge(base, extra)
    assert out["nouns"] == "(?:(?:réunion)|(?:meeting))"
    assert out["bodies"][0]["names"] == ["Conférence", "Conference"] and out["bodies"][1]["key"] == "X"
    assert out["acronyms"] == {"COP": "COP", "CMA": "CMA"} and out["list"] == [1, 2]
    assert out["kinds"] == {"Res": ["résolutions?", "resolutions?"], "Dec": ["decisions?"]}
    assert "description" not in out and base["bodies"][0]["names"] == ["Conférence"]  # base untouched


def test_bad_pattern_file_names_the_file(tmp_path):
    (tmp_path / "refs.json").write_text("{}", encoding="utf-8")
    (tmp_path / "refs_en.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="refs_en.json"):
        load_patterns(tmp_path, "refs")


# ------------------------------------------------------------------ a PDF, whole extractor
def test_pdf_cites_decisions_in_english(tmp_path):
    pdf = write_pdf(tmp_path / "cites-decisions-en.pdf", [[
        ("big", "Decisions in effect after CoP19"),
        "Decisions 19.120 to 19.122",
        "Directed to Parties",
        "19.120   Parties are encouraged to apply Res. Conf. 10.21 (Rev. CoP16) and to report to the",
        "Secretariat by 31 March 2026.",
        "Directed to the Secretariat",
        "19.122   The Secretariat shall cooperate with the Secretariat of the Convention on the Conservation",
        "of Migratory Species of Wild Animals (CMS), and report to the Standing Committee at its 77th meeting.",
    ]], header="CoP19 Doc. 12")
    ex = extract(pdf)
    got = {(m.label, m.text): m.ids for m in ex.mentions}
    assert ex.document.treaty == "CITES"
    assert got[("REF", "Decisions 19.120 to 19.122")] == ["CITES Dec 19.120", "CITES Dec 19.121", "CITES Dec 19.122"]
    assert got[("REF", "19.120")] == ["CITES Dec 19.120"] and got[("REF", "19.122")] == ["CITES Dec 19.122"]
    assert got[("REF", "Res. Conf. 10.21 (Rev. CoP16)")] == ["CITES Res Conf 10.21"]
    assert got[("DATE", "31 March 2026")] == ["2026-03-31"]
    assert got[("MEETING", "77th meeting")] == ["CITES SC77"]
    assert got[("DOC", "CoP19 Doc. 12")] == ["CoP19Doc.12"]


def test_pdf_cms_decisions_in_spanish(tmp_path):
    """A Spanish CMS resolution whose running header is its own instrument symbol."""
    pdf = write_pdf(tmp_path / "cms-resolucion-es.pdf", [[
        ("big", "Conservación de los reptiles migratorios"),
        "Adoptada por la Conferencia de las Partes en su 15ª reunión (Samarcanda, febrero de 2026)",
        "Recordando la Resolución 12.26 (Rev.COP14) y la Decisión 19.300 (Rev. CoP20) de la CITES,",
        "Decisiones 15.20 y 15.21 – Reptiles migratorios",
        "Dirigida a la Secretaría",
        "15.20   La Secretaría deberá informar al Comité Permanente en su 58ª reunión, del 8 al 9 de",
        "octubre de 2026.",
        "Dirigida a las Partes",
        "15.21   Se alienta a las Partes a que tengan en cuenta la Decisión 19.300 (Rev. CoP20), antes de la",
        "21ª reunión de la Conferencia de las Partes en la CITES.",
    ]], header="UNEP/CMS/Resolución 15.7")
    ex = extract(pdf)
    assert (ex.document.symbol, ex.document.treaty, ex.document.language) == ("UNEP/CMS/Resolución 15.7", "CMS", "es")
    got = [(m.label, " ".join(m.text.split()), m.ids) for m in ex.mentions if m.label != "ORG"]
    assert ("DOC", "UNEP/CMS/Resolución 15.7", ["UNEP/CMS/Resolución15.7"]) in got
    assert not [g for g in got if g[0] == "REF" and g[1] == "Resolución 15.7"]
    for want in [("MEETING", "15ª reunión", ["CMS COP15"]), ("REF", "Resolución 12.26 (Rev.COP14)", ["CMS Res 12.26"]),
                 ("REF", "Decisiones 15.20 y 15.21", ["CMS Dec 15.20", "CMS Dec 15.21"]),
                 ("REF", "15.20", ["CMS Dec 15.20"]), ("REF", "15.21", ["CMS Dec 15.21"]),
                 ("MEETING", "58ª reunión", ["CMS StC58"]),
                 ("DATE", "del 8 al 9 de octubre de 2026", ["2026-10-08/2026-10-09"]),
                 ("MEETING", "21ª reunión de la Conferencia de las Partes en la CITES", ["CITES CoP21"])]:
        assert want in got, want
    assert [g[2] for g in got if g[1] == "Decisión 19.300 (Rev. CoP20)"] == [["CITES Dec 19.300"]] * 2


# ------------------------------------------------------------------ field-format cases
def test_field_format_cases(shared_dir, repo_dir, tmp_path):
    """tests/cases/en_es in the shared cases' format, run by the shared checker
    through the real ``docmine`` command (one batch call; its data folder in
    tmp_path, never beside the cases)."""
    tool = shared_dir / "tools" / "check_cases.py"
    if not tool.exists():
        pytest.skip(f"{tool} not found")
    docmine = Path(sys.executable).with_name("docmine")
    proc = subprocess.run([sys.executable, str(tool), "--docmine", str(docmine), "--batch", str(CASES)],
                          capture_output=True, text=True, timeout=900, cwd=repo_dir,
                          env={**os.environ, "DOCMINE_DATA_DIR": str(tmp_path / "data")})
    n = len(list(CASES.glob("*.expect.json")))
    assert proc.stdout.strip().splitlines()[-1] == f"{n} passed, 0 failed", proc.stdout + proc.stderr
