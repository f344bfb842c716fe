"""docmine_meetings: MEETING mentions (numbered sessions and meetings of bodies).

Two shapes (grammar as data in ``models/patterns/meetings.json``):

* phrases: ``<ordinal> <noun> [adjective] [connector <body>] [treaty tail]
  [(acronym)]``: ``11eme session de la Conférence des Parties à la CMS`` →
  ``CMS COP11``, ``65ème réunion du Comité permanent de la CITES`` → ``CITES
  SC65``, ``3ème réunion plénière de l’IPBES (IPBES-3)`` → ``IPBES-3``.
  Without a body, a possessive (``sa douzième réunion``) takes the body the
  clause names; a bare ``Groupe`` takes the group named just before;
  ``réunion des Signataires`` takes the memorandum named in the sentence.
* acronyms: ``COP12``, ``CoP18``, ``CdP-11``, ``IPBES-3``, ``UNEA-2``,
  ``CDB COP13``, ``COP12 de la CMS``.

Ordinals in words or figures (:mod:`docmine.extraction.grammars.ordinals`). Articles and
possessives stay outside the span. Ids (spec §5): ``<TREATY> <CODE><N>``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from docmine.settings import PATTERNS_DIR  # installed: docmine/_data/models/patterns; checkout: models/patterns
from spacy.language import Language
from spacy.tokens import Doc

from docmine.extraction import treaty as ctx
from ..grammars.ordinals import parse_ordinal
from ..kb import fold_regex
from ..patterns import load_patterns
from .context import doc_text, document_body, make_span, sentence_range, set_spans, treaty_for

_PATTERNS = PATTERNS_DIR


class MeetingRecognizer:
    def __init__(self, nlp: Language, name: str, patterns_path: str | None = None, *, fold: bool = False):
        self.name = name
        # meetings.json merged with meetings_<lang>.json (docmine.extraction.patterns)
        d = load_patterns(patterns_path or _PATTERNS, "meetings", fallback=_PATTERNS)
        self.data = d
        #: headings mode: phrase regexes ignore case and accents (``12ème SESSION DE LA
        #: CONFERENCE DES PARTIES``); used only on the headings in capitals
        self.fold = fold

        def rx_(pattern: str, flags: int = 0) -> re.Pattern:
            return re.compile(fold_regex(pattern), flags | re.I) if fold else re.compile(pattern, flags)

        self.noun_re = rx_(rf"(?<![\w]){d['nouns']}(?![\w])")
        self.adj_re = rx_(rf"\s+{d['adjectives']}(?![\w])", re.I)
        self.adj_word = rx_(rf"^{d['adjectives']}$", re.I)
        # the connector ends at a space or an apostrophe (``del Comité`` is not ``de`` + ``l Comité``)
        self.conn_re = rx_(rf"\s+{d['connectors']}(?<=[\s'’])")
        self.poss_re = rx_(rf"(?<![\w]){d['possessives']}\s+$", re.I)
        self.tconn = d["treaty_connectors"]
        self.treaty_names = [(rx_(rx), t) for rx, t in d["treaty_names"]]
        # longest first: ``Ramsar Convention`` before ``Ramsar`` whatever file each comes from
        tn = "|".join(f"(?:{rx})" for rx, _ in sorted(d["treaty_names"], key=lambda x: -len(x[0])))
        self.tail_re = rx_(rf"\s+{self.tconn}(?P<t>{tn})(?![\w])")
        self.treaty_at_re = rx_(rf"(?P<t>{tn})(?![\w])")
        self.bodies = []
        for b in d["bodies"]:
            rx = rx_("(?:" + "|".join(b["names"]) + r")(?![\w])")
            self.bodies.append((b, rx))
        allb = "|".join(f"(?:{n})" for b in d["bodies"] for n in b["names"]
                        if b["key"] not in ("MOS", "MOP") and not (fold and b["key"] == "plenary"))
        self.plenary_after_re = rx_(r"\s+(?:Plenary|Pl[ée]ni[èe]re|Plenario)(?![\w])")
        self.any_body_re = rx_(rf"(?<![\w])(?:{allb})(?![\w])")
        # a title block names the body on the line above the meeting: ``COMITÉ PERMANENT
        # QUARANTE-CINQUIÈME RÉUNION``
        self.body_before_re = rx_(rf"(?<![\w])(?:{allb})\s+$")
        #: bodies a bare ordinal numbers without ``réunion``/``session`` (``la 18e
        #: Conférence des Parties``): a numbered Conference of the Parties is a meeting
        direct = "|".join(f"(?:{n})" for b in d["bodies"] if b.get("ordinal_direct") for n in b["names"])
        self.direct_re = rx_(rf"(?<![\w])(?:{direct})(?![\w])") if direct else None
        self.by_key = {b["key"]: b for b in d["bodies"]}
        self.instruments = [(name, rx_(rf"(?i:(?<![\w])(?:{rx}))")) for name, rx in d["instruments"]]
        self.agreement_re = re.compile(rf"(?P<a>{d['agreements']})")
        acr = "|".join(sorted(d["acronyms"], key=len, reverse=True))
        spaced = "|".join(d["acronyms_spaced"])
        tw = "CMS|CEM|CDB|CBD|CITES"
        self.acr_re = re.compile(
            rf"(?<![\w/.\-])(?:(?P<tw>{tw})\s+)?(?:(?P<acr>{acr})-?|(?P<acrs>{spaced})\s)(?P<n>\d{{1,2}})(?![\w/]|\.\d)")
        self.generic_body_re = rx_(rf"(?<![\w]){d['generic_bodies']}")
        self.mos_tail = rx_(d["mos_instrument_tail"]) if d.get("mos_instrument_tail") else None
        self.indef_re = re.compile(r"(?<![\w])(?:une?|an?|otra|another)\s+$", re.I)
        self.cop_mop = [(rx_(rx, re.I), t) for rx, t in d.get("cop_serving_as_mop", [])]
        self.generic_cont = rx_(rf"\s+{d['generic_continuations']}")
        self.skip_before = re.compile(d["skip_before"])
        self.fronted_re = re.compile(r"(?:\s+[^\s,;()]+){0,3}\s*,\s*(?:le|la|les|l['’]|the|el|los)\s*")
        self.bracket_re = re.compile(r"\s*\((?P<a>[A-Za-z][A-Za-z\-]*?)[\s\-]?(?P<n>\d{1,2})\)")
        self.paper_bodies = [(re.compile(rx), k) for rx, k in d.get("paper_bodies", [])]
        self.paper_titles = [(re.compile(rx), k) for rx, k in d.get("paper_body_titles", [])]
        self.headings = None if fold else MeetingRecognizer(nlp, name, patterns_path, fold=True)
        self._mop_template: str | None = None

    # ------------------------------------------------------------------ helpers
    def _treaty_of_name(self, name: str) -> str | None:
        for rx, t in self.treaty_names:
            if rx.fullmatch(name):
                return t
        return None

    def _code(self, body: dict, treaty: str | None) -> str:
        codes = body.get("codes", {})
        return codes.get(treaty or "", codes.get("*", body["key"]))

    def _id(self, body: dict, treaty: str | None, n: int, doc: Doc, start: int, end: int | None = None) -> list[str]:
        if "treaty_templates" in body:  # a fisheries Commission: its own name (``WCPFC9``)
            t = body["treaty_templates"].get(treaty or ctx.document_treaty(doc) or "")
            return [t.format(n=n)] if t else []
        tmpl = body.get("template")
        if tmpl:
            if "{instrument}" in tmpl:
                inst = self._instrument(doc, start, end)
                return [tmpl.format(instrument=(inst + " ") if inst else "", n=n)]
            if "{agreement}" in tmpl:
                return []
            return [tmpl.format(n=n)]
        if not (treaty and treaty in body.get("other_treaties", ())):
            treaty = body.get("treaty") or treaty
        if not treaty:
            return []
        return [f"{treaty} {self._code(body, treaty)}{n}"]

    def _instrument(self, doc: Doc, start: int, end: int | None = None) -> str | None:
        text = doc_text(doc)
        if end is not None:  # named in the phrase itself (``des Signataires du MdE sur les requins``)
            for name, rx in self.instruments:
                if rx.search(text, start, end):
                    return name
        lo, _ = sentence_range(doc, start)
        for window_lo in (lo, max(0, lo - 600)):
            best = None
            for name, rx in self.instruments:
                for m in rx.finditer(text, window_lo, start):
                    if best is None or m.start() > best[0]:
                        best = (m.start(), name)
            if best:
                return best[1]
        return None

    def _ordinal_before(self, text: str, s: int) -> tuple[int, int] | None:
        """(start, number) of the ordinal ending right before ``s`` (one adjective may sit between)."""
        window = text[max(0, s - 45):s]
        if not window.endswith(" "):
            return None
        words = list(re.finditer(r"[^\s]+", window))
        if not words:
            return None
        # skip one adjective (``first extraordinary meeting``)
        if len(words) > 1 and self.adj_word.match(words[-1].group(0)):
            words = words[:-1]
        base = max(0, s - 45)
        for k in (3, 2, 1):
            if len(words) < k:
                continue
            part = words[-k:]
            phrase = window[part[0].start():part[-1].end()]
            n = parse_ordinal(phrase)
            if n:
                return base + part[0].start(), n
        return None

    def _body_at(self, text: str, pos: int):
        """(body, end) of a body name starting at ``pos``."""
        for b, rx in self.bodies:
            m = rx.match(text, pos)
            if m:
                return b, m.end(), m
        return None

    def _tail(self, text: str, pos: int):
        m = self.tail_re.match(text, pos)
        if m:
            return self._treaty_of_name(m.group("t")), m.end()
        return None, pos

    def _anaphora(self, text: str, pos: int, head_end: int):
        """The named body a bare ``Groupe`` at [pos, head_end) refers back to."""
        best = None
        for b, rx in self.bodies:
            if not b.get("anaphora"):
                continue
            if not re.match(b["anaphora"], text[pos:head_end]):
                continue
            for m in rx.finditer(text, max(0, pos - 1500), pos):
                if best is None or m.start() > best[0]:
                    best = (m.start(), b)
        return best[1] if best else None

    @staticmethod
    def _brackets(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """[start, end) of the parentheses (outermost) between lo and hi."""
        out, depth, start = [], 0, None
        for i in range(lo, hi):
            ch = text[i]
            if ch == "(":
                if depth == 0:
                    start = i
                depth += 1
            elif ch == ")" and depth:
                depth -= 1
                if depth == 0:
                    out.append((start, i + 1))
        if depth:
            out.append((start, hi))
        return out

    def _clause_body(self, doc: Doc, s: int, e: int):
        """The body a possessive meeting (``sa 32e session``) belongs to: (body, treaty).

        The subject of its clause (spec §5): the nearest body named before it in
        the sentence, else the nearest after it; never a body inside a parenthesis
        that does not hold the meeting (``(tenue conjointement avec la 25e session
        du Comité pour les plantes)``) nor one in a heading in capitals."""
        text = doc_text(doc)
        lo, hi = sentence_range(doc, s)
        parens = [(a, b) for a, b in self._brackets(text, lo, hi) if not (a <= s < b)]
        sib = ctx.sibling_clauses(text, lo, s)
        if sib:
            parens.append(sib)
        heads = ctx.doc_headings(doc)
        own_head = ctx.in_heading(heads, s, e)
        best = None
        for m in self.any_body_re.finditer(text, lo, hi):
            if s <= m.start() < e:
                continue
            if any(a <= m.start() < b for a, b in parens):
                continue
            if ctx.in_heading(heads, m.start(), m.end()) not in (None, own_head):
                continue
            before = m.end() <= s
            dist = s - m.end() if before else m.start() - e
            # a fronted phrase (``Lors de sa 31e session, le Comité …``) belongs to the
            # subject that follows it
            fronted = not before and self.fronted_re.fullmatch(text, e, m.start()) is not None
            key = (-1 if fronted else 0 if before else 1, dist)
            if best is None or key < best[0]:
                best = (key, m)
        if best is None:
            return None
        m = best[1]
        body, bend, _ = self._body_at(text, m.start())
        if body["key"] == "COP":
            # ``la Conférence des Parties siégeant en tant que réunion des Parties au
            # Protocole de Kyoto, à sa dix-huitième session``: the body is the CMP
            for rx, tmpl in self.cop_mop:
                if rx.match(text, bend):
                    self._mop_template = tmpl
                    return body, None
        treaty, _ = self._tail(text, bend)
        if treaty is None:
            treaty = treaty_for(doc, m.start(), bend)
        return body, treaty

    def _paper_body(self, doc: Doc) -> dict | None:
        """The body whose instrument the paper is (``paper_bodies`` by its symbol,
        ``paper_body_titles`` by its title, ``UNGA`` for a General Assembly paper
        without symbol), or None."""
        if "docmine_paper_body" in doc.user_data:
            return doc.user_data["docmine_paper_body"]
        sym = doc._.symbol or ""
        key = next((k for rx, k in self.paper_bodies if sym and rx.search(sym)), None)
        if key is None and document_body(doc) == "UNGA":
            key = "UNGA"
        if key is None:
            head = doc_text(doc)[:1500]
            key = next((k for rx, k in self.paper_titles if rx.search(head)), None)
        body = self.by_key.get(key) if key else None
        doc.user_data["docmine_paper_body"] = body
        return body

    # ------------------------------------------------------------------ main
    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        spans: list = []
        taken: list[tuple[int, int]] = []
        self._phrases(doc, text, 0, len(text), spans, taken)
        # headings in capitals, with or without accents (spec §1: title blocks)
        if self.headings is not None:
            for lo, hi in ctx.doc_headings(doc):
                self.headings._phrases(doc, text, lo, hi, spans, taken)
        self._acronyms(doc, text, spans, taken)
        set_spans(doc, "MEETING", spans)
        return doc

    def _phrases(self, doc: Doc, text: str, lo: int, hi: int, spans: list, taken: list) -> None:
        """Meetings written as phrases in text[lo:hi] (appended to ``spans``/``taken``)."""
        for nm in self._heads(text, lo, hi):
            if any(ts < nm.end() and nm.start() < te for ts, te in taken):
                continue
            direct = nm.re is self.direct_re
            ordinal = self._ordinal_before(text, nm.start())
            if not ordinal:
                continue
            s, n = ordinal
            if self.indef_re.search(text, max(0, s - 6), s):  # ``une seconde réunion``: not numbered
                continue
            e = nm.end()
            adj = None if direct else self.adj_re.match(text, e)
            plenary = extraordinary = False
            if adj:
                e = adj.end()
                plenary = adj.group(0).strip().lower().startswith("pl")
                extraordinary = adj.group(0).strip().lower().startswith("extraord")
            ids = None
            body = None
            treaty = None
            c = None if direct else self.conn_re.match(text, e)
            if direct:
                # ``18e Conférence des Parties [à la CITES]``: the head is the body itself
                found = self._body_at(text, nm.start())
                body = found[0] if found else None
                tail_t, tail_end = self._tail(text, e)
                if tail_t:
                    treaty, e = tail_t, tail_end
            elif c:
                found = self._body_at(text, c.end())
                if found:
                    body, bend, _ = found
                    e = bend
                    if body["key"] == "COP":
                        for rx, tmpl in self.cop_mop:
                            mm = rx.match(text, e)
                            if mm:
                                e = mm.end()
                                ids = [tmpl.format(n=n)]
                                break
                    if body["key"] == "MOS" and self.mos_tail is not None:
                        mt = self.mos_tail.match(text, e)
                        if mt:
                            e = mt.end()
                    if body["key"] == "MOP":
                        a = self.agreement_re.search(text, c.end(), bend)
                        ids = [f"{a.group('a')} MOP{n}"] if a else []
                else:
                    # a bare generic head (``du Groupe``) refers back to a group named before
                    g = re.match(r"(Groupe|Group|Grupo|Task\s+Force)(?![\w])", text[c.end():c.end() + 12])
                    if g and not self.generic_cont.match(text, c.end() + g.end()):
                        ref = self._anaphora(text, c.end(), c.end() + g.end())
                        if ref:
                            body = ref
                            e = c.end() + g.end()
                tail_t, tail_end = self._tail(text, e)
                # ``73rd meeting of the CITES Standing Committee``: the treaty word
                # names the body that follows it
                named_body = None
                if tail_t and body is None:
                    sp_ = re.match(r"[ \t]+", text[tail_end:tail_end + 4])
                    named_body = self._body_at(text, tail_end + sp_.end()) if sp_ else None
                if named_body:
                    treaty, body, e = tail_t, named_body[0], named_body[1]
                elif tail_t:
                    treaty = tail_t
                    if body is None:
                        key = self.data["treaty_default_body"].get(tail_t, self.data["treaty_default_body"]["*"])
                        if plenary or tail_t == "IPBES":
                            key = self.data["treaty_default_body"].get(tail_t, key)
                        body = self.by_key.get(key)
                    e = tail_end
                    if tail_t == "IPBES":  # ``twelfth session of the IPBES Plenary``
                        pl = self.plenary_after_re.match(text, e)
                        if pl:
                            e = pl.end()
            elif plenary:
                # ``L'IPBES a tenu sa onzième session plénière``
                if ctx.document_treaty(doc) == "IPBES" or treaty_for(doc, s, e) == "IPBES":
                    body = self.by_key["plenary"]
            if body is None and (self.fold or text[s].isupper()):
                # title block: the body heads the lines above (``COMITÉ PERMANENT
                # QUARANTE-CINQUIÈME RÉUNION``; ``Organe subsidiaire chargé de fournir des
                # avis … technologiques Vingt-sixième réunion``)
                pre = self.body_before_re.search(text, max(lo, s - 200), s)
                if pre:
                    found = self._body_at(text, pre.start())
                    if found:
                        body = found[0]
            if body is None:
                poss = self.poss_re.search(text, max(0, s - 8), s)
                if not poss:
                    continue
                self._mop_template = None
                found = self._clause_body(doc, s, e)
                if found and self._mop_template:
                    ids = [self._mop_template.format(n=n)]
                if not found:
                    lo, hi = sentence_range(doc, s)
                    if not self.generic_body_re.search(text, lo, hi):
                        # no body in the clause: the paper's own body (``its seventy-fourth
                        # session`` in a General Assembly resolution, ``à sa 15e session``
                        # in a COP resolution)
                        pb = self._paper_body(doc)
                        if pb is None:
                            continue
                        found = (pb, None if pb.get("template") else treaty_for(doc, s, e))
                    else:
                        found = (None, None)
                body, treaty = found
            if treaty is None and body is not None and not body.get("treaty"):
                treaty = treaty_for(doc, s, e)
            br = self.bracket_re.match(text, e)
            if br and int(br.group("n")) == n:
                e = br.end()
            if ids is None:
                ids = self._id(body, treaty, n, doc, s, e) if body else []
                if extraordinary:
                    ids = [re.sub(r"^(\S+ )?(\S+?)(\d+)$", r"\1Ex\2\3", i) for i in ids]
            if any(ts < e and s < te for ts, te in taken):
                continue
            spans.append(make_span(doc, "MEETING", s, e, ids))
            taken.append((s, e))

    def _heads(self, text: str, lo: int, hi: int):
        """Meeting nouns (``réunion``, ``session``) and directly numbered bodies in
        text[lo:hi], in order."""
        heads = list(self.noun_re.finditer(text, lo, hi))
        if self.direct_re is not None:
            heads += list(self.direct_re.finditer(text, lo, hi))
        return sorted(heads, key=lambda m: m.start())

    def _acronyms(self, doc: Doc, text: str, spans: list, taken: list) -> None:
        """Meetings written as acronyms with a number (``COP12``, ``SBI48``)."""
        blocked = [(sp.start_char, sp.end_char) for lab in ("DOC", "REF") if lab in doc.spans for sp in doc.spans[lab]]
        for m in self.acr_re.finditer(text):
            s, e = m.span()
            if any(ts < e and s < te for ts, te in taken + blocked):
                continue
            if self.skip_before.search(text, max(0, s - 8), s):
                continue
            acr = m.group("acr") or m.group("acrs")
            key = self.data["acronyms"][acr]
            n = int(m.group("n"))
            treaty = self.data_treaty(m.group("tw"))
            tail_t, tail_end = self._tail(text, e)
            if tail_t and not treaty:
                treaty = tail_t
                e = tail_end
            only = self.data["acronyms_only_in"].get(acr)
            if treaty is None:
                treaty = treaty_for(doc, s, e)
            if treaty is None:  # the spelling's own convention (``CoP`` is CITES')
                treaty = self.data.get("acronym_treaty", {}).get(acr)
            if only and treaty != only:
                continue
            body = self.by_key[key]
            spans.append(make_span(doc, "MEETING", s, e, self._id(body, treaty, n, doc, s)))
            taken.append((s, e))

    @staticmethod
    def data_treaty(word: str | None) -> str | None:
        return ctx.TREATY_WORDS.get(word) if word else None


@Language.factory("docmine_meetings", assigns=["doc.spans"], default_config={"patterns_path": None})
def make_meetings(nlp: Language, name: str, patterns_path: str | None = None):
    return MeetingRecognizer(nlp, name, patterns_path)
