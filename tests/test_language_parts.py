"""Issue 8, kind 8: a document that mixes languages is read part by part.

``docmine.reading.language.language_parts`` (stop words, then lingua restricted
to fr/en/es: deterministic) and what the extraction makes of it: each French,
English or Spanish part gets its own language's pipeline (issue 11), a part in
another language the language-independent rules; ``document.language`` is that
of most of the text."""
from __future__ import annotations

import pytest

from docmine.extraction.extract import extract, extract_text
from docmine.extraction.nlp import load_nlp
from docmine.reading.boundaries import find_boundaries, paragraph_starts
from docmine.reading.language import language_parts, majority_language, segment_language
from docmine.settings import get_settings
from paperpdf import write_pdf

FR_NOTE = (
    "CONVENTION SUR LES ESPÈCES MIGRATRICES\n\n"
    "1. Le Secrétariat a reçu de la Partie concernée un rapport sur la mise en œuvre de la "
    "Résolution 12.26, reproduit en annexe dans la langue dans laquelle il a été soumis.\n\n"
    "Action requise :\n\n"
    "2. Le Comité permanent est invité à :\n"
    "a. prendre note du rapport figurant en annexe ;\n"
    "b. demander au Secrétariat de faire rapport à sa 53e réunion.\n\n"
)
EN_ANNEX = (
    "ANNEX\n\nREPORT ON THE IMPLEMENTATION OF RESOLUTION 12.26\n\n"
    "1. This report describes the activities undertaken during the reporting period to improve "
    "ecological connectivity for migratory species across the national territory.\n"
    "2. Several corridors were mapped in cooperation with national agencies and local communities, "
    "and the results were shared with neighbouring countries and the Standing Committee.\n"
    "3. A national workshop was organized to discuss priorities, funding needs and the monitoring "
    "of linear infrastructure such as roads, railways and fences.\n"
)
ES_ANNEX = (
    "ANEXO\n\nINFORME SOBRE LA APLICACIÓN DE LA DECISIÓN 18.12\n\n"
    "1. El presente informe describe las actividades realizadas durante el período de que se informa "
    "para mejorar el control del comercio de especímenes de especies incluidas en los Apéndices.\n"
    "2. Se organizaron talleres nacionales con las autoridades aduaneras y la Secretaría de la CITES "
    "para examinar las necesidades de financiación y de fomento de capacidad.\n"
)
EN_COVER = (
    "CONVENTION ON MIGRATORY SPECIES\n"
    "Distr: General\nUNEP/CMS/StC53/Doc.9\n"
    "This note was prepared by the Secretariat in English and French. The English cover summarizes "
    "the request made to the Standing Committee, which is set out in French below, as the report of "
    "the working group was submitted in that language only.\n\n"
)
FR_BODY = (
    "1. Le groupe de travail a examiné les propositions soumises par les Parties et a formulé des "
    "recommandations à l’intention du Comité permanent, qui figurent dans le présent document.\n"
    "2. Prie le Secrétariat de publier les recommandations sur le site Web de la Convention et de "
    "faire rapport au Comité permanent à sa 54e réunion.\n"
    "3. Invite les Parties à communiquer leurs observations au Secrétariat d’ici le 31 mars 2026.\n"
)


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def parts_of(text):
    return language_parts(text, paragraph_starts(text, find_boundaries(text)))


@pytest.mark.parametrize("text, expected", [
    ("Le Secrétariat a transmis le rapport au Comité permanent pour examen.", "fr"),
    ("The Secretariat transmitted the report to the Standing Committee.", "en"),
    ("La Secretaría transmitió el informe al Comité Permanente para su examen.", "es"),
    ("Action requise", "fr"),
    ("Der Sekretär hat den Bericht erhalten.", None),  # no fr/en/es: left unknown
])
def test_segment_language(text, expected):
    assert segment_language(text) == expected


@pytest.mark.parametrize("text, expected", [
    (FR_NOTE + EN_ANNEX, [("fr", "CONVENTION"), ("en", "ANNEX")]),
    (FR_NOTE + ES_ANNEX, [("fr", "CONVENTION"), ("es", "ANEXO")]),
    (EN_COVER + FR_BODY, [("en", "CONVENTION"), ("fr", "1.")]),
    (FR_BODY, [("fr", "1.")]),
    # a short English title inside a French text is no part of its own
    (FR_BODY + "\nSee: Migratory Species Report\n\n" + FR_BODY, [("fr", "1.")]),
])
def test_language_parts(text, expected):
    parts = parts_of(text)
    assert [(lang, text[a:b].split()[0]) for a, b, lang in parts] == expected
    assert parts[0][0] == 0 and parts[-1][1] == len(text)
    assert all(p[1] == q[0] for p, q in zip(parts, parts[1:]))


def test_language_parts_are_deterministic():
    text = FR_NOTE + EN_ANNEX
    assert all(parts_of(text) == parts_of(text) for _ in range(3))


def test_majority_language():
    text = FR_NOTE + EN_ANNEX
    assert majority_language(text, parts_of(text)) == "en"
    text = EN_COVER + FR_BODY + FR_BODY
    assert majority_language(text, parts_of(text)) == "fr"


def test_french_note_with_english_annex(nlp):
    text = FR_NOTE + EN_ANNEX
    ex = extract_text(text, nlp=nlp)
    assert ex.document.language == "en"  # most of the text
    assert ex.pipeline == "en+fr"  # the main pipeline (most of the text) first
    assert [(p.language, p.pipeline) for p in ex.parts] == [("fr", "fr"), ("en", "en")]
    annex = ex.parts[1].start
    items = ex.action_items
    assert [(it.verb, it.actor) for it in items] == [("prendre note", "cms-standing-committee"),
                                                     ("demander", "cms-standing-committee")]
    assert items[1].deadline.meeting == "CMS StC53"
    # the annex keeps the knowledge base's English names, with their ids
    annex_orgs = [(m.text, m.ids) for m in ex.mentions if m.label == "ORG" and m.start >= annex]
    assert annex_orgs == [("Standing Committee", ["cms-standing-committee"])]
    refs = [m.text for m in ex.mentions if m.label == "REF"]
    assert refs == ["Résolution 12.26", "RESOLUTION 12.26"]  # the rules run on both parts


def test_english_annex_of_draft_decisions_gives_its_items(nlp):
    annex = ("ANNEX\n\nDRAFT DECISIONS\n\nDirected to the Secretariat\n\n"
             "15.AA The Secretariat is requested to:\n"
             "a) review the findings of the assessment and identify their implications for migratory species;\n"
             "b) report on its findings to the Standing Committee at its 55th meeting.\n")
    ex = extract_text(FR_NOTE + annex + EN_ANNEX.replace("ANNEX", "APPENDIX"), nlp=nlp)
    assert [p.language for p in ex.parts] == ["fr", "en"]
    start = ex.parts[1].start
    en_items = [it for it in ex.action_items if it.start >= start]
    assert [(it.actor, it.text.split()[1]) for it in en_items] == [("cms-secretariat", "review"),
                                                                  ("cms-secretariat", "report")]


def test_french_note_with_spanish_annex(nlp):
    ex = extract_text("CITES\n\n" + FR_NOTE.replace("CONVENTION SUR LES ESPÈCES MIGRATRICES", "")
                      + ES_ANNEX, nlp=nlp)
    assert [p.language for p in ex.parts] == ["fr", "es"]
    assert len(ex.action_items) == 2
    annex = ex.parts[1].start
    assert any(m.label == "REF" and m.start >= annex for m in ex.mentions)
    # the French statistical NER gives nothing there: ORGs only with a knowledge-base id
    assert all(m.ids for m in ex.mentions if m.label == "ORG" and m.start >= annex)


def test_english_cover_over_french_text(nlp):
    ex = extract_text(EN_COVER + FR_BODY, nlp=nlp)
    assert ex.document.language == "fr"
    assert [(p.language, p.pipeline) for p in ex.parts] == [("en", "en"), ("fr", "fr")]
    assert [it.verb for it in ex.action_items] == ["prier", "inviter"]
    assert any(m.label == "DOC" and m.text == "UNEP/CMS/StC53/Doc.9" for m in ex.mentions)


def test_one_language_stays_one_part(nlp):
    ex = extract_text(FR_BODY, nlp=nlp)
    assert ex.pipeline == "fr" and [(p.language, p.pipeline) for p in ex.parts] == [("fr", "fr")]
    ex = extract_text(EN_ANNEX, nlp=nlp)
    assert ex.pipeline == "en" and ex.action_items == []  # a report: no operative text


def test_a_language_given_by_the_caller_is_the_whole_documents(nlp):
    ex = extract_text(FR_NOTE + EN_ANNEX, nlp=nlp, language="fr")
    assert ex.pipeline == "fr" and len(ex.parts) == 1


def test_pdf_french_pages_with_english_annex(tmp_path, nlp):
    fr = [line for line in FR_NOTE.splitlines() if line.strip()]
    en = [line for line in EN_ANNEX.splitlines() if line.strip()]
    wrap = lambda lines: [chunk for line in lines for chunk in _wrap(line)]  # noqa: E731
    pdf = write_pdf(tmp_path / "mixed.pdf", [wrap(fr), wrap(en)])
    ex = extract(pdf, nlp=nlp)
    assert set(ex.pipeline.split("+")) == {"fr", "en"}
    assert [p.language for p in ex.parts] == ["fr", "en"]
    assert [it.verb for it in ex.action_items] == ["prendre note", "demander"]


def _wrap(line: str, width: int = 85) -> list[str]:
    out, cur = [], ""
    for word in line.split():
        if len(cur) + len(word) + 1 > width:
            out.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    return out + ([cur] if cur else [])
