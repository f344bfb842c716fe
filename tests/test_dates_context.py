"""Issue 8, kind 7: a day and month without a year take the year from context;
a year inside a name is no date (spec §1, §6)."""
from __future__ import annotations

import pytest

from docmine.extraction.extract import extract, extract_text
from docmine.extraction.grammars import dates as dg
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings
from paperpdf import write_pdf


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def dates(ex):
    return [(m.text, m.ids) for m in ex.mentions if m.label == "DATE"]


@pytest.mark.parametrize("text, expected", [
    ("tenue du 8 au 9 février", [("du 8 au 9 février", "0000-02-08/0000-02-09")]),
    ("les 8-9 février", [("8-9 février", "0000-02-08/0000-02-09")]),
    ("du 30 janvier au 2 février", [("du 30 janvier au 2 février", "0000-01-30/0000-02-02")]),
    ("from 12 to 14 March", [("from 12 to 14 March", "0000-03-12/0000-03-14")]),
    ("del 2 al 6 de mayo", [("del 2 al 6 de mayo", "0000-05-02/0000-05-06")]),
    ("le 11 février", [("11 février", "0000-02-11")]),
    ("du 8 au 9 février 2024", [("du 8 au 9 février 2024", "2024-02-08/2024-02-09")]),
    ("du 9 au 8 février", [("8 février", "0000-02-08")]),  # backwards: no range, the day alone
])
def test_grammar_days_without_a_year(text, expected):
    got = [(text[s:e], v) for s, e, v, _ in dg.find_dates(text, default_year=0)]
    assert got == expected


@pytest.mark.parametrize("text, expected", [
    ("the effects of the coronavirus disease 2019 pandemic in June 2023", ["2023-06"]),
    ("les effets de la pandémie de maladie à coronavirus 2019 depuis mars 2020", ["2020-03"]),
    ("los efectos de la enfermedad por coronavirus 2019 en 2021", ["2021"]),
    ("la pandémie de COVID-19 en 2020", ["2020"]),
    ("implementing the 2030 Agenda for Sustainable Development by 2030", ["2030"]),
    ("the 2050 Vision for Biodiversity", []),
    ("le Plan stratégique 2011-2020 adopté en 2010", ["2010"]),
    ("in 2019, the disease spread", ["2019"]),
])
def test_grammar_years_inside_names(text, expected):
    assert [v for _, _, v, _ in dg.find_dates(text)] == expected


@pytest.mark.parametrize("text, expected", [
    # the year of the sentence
    ("La réunion s’est tenue du 8 au 9 février 2024 et la suivante le 11 mars.",
     [("du 8 au 9 février 2024", ["2024-02-08/2024-02-09"]), ("11 mars", ["2024-03-11"])]),
    # the nearest earlier year of the paragraph (here, the sentence before)
    ("La 14e session s’est réunie du 12 au 17 février 2024 à Samarcande. Elle a été précédée par "
     "la 61e réunion du Comité permanent, tenue du 8 au 9 février, et par une réunion tenue le 11 février.",
     [("du 12 au 17 février 2024", ["2024-02-12/2024-02-17"]), ("du 8 au 9 février", ["2024-02-08/2024-02-09"]),
      ("11 février", ["2024-02-11"])]),
    ("En 2019, le Comité a siégé à Genève. Il a repris ses travaux le 3 octobre.",
     [("2019", ["2019"]), ("3 octobre", ["2019-10-03"])]),
    # two years in the sentence: ambiguous, no value to give
    ("Entre la réunion de 2022 et celle de 2023, un atelier a eu lieu le 5 mai.",
     [("2022", ["2022"]), ("2023", ["2023"])]),
    # the nearest earlier date spans several years: ambiguous
    ("Durant la période 2012-2015, le Secrétariat a travaillé. Un atelier a eu lieu le 5 mai.",
     [("2012-2015", ["2012/2015"])]),
    # no year anywhere, no document date: no mention
    ("Un atelier a eu lieu le 5 mai.", []),
])
def test_year_from_context(nlp, text, expected):
    assert dates(extract_text(text, nlp=nlp, language="fr")) == expected


def test_year_does_not_cross_a_paragraph(nlp):
    """A year in an earlier numbered paragraph is not this paragraph's: the
    document date decides (here there is none: no mention)."""
    text = ("1. La Conférence s’est réunie en 2019 à Genève.\n"
            "2. Un atelier a eu lieu le 5 mai à Bonn.")
    assert dates(extract_text(text, nlp=nlp, language="fr")) == [("2019", ["2019"])]


def test_year_from_the_document_date_in_a_pdf(tmp_path, nlp):
    pdf = write_pdf(tmp_path / "d.pdf", [[
        "Bonn, 27 février 2025",
        "1. Le Comité permanent s’est réuni à Bonn.",
        "2. Le groupe de travail a siégé le 11 mars à Genève.",
    ]])
    got = dates(extract(pdf, nlp=nlp))
    assert ("11 mars", ["2025-03-11"]) in got
