"""Table tests of the French date grammar (docmine.extraction.grammars.dates, no spaCy)."""
from __future__ import annotations

import pytest

from docmine.extraction.grammars.dates import find_dates, parse_date, parse_date_attrs

# (sentence, [(span text, value, mod or None), ...])
CASES = [
    ("Au 1er septembre 2015, le Secrétariat a reçu deux contributions.", [("1er septembre 2015", "2015-09-01", None)]),
    ("La réunion aura lieu en juin 2016 à Nairobi.", [("juin 2016", "2016-06", None)]),
    ("Le projet a démarré en 2014.", [("2014", "2014", None)]),
    ("La session est prévue au dernier trimestre de 2016.", [("dernier trimestre de 2016", "2016-Q4", None)]),
    ("au cours du premier trimestre 2017", [("premier trimestre 2017", "2017-Q1", None)]),
    ("Un atelier aura lieu du 27 au 29 octobre 2015 à Manille.", [("du 27 au 29 octobre 2015", "2015-10-27/2015-10-29", None)]),
    ("du 30 septembre au 2 octobre 2015", [("du 30 septembre au 2 octobre 2015", "2015-09-30/2015-10-02", None)]),
    ("(Bonn, 12-17 janvier 2015)", [("12-17 janvier 2015", "2015-01-12/2015-01-17", None)]),
    ("réunion de l'Organe subsidiaire (2 au 6 mai 2016)", [("2 au 6 mai 2016", "2016-05-02/2016-05-06", None)]),
    ("Les activités menées entre 2008 et 2011 sont décrites.", [("entre 2008 et 2011", "2008/2011", None)]),
    ("entre mars 2015 et juin 2016", [("entre mars 2015 et juin 2016", "2015-03/2016-06", None)]),
    ("durant la période 2012-2015.", [("2012-2015", "2012/2015", None)]),
    ("Le Groupe se réunira fin novembre 2015.", [("fin novembre 2015", "2015-11", "END")]),
    ("La réunion aura lieu au début de 2016 en Italie.", [("début de 2016", "2016", "START")]),
    ("prévue pour la mi-2016", [("mi-2016", "2016", "MID")]),
    ("jusqu'à fin 2011.", [("fin 2011", "2011", "END")]),
    ("début juillet 2017", [("début juillet 2017", "2017-07", "START")]),
    ("(Quito, Équateur, 2014).", [("2014", "2014", None)]),
    ("Soumettre les observations d'ici le 31 mars 2016.", [("31 mars 2016", "2016-03-31", None)]),
    ("quatre objectifs mondiaux pour 2050 et 23 cibles à atteindre d'ici à 2030.", [("2050", "2050", None), ("2030", "2030", None)]),
    ("Bonn, 27 February 2025", [("27 February 2025", "2025-02-27", None)]),
    ("from 12 to 17 January 2015 in Bonn", [("from 12 to 17 January 2015", "2015-01-12/2015-01-17", None)]),
    ("between 2008 and 2011", [("between 2008 and 2011", "2008/2011", None)]),
    ("by the end of 2016", [("end of 2016", "2016", "END")]),
    ("on February 27, 2025", [("February 27, 2025", "2025-02-27", None)]),
    ("el 2 de mayo de 2016", [("2 de mayo de 2016", "2016-05-02", None)]),
    ("del 2 al 6 de mayo de 2016", [("del 2 al 6 de mayo de 2016", "2016-05-02/2016-05-06", None)]),
    ("Au 1er Septembre 2015, rien.", [("1er Septembre 2015", "2015-09-01", None)]),
    ("le 23 janvier\n\n2015 pour", [("23 janvier\n\n2015", "2015-01-23", None)]),
    ("prolongé ultérieurement jusqu'en 20111) a été approuvé", [("2011", "2011", None)]),
    ("signé le 1er mars 2024)", [("1er mars 2024", "2024-03-01", None)]),
    ("notamment à Nairobi les 3 et 4 juin 2019.", [("3 et 4 juin 2019", "2019-06-03/2019-06-04", None)]),
    ("prévue pour mars-avril 2016", [("mars-avril 2016", "2016-03/2016-04", None)]),
    ("au cours du printemps 2016", [("printemps 2016", "2016-SP", None)]),
    ("le lundi 12 mars 2018", [("lundi 12 mars 2018", "2018-03-12", None)]),
    ("avant la fin de l'année 2016", [("fin de l'année 2016", "2016", "END")]),
    ("répondre à la Notification aux Parties No. 2023/045 avant le 30 septembre 2022", [("30 septembre 2022", "2022-09-30", None)]),
    ("pour l'exercice biennal 2020-2021", [("2020-2021", "2020/2021", None)]),
    # not dates: years of names, counts, symbols, after-agendas
    ("Le Plan stratégique 2011-2020 et les Objectifs d'Aichi.", []),
    ("décrit dans le programme de travail  2015-2017 et", []),
    ("le Plan Stratégique 2006-2011 de la CMS", []),
    ("la Vision de la stratégie CITES pour 2021-2030 adoptée par les Parties", []),
    ("des plans de travail conjoints pour 2016-2018 avec les secrétariats", []),
    ("du Programme de développement durable à l’horizon 2030 et", []),
    ("la Décennie des Nations Unies pour la biodiversité 2011-2020", []),
    ("objectifs de développement durable pour l'après 2015 et", []),
    ("Cadre mondial de la biodiversité pour l'après-2020.", []),
    ("Mise en œuvre du programme de travail 2015.", []),
    ("le document UNEP/CMS/StC44/13 et CBD/COP/DEC/16/31", []),
    ("voir le paragraphe 2015 du rapport", []),
    ("passé de 2000 à 2500 espèces", []),
    ("Plus de 2000 espèces sont inscrites.", []),
    ("http://www.cms.int/2015/docs/Res_11_10.pdf", []),
    # a name and a date in one sentence
    ("Le Plan de travail conjoint pour 2015-2020 a été approuvé en 2014.", [("2014", "2014", None)]),
    ("Le plan 2008-2010 (prolongé jusqu'en 2011) a été approuvé.", [("2011", "2011", None)]),
    ("Activités communes prévues pour la période 2012-2014", [("2012-2014", "2012/2014", None)]),
    ("les activités énumérées pour 2008-2011 qui ne sont pas achevées", [("2008-2011", "2008/2011", None)]),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_find_dates(text, expected):
    got = [(text[s:e], v, a.get("mod")) for s, e, v, a in find_dates(text)]
    assert got == expected


def test_day_month_without_year_takes_default_year():
    assert [(v) for _, _, v, _ in find_dates("le 16 juin", default_year=2015)] == ["2015-06-16"]
    assert find_dates("le 16 juin") == []


@pytest.mark.parametrize("expr,value", [
    ("d'ici le 31 octobre 2011", "2011-10-31"),
    ("31 mars 2016", "2016-03-31"),
    ("avant fin 2016", "2016"),
    ("juin 2016", "2016-06"),
    ("à sa douzième réunion", None),
    ("2015 et 2016", None),
])
def test_parse_date(expr, value):
    assert parse_date(expr) == value


def test_parse_date_attrs():
    assert parse_date_attrs("fin novembre 2015") == ("2015-11", {"mod": "END"})
