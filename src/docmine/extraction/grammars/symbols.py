"""UN document symbols: recognise, normalise, continue and complete them.

Pure functions, no spaCy. Two families:

* slash symbols of UN bodies: ``UNEP/CMS/StC44/13``, ``UNEP/CMS/COP11/Doc.10.3``,
  ``CBD/COP/DEC/16/31``, ``UNEP/CBD/COP/12/INF/5``, ``IPBES/3/18``;
* CITES symbols: ``CoP18 Doc. 12``, ``SC65 Doc. 7 (Rev. 1)``, ``AC30 Inf. 5``.

The id of a symbol is its text with whitespace removed (spec §1).
"""
from __future__ import annotations

import re

#: first element of a slash symbol (issuing body); data, extend freely
SLASH_HEADS = ["UNEP", "CBD", "IPBES", "UNEA", "FCCC", "ICCD", "UNESCO", "WHC", "AEWA", "UNCCD",
               "CMS", "CITES", "E", "A", "UNDP", "FAO", "IOTC", "CEM", "PNUE", "UNEP-WCMC", "EUROBATS",
               "ASCOBANS", "ACCOBAMS", "IWC", "SC-CITES"]
_HEADS = "|".join(sorted((re.escape(h) for h in SLASH_HEADS), key=len, reverse=True))
# the last element never ends in a dot (sentence punctuation)
_SEG = r"(?:[A-Za-z]{2,5}\(\d{1,2}\)|[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)"  # UNCCD's ``COP(13)`` too
#: a symbol broken across a line (``UNEP/CMS/StC99/`` + line break + ``12.1``) reads
#: ``UNEP/CMS/StC99/ 12.1`` in the normalised text: one space after a slash is
#: allowed when the next element holds a digit
_SLASH_SEP = r"/(?:\s(?=[A-Za-z0-9.\-]*\d))?"
SLASH = rf"(?:{_HEADS})(?:{_SLASH_SEP}{_SEG})+(?=[^\w/]|$)"
CITES = (r"(?:CoP|SC|AC|PC)\d{1,2}\s+(?:Doc|Inf|Com)\.\s*\d+(?:\.\d+)*(?:\s+[A-Z]\d?(?![\w]))?"
         r"(?:\s*\((?:Rev|rev)\.\s*\d+\))?(?:\s+Add\.(?:\s*\d+)?)?")
#: words of the CMS instruments' own symbols (``UNEP/CMS/Resolution 11.10``,
#: ``UNEP/CMS/Résolution 14.12``, ``UNEP/CMS/Resolución 14.15``): the word, a
#: space, the number; ``models/patterns/symbols.json`` (``instrument_words``) extends it
INSTRUMENT_WORDS = ["Resolution", "Résolution", "Resolución", "Decision", "Décision", "Decisión",
                    "Recommendation", "Recommandation", "Recomendación"]


def instrument_pattern(words: list[str]) -> str:
    """Regex source of a CMS instrument symbol with these words (no groups)."""
    alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return (rf"(?:UNEP|PNUE|PNUMA)/CMS/(?:{alt})\s?\d{{1,2}}\.\d{{1,3}}"
            rf"(?:\s?\(Rev\.\s?COP\s?\d{{1,2}}\))?(?![\w/]|\.\d)")


def build_symbol_re(heads: list[str], instrument_words: list[str]) -> re.Pattern:
    """A full symbol (group ``sym`` for slash and CMS instrument symbols, ``cites``
    for CITES ones), with these issuing bodies and instrument words."""
    alt = "|".join(sorted((re.escape(h) for h in heads), key=len, reverse=True))
    slash = rf"(?:{alt})(?:{_SLASH_SEP}{_SEG})+(?=[^\w/]|$)"
    return re.compile(rf"(?<![\w/])(?:(?P<sym>{instrument_pattern(instrument_words)}|{slash})|(?P<cites>{CITES}))")


#: a full symbol (group ``sym`` for slash symbols, ``cites`` for CITES ones)
SYMBOL_RE = build_symbol_re(SLASH_HEADS, INSTRUMENT_WORDS)
#: an elliptic continuation right after a symbol: ``, 18.2 et 18.3``
CONT_RE = re.compile(r"(?:\s*,\s*|\s+(?:et|and|y|&)\s+)(?:(?P<n>\d+(?:\.\d+)*(?:/(?:Add|Rev|Corr)\.\d+)?)"
                     r"|(?P<part>(?:Add|Rev|Corr)\.\s?\d+))(?![\w/]|\.\d)")
#: a part of a symbol: its addendum, revision or corrigendum (``/Add.1``)
_PART_TAIL = re.compile(r"/(?P<kind>Add|Rev|Corr)\.\d+$")
#: French and Spanish prefixes of UNEP symbols: the id uses ``UNEP/`` (spec §1);
#: ``models/patterns/symbols.json`` (``id_prefix_aliases``) replaces this table
ID_PREFIX_ALIASES: dict[str, str] = {"PNUE/": "UNEP/", "PNUMA/": "UNEP/"}
#: a bare short form after the word document(s): ``le document 10.3``
SHORT_RE = re.compile(
    r"(?:documents?|docs?\.|documentos?)\s+(?P<n>\d{1,3}(?:\.\d{1,3})*(?:/(?:Add|Rev|Corr)\.\d+)?)(?![\w/]|\.\d|\s*%)",
    re.I)
_LAST_NUM = re.compile(r"^(?P<prefix>.*?)(?P<num>\d+(?:\.\d+)*)(?P<tail>(?:/(?:Add|Rev|Corr)\.\d+|\s*\((?:Rev|rev)\.\s*\d+\))*)$")


def symbol_id(text: str) -> str:
    """The canonical id: whitespace removed; a French or Spanish prefix of a
    UNEP symbol written as ``UNEP/`` (:data:`ID_PREFIX_ALIASES`)."""
    sid = re.sub(r"\s+", "", text)
    for alias, canonical in ID_PREFIX_ALIASES.items():
        if sid.startswith(alias):
            return canonical + sid[len(alias):]
    return sid


def part_id(symbol: str, part: str) -> str:
    """The id of ``part`` (``Add.1``, ``Corr.1``, ``Rev.1``) of ``symbol``:
    ``UNEP/CBD/COP/12/2`` + ``Corr.1`` → ``UNEP/CBD/COP/12/2/Corr.1``; a part of
    the same kind replaces the symbol's own (``…/Add.1`` + ``Add.2`` → ``…/Add.2``)."""
    sid = symbol_id(symbol)
    part = re.sub(r"\s+", "", part)
    m = _PART_TAIL.search(sid)
    if m and part.startswith(m.group("kind") + "."):
        sid = sid[:m.start()]
    return f"{sid}/{part}"


def series_prefix(symbol: str) -> str | None:
    """``UNEP/CMS/StC44/13`` → ``UNEP/CMS/StC44/``; ``CoP18 Doc. 12`` → ``CoP18Doc.``."""
    m = _LAST_NUM.match(symbol_id(symbol))
    if not m or not m.group("prefix"):
        return None
    prefix = m.group("prefix")
    if not (prefix.endswith("/") or prefix.endswith(".")):
        return None
    return prefix


def number_shape(num: str) -> int:
    """How many dot-separated parts a number has (``18.1`` → 2)."""
    return num.split("/")[0].count(".") + 1


def last_number(symbol: str) -> str | None:
    m = _LAST_NUM.match(symbol_id(symbol))
    return m.group("num") if m else None


def continuations(text: str, end: int, symbol: str) -> list[tuple[int, str]]:
    """Elliptic continuations after a symbol ending at ``end``: [(end_char, full id)]."""
    prefix = series_prefix(symbol)
    last = last_number(symbol)
    if not prefix or last is None:
        return []
    out = []
    pos = end
    shape = number_shape(last)
    while True:
        m = CONT_RE.match(text, pos)
        if not m:
            break
        if m.group("part"):  # ``et Add.1``, ``and Corr.1``: a part of the symbol before
            if "/" not in symbol:
                break
            out.append((m.end(), part_id(symbol, m.group("part"))))
            pos = m.end()
            continue
        n = m.group("n")
        if number_shape(n) != shape or (shape == 1 and len(n) == 4):
            break
        # ``…/INF/20, 1. Recommande``: a paragraph number, not a continuation
        if "," in m.group(0) and shape == 1 and re.match(r"\.\s+[A-ZÀ-Ý]", text[m.end():m.end() + 3]):
            break
        out.append((m.end(), prefix + n))
        pos = m.end()
    return out
