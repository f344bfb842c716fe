"""Ordinal numbers in French (words and figures), English and Spanish.

``parse_ordinal("douzième") == 12``, ``parse_ordinal("11eme") == 11``,
``parse_ordinal("1re") == 1``, ``parse_ordinal("65th") == 65``,
``parse_ordinal("decimoquinta") == 15``. :data:`ORDINAL_RE` is a regex source
that matches every form :func:`parse_ordinal` reads (use it inside larger
patterns; it has no groups).
"""
from __future__ import annotations

import re
import unicodedata

_FR_UNITS = ["", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
             "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize"]
_FR_TENS = {20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante", 60: "soixante"}


def _fr_cardinal(n: int) -> str:
    if n <= 16:
        return _FR_UNITS[n]
    if n < 20:
        return "dix-" + _FR_UNITS[n - 10]
    if n < 70:
        t, u = divmod(n, 10)
        base = _FR_TENS[t * 10]
        if u == 0:
            return base
        if u == 1:
            return base + " et un"
        return base + "-" + _FR_UNITS[u]
    if n < 80:
        r = n - 60
        return "soixante et onze" if r == 11 else "soixante-" + _fr_cardinal(r)
    if n == 80:
        return "quatre-vingts"
    return "quatre-vingt-" + _fr_cardinal(n - 80)


def _fr_ordinal(n: int) -> str:
    if n == 1:
        return "premier"
    card = _fr_cardinal(n)
    head, sep, last = card.rpartition(" ") if " " in card.split("-")[-1] or card.endswith(" et un") else card.rpartition("-")
    if not sep:
        head, last = "", card
    if last == "un":
        word = "unième"
    elif last == "cinq":
        word = "cinquième"
    elif last == "neuf":
        word = "neuvième"
    elif last == "quatre-vingts" or last == "vingts":
        word = "vingtième"
    elif last.endswith("e"):
        word = last[:-1] + "ième"
    else:
        word = last + "ième"
    return head + sep + word if head else word


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.lower())
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return re.sub(r"[\s\-]+", " ", s.replace("’", "'")).strip()


_WORDS: dict[str, int] = {}
for _n in range(1, 100):
    _WORDS[_fold(_fr_ordinal(_n))] = _n
_WORDS.update({"premiere": 1, "second": 2, "seconde": 2, "vingt et unieme": 21})
_EN = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
       "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
       "eighteenth", "nineteenth", "twentieth"]
for _i, _w in enumerate(_EN, 1):
    _WORDS.setdefault(_w, _i)
#: English tens (twenty-first … ninety-ninth; UN General Assembly sessions run past 70)
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
            "eighty": 80, "ninety": 90}
for _t, _v in _EN_TENS.items():
    for _i, _w in enumerate(_EN[:9], 1):
        _WORDS.setdefault(f"{_t} {_w}", _v + _i)
for _w, _v in (("thirtieth", 30), ("fortieth", 40), ("fiftieth", 50), ("sixtieth", 60), ("seventieth", 70),
               ("eightieth", 80), ("ninetieth", 90), ("hundredth", 100), ("one hundredth", 100)):
    _WORDS.setdefault(_w, _v)
_ES = ["primera", "segunda", "tercera", "cuarta", "quinta", "sexta", "septima", "octava", "novena",
       "decima", "undecima", "duodecima", "decimotercera", "decimocuarta", "decimoquinta",
       "decimosexta", "decimoseptima", "decimoctava", "decimonovena", "vigesima"]
for _i, _w in enumerate(_ES, 1):
    _WORDS.setdefault(_w, _i)
    _WORDS.setdefault(_w[:-1] + "o", _i)
#: Spanish tens (vigésima … nonagésima); units after them written apart
#: (``vigésima primera``, ``septuagésimo cuarto``) or joined (``vigesimoprimera``)
_ES_TENS = {"vigesim": 20, "trigesim": 30, "cuadragesim": 40, "quincuagesim": 50, "sexagesim": 60,
            "septuagesim": 70, "octogesim": 80, "nonagesim": 90}
for _t, _v in _ES_TENS.items():
    _WORDS.setdefault(_t + "a", _v)
    _WORDS.setdefault(_t + "o", _v)
    for _i, _w in enumerate(_ES[:9], 1):
        for _g, _u in (("a", _w), ("o", _w[:-1] + "o")):
            _WORDS.setdefault(f"{_t}{_g} {_u}", _v + _i)
            _WORDS.setdefault(f"{_t}o{_u}", _v + _i)
            _WORDS.setdefault(f"{_t}{_g} {_u}", _v + _i)
    _WORDS.setdefault(f"{_t}o primer", _v + 1)
    _WORDS.setdefault(f"{_t}o tercer", _v + 3)
_WORDS.setdefault("primer", 1)
_WORDS.setdefault("tercer", 3)

_FIG = re.compile(r"^(\d{1,3})\s*(?:er|re|ère|ere|e|è|ème|eme|ième|ieme|ème|th|st|nd|rd|d|ª|º|°|a|o|\.ª|\.º)$", re.I)


def parse_ordinal(text: str) -> int | None:
    """The number an ordinal stands for, or None."""
    t = text.strip()
    m = _FIG.match(t)
    if m:
        return int(m.group(1))
    return _WORDS.get(_fold(t))


def _word_pattern(word: str) -> str:
    """A regex for a folded word: accents optional, hyphen or space between parts."""
    out = []
    accents = {"e": "[eéèê]", "a": "[aáà]", "i": "[iíî]", "o": "[oóô]", "u": "[uúû]"}
    for ch in word:
        if ch == " ":
            out.append(r"[\s\-]")
        else:
            out.append(accents.get(ch, re.escape(ch)))
    return "".join(out)


#: figures with an ordinal suffix (``11eme``, ``65ème``, ``20e``, ``1er``, ``3rd``, ``15ª``)
ORDINAL_FIGURE_RE = r"\d{1,3}(?:ème|eme|ième|ieme|ere|ère|er|re|e|è|th|st|nd|rd|ª|º|°)(?![\w])"
#: ordinals in words (French, English, Spanish), longest first
ORDINAL_WORD_RE = "(?:" + "|".join(_word_pattern(w) for w in sorted(_WORDS, key=len, reverse=True)) + r")(?![\w])"
ORDINAL_RE = "(?:" + ORDINAL_FIGURE_RE + "|" + ORDINAL_WORD_RE + ")"
