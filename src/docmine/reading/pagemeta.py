"""The document's own symbol, treaty, date and title, as page 1 shows them.

* Symbol: UN-style document symbols, by shape not by list: slash symbols
  (``UNEP/CMS/StC44/17``, ``CBD/COP/DEC/16/31``, ``CBD/SBSTTA/REC/XVII/1``,
  ``A/RES/73/3``, ``WCPFC/Comm.1/8``, ``IPBES/3/18``) and CITES symbols
  (``CoP18 Doc. 12``, ``SC65 Doc. 7``). The symbol repeated in the running
  header/footer wins when page 1 also shows it; else the first symbol that
  stands at the start or end of a line in the top of page 1 (a page that
  lists several symbols is a list of documents, not a masthead: no symbol).
* Treaty: from the symbol's prefix (:func:`treaty_of_symbol`).
* Date: the first English or French day-month-year of the page-1 block (the
  top half of page 1) that stands on a line of its own, alone or with a place
  or a label (``Bonn, 27 February 2025``, ``1er septembre 2015``), as ISO
  (:func:`block_date`); a date inside a sentence (a deadline: ``avant le 1er
  mars 2026``) never is; date ranges (``2-6 December 2012``) are meeting
  dates and are skipped.
* Title: a numbered decision/resolution title (``16/31. Monitoring …``)
  near the top of page 1, else the largest-font lines there when clearly
  larger than the body text, else the first upper-case heading in body-size
  type (parenthesised remarks dropped).
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from dataclasses import dataclass

from docmine.reading.layout import RawPage, SYMBOL_TOKEN, body_font_size

_SLASH_SYMBOL = r"(?<![\w/.\-@])[A-Z][A-Za-z]{0,11}(?:/[A-Za-z0-9][A-Za-z0-9.\-]*){2,7}"
_CITES_SYMBOL = r"(?<![\w/])(?:CoP|SC|AC|PC)\d{1,3}\s+(?:Doc|Inf|Com)\.\s*\d+(?:\.\d+)*(?:\s*\(Rev\.\s*\d+\))?"
#: the CMS instruments' own symbols hold a word and a space (``UNEP/CMS/Resolución 14.15``;
#: the same words as ``docmine.extraction.grammars.symbols.INSTRUMENT_WORDS``)
_CMS_INSTRUMENT = (r"(?<![\w/])(?:UNEP|PNUE|PNUMA)/CMS/(?:Recommandation|Recommendation|Recomendación|Resolución|"
                   r"Résolution|Resolution|Decisión|Décision|Decision)\s?\d{1,2}\.\d{1,3}"
                   r"(?:\s?\(Rev\.\s?COP\s?\d{1,2}\))?(?![\w/]|\.\d)")
SYMBOL_RE = re.compile(f"(?:{_CMS_INSTRUMENT})|(?:{_SLASH_SYMBOL})|(?:{_CITES_SYMBOL})")

#: symbol prefix → treaty (the one table: docmine.extraction.treaty uses it too); first match wins
SYMBOL_TREATY = [
    (re.compile(r"^UNEP/CMS/"), "CMS"),
    (re.compile(r"^UNEP/AEWA/"), "AEWA"),
    (re.compile(r"^(?:UNEP/)?CBD/"), "CBD"),
    (re.compile(r"^(?:CoP|SC|AC|PC)\d+(?=\s|Doc|Inf|Com|Sum|$)"), "CITES"),
    (re.compile(r"^IPBES/"), "IPBES"),
    (re.compile(r"^(?:A|E|S)/"), "UN"),
    (re.compile(r"^FCCC/"), "UNFCCC"),
    (re.compile(r"^ICCD/"), "UNCCD"),
    (re.compile(r"^WCPFC"), "WCPFC"),
    (re.compile(r"^CCSBT"), "CCSBT"),
    (re.compile(r"^ANT/"), "ATS"),
    (re.compile(r"^UNEP/"), "UNEP"),
]

_MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}
DATE_RE = re.compile(
    r"(?<![\w])(\d{1,2})(?:er|st|nd|rd|th)?\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\s+(\d{4})(?!\d)",
    re.IGNORECASE,
)
_RANGE_BEFORE = re.compile(r"(?:\d\s*[-–—]|\bto|\bau|\bet|\band)\s*$", re.IGNORECASE)
_PARENS = re.compile(r"\([^)]*\)")
#: a page-1 title runs over at most this many lines
TITLE_MAX_LINES = 8
_NUMBERED_TITLE = re.compile(r"^\s*(?:[IVXLC]+|\d{1,3})/\d{1,3}\.\s+\S")


@dataclass
class DocMeta:
    symbol: str | None = None
    treaty: str | None = None
    date: str | None = None
    title: str | None = None


def find_symbols(text: str) -> list[str]:
    """Document symbols in ``text``, in order (footnote '*' and final '.' dropped)."""
    return [clean_symbol(m.group(0)) for m in SYMBOL_RE.finditer(text)]


def clean_symbol(sym: str) -> str:
    sym = " ".join(sym.split())
    return sym.rstrip(".*,;:")


def treaty_of_symbol(symbol: str | None) -> str | None:
    """Treaty (or body) that issues documents with this symbol."""
    if not symbol:
        return None
    for rx, treaty in SYMBOL_TREATY:
        if rx.search(symbol):
            return treaty
    return None


def parse_date(text: str) -> str | None:
    """ISO date of the first non-range day-month-year in ``text``."""
    for m in DATE_RE.finditer(text):
        if _RANGE_BEFORE.search(text[max(0, m.start() - 6):m.start()]):
            continue
        day, month, year = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3))
        try:
            return _dt.date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


#: what may stand beside the date on a date line of the page-1 block
#: (``Bonn, 27 February 2025``, ``Date: 1er septembre 2015``, ``Original: English``…)
BLOCK_DATE_ROOM = 40
#: a date after one of these is a deadline or an event in a sentence, not the paper's date
_DEADLINE_BEFORE = re.compile(
    r"(?i:(?:avant|d['’]ici|jusqu['’]|au\s+plus\s+tard|by|before|until|no\s+later\s+than|antes\s+del?|"
    r"hasta|le|du|au|on|from|of|de|en|in)\s*(?:le\s+|la\s+|the\s+|el\s+)?)$")


def block_date(lines: list[str]) -> str | None:
    """The paper's own date in the page-1 block: the first line that is a date,
    alone or with a place or a label (``Bonn, 27 February 2025``, ``Date :
    1er septembre 2015``); a date inside a sentence (``répondre avant le 1er
    mars 2026``) is a deadline or an event, never the paper's date."""
    for line in lines:
        stripped = line.strip()
        if not stripped or re.match(r"^\d{1,3}[.)]\s", stripped):
            continue
        for m in DATE_RE.finditer(stripped):
            rest = (stripped[:m.start()] + stripped[m.end():]).strip(" ,.;:-–")
            if len(rest) > BLOCK_DATE_ROOM or _DEADLINE_BEFORE.search(stripped[:m.start()].rstrip(" ,")) \
                    or _RANGE_BEFORE.search(stripped[max(0, m.start() - 6):m.start()]):
                continue
            value = parse_date(stripped[m.start():])
            if value:
                return value
    return None


def document_meta(raw: list[RawPage], pages) -> DocMeta:
    """Symbol, treaty, date and title from page 1 (and the running furniture)."""
    if not raw or raw[0].text is None:
        return DocMeta()
    first = raw[0]
    lines = sorted(first.lines, key=lambda ln: (round(ln.top), ln.start))
    h = first.height or 1.0
    top_lines = [first.text[ln.start:ln.end] for ln in lines if ln.top <= 0.3 * h]
    half_lines = [first.text[ln.start:ln.end] for ln in lines if ln.top <= 0.5 * h]
    symbol = _symbol(first.text, top_lines, pages)
    return DocMeta(
        symbol=symbol,
        treaty=treaty_of_symbol(symbol),
        date=block_date(half_lines),
        title=_title(first, lines, raw),
    )


def _symbol(page1_text: str, top_lines: list[str], pages) -> str | None:
    # 1. the symbol of the running header/footer, if page 1 shows it too
    counts: Counter = Counter()
    for p in pages:
        furniture = p.kind_text("header") + "\n" + p.kind_text("footer")
        for s in set(find_symbols(furniture)):
            counts[s] += 1
    need = 2 if sum(p.text is not None for p in pages) > 1 else 1
    for sym, n in counts.most_common():
        if n >= need and sym in page1_text:
            return sym
    # 2. a masthead symbol at the start or end of a line near the top of page 1
    alone = {ln.strip().rstrip("*").strip() for ln in page1_text.splitlines()
             if SYMBOL_TOKEN.match(ln.strip())}
    if len(alone) >= 3:
        return None  # page 1 lists documents: no masthead symbol to trust
    found = [(s, line) for line in top_lines for s in find_symbols(line)]
    for sym, line in found:
        stripped = line.strip().rstrip("*").strip()
        if stripped.startswith(sym) or stripped.endswith(sym):
            return sym
    return None


def _title(first: RawPage, lines, raw: list[RawPage]) -> str | None:
    text, h = first.text or "", first.height or 1.0
    upper = [ln for ln in lines if ln.top <= 0.6 * h and text[ln.start:ln.end].strip()]
    # 1. a numbered decision / resolution title: "16/31. Monitoring framework …"
    for i, ln in enumerate(upper):
        if _NUMBERED_TITLE.match(text[ln.start:ln.end]):
            return _join_same_size(text, upper[i:], ln.size, max_lines=TITLE_MAX_LINES)
    # 2. clearly larger lines (not a symbol or date)
    body = body_font_size(raw)
    big = [ln for ln in upper
           if body and ln.size >= 1.2 * body
           and not SYMBOL_TOKEN.match(text[ln.start:ln.end].strip())
           and not DATE_RE.fullmatch(text[ln.start:ln.end].strip())]
    if big:
        size = max(ln.size for ln in big)
        start = next(i for i, ln in enumerate(upper) if ln in big and abs(ln.size - size) < 0.5)
        return _join_same_size(text, upper[start:], size, max_lines=TITLE_MAX_LINES)
    # 3. an upper-case heading in body-size type ("SYNERGIES ET PARTENARIATS",
    #    "COOPERATION ENTRE LA CMS ET CITES (Préparé par le Secrétariat)")
    for i, ln in enumerate(upper):
        if body and ln.size < body - 0.25:
            continue  # small masthead print, e.g. the convention's name
        heading = _upper_heading(text[ln.start:ln.end])
        if heading and len(heading.split()) >= 2 and sum(ch.isalpha() for ch in heading) >= 8:
            # the title goes on over the next capital lines of its size (a whole title, not its first line)
            parts, prev = [heading], ln
            for nxt in upper[i + 1:i + TITLE_MAX_LINES]:
                more = _upper_heading(text[nxt.start:nxt.end])
                if not more or abs(nxt.size - ln.size) >= 0.5 or nxt.top - prev.bottom > 1.2 * ln.size:
                    break
                parts.append(more)
                prev = nxt
            return " ".join(" ".join(parts).split())
    return None


def _upper_heading(line: str) -> str | None:
    """The line without parenthesised remarks when all its letters are capitals."""
    heading = _PARENS.sub("", line).strip()
    letters = [ch for ch in heading if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters) and not SYMBOL_TOKEN.match(heading) \
            and not DATE_RE.search(heading):
        return heading
    return None


def _join_same_size(text: str, lines, size: float, max_lines: int) -> str | None:
    out: list[str] = []
    prev_bottom = None
    for ln in lines:
        if abs(ln.size - size) >= 0.5 or len(out) >= max_lines:
            break
        if prev_bottom is not None and ln.top - prev_bottom > 1.2 * size:
            break
        out.append(text[ln.start:ln.end].strip())
        prev_bottom = ln.bottom
    title = " ".join(" ".join(out).split())
    return title or None
