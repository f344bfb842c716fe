"""Action items in English and Spanish papers (issue 11, spec §2): one table of
kinds, each run as plain text and as a PDF (``paperpdf.write_pdf``), through the
whole extraction (language detection, routing to the English or Spanish
pipeline, the action lexicons ``actions_en.json`` / ``actions_es.json``).

Each case: (name, header symbol, text, expected items as (paragraph, actor,
verb, deadline meeting, deadline date)). The texts are our own, written in the
style of CBD, CMS, CITES and General Assembly papers (no dev gold text).
"""
from __future__ import annotations

import textwrap

import pytest

from docmine.extraction.extract import extract, extract_text
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings
from paperpdf import write_pdf

CMS_EN = """CONVENTION ON MIGRATORY SPECIES

The Conference of the Parties to the Convention on the Conservation of Migratory Species of Wild Animals,

Recalling Resolution 12.7 on the role of ecological networks,

1. Takes note of the report of the Scientific Council on ecological connectivity;

2. Requests the Secretariat, subject to the availability of resources, to:
(a) compile the information on transboundary corridors submitted by Parties;
(b) report on progress to the Standing Committee at its 56th meeting;

3. Welcomes the work of the Arctic Migratory Birds Initiative, and invites range States to share their monitoring data with the Scientific Council;

4. Urges developed country Parties to provide financial support to range States for the restoration of stopover sites;

5. Decides to keep the implementation of this resolution under review.
"""

CBD_EN = """CBD/COP/DEC/16/99

The Conference of the Parties,

1. Invites Parties and other Governments to submit their views on the options to the Executive Secretary by 31 March 2026;

2. Also requests the Executive Secretary to prepare a synthesis of the views for consideration by the Subsidiary Body on Scientific, Technical and Technological Advice at a meeting held before the seventeenth meeting of the Conference of the Parties;

3. Encourages relevant organizations to support capacity-building for the monitoring of the indicators;

4. Adopts the guidance annexed to the present decision.
"""

CITES_EN = """CITES Decisions

Directed to the Standing Committee

20.51 The Standing Committee is requested to:
a) review the report of the Secretariat on the trade in songbirds; and
b) make recommendations to the 21st meeting of the Conference of the Parties.

Directed to the Secretariat

20.52 The Secretariat shall, subject to external funding:
a) organize a regional workshop for the range States of the species; and
b) report to the Standing Committee at its 79th meeting on the results of the workshop.

Directed to Parties

20.53 Parties are urged to strengthen the controls on exports of live specimens.
"""

UNGA_EN = """United Nations A/RES/79/999

The General Assembly,

1. Takes note of the report of the Secretary-General;

2. Calls upon all States to cooperate in the conservation of migratory species;

3. Requests the Secretary-General to submit to the General Assembly at its eightieth session a report on the implementation of the present resolution.
"""

CMS_ES = """CONVENCIÓN SOBRE LAS ESPECIES MIGRATORIAS

La Conferencia de las Partes en la Convención sobre la Conservación de las Especies Migratorias de Animales Silvestres

1. Toma nota del informe del Consejo Científico sobre la conectividad ecológica;

2. Pide a la Secretaría que, con sujeción a la disponibilidad de recursos, prepare un informe sobre los corredores y lo presente al Comité Permanente en su 58ª reunión;

3. Encarga al Consejo Científico que examine las directrices sobre la infraestructura lineal;

4. Insta a las Partes a que adopten medidas para reducir la captura incidental de aves marinas;

5. Alienta a los donantes a que apoyen la aplicación de la presente resolución;

6. Decide mantener en examen la aplicación de la presente resolución.
"""

CITES_ES = """Decisiones de la CITES

Dirigida a la Secretaría

20.61 La Secretaría deberá, con sujeción a la disponibilidad de financiación externa:
a) organizar un taller regional para los Estados del área de distribución; y
b) informar sobre los resultados del taller al Comité Permanente.

Dirigida a las Partes

20.62 Se invita a las Partes a que compartan con la Secretaría sus datos sobre el comercio de aves canoras.
"""

CASES = [
    ("en_cms_resolution", "UNEP/CMS/COP15/Doc.99", CMS_EN, [
        ("a", "cms-secretariat", "request", None, None),
        ("b", "cms-secretariat", "request", "CMS StC56", None),
        ("3", None, "invite", None, None),
        ("4", "parties", "urge", None, None)]),
    ("en_cbd_decision", "CBD/COP/DEC/16/99", CBD_EN, [
        ("1", "parties", "invite", None, "2026-03-31"),
        ("2", "cbd-executive-secretary", "request", "CBD COP17", None),
        ("3", None, "encourage", None, None)]),
    ("en_cites_decisions", "CoP20 Doc. 99", CITES_EN, [
        ("a", "cites-standing-committee", "request", None, None),
        ("b", "cites-standing-committee", "request", "CITES CoP21", None),
        ("a", "cites-secretariat", "organize", None, None),
        ("b", "cites-secretariat", "report", "CITES SC79", None),
        ("20.53", "parties", "urge", None, None)]),
    ("en_unga_resolution", "A/RES/79/999", UNGA_EN, [
        ("2", None, "call upon", None, None),
        ("3", "un-secretary-general", "request", "UNGA-80", None)]),
    ("es_cms_resolution", "UNEP/CMS/COP15/Doc.99", CMS_ES, [
        ("2", "cms-secretariat", "pedir", "CMS StC58", None),
        ("3", "cms-scientific-council", "encargar", None, None),
        ("4", "parties", "instar", None, None),
        ("5", "donors", "alentar", None, None)]),
    ("es_cites_decisions", "CoP20 Doc. 99", CITES_ES, [
        ("a", "cites-secretariat", "organizar", None, None),
        ("b", "cites-secretariat", "informar", None, None),
        ("20.62", "parties", "invitar", None, None)]),
]
LANGUAGE = {"en": "en", "es": "es"}


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def records(ex):
    return [(a.paragraph, a.actor, a.verb, a.deadline.meeting if a.deadline else None,
             a.deadline.date if a.deadline else None) for a in ex.action_items]


@pytest.mark.parametrize("name,symbol,text,expected", CASES, ids=[c[0] for c in CASES])
def test_text(nlp, name, symbol, text, expected):
    ex = extract_text(text, nlp=nlp, symbol=symbol)
    assert ex.document.language == LANGUAGE[name[:2]]
    assert ex.pipeline == name[:2]
    assert records(ex) == expected
    for a in ex.action_items:  # spans from the verb or the letter, in the text
        assert a.text == text[a.start:a.end] and a.text.rstrip().endswith((";", ".", ":"))


def _pdf_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        out += textwrap.wrap(line, 88) or [""]
    return out


@pytest.mark.parametrize("name,symbol,text,expected", CASES, ids=[c[0] for c in CASES])
def test_pdf(nlp, tmp_path, name, symbol, text, expected):
    pdf = write_pdf(tmp_path / f"{name}.pdf", [_pdf_lines(text)], header=symbol)
    ex = extract(pdf, nlp=nlp)
    assert ex.pipeline == name[:2]
    assert records(ex) == expected


def test_not_operative_verbs_give_nothing(nlp):
    text = ("The Conference of the Parties,\n\n1. Takes note of the report;\n2. Welcomes the progress made;\n"
            "3. Decides to extend the mandate of the working group;\n4. Recalls decision 15/4;\n"
            "5. Adopts the programme of work;\n6. Endorses the guidelines;\n7. Recognizes the role of "
            "indigenous peoples and local communities in the conservation of biodiversity.\n")
    assert extract_text(text, nlp=nlp).action_items == []
    text_es = ("La Conferencia de las Partes,\n\n1. Toma nota del informe;\n2. Acoge con satisfacción los "
               "progresos;\n3. Decide prorrogar el mandato del grupo de trabajo;\n4. Reconoce la función de "
               "los pueblos indígenas y las comunidades locales en la conservación de la diversidad biológica.\n")
    assert extract_text(text_es, nlp=nlp).action_items == []


def test_narrative_requests_are_no_items(nlp):
    text = ("The Secretariat reported that Parties had been requested to submit their national reports and "
            "that several of them were invited to share data with the Scientific Council. The working group "
            "recommended that the Standing Committee review the matter at a later meeting.\n")
    assert extract_text(text, nlp=nlp).action_items == []
