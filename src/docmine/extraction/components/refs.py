"""docmine_refs: REF mentions (resolutions, decisions, recommendations).

Span: keyword through the last identifier, revision included; a coordination
or a range under one keyword is one mention (``Résolutions 11.10 et 11.11``,
``Décisions 18.49 – 18.51`` → 18.49, 18.50, 18.51). Ids per spec §3:
``CMS Res 11.10``, ``CITES Res Conf 11.4`` (``attrs.revision = "CoP12"``),
``CITES Dec 18.49``, ``CBD COP Dec XI/2``, ``CBD SBSTTA Rec XVII/1``. The
treaty comes from the mention (``Conf.``, a Roman number with a slash, ``CMS``
after the keyword, ``de la CMS`` right after it), else the sentence, else the
document (:func:`docmine.extraction.treaty.treaty_at`). A paragraph pinpoint goes to
``attrs.paragraph``. A list of bare numbers under a heading ``Décisions`` is a
list of REF mentions (the heading gives the keyword; the document the treaty).

Rules are data: ``models/patterns/refs.json``.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from docmine.extraction import treaty as ctx
from ..patterns import load_patterns
from .context import doc_text, document_body, make_span, sentence_text, set_spans, treaty_for

DEFAULTS: dict = {
    "kinds": {"Res": ["résolutions?", "resolutions?", "resoluci(?:ón|on|ones)", r"r[ée]s\."],
              "Dec": ["décisions?", "decisions?", "decisi(?:ón|on|ones)", r"d[ée]c\."],
              "Rec": ["recommandations?", "recommendations?", "recomendaci(?:ón|on|ones)", r"rec\."]},
    "treaty_words": {"CMS": "CMS", "CEM": "CMS", "CITES": "CITES", "CDB": "CBD", "CBD": "CBD",
                     "Ramsar": "RAMSAR", "IPBES": "IPBES"},
    "treaty_tail": r"(?:de\s+la|du|de\s+l['’]|de|of\s+the|of|del?\s+la|à\s+la)\s+",
    "cbd_rec_bodies": {"SBSTTA": r"(?:SBSTTA|OSASTT)"},
    "cbd_rec_default": "SBSTTA",
    "headings": ["Décisions", "Decisions", "Résolutions", "Resolutions"],
    "bullets": "[•▪●◦·∙‣⁃*]",
    "paragraph_words": r"(?:paragraphes?|paragraphs?|párrafos?|para\.|par\.|§)",
}

# identifiers: CBD ``DEC/XII/30``, ``XI/2``, ``14/30``; CMS/CITES ``11.10``; Ramsar ``XII.5``;
# UNFCCC ``1/CP.21``, ``3/CMA.1``, ``1/CMP.1`` and UNCCD ``7/COP.5`` (the body is in the number)
NUM = r"(?:(?:COP/)?DEC/)?(?:\d{1,2}/(?:CP|CMA|CMP|COP)\.\d{1,2}|[IVXL]+/\d{1,3}|\d{1,2}/\d{1,3}|\d{1,2}\.\d{1,3}|[IVXL]+\.\d{1,3})(?![\w/]|\.\d)"
REV = r"\s*\((?:Rev|rev|REV|Révision|rév)\.?\s*(?P<rev>(?:CoP|COP|CdP)\s?\d{1,2}|\d{1,2})\)"
CONT = re.compile(rf"(?P<sep>\s*(?:,|et|and|y|ou|or|&|–|—|-|à|au|to|al|a)\s*)(?:Conf\.?\s*)?(?P<n>{NUM})(?:{REV})?")
RANGE_SEPS = {"–", "—", "-", "à", "au", "to", "al", "a"}


def _shape(n: str) -> str:
    n = re.sub(r"^(?:COP/)?DEC/", "", n)
    if "/" in n:  # CBD: Roman numbers up to COP13, Arabic since COP14 (``XIII/6 et 14/4``)
        return "slash"
    return "roman." if n.split(".")[0].isalpha() else "num."


def _clean(n: str) -> str:
    return re.sub(r"^(?:COP/)?DEC/", "", n)


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman_to_int(s: str) -> int:
    total = 0
    for i, c in enumerate(s):
        v = _ROMAN[c]
        total += -v if i + 1 < len(s) and _ROMAN[s[i + 1]] > v else v
    return total


def _start_sentence(doc: Doc, char: int) -> None:
    """Make the token at ``char`` start a sentence (an instrument's heading or number
    opens a unit: the sentence before it is no context for what follows)."""
    idx = doc.user_data.get("docmine_token_starts")
    if idx is None or len(idx) != len(doc):
        idx = [t.idx for t in doc]
        doc.user_data["docmine_token_starts"] = idx
    i = bisect_left(idx, char) if idx else 0
    if 0 < i < len(doc) and doc[i].idx == char and not doc[i].is_sent_start:
        doc[i].is_sent_start = True
        doc.user_data.pop("docmine_sent_bounds", None)  # treaty.sentence_range's cache


def expand_range(a: str, b: str) -> list[str]:
    """``18.49``–``18.51`` → 18.49, 18.50, 18.51 (same series); else just both ends."""
    sep = "/" if "/" in a else "."
    ha, _, la = a.rpartition(sep)
    hb, _, lb = b.rpartition(sep)
    if ha == hb and la.isdigit() and lb.isdigit() and int(la) < int(lb) <= int(la) + 50:
        return [f"{ha}{sep}{i}" for i in range(int(la), int(lb) + 1)]
    return [a, b]


class RefRecognizer:
    def __init__(self, nlp: Language, name: str, patterns_path: str | None = None):
        self.name = name
        data = dict(DEFAULTS)
        if patterns_path:  # refs.json merged with refs_<lang>.json (docmine.extraction.patterns)
            data.update(load_patterns(patterns_path, "refs"))
        self.data = data
        kinds = data["kinds"]
        self.kind_res = [(k, re.compile("(?i:" + "|".join(v) + r")$")) for k, v in kinds.items()]
        kw = "|".join(f"(?:{x})" for v in kinds.values() for x in v)
        tw = "|".join(re.escape(t) for t in sorted(data["treaty_words"], key=len, reverse=True))
        self.treaty_words = data["treaty_words"]
        # keywords start with R/r/D/d: a literal-led alternation keeps the scan fast
        self.head = re.compile(
            rf"(?<![\w])(?P<kw>(?i:{kw}))(?![\w])\s*(?:(?P<tw>{tw})\s+)?(?P<conf>Conf\.?\s*)?(?P<n>{NUM})(?:{REV})?")
        self.tail = re.compile(r"\s*" + data["treaty_tail"] + rf"(?P<t>{tw})(?![\w])")
        self.para_after = re.compile(rf"\s*,?\s*{data['paragraph_words']}\s*(?P<p>\d+(?:\s*\(?[a-z]\))?|\(?[a-z]\))", re.I)
        self.para_before = re.compile(rf"{data['paragraph_words']}\s*(?P<p>\d+(?:\s*\(?[a-z]\))?)\s+"
                                      r"(?:de\s+la|du|de\s+l['’]|of(?:\s+the)?|de|del?\s+la)\s+$", re.I)
        self.unea_re = re.compile(data["unea_tail"]) if data.get("unea_tail") else None
        self.body_before = re.compile(data["named_body_before"]) if data.get("named_body_before") else None
        self.body_after = re.compile(data["named_body_after"]) if data.get("named_body_after") else None
        # instruments of other bodies: the body named right after (``de l'Assemblée
        # générale``) or right before (``General Assembly resolution``) decides
        self.other_bodies = []
        for b in data.get("other_bodies", []):
            self.other_bodies.append((
                b["treaty"],
                re.compile(r"\s*(?:,\s*)?" + data["other_body_after"] + r"(?:" + b["names"] + r")(?![\w])"),
                re.compile(r"(?<![\w])(?:" + b["names"] + r")(?:['’]s)?,?\s+(?:"
                           + data.get("other_body_before", "") + r")?$")))
        #: numbers that carry their body (``1/CP.21``): regex -> (treaty, body)
        self.numbered = [(re.compile(rx), t, body) for rx, t, body in data.get("numbered_bodies", [])]
        self.rec_bodies = [(b, re.compile(rx)) for b, rx in data["cbd_rec_bodies"].items()]
        heads = "|".join(re.escape(h) for h in data["headings"])
        bullets = data["bullets"]
        # a page number may sit between the heading and its first item (page break)
        self.heading = re.compile(rf"(?<![\w])(?P<kw>{heads})\s*:?\s*(?:\d{{1,3}}\s+)?(?={bullets}\s*{NUM})")
        self.bullet_item = re.compile(rf"{bullets}\s*(?P<n>{NUM})")
        self.bullet = re.compile(bullets)
        # numbers heading an instrument's text at a line start (``_headings``)
        self.dotted_heading = re.compile(r"(?P<n>\d{1,2}\.\d{1,3})(?![\w.])[ \t]+(?=[\[«\"(]?[A-ZÀ-Ý])")
        self.slash_heading = re.compile(r"(?P<n>(?:[IVXL]{1,6}|\d{1,2})/\d{1,3})\.[ \t]+(?=[\[«\"(]?[A-ZÀ-Ý])")
        self.symbol_kinds = [(k, re.compile(rx)) for k, rx in data.get("symbol_kinds", [])]
        self.adopted_kinds = [(k, re.compile(rx)) for k, rx in data.get("adopted_kinds", [])]

    # ------------------------------------------------------------------ helpers
    @property
    def other_treaties(self) -> set[str]:
        return {t for t, _, _ in self.other_bodies}

    def _numbered(self, n: str) -> tuple[str, str] | None:
        """(treaty, body) of a number that carries its body (``3/CMA.1`` -> UNFCCC, CMA)."""
        for rx, t, body in self.numbered:
            if rx.fullmatch(n):
                return t, body
        return None

    def _other_body(self, text: str, s: int, e: int) -> str | None:
        """The other body (``UNGA``) named right after or right before a slash-numbered
        instrument: ``résolution 73/284 de l'Assemblée générale``, ``General Assembly
        resolution 70/1``."""
        for t, after, before in self.other_bodies:
            if after.match(text, e) or before.search(text, max(0, s - 90), s):
                return t
        return None

    def _names_other_body(self, text: str, s: int, e: int) -> bool:
        """Another body is named right before the keyword or right after the numbers."""
        return bool((self.body_before and self.body_before.search(text, max(0, s - 90), s))
                    or (self.body_after and self.body_after.match(text, e)))

    def _kind(self, kw: str) -> str:
        for k, rx in self.kind_res:
            if rx.match(kw):
                return k
        return "Res"

    def _extend(self, text: str, m_end: int, first: str, first_rev: str | None):
        """Coordinated and ranged identifiers after the first: (end, numbers, revisions)."""
        nums = [_clean(first)]
        revs = [first_rev]
        end = m_end
        shape = _shape(first)
        while True:
            c = CONT.match(text, end)
            if not c or _shape(c.group("n")) != shape:
                break
            n = _clean(c.group("n"))
            if c.group("sep").strip() in RANGE_SEPS:
                rng = expand_range(nums[-1], n)
                nums.extend(rng[1:])
                revs.extend([None] * (len(rng) - 1))
            else:
                nums.append(n)
                revs.append(c.group("rev"))
            end = c.end()
        return end, nums, revs

    def _ids(self, doc: Doc, kind: str, nums: list[str], treaty: str | None, conf: bool, s: int, e: int) -> list[str]:
        ids = []
        for n in nums:
            own = self._numbered(n)
            if own:  # ``1/CP.21`` names its own treaty and body, whatever the context
                ids.append(f"{own[0]} {own[1]} {kind} {n}")
                continue
            t = treaty
            if t in self.other_treaties:
                ids.append(f"{t} {kind} {n}")
                continue
            # a slash-numbered resolution is some other body's (UNGA, UNEA): never the
            # context's treaty; with no body named, the paper's own body's (``its
            # resolutions 47/19 …`` in a General Assembly resolution)
            if t == "UNEA" or (kind == "Res" and "/" in n):
                body = t if t == "UNEA" else document_body(doc)
                if body and t != "UNEA" and self._names_other_body(doc_text(doc), s, e):
                    body = None  # ``Human Rights Council resolution 33/11``: not the paper's body's
                if body in ("UNEA", "UNGA") and not n.split("/")[0].isalpha():
                    ids.append(f"{body} Res {n}")
                continue
            if t is None:
                if conf:
                    t = "CITES"
                elif "/" in n and n.split("/")[0].isalpha():
                    t = "CBD"
                elif "/" in n:
                    t = "CBD"
            if t is None:
                continue
            if t == "CITES":
                ids.append(f"CITES Res Conf {n}" if kind == "Res" else f"CITES {kind} {n}")
            elif t == "CBD":
                if kind == "Rec":
                    ids.append(f"CBD {self._rec_body(doc, e)} Rec {n}")
                else:
                    ids.append(f"CBD COP {kind} {n}")
            else:
                ids.append(f"{t} {kind} {n}")
        return ids

    def _rec_body(self, doc: Doc, e: int) -> str:
        window = doc_text(doc)[e:e + 200]
        sent_text = sentence_text(doc, max(0, e - 1))
        for text in (window[:120], sent_text):
            for body, rx in self.rec_bodies:
                if rx.search(text):
                    return body
        return self.data["cbd_rec_default"]

    def _treaty(self, doc: Doc, m, nums: list[str], s: int, e: int) -> tuple[str | None, bool]:
        """(treaty, explicit) from the mention itself, else None for context."""
        if m.group("tw"):
            return self.treaty_words[m.group("tw")], True
        if m.group("conf"):
            return "CITES", True
        first = nums[0]
        kind = self._kind(m.group("kw"))
        own = self._numbered(first)
        if own:
            return own[0], True
        if "/" in first and not first.split("/")[0].isalpha():
            other = self._other_body(doc_text(doc), s, e)
            if other:
                return other, True
        if "/" in first and kind == "Res":  # slash-numbered resolutions: UNEA's, not CBD's
            if self.unea_re is not None and self.unea_re.search(doc_text(doc), e, e + 120):
                return "UNEA", True
            return None, False
        if "/" in first or m.group("n").startswith(("DEC/", "COP/")):
            return "CBD", True
        if first.split(".")[0].isalpha():
            return "RAMSAR", True
        t = self.tail.match(doc_text(doc), e)
        if t:
            return self.treaty_words[t.group("t")], True
        return None, False

    def _attrs(self, text: str, s: int, e: int, revs: list) -> dict:
        attrs: dict = {}
        rev = next((r for r in revs if r), None)
        if rev:
            attrs["revision"] = re.sub(r"\s+", "", rev)
        p = self.para_after.match(text, e)
        if p:
            attrs["paragraph"] = re.sub(r"[\s()]", "", p.group("p"))
        else:
            b = self.para_before.search(text, max(0, s - 40), s)
            if b and b.end() == s:
                attrs["paragraph"] = re.sub(r"[\s()]", "", b.group("p"))
        return attrs

    # ------------------------------------------------------------------ headings
    @staticmethod
    def _line_starts(doc: Doc, text: str) -> list[int]:
        """Where the original text began a line (left by ``docmine.extraction.extract``;
        for a Doc made from raw text, after each line break)."""
        starts = doc.user_data.get("docmine_line_starts")
        if starts is None:
            starts = [m.end() for m in re.finditer(r"[\n\r\f][ \t]*", text)]
        return [0] + list(starts)

    def _doc_kind(self, doc: Doc, text: str, pos: int) -> str:
        """Kind of the instruments a paper adopts: from its symbol (``/REC/``,
        ``/DEC/``), else from the title just before ``pos`` (``Recommendation
        adopted by …``), else ``Dec``."""
        sym = (doc._.symbol or "") if Doc.has_extension("symbol") else ""
        for kind, rx in self.symbol_kinds:
            if rx.search(sym):
                return kind
        best = None
        for kind, rx in self.adopted_kinds:
            for m in rx.finditer(text, max(0, pos - 800), pos):
                if best is None or m.start() > best[0]:
                    best = (m.start(), kind)
        return best[1] if best else "Dec"

    def _headings(self, doc: Doc, text: str, spans: list, taken: list) -> None:
        """The instrument's own number heading its text (spec §1, gold README):

        * a CITES or CMS decision number at a line start (``19.120 Parties are
          encouraged to``, ``14.48 La Secretaría deberá``) in a list that has a
          heading line ``Decisions 19.120 to 19.122`` of the same series (19.): the
          heading supplies the keyword and the treaty;
        * a slash number with a dot at a line start followed by a title (``26/5.
          Espèces exotiques envahissantes``, ``IX/27. …``, ``73/8. Necessity of …``)
          in a CBD paper (decision or recommendation, by the paper's symbol or title)
          or a General Assembly / UNEA paper (resolution).
        Placeholders of draft decisions (``15.AA``) are no numbers."""
        lines = self._line_starts(doc, text)
        line_set = set(lines)
        # series of the decision heading lines: ``19`` -> treaty
        series: dict[str, str] = {}
        for sp in spans:
            if sp is None or sp.start_char not in line_set or not sp._.ids:
                continue
            for i in sp._.ids:
                t, _, rest = i.partition(" Dec ")
                if rest and "." in rest:
                    series.setdefault(rest.split(".")[0], t)
        own_body = document_body(doc)
        own_treaty = ctx.document_treaty(doc)
        for pos in lines:
            m = self.dotted_heading.match(text, pos)
            if m and series.get(m.group("n").split(".")[0]):
                s, e = m.span("n")
                if not any(ts < e and s < te for ts, te in taken):
                    spans.append(make_span(doc, "REF", s, e, [f"{series[m.group('n').split('.')[0]]} Dec {m.group('n')}"]))
                    taken.append((s, e))
                    _start_sentence(doc, s)  # a decision's text is a unit of its own
                continue
            m = self.slash_heading.match(text, pos)
            if not m:
                continue
            s, e = m.span("n")
            if any(ts < e and s < te for ts, te in taken):
                continue
            n = m.group("n")
            if own_body in ("UNGA", "UNEA"):
                if n.split("/")[0].isalpha():
                    continue
                ids = [f"{own_body} Res {n}"]
            elif own_treaty == "CBD":
                kind = self._doc_kind(doc, text, s)
                ids = self._ids(doc, kind, [n], "CBD", False, s, e) if kind != "Rec" else \
                    [f"CBD {self._heading_rec_body(doc, text, s)} Rec {n}"]
            else:
                continue
            spans.append(make_span(doc, "REF", s, e, ids))
            taken.append((s, e))
            _start_sentence(doc, s)

    @staticmethod
    def _heading_line(text: str, lines: list[int], s: int, e: int, kw: str) -> int:
        """The start of the next line when the REF at [s, e) is a heading line of its
        own (at a line start, keyword capitalised, nothing after it on the line but a
        dash and a title: ``Decisions 19.120 to 19.122``, ``Decisiones 14.48 y 14.49 –
        Aves terrestres``), else 0."""
        if s not in lines or not kw[:1].isupper():
            return 0
        i = bisect_right(lines, e)
        nxt = lines[i] if i < len(lines) else len(text)
        rest = text[e:nxt].strip()
        if not rest or rest[0] in "–—-:":
            return nxt
        return 0

    def _heading_rec_body(self, doc: Doc, text: str, pos: int) -> str:
        sym = (doc._.symbol or "") if Doc.has_extension("symbol") else ""
        window = sym + " " + text[max(0, pos - 800):pos]
        for body, rx in self.rec_bodies:
            if rx.search(window):
                return body
        return self.data["cbd_rec_default"]

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        spans = []
        taken: list[tuple[int, int]] = []
        # a paper's own symbol holds an instrument's name (``UNEP/CMS/Resolución 14.15``): no REF
        symbols = [(sp.start_char, sp.end_char) for sp in doc.spans["DOC"]] if "DOC" in doc.spans else []
        found = []
        #: (kind, number) -> treaty of a mention that names its treaty (``Decisión 18.256
        #: (Rev. CoP19) de la CITES``): the same number cited bare elsewhere in the paper is
        #: the same instrument (``teniendo en cuenta la Decisión 18.256 (Rev. CoP19)``)
        named: dict[tuple[str, str], str] = {}
        for m in self.head.finditer(text):
            s = m.start()
            if any(a < s < b for a, b in symbols):
                continue
            e, nums, revs = self._extend(text, m.end(), m.group("n"), m.group("rev"))
            kind = self._kind(m.group("kw"))
            treaty, explicit = self._treaty(doc, m, nums, s, e)
            if explicit and treaty and "." in nums[0]:
                for n in nums:
                    named.setdefault((kind, n), treaty)
            found.append((m, s, e, nums, revs, kind, treaty))
        lines = self._line_starts(doc, text)
        for m, s, e, nums, revs, kind, treaty in found:
            heading = self._heading_line(text, lines, s, e, m.group("kw"))
            if heading:  # ``Decisiones 15.20 y 15.21 – Reptiles``: a unit of its own
                _start_sentence(doc, s)
                if heading < len(text):
                    _start_sentence(doc, heading)
            if treaty is None:
                # a heading line is no part of the sentence before it: the paper's treaty
                treaty = named.get((kind, nums[0])) or (
                    ctx.document_treaty(doc) if heading else treaty_for(doc, s, e))
                if treaty == "CBD" and "." in nums[0]:  # CBD numbers are never dotted
                    treaty = ctx.document_treaty(doc) if ctx.document_treaty(doc) != "CBD" else None
                # Ramsar numbers its resolutions in Roman figures (``XI.19``, ``XIV.1``):
                # an Arabic ``11.10`` named after a Ramsar one is the paper's own
                if treaty == "RAMSAR" and nums[0].split(".")[0].isdigit():
                    own = ctx.document_treaty(doc)
                    treaty = own if own != "RAMSAR" else None
            ids = self._ids(doc, kind, nums, treaty, bool(m.group("conf")), s, e)
            spans.append(make_span(doc, "REF", s, e, ids, self._attrs(text, s, e, revs)))
            taken.append((s, e))
        # lists of bare numbers under a heading
        for h in self.heading.finditer(text):
            kind = self._kind(h.group("kw"))
            treaty = ctx.document_treaty(doc)
            pos = h.end()
            while True:
                b = self.bullet_item.match(text, pos)
                if not b:
                    break
                s = b.start("n")
                e, nums, revs = self._extend(text, b.end(), b.group("n"), None)
                if not any(ts <= s < te for ts, te in taken):
                    t = treaty
                    if "/" in nums[0]:
                        t = "CBD"
                    ids = self._ids(doc, kind, nums, t, False, s, e)
                    spans.append(make_span(doc, "REF", s, e, ids, self._attrs(text, s, e, revs)))
                    taken.append((s, e))
                nb = self.bullet.search(text, e)
                if not nb or nb.start() - e > 600:
                    break
                pos = nb.start()
        self._headings(doc, text, spans, taken)
        set_spans(doc, "REF", spans)
        return doc


@Language.factory("docmine_refs", assigns=["doc.spans"], default_config={"patterns_path": None})
def make_refs(nlp: Language, name: str, patterns_path: str | None = None):
    return RefRecognizer(nlp, name, patterns_path)
