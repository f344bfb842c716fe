"""A small grammar of calendar expressions (French first, English and Spanish too).

Pure functions, no spaCy:

* :func:`find_dates(text, default_year=None)` → list of ``(start, end, value, attrs)``
  with ISO 8601 values at the grain written (``2015-09-01``, ``2016-06``,
  ``2014``, ``2016-Q4``, ranges ``start/end``) and ``attrs["mod"]`` in
  START/MID/END for ``début``/``mi-``/``fin``.
* :func:`parse_date(expr)` → the value of an expression that is one date, or None.

What is not a date (spec §1): years that name a plan, programme, vision,
strategy or decade (``Plan stratégique 2011-2020``, ``programme de travail
2015-2017``, ``à l'horizon 2030`` after a programme's name), ``l'après-2015``,
numbers that are counts or parts of symbols, years inside a name
(``coronavirus disease 2019``, ``the 2030 Agenda``: :data:`YEAR_NAME_BEFORE`,
:data:`YEAR_NAME_AFTER`). Periods and goals are dates
(``durant la période 2012-2015``, ``objectifs mondiaux pour 2050``).
Spans keep ``du … au …``, ``entre … et …`` (and ``from … to``, ``between …
and``); other prepositions and articles stay outside.
"""
from __future__ import annotations

import re

# --------------------------------------------------------------------------- months
MONTHS: dict[str, int] = {}
for _i, _names in enumerate([
    "janvier january enero jan janv",
    "février fevrier february febrero feb févr fevr",
    "mars march marzo mar",
    "avril april abril apr avr",
    "mai may mayo",
    "juin june junio jun",
    "juillet july julio jul juil",
    "août aout august agosto aug",
    "septembre september septiembre setiembre sep sept",
    "octobre october octubre oct",
    "novembre november noviembre nov",
    "décembre decembre december diciembre dec déc",
], 1):
    for _n in _names.split():
        MONTHS[_n] = _i
_ABBR = {"jan", "janv", "feb", "févr", "fevr", "mar", "apr", "avr", "jun", "jul", "juil", "aug",
         "sep", "sept", "oct", "nov", "dec", "déc"}
_MONTH_ALT = "|".join(sorted((m for m in MONTHS if m not in _ABBR), key=len, reverse=True))
# longest first; ties in alphabetical order, so the pattern is the same in every process
_ABBR_ALT = "|".join(sorted(_ABBR, key=lambda m: (-len(m), m)))
M = rf"(?:(?:{_MONTH_ALT})(?![\w])|(?:{_ABBR_ALT})\.)"

# --------------------------------------------------------------------------- atoms
D = r"(?:1er|1re|1ère|0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?![\d\w])"
# a year; a single footnote digit glued to it (``20111``) is left out
Y = r"(?:19[5-9]\d|20\d\d)(?:(?!\d)|(?=[1-9](?!\d)))"
S = r"\s+"
DE = r"(?:\s+(?:de|of))?"      # ``2 de mayo de 2016``, ``end of 2016``
TO = r"(?:au|à|a|to|until|till|al|-|–|—)"
DASH = r"(?:-|–|—|/)"
QORD = (r"(?:premier|1er|first|primer|deuxième|deuxieme|second|2e|2ème|segundo|troisième|troisieme|3e|3ème|third|"
        r"tercer|quatrième|quatrieme|4e|4ème|fourth|cuarto|dernier|last|último|ultimo)")
WEEKDAY = (r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|"
           r"friday|saturday|sunday|lunes|martes|miércoles|jueves|viernes|sábado|domingo),?\s+(?:le\s+|the\s+)?)")
SEASON = r"(?:printemps|été|automne|hiver|spring|summer|autumn|fall|winter|primavera|verano|otoño|invierno)"
MOD = (r"(?:fin|début|debut|mi|end|beginning|early|late|mid|finales|principios|mediados|comienzos)")

_PATTERN = rf"""
(?<![\w/.\-–])(?:
  # du 27 au 29 octobre 2015 / du 30 septembre au 2 octobre 2015 / from 12 to 17 January 2015 / del 2 al 6 de mayo de 2016
  (?P<r1>(?:du|from|del|de)\s+(?P<r1d1>{D})(?:{DE}\s+(?P<r1m1>{M})(?:{DE}\s+(?P<r1y1>{Y}))?)?\s+{TO}\s+(?:le\s+)?(?P<r1d2>{D}){DE}\s+(?P<r1m2>{M}){DE},?\s+(?P<r1y2>{Y}))
 |# du mois: de janvier à mars 2016 / du janvier 2015 au mars 2016
  (?P<r2>(?:du|from|de|entre|between)\s+(?P<r2m1>{M})(?:{DE}\s+(?P<r2y1>{Y}))?\s+(?:au|à|to|until|et|and|a|al|y)\s+(?P<r2m2>{M}){DE}\s+(?P<r2y2>{Y}))
 |# entre 2008 et 2011 / between 2008 and 2011 / de 2012 à 2015
  (?P<r3>(?:entre|between|de|from)\s+(?P<r3y1>{Y})\s+(?:et|and|à|to|a|y)\s+(?P<r3y2>{Y}))
 |# 2 au 6 mai 2016 / 12-17 janvier 2015 / 30 septembre - 2 octobre 2015 / between 12 and 14 October 2021 /
  # entre el 12 y el 14 de octubre de 2021 (``5 December and 19 December`` are two dates, not a range)
  (?P<r4>(?:(?:entre|between)\s+(?:(?:le|el|the)\s+)?)?(?P<r4d1>{D})(?:{DE}\s+(?P<r4m1>{M})(?:{DE}\s+(?P<r4y1>{Y}))?)?\s*(?(r4m1){TO}|(?:{TO}|\s(?:et|and|y)\s(?:(?:le|el|the)\s+)?))\s*(?P<r4d2>{D}){DE}\s+(?P<r4m2>{M}){DE},?\s+(?P<r4y2>{Y}))
 |# ISO 8601 and day-first numeric dates: 2026-03-31, 31/03/2026, 31.03.2026
  (?P<iso>(?P<isoy>{Y})-(?P<isom>0[1-9]|1[0-2])-(?P<isod>0[1-9]|[12]\d|3[01])(?![\d\-]))
 |(?P<num>(?P<numd>0?[1-9]|[12]\d|3[01])(?P<nsep>[/.])(?P<numm>0?[1-9]|1[0-2])(?P=nsep)(?P<numy>{Y})(?![\d/]))
 |# July 2026 – June 2030 / juillet 2026 – juin 2030 / julio de 2026 a junio de 2030
  (?P<r7>(?P<r7m1>{M}){DE}\s+(?P<r7y1>{Y})\s*(?:-|–|—|\s(?:to|until|à|au|a|al)\s)\s*(?P<r7m2>{M}){DE}\s+(?P<r7y2>{Y}))
 |# January 12-17, 2015 / February 27, 2025
  (?P<r5>(?P<r5m>{M})\s+(?P<r5d1>{D})(?:\s*{TO}\s*(?P<r5d2>{D}))?,?\s+(?P<r5y>{Y}))
 |# dernier trimestre de 2016 / fourth quarter of 2016
  (?P<q>(?P<qo>{QORD})\s+(?:trimestre|quarter|trimestre)(?:\s+(?:de|du|of|del))?(?:\s+l['’]année|\s+the\s+year|\s+el\s+año)?\s+(?P<qy>{Y}))
 |(?P<q2>Q(?P<q2n>[1-4])\s+(?P<q2y>{Y}))
 |# fin novembre 2015 / début de 2016 / mi-2016 / fin 2011 / end of 2016 / mid-June 2016
  (?P<m>(?P<mw>{MOD})(?:-|\s+)(?:(?:de|d['’]|of|du\s+mois\s+de|de\s+l['’]année|the\s+year)\s*)?(?:(?P<md>{D})\s+)?(?:(?P<mm>{M}){DE}\s+)?(?P<my>{Y}))
 |# 1er septembre 2015 / 27 February 2025 / 2 de mayo de 2016
  (?P<d>{WEEKDAY}?(?P<dd>{D}){DE}\s+(?P<dm>{M}){DE},?\s+(?P<dy>{Y}))
 |# mars-avril 2016 / janvier à mars 2016
  (?P<r6>(?P<r6m1>{M})\s*(?:-|–|à|to|a)\s*(?P<r6m2>{M}){DE}\s+(?P<r6y>{Y}))
 |# printemps 2016 / summer 2016
  (?P<se>(?P<sew>{SEASON})(?:\s+(?:de|of|del?))?\s+(?:l['’]année\s+)?(?P<sey>{Y}))
 |# juin 2016 / June 2016 / mayo de 2016
  (?P<mo>(?P<mom>{M}){DE},?\s+(?P<moy>{Y}))
 |# 2012-2015
  (?P<yr>(?P<yr1>{Y})\s*{DASH}\s*(?P<yr2>{Y}))
 |(?P<y>{Y})
 |# a day and month without a year (takes the context's year)
  (?P<dn>(?P<dnd>{D}){DE}\s+(?P<dnm>{M}))
)
"""
DATE_RE = re.compile(_PATTERN, re.I | re.X)

#: a name that a year or a range belongs to (``Plan stratégique 2011-2020``)
NAME_HEADS = re.compile(
    r"(?i:\b(?:plans?|programmes?|programas?|programs?|visions?|visión|strat[ée]gies?|strategy|strategies|"
    r"estrategias?|agendas?|d[ée]cennie|decade|decenio|programme\s+de\s+travail|work\s*programme))\b")
#: words between a name and its years that show the year is not part of the name
BREAKS = re.compile(
    r"(?i:\b(?:a|ont|est|sont|été|etait|était|sera|seront|fut|has|have|was|were|is|are|will|ha|han|fue|"
    r"en|in|depuis|since|jusqu|d['’]ici|durant|pendant|during|entre|between|avant|before|après|after|dès|"
    r"lors|au\s+cours|adopt\w*|approuv\w*|prolong\w*|lanc\w*|élabor\w*|men[ée]\w*|réalis\w*|"
    r"until|by|desde|hasta|durante)\b)")
#: nouns after a number that make it a count, not a year
COUNT_NOUNS = re.compile(
    r"\s*(?:espèces|especies|species|dollars|USD|euros|EUR|francs|km|km2|ha|hectares|tonnes|tons|personnes|"
    r"people|participants|spécimens|specimens|individus|exemplaires|membres|pages|mots|words|habitants|"
    r"\$|%|pour\s+cent|per\s+cent)\b", re.I)
COUNT_BEFORE = re.compile(
    r"(?:paragraphes?|para\.|paragraphs?|párrafos?|articles?|artículos?|n°|no\.|nº|pages?|p\.|annexes?|"
    r"points?|numéros?|\$|US\$|USD|EUR|€|£|CHF|Doc\.|Inf\.|Rev\.|Add\.|Corr\.)\s*$", re.I)
#: words before a ``YYYY-NN`` number that make it an instrument's number (WCPFC)
CODE_BEFORE = re.compile(r"(?:resolutions?|r[ée]solutions?|resoluci[óo]n(?:es)?|CMMs?|MCGs?|decisions?)\s*$", re.I)
AFTER_RE = re.compile(r"(?:l['’]apr[eè]s|post)[\s\-]*$", re.I)
#: words right before a year that make it part of a name (``coronavirus disease
#: 2019``, ``maladie à coronavirus 2019``); ``models/patterns/dates.json``
#: (``year_name_before``) replaces it
YEAR_NAME_BEFORE = re.compile(
    r"(?i:(?:coronavirus\s+disease|maladie\s+(?:à|a)\s+coronavirus|enfermedad\s+por\s+coronavirus|"
    r"covid|sars-cov)[\s\-]*)$")
#: words right after a year that make it part of a name (``the 2030 Agenda``,
#: ``2050 Vision for Biodiversity``); case-sensitive (a name is capitalised);
#: ``dates.json`` (``year_name_after``) replaces it
YEAR_NAME_AFTER = re.compile(r"\s+(?:Agenda|Vision|Strategy|Programme|Program|Plan|Framework|Targets|Goals)\b")
#: ``de 2000 à 2500 espèces``: the first number of a range of counts
_COUNT_RANGE = re.compile(r"\s*(?:à|a|to|-|–|et|and|ou|or)\s*\d[\d\s.,]*(?=[^\d\s.,])")
URL_RE = re.compile(r"(?:https?://|www\.)\S+")

_Q = {"premier": 1, "1er": 1, "first": 1, "primer": 1, "deuxième": 2, "deuxieme": 2, "second": 2, "2e": 2,
      "2ème": 2, "segundo": 2, "troisième": 3, "troisieme": 3, "3e": 3, "3ème": 3, "third": 3, "tercer": 3,
      "quatrième": 4, "quatrieme": 4, "4e": 4, "4ème": 4, "fourth": 4, "cuarto": 4, "dernier": 4, "last": 4,
      "último": 4, "ultimo": 4}
_SEASONS = {"printemps": "SP", "spring": "SP", "primavera": "SP", "été": "SU", "summer": "SU", "verano": "SU",
            "automne": "FA", "autumn": "FA", "fall": "FA", "otoño": "FA", "hiver": "WI", "winter": "WI",
            "invierno": "WI"}
_MOD = {"fin": "END", "end": "END", "late": "END", "finales": "END",
        "début": "START", "debut": "START", "beginning": "START", "early": "START", "principios": "START",
        "comienzos": "START", "mi": "MID", "mid": "MID", "mediados": "MID"}


def _month(s: str) -> int:
    return MONTHS[s.lower().rstrip(".")]


def _day(s: str) -> int:
    return int(re.match(r"\d+", s).group(0))


def _year(s: str) -> int:
    return int(s[:4])


def _year_range(first: str, last: str) -> str | None:
    """``2012/2015`` for a span of years; None when it runs backwards (not a period)."""
    y1, y2 = _year(first), _year(last)
    return f"{y1}/{y2}" if y2 > y1 else None


def _iso(y: int | None, m: int | None = None, d: int | None = None) -> str:
    if m is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def _valid(y: int, m: int, d: int) -> str | None:
    """``_iso(y, m, d)`` when that day exists (``31/02/2026`` is none)."""
    import datetime as _dt
    try:
        _dt.date(y, m, d)
    except ValueError:
        return None
    return _iso(y, m, d)


def _value(m: re.Match, default_year: int | None) -> tuple[str | None, dict, int, int]:
    """(value, attrs, start, end) of a match; value None when it is no date."""
    g = m.groupdict()
    s, e = m.span()
    attrs: dict = {}
    if g["r1"]:
        y2, m2, d2 = _year(g["r1y2"]), _month(g["r1m2"]), _day(g["r1d2"])
        m1 = _month(g["r1m1"]) if g["r1m1"] else m2
        y1 = _year(g["r1y1"]) if g["r1y1"] else y2
        d1 = _day(g["r1d1"])
        return f"{_iso(y1, m1, d1)}/{_iso(y2, m2, d2)}", attrs, s, e
    if g["r2"]:
        y2, m2 = _year(g["r2y2"]), _month(g["r2m2"])
        y1 = _year(g["r2y1"]) if g["r2y1"] else y2
        return f"{_iso(y1, _month(g['r2m1']))}/{_iso(y2, m2)}", attrs, s, e
    if g["r3"]:
        return _year_range(g["r3y1"], g["r3y2"]), attrs, s, e
    if g["r4"]:
        y2, m2, d2 = _year(g["r4y2"]), _month(g["r4m2"]), _day(g["r4d2"])
        m1 = _month(g["r4m1"]) if g["r4m1"] else m2
        y1 = _year(g["r4y1"]) if g["r4y1"] else y2
        d1 = _day(g["r4d1"])
        if (y1, m1, d1) >= (y2, m2, d2):
            return None, attrs, s, e
        return f"{_iso(y1, m1, d1)}/{_iso(y2, m2, d2)}", attrs, s, e
    if g["iso"]:
        return _valid(_year(g["isoy"]), int(g["isom"]), int(g["isod"])), attrs, s, e
    if g["num"]:
        return _valid(_year(g["numy"]), int(g["numm"]), int(g["numd"])), attrs, s, e
    if g["r7"]:
        a = (_year(g["r7y1"]), _month(g["r7m1"]))
        b = (_year(g["r7y2"]), _month(g["r7m2"]))
        return (f"{_iso(*a)}/{_iso(*b)}" if a < b else None), attrs, s, e
    if g["r5"]:
        y, mo = _year(g["r5y"]), _month(g["r5m"])
        if g["r5d2"]:
            return f"{_iso(y, mo, _day(g['r5d1']))}/{_iso(y, mo, _day(g['r5d2']))}", attrs, s, e
        return _iso(y, mo, _day(g["r5d1"])), attrs, s, e
    if g["q"]:
        return f"{_year(g['qy']):04d}-Q{_Q[g['qo'].lower()]}", attrs, s, e
    if g["q2"]:
        return f"{_year(g['q2y']):04d}-Q{g['q2n']}", attrs, s, e
    if g["m"]:
        attrs["mod"] = _MOD[g["mw"].lower()]
        y = _year(g["my"])
        mo = _month(g["mm"]) if g["mm"] else None
        d = _day(g["md"]) if g["md"] and mo else None
        return _iso(y, mo, d), attrs, s, e
    if g["r6"]:
        y = _year(g["r6y"])
        return f"{_iso(y, _month(g['r6m1']))}/{_iso(y, _month(g['r6m2']))}", attrs, s, e
    if g["se"]:
        return f"{_year(g['sey']):04d}-{_SEASONS[g['sew'].lower()]}", attrs, s, e
    if g["d"]:
        return _iso(_year(g["dy"]), _month(g["dm"]), _day(g["dd"])), attrs, s, e
    if g["mo"]:
        return _iso(_year(g["moy"]), _month(g["mom"])), attrs, s, e
    if g["yr"]:
        return _year_range(g["yr1"], g["yr2"]), attrs, s, e
    if g["y"]:
        return f"{_year(g['y']):04d}", attrs, s, s + 4
    if g["dn"]:
        if default_year is None:
            return None, attrs, s, e
        return _iso(default_year, _month(g["dnm"]), _day(g["dnd"])), attrs, s, e
    return None, attrs, s, e


_CLAUSE_END = re.compile(r"[.;!?()«»\"“”,•]")


def _names_years(text: str, start: int) -> bool:
    """True when the years at ``start`` belong to a plan/programme/vision name before them."""
    lo = max(0, start - 120)
    window = text[lo:start]
    # back to the clause boundary (a period followed by a digit is a number, not a boundary)
    cut = 0
    for m in _CLAUSE_END.finditer(window):
        if m.group(0) == "." and m.end() < len(window) and window[m.end()].isdigit():
            continue
        cut = m.end()
    if window.rstrip().endswith("("):
        # ``Décennie des Nations Unies pour la restauration des écosystèmes (2021-2030)``
        before = window.rstrip()[:-1]
        inner = _CLAUSE_END.sub(" ", before[-120:])
        cut2 = max(before.rfind("."), before.rfind(";"), before.rfind(")"))
        if cut2 >= 0:
            inner = before[cut2 + 1:]
        hs = list(NAME_HEADS.finditer(inner))
        if hs and not BREAKS.search(inner[hs[-1].end():]):
            return True
    window = window[cut:]
    heads = list(NAME_HEADS.finditer(window))
    if not heads:
        return False
    between = window[heads[-1].end():]
    return not BREAKS.search(between)


def _is_year_only(m: re.Match) -> bool:
    return bool(m.group("y") or m.group("yr"))


def _count_range(text: str, e: int) -> bool:
    m = _COUNT_RANGE.match(text, e)
    return bool(m and COUNT_NOUNS.match(text, m.end()))


#: every date expression holds a year or a month name: scan for those first
_ANCHOR = re.compile(r"(?:19[5-9]|20\d)\d")
#: a day and a month without a year (the only expression without a year)
_DN_RE = re.compile(rf"(?<![\w/.\-–])(?P<dnd>(?:1er|1re|1ère|\d{{1,2}})(?:st|nd|rd|th)?)(?:\s+de)?\s+(?P<dnm>{M})(?!,?\s+(?:de\s+|of\s+)?\d)", re.I)
#: a range of days without a year: ``du 8 au 9 février``, ``8-9 février``,
#: ``du 30 janvier au 2 février``, ``from 8 to 9 February``
_DNR_RE = re.compile(
    rf"(?<![\w/.\-–])(?:(?P<pre>du|from|del|de)\s+)?(?P<d1>{D})(?:{DE}\s+(?P<m1>{M}))?"
    rf"(?(pre)\s+{TO}\s+(?:le\s+)?|\s*(?:-|–|—)\s*)(?P<d2>{D}){DE}\s+(?P<m2>{M})"
    r"(?!,?\s+(?:de\s+|of\s+)?\d)", re.I)
_LOOKBACK = 90


def _candidates(text: str):
    """The matches of DATE_RE.finditer(text) that hold a year, found by searching
    only around the years (a plain year scan is ~100x faster than the grammar)."""
    pos = 0
    n = len(text)
    for a in _ANCHOR.finditer(text):
        if a.start() < pos:
            continue
        start = max(pos, a.start() - _LOOKBACK)
        while True:
            m = DATE_RE.search(text, start, min(n, a.end() + _LOOKBACK))
            if m is None or m.start() > a.start():
                break
            # re-run without the end bound so a long expression is not cut
            m = DATE_RE.match(text, m.start()) or m
            yield m
            pos = max(m.end(), m.start() + 1)
            start = pos
            if m.end() > a.start():
                break


def find_dates(text: str, default_year: int | None = None) -> list[tuple[int, int, str, dict]]:
    """Every date expression of ``text``: ``(start, end, value, attrs)``, in order."""
    out: list[tuple[int, int, str, dict]] = []
    urls = [u.span() for u in URL_RE.finditer(text)] if ("http" in text or "www." in text) else []
    for m in _candidates(text):
        s, e = m.span()
        if urls and any(us <= s < ue for us, ue in urls):
            continue
        value, attrs, s, e = _value(m, default_year)
        if value is None:
            continue
        if _is_year_only(m) or m.group("r3"):
            before = text[max(0, s - 20):s]
            if AFTER_RE.search(before) or COUNT_BEFORE.search(before):
                continue
            if m.group("y") and re.match(r"/\d|\.\d|-[A-Za-z]", text[e:e + 2]):  # ``Notification 2016/012``, ``2012-DP/06``
                continue
            if m.group("y") and CODE_BEFORE.search(before) and re.match(r"-\d", text[e:e + 2]):
                continue  # ``Resolution 2012-01``, ``CMM 2009-06``: a number, not a year
            if m.group("y") and (COUNT_NOUNS.match(text, e) or _count_range(text, e)):
                continue
            if _names_years(text, s):
                continue
        # a year inside a name (``coronavirus disease 2019``, ``the 2030 Agenda``)
        if YEAR_NAME_BEFORE.search(text, max(0, s - 40), s) or (
                (_is_year_only(m) or m.group("r3")) and YEAR_NAME_AFTER.match(text, e)):
            continue
        out.append((s, e, value, attrs))
    if default_year is not None:
        for m in _DNR_RE.finditer(text):
            s, e = m.span()
            if any(os < e and s < oe for os, oe, _, _ in out):
                continue
            d1, d2 = _day(m.group("d1")), _day(m.group("d2"))
            m2 = _month(m.group("m2"))
            m1 = _month(m.group("m1")) if m.group("m1") else m2
            if not (1 <= d1 <= 31 and 1 <= d2 <= 31) or (m1, d1) >= (m2, d2):
                continue
            out.append((s, e, f"{_iso(default_year, m1, d1)}/{_iso(default_year, m2, d2)}", {}))
        for m in _DN_RE.finditer(text):
            s, e = m.span()
            if any(os < e and s < oe for os, oe, _, _ in out):
                continue
            d = _day(m.group("dnd"))
            if not 1 <= d <= 31:
                continue
            out.append((s, e, _iso(default_year, _month(m.group("dnm")), d), {}))
        out.sort(key=lambda x: x[0])
    return out


def parse_date(expr: str) -> str | None:
    """The ISO value of ``expr`` when the whole of it (bar prepositions) is one date."""
    found = find_dates(expr)
    if len(found) != 1:
        return None
    s, e, value, _ = found[0]
    rest = (expr[:s] + " " + expr[e:]).strip(" ,.;:()")
    if rest and not re.fullmatch(r"(?i:(?:d['’]ici|avant|après|au|le|la|en|pour|by|before|on|in|at|the|"
                                 r"until|jusqu['’]|au\s+plus\s+tard|à|a|de|el|antes\s+del?)\s*)+", rest + " "):
        return None
    return value


def parse_date_attrs(expr: str) -> tuple[str, dict] | None:
    """Like :func:`parse_date`, with the attributes (``mod``)."""
    found = find_dates(expr)
    if len(found) != 1 or parse_date(expr) is None:
        return None
    return found[0][2], found[0][3]
