"""Unseen English and Spanish decisions (issue 11): texts written for this test, in
the style of CMS resolutions, CITES decision lists and CBD decisions, none taken from
the dev gold or the other tests. Each text runs as plain text and as a PDF
(``paperpdf.write_pdf``) through the whole extraction; the expected action items
(paragraph, actor, verb, deadline meeting, deadline date) and mentions were
counted by hand from the contract (spec §1, §2).

The kinds of fault they hold (and ``test_kinds`` tests one by one):
* a CITES decision closed by its full stop, followed by ``La Conferencia de las
  Partes, 1. …``: the opener starts a new decision, it is not a draft nested in
  the decision (the item of ``19.13`` was lost);
* Spanish ``antes del 31 de marzo de 2025`` (``de`` + ``el``) is a deadline;
* a decision number at a line start under an addressee heading (``Directed to
  Parties``, ``Dirigida a la Secretaría``) is a REF even without a ``Decisions
  19.45 to 19.47`` line;
* a request verb joined without a comma to a non-operative lead (``Welcomes the
  report and requests …``, ``Acoge con satisfacción … y pide …``);
* the longest body name wins: ``Secretaria Ejecutiva`` (no accent) is the
  executive secretary, not ``Secretaría`` + a word;
* a passive request with an incise before its list (``is requested, subject to
  the availability of resources, to: (a) …``): each item takes ``request``;
* an incise between a subject and its modal (``La Secretaría, con sujeción a …,
  deberá: a) …``: the actor is ``La Secretaría``) or after the modal (``The
  Secretariat shall, in consultation with …, issue``: the item was lost);
* ``Recommends that Parties use …`` is an operative request (``recommend``);
* two requests in one paragraph (``Encourages Parties to …, and requests the
  Secretariat to …;``): two items, the first ending at its comma.
"""
from __future__ import annotations

import textwrap

import pytest

from docmine.extraction.extract import extract, extract_text
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings
from paperpdf import write_pdf

CMS_EN = """CONVENTION ON MIGRATORY SPECIES
                                                  UNEP/CMS/Resolution 15.7
                                                  Original: English

CONSERVATION OF MIGRATORY FRESHWATER FISH

Adopted by the Conference of the Parties at its 15th meeting (Tashkent, March 2026)

Recalling Resolution 12.21 on climate change and migratory species,

Noting the report of the Scientific Council on the status of migratory freshwater fish,

The Conference of the Parties to the Convention on the Conservation of Migratory Species of Wild Animals

1. Requests the Secretariat to prepare a review of barriers to fish migration in river basins and to submit it to the Standing Committee at its 56th meeting;

2. Urges Parties to remove obsolete dams and weirs where feasible and to report on progress in their national reports before 31 December 2027;

3. Instructs the Scientific Council to develop guidance on fish passes and to present it by the 16th meeting of the Conference of the Parties;

4. Decides to establish an intersessional working group on freshwater fish;

5. Encourages the Food and Agriculture Organization of the United Nations (FAO) and the International Union for Conservation of Nature (IUCN) to cooperate with the Secretariat in implementing this Resolution.
"""

CITES_EN = """CONVENTION ON INTERNATIONAL TRADE IN ENDANGERED SPECIES
OF WILD FAUNA AND FLORA

Decisions adopted at the 19th meeting of the Conference of the Parties

Songbird trade and conservation

Decisions 19.45 to 19.47

Directed to the Secretariat

19.45 The Secretariat shall, subject to external funding:

a) commission a study on the international trade in passerine birds, taking into account Resolution Conf. 8.9 (Rev. CoP18); and

b) report the results of the study to the Animals Committee at its 33rd meeting.

Directed to Parties

19.46 Parties are invited to provide information on their trade in songbirds to the Secretariat by 30 June 2024.

Directed to the Standing Committee

19.47 The Standing Committee shall consider the report of the Animals Committee and make recommendations to the 20th meeting of the Conference of the Parties.
"""

CBD_EN = """CONVENTION ON BIOLOGICAL DIVERSITY
                                                  CBD/COP/DEC/16/12
                                                  1 November 2024

Decision adopted by the Conference of the Parties to the Convention on Biological Diversity

16/12. Invasive alien species

The Conference of the Parties,

Recalling decision 15/27 and decision XIV/11,

Welcomes the assessment report of the Intergovernmental Science-Policy Platform on Biodiversity and Ecosystem Services (IPBES) on invasive alien species,

1. Invites Parties and other Governments to strengthen border controls against invasive alien species and to share information through the Global Invasive Species Information Partnership;

2. Requests the Executive Secretary, subject to the availability of resources:

(a) To compile case studies on the management of invasive alien species in island ecosystems;

(b) To report on progress to the Subsidiary Body on Scientific, Technical and Technological Advice at its twenty-seventh meeting;

3. Encourages the Global Environment Facility to support projects on invasive alien species by 2030.
"""

CITES_ES = """CONVENCIÓN SOBRE EL COMERCIO INTERNACIONAL DE ESPECIES AMENAZADAS
DE FAUNA Y FLORA SILVESTRES

Decisiones adoptadas en la 19ª reunión de la Conferencia de las Partes

Comercio de tiburones

Dirigida a la Secretaría

19.12 La Secretaría deberá:

a) recopilar la información presentada por las Partes sobre los dictámenes de extracción no perjudicial; y

b) informar al Comité de Fauna en su 33ª reunión.

Dirigida a las Partes

19.13 Se insta a las Partes a aplicar la Resolución Conf. 12.6 (Rev. CoP18) antes del 31 de marzo de 2025.

La Conferencia de las Partes,

1. Encarga a la Secretaría que organice un taller sobre la trazabilidad de los productos de tiburón;

2. Insta a las Partes a compartir sus datos de captura con la Organización de las Naciones Unidas para la Alimentación y la Agricultura (FAO);

3. Pide al Comité Permanente que examine los progresos realizados, antes de su 78ª reunión.
"""

CBD_EN_JOINED = """CONVENTION ON BIOLOGICAL DIVERSITY

The Conference of the Parties,

1. Welcomes the progress report and requests the Executive Secretary to update it before COP 17;

2. Decides to extend the mandate of the expert group and invites Parties to nominate experts by 15 January 2026;

3. Parties are urged to integrate biodiversity into national planning;

4. The Executive Secretary is requested, subject to the availability of resources, to:

(a) Prepare a synthesis of national reports;

(b) Submit the synthesis to SBSTTA-27;

5. Requests the Subsidiary Body on Implementation to review progress at its fifth meeting and to report to the seventeenth meeting of the Conference of the Parties;

6. Urges Parties, other Governments and relevant organizations to mobilize resources in accordance with decision 15/7;

7. Invites the Global Environment Facility, as the financial mechanism of the Convention, to provide support to eligible Parties.
"""

CBD_ES_JOINED = """CONVENIO SOBRE LA DIVERSIDAD BIOLÓGICA

La Conferencia de las Partes,

1. Acoge con satisfacción el informe y pide a la Secretaria Ejecutiva que lo actualice antes de la COP 17;

2. Invita a las Partes y otros Gobiernos a presentar sus opiniones a más tardar el 15 de enero de 2026;

3. Pide a la Secretaria Ejecutiva que, con sujeción a la disponibilidad de recursos:

a) prepare una síntesis de los informes nacionales;

b) presente la síntesis al Órgano Subsidiario de Asesoramiento Científico, Técnico y Tecnológico en su 27ª reunión;

4. Exhorta a las Partes a movilizar recursos de conformidad con la decisión 15/7;

5. Invita al Fondo para el Medio Ambiente Mundial a prestar apoyo a las Partes que reúnan los requisitos, antes de finales de 2026;

6. Toma nota del informe del Órgano Subsidiario sobre la Aplicación en su quinta reunión.
"""

CASES = [
    # CMS resolution: "Decides" gives nothing; "Instructs" is a request verb
    ("en_cms", CMS_EN, [
        ("1", "cms-secretariat", "request", "CMS StC56", None),
        ("2", "parties", "urge", None, "2027-12-31"),
        ("3", "cms-scientific-council", "instruct", "CMS COP16", None),
        ("5", "fao", "encourage", None, None)]),
    # CITES list: "shall, subject to external funding: a) … b) …" is a mandate
    ("en_cites", CITES_EN, [
        ("a", "cites-secretariat", "commission", None, None),
        ("b", "cites-secretariat", "report", "CITES AC33", None),
        ("19.46", "parties", "invite", None, "2024-06-30"),
        ("19.47", "cites-standing-committee", "consider", "CITES CoP20", None)]),
    ("en_cbd", CBD_EN, [
        ("1", "parties", "invite", None, None),
        ("a", "cbd-executive-secretary", "request", None, None),
        ("b", "cbd-executive-secretary", "request", "CBD SBSTTA27", None),
        ("3", "gef", "encourage", None, "2030")]),
    ("es_cites", CITES_ES, [
        ("a", "cites-secretariat", "recopilar", None, None),
        ("b", "cites-secretariat", "informar", "CITES AC33", None),
        ("19.13", "parties", "instar", None, "2025-03-31"),
        ("1", "cites-secretariat", "encargar", None, None),
        ("2", "parties", "instar", None, None),
        ("3", "cites-standing-committee", "pedir", "CITES SC78", None)]),
    ("en_cbd_joined", CBD_EN_JOINED, [
        ("1", "cbd-executive-secretary", "request", "CBD COP17", None),
        ("2", "parties", "invite", None, "2026-01-15"),
        ("3", "parties", "urge", None, None),
        ("a", "cbd-executive-secretary", "request", None, None),
        ("b", "cbd-executive-secretary", "request", "CBD SBSTTA27", None),
        ("5", "cbd-sbi", "request", "CBD SBI5", None),
        ("6", "parties", "urge", None, None),
        ("7", "gef", "invite", None, None)]),
    ("es_cbd_joined", CBD_ES_JOINED, [
        ("1", "cbd-executive-secretary", "pedir", "CBD COP17", None),
        ("2", "parties", "invitar", None, "2026-01-15"),
        ("a", "cbd-executive-secretary", "pedir", None, None),
        ("b", "cbd-executive-secretary", "pedir", "CBD SBSTTA27", None),
        ("4", "parties", "exhortar", None, None),
        ("5", "gef", "invitar", None, "2026")]),
]

#: mentions counted by hand (label, text, ids) that each text must give
MENTIONS = {
    "en_cms": [("MEETING", "15th meeting", ["CMS COP15"]), ("DATE", "March 2026", ["2026-03"]),
               ("REF", "Resolution 12.21", ["CMS Res 12.21"]),
               ("MEETING", "56th meeting", ["CMS StC56"]), ("DATE", "31 December 2027", ["2027-12-31"]),
               ("MEETING", "16th meeting of the Conference of the Parties", ["CMS COP16"]),
               ("ORG", "Food and Agriculture Organization of the United Nations (FAO)", ["fao"]),
               ("ORG", "International Union for Conservation of Nature (IUCN)", ["iucn"]),
               ("ORG", "Scientific Council", ["cms-scientific-council"])],
    "en_cites": [("REF", "Decisions 19.45 to 19.47", ["CITES Dec 19.45", "CITES Dec 19.46", "CITES Dec 19.47"]),
                 ("REF", "19.45", ["CITES Dec 19.45"]), ("REF", "19.46", ["CITES Dec 19.46"]),
                 ("REF", "19.47", ["CITES Dec 19.47"]),
                 ("REF", "Resolution Conf. 8.9 (Rev. CoP18)", ["CITES Res Conf 8.9"]),
                 ("MEETING", "33rd meeting", ["CITES AC33"]), ("DATE", "30 June 2024", ["2024-06-30"]),
                 ("MEETING", "20th meeting of the Conference of the Parties", ["CITES CoP20"])],
    "en_cbd": [("REF", "decision 15/27", ["CBD COP Dec 15/27"]), ("REF", "decision XIV/11", ["CBD COP Dec XIV/11"]),
               ("ORG", "Executive Secretary", ["cbd-executive-secretary"]),
               ("MEETING", "twenty-seventh meeting", ["CBD SBSTTA27"]),
               ("ORG", "Global Environment Facility", ["gef"])],
    "es_cites": [("REF", "19.12", ["CITES Dec 19.12"]), ("REF", "19.13", ["CITES Dec 19.13"]),
                 ("REF", "Resolución Conf. 12.6 (Rev. CoP18)", ["CITES Res Conf 12.6"]),
                 ("ORG", "Comité de Fauna", ["cites-animals-committee"]),
                 ("MEETING", "33ª reunión", ["CITES AC33"]), ("DATE", "31 de marzo de 2025", ["2025-03-31"]),
                 ("MEETING", "78ª reunión", ["CITES SC78"])],
    "en_cbd_joined": [("MEETING", "COP 17", ["CBD COP17"]), ("MEETING", "SBSTTA-27", ["CBD SBSTTA27"])],
    "es_cbd_joined": [("ORG", "Secretaria Ejecutiva", ["cbd-executive-secretary"]),
                      ("MEETING", "27ª reunión", ["CBD SBSTTA27"])],
}


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def records(ex):
    return [(a.paragraph, a.actor, a.verb, a.deadline.meeting if a.deadline else None,
             a.deadline.date if a.deadline else None) for a in ex.action_items]


def mentions(ex):
    return [(m.label, " ".join(m.text.split()), list(m.ids)) for m in ex.mentions]


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_text(nlp, name, text, expected):
    ex = extract_text(text, nlp=nlp)
    assert ex.document.language == name[:2]
    assert records(ex) == expected
    for a in ex.action_items:
        assert a.text == text[a.start:a.end]
        assert a.actor_text == a.actor_text.strip() and not a.actor_text.startswith(("a ", "al "))
    got = mentions(ex)
    for m in MENTIONS[name]:
        assert m in got, m
    # the longest body name: no bare Secretariat inside "Secretaria Ejecutiva"
    assert ("ORG", "Secretaria", ["cbd-secretariat"]) not in got


def _pdf_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        out += textwrap.wrap(line, 88) or [""]
    return out


@pytest.mark.parametrize("name,text,expected", CASES, ids=[c[0] for c in CASES])
def test_pdf(nlp, tmp_path, name, text, expected):
    pdf = write_pdf(tmp_path / f"{name}.pdf", [_pdf_lines(text)], header=None)
    ex = extract(pdf, nlp=nlp)
    assert ex.document.language == name[:2]
    assert records(ex) == expected
    got = mentions(ex)
    for m in MENTIONS[name]:
        assert m in got, m


KINDS = [
    # a decision closed by its full stop, then an opener: both texts give their items
    # (a guard in English, where the passive rule finds 18.20 first)
    ("closed_decision_en", """Directed to Parties

18.20 Parties are urged to apply the guidelines before 31 May 2026.

The Conference of the Parties,

1. Requests the Secretariat to publish the guidelines;
""", [("18.20", "parties", "urge", None, "2026-05-31"), ("1", None, "request", None, None)]),
    # "antes del" + date; a "Decide … y" lead with no request verb gives nothing
    ("antes_del", """La Conferencia de las Partes,

1. Invita a las Partes a presentar informes antes del 1 de julio de 2026;

2. Decide prorrogar el mandato del grupo y mantener la cuestión en examen.
""", [("1", "parties", "invitar", None, "2026-07-01")]),
    # joined without a comma, English and Spanish
    ("joined_en", """The Conference of the Parties,

1. Takes note of the report and urges Parties to implement the guidance;

2. Notes the progress made and welcomes the contributions of donors.
""", [("1", "parties", "urge", None, None)]),
    ("joined_es", """La Conferencia de las Partes,

1. Toma nota del informe e insta a las Partes a aplicar las directrices;

2. Reconoce los progresos y acoge con satisfacción las contribuciones.
""", [("1", "parties", "instar", None, None)]),
    # passive with an incise before the list: the lead's verb for every item
    ("passive_incise", """The Conference of the Parties,

1. The Secretariat is invited, in consultation with the Standing Committee, to:

(a) Update the manual;

(b) Report to the Standing Committee at its 80th meeting;
""", [("a", None, "invite", None, None), ("b", None, "invite", None, None)]),
]


KINDS += [
    ("modal_incise_en", """CONVENTION ON INTERNATIONAL TRADE IN ENDANGERED SPECIES OF WILD FAUNA AND FLORA

Directed to the Secretariat

20.41 The Secretariat shall, in consultation with the Standing Committee, issue a Notification to the Parties no later than 90 days before SC80.
""", [("20.41", None, "issue", "CITES SC80", None)]),
    ("two_requests_en", """CONVENTION ON MIGRATORY SPECIES

The Conference of the Parties,

1. Encourages Parties to designate national focal points, and requests the Secretariat to maintain a list of them before 31 December 2026;
""", [("1", "parties", "encourage", None, None), ("1", "cms-secretariat", "request", None, "2026-12-31")]),
    ("two_requests_es", """CONVENCIÓN SOBRE LAS ESPECIES MIGRATORIAS

La Conferencia de las Partes,

1. Alienta a las Partes a designar puntos focales nacionales, y pide a la Secretaría que mantenga una lista de ellos antes del 31 de diciembre de 2026;
""", [("1", "parties", "alentar", None, None), ("1", "cms-secretariat", "pedir", None, "2026-12-31")]),
    ("two_requests_no_comma_es", """CONVENCIÓN SOBRE LAS ESPECIES MIGRATORIAS

La Conferencia de las Partes,

3. Insta a todas las Partes a que apliquen las directrices y alienta a los donantes a que presten apoyo.
""", [("3", "parties", "instar", None, None), ("3", "donors", "alentar", None, None)]),
    ("recommends_that", """CONVENTION ON INTERNATIONAL TRADE IN ENDANGERED SPECIES OF WILD FAUNA AND FLORA

The Conference of the Parties,

Noting the progress made by many Parties in the electronic exchange of permit data,

1. Recommends that Parties use electronic permitting systems;
""", [("1", "parties", "recommend", None, None)]),
]


@pytest.mark.parametrize("name,text,expected", KINDS, ids=[k[0] for k in KINDS])
def test_kinds(nlp, name, text, expected):
    ex = extract_text(text, nlp=nlp)
    got = [(p, actor if e[1] is not None else None, v, m if e[3] is not None else None, d)
           for (p, actor, v, m, d), e in zip(records(ex), expected)]
    assert len(ex.action_items) == len(expected)
    assert got == expected


@pytest.mark.parametrize("name,text,expected", KINDS, ids=[k[0] for k in KINDS])
def test_kinds_pdf(nlp, tmp_path, name, text, expected):
    pdf = write_pdf(tmp_path / f"{name}.pdf", [_pdf_lines(text)], header=None)
    ex = extract(pdf, nlp=nlp)
    got = [(p, actor if e[1] is not None else None, v, m if e[3] is not None else None, d)
           for (p, actor, v, m, d), e in zip(records(ex), expected)]
    assert len(ex.action_items) == len(expected)
    assert got == expected


def test_decision_numbers_under_addressee_headings_are_refs(nlp):
    text = """CONVENTION ON MIGRATORY SPECIES

Directed to the Secretariat

15.3 The Secretariat shall prepare a report.

15.4 The Secretariat shall publish the report.
"""
    ex = extract_text(text, nlp=nlp)
    refs = [(m.text, list(m.ids)) for m in ex.mentions if m.label == "REF"]
    assert refs == [("15.3", ["CMS Dec 15.3"]), ("15.4", ["CMS Dec 15.4"])]
    # a resolution's numbered paragraphs between the heading and the number: no REF
    text2 = text.replace("15.3 The Secretariat shall prepare a report.",
                         "1. Requests the Secretariat to prepare a report;\n\n2. Urges Parties to help;")
    ex2 = extract_text(text2, nlp=nlp)
    assert [m.text for m in ex2.mentions if m.label == "REF"] == []


def test_mandate_incise_es_actor_text(nlp):
    text = """CONVENCIÓN SOBRE EL COMERCIO INTERNACIONAL DE ESPECIES AMENAZADAS DE FAUNA Y FLORA SILVESTRES

Dirigida a la Secretaría

20.31 La Secretaría, con sujeción a la disponibilidad de financiación externa, deberá:

a) organizar un taller técnico sobre los corales; y

b) informar sobre los resultados al Comité de Flora en su 28ª reunión.
"""
    ex = extract_text(text, nlp=nlp)
    assert [(a.paragraph, a.actor, a.actor_text, a.verb) for a in ex.action_items] == [
        ("a", "cites-secretariat", "La Secretaría", "organizar"),
        ("b", "cites-secretariat", "La Secretaría", "informar")]
    assert ex.action_items[1].deadline.meeting == "CITES PC28"
