"""docmine_orgs: organisations from the knowledge base, with treaty context.

Writes ``doc.spans["ORG"]`` (``span._.ids`` = ``[id]`` or ``[]`` when the
knowledge base lacks the organisation; ``span._.attrs`` = ``{}``).

Rules (spec §1, §4; the data are ``corpus/kb/organisations.tsv`` and
``models/patterns/orgs.json``):

* names and acronyms of the knowledge base (:mod:`docmine.extraction.kb`); the longest
  name as written wins, an organisation's name inside a longer phrase is still
  a mention (``Famille CMS``, ``CITES/CMS``);
* a bracketed acronym right after a name belongs to it when it is that
  organisation's (or its parent's) acronym, or an unknown acronym:
  ``Commission baleinière internationale (CBI)``;
* a body followed by the organisation it belongs to is one mention whose id is
  ``<parent>-<body>``: ``Secrétariat de la CMS``, ``secrétariats de la CDB``,
  ``Secrétariat CITES``, ``COP CDB``, ``Comité Permanent de CITES``;
* a sub-body's name followed by its parent stays one mention
  (``Groupe d'experts sur les oiseaux de la Convention de Berne``);
* coordination: ``les secrétariats de la CMS et de CITES`` gives ``CITES`` the
  id ``cites-secretariat``; ``Conférences des Parties de la CDB et de la CMS``
  gives ``CMS`` the id ``cms-cop``;
* bare bodies (capitalised, singular: ``le Secrétariat``, ``le Comité
  permanent``, ``la COP``) take their treaty from context: the nearest
  convention named before them in the sentence (a parenthetical is its own
  context; a quotation belongs to the sentence that opens it; a sentence split
  after ``Conf.`` is mended), else the document's treaty. Other bare bodies
  (``Groupe consultatif``) take the nearest organisation of the sentence that
  has such a body in the knowledge base, and are dropped otherwise;
* plural bare bodies (``les secrétariats``, ``leurs Comités permanents``),
  generic classes (``les Parties``, ``les ONG``) and ``la Convention`` are not
  mentions; ORG inside a REF, DOC or MEETING span already found is dropped.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from pathlib import Path

from docmine.settings import PATTERNS_DIR  # installed: docmine/_data/models/patterns; checkout: models/patterns
from spacy.language import Language
from spacy.tokens import Doc

from ..kb import FOLD, KnowledgeBase, fold_regex, load_kb, name_key, unaccent
from ..treaty import document_treaty, heading_runs, in_heading, sibling_clauses

DEFAULT_PATTERNS = PATTERNS_DIR / "orgs.json"
INSIDE_LABELS = ("REF", "DOC", "MEETING")


@dataclass
class Cand:
    start: int
    end: int
    id: str | None
    kind: str  # name | acr | body | bare
    suffix: str | None = None
    core: bool = True
    parent: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start


_PRIORITY = {"name": 0, "acr": 0, "body": 1, "bare": 2}


class OrgRules:
    """The character-level matcher behind ``docmine_orgs`` (usable without spaCy)."""

    def __init__(self, kb: KnowledgeBase, patterns: dict):
        self.kb = kb
        self.patterns = patterns
        self.bodies = list(patterns["bodies"])
        alts = []
        # an alternation takes its first match, not its longest: names of more words go
        # first, so ``Secretaria Ejecutiva`` (accents folded) is the executive secretary,
        # not the ``Secretaría`` followed by a word (spec §1: the longest name as written)
        words = lambda rx: max((piece.count(" ") for piece in rx.split("|")), default=0)  # noqa: E731
        order = sorted(range(len(self.bodies)), key=lambda k: -max(
            words(self.bodies[k]["singular"]), words(self.bodies[k]["plural"])))
        for k in order:
            b = self.bodies[k]
            # accents present or missing: ``COMITE PERMANENT`` (spec §1)
            alts += [f"(?P<sg{k}>{fold_regex(b['singular'])})", f"(?P<pl{k}>{fold_regex(b['plural'])})"]
            if b.get("acronyms"):
                alts.append(f"(?P<ac{k}>(?-i:{b['acronyms']}))")
        pieces = [p for b in self.bodies for key in ("singular", "plural", "acronyms")
                  for p in (b.get(key) or "").split("|")]
        firsts = "".join(sorted({c for p in pieces if p for f in (p[0], unaccent(p[0]))
                                 for c in (f.lower(), f.upper()) + tuple(FOLD.get(f.lower(), ""))
                                 + tuple(FOLD.get(f.lower(), "").upper())}))
        self.body_re = re.compile(r"(?<!\w)(?=[" + re.escape(firsts) + r"])(?:" + "|".join(alts) + r")(?!\w)",
                                  re.IGNORECASE)
        self.suffixes = sorted((b["suffix"] for b in patterns["bodies"]), key=len, reverse=True)
        self.core = {b["suffix"]: b.get("core", False) for b in patterns["bodies"]}
        self.fallback = {b["suffix"]: b["fallback"] for b in patterns["bodies"] if b.get("fallback")}
        self.qualifier = re.compile(patterns["qualifier"], re.IGNORECASE)
        self.coordination = re.compile(patterns["coordination"], re.IGNORECASE)
        self.abbrev = re.compile(patterns["abbreviations_before_split"])
        self.bracket = re.compile(patterns["bracket"])
        self.unknown_acronym = re.compile(patterns["unknown_acronym"])
        self.not_acronyms = set(patterns.get("not_acronyms", []))
        self.heading_ambiguous = set(patterns.get("heading_ambiguous", []))
        # a KB acronym glued to the next word by PDF extraction (``L'ICCWCest``)
        glued = sorted((a for a in kb.acronyms if len(a) >= 3 and a.isalpha() and a.isupper()), key=len, reverse=True)
        words = patterns.get("glued_words", [])
        self.glued = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, glued)) + r")(?=(?:"
                                + "|".join(map(re.escape, words)) + r")(?!\w))") if glued and words else None
        # compile the alias regexes now, not on the first document
        kb.name_regex, kb.acronym_regex  # noqa: B018

    # ------------------------------------------------------------ helpers
    _WORD_BEFORE = re.compile(r"(\w+)['’]?\s*$")
    _WORD_AFTER = re.compile(r"^\s*(\w+)")

    def _in_heading(self, text: str, start: int, end: int) -> bool:
        """An acronym that is also a word (``AU``, ``UN``) beside upper-case words is a heading word."""
        for m in (self._WORD_BEFORE.search(text, max(0, start - 40), start), self._WORD_AFTER.match(text[end:end + 40])):
            if m:
                w = m.group(1)
                if len(w) >= 2 and w.isalpha() and w.isupper() and w not in self.kb.acronyms:
                    return True
        return False

    def suffix_of(self, org_id: str | None) -> str | None:
        if not org_id:
            return None
        for s in self.suffixes:
            if org_id.endswith("-" + s):
                return s
        return None

    def _base(self, text: str) -> list[Cand]:
        kb = self.kb
        out = []
        for m in kb.name_regex.finditer(text):
            i = kb.names.get(name_key(m.group()))
            # a one-word name written in lower case is a word (``to traffic totoaba``
            # is not TRAFFIC, ``interpol`` a verb in no paper): names of one word need
            # a capital
            if i and m.group().islower() and not any(c.isspace() for c in m.group()):
                continue
            if i:
                out.append(Cand(m.start(), m.end(), i, "name"))
        for m in kb.acronym_regex.finditer(text):
            i = kb.acronyms.get(m.group())
            if i and not (m.group() in self.heading_ambiguous and self._in_heading(text, m.start(), m.end())):
                out.append(Cand(m.start(), m.end(), i, "acr"))
        if self.glued is not None:
            for m in self.glued.finditer(text):
                i = kb.acronyms.get(m.group(1))
                if i:
                    out.append(Cand(m.start(1), m.end(1), i, "acr"))
        return out

    @staticmethod
    def _select(cands: list[Cand]) -> list[Cand]:
        """Longest first, non-overlapping; names beat composed bodies at equal length."""
        kept: list[Cand] = []
        taken: list[tuple[int, int]] = []
        for c in sorted(cands, key=lambda c: (-c.length, _PRIORITY[c.kind], c.start)):
            if any(c.start < e and s < c.end for s, e in taken):
                continue
            kept.append(c)
            taken.append((c.start, c.end))
        kept.sort(key=lambda c: c.start)
        return kept

    # ------------------------------------------------------------ main
    def find(self, text: str, *, sent_starts: list[int] | None = None,
             doc_treaty: str | None = None, blocked: list[tuple[int, int]] = ()) -> list[Cand]:
        kb = self.kb
        base = self._base(text)
        by_start: dict[int, Cand] = {}
        for c in sorted(base, key=lambda c: c.length):
            by_start[c.start] = c  # the longest at each start
        cands = list(base)
        # bodies
        for m in self.body_re.finditer(text):
            b = self.bodies[int(m.lastgroup[2:])]
            bs, be = m.span()
            plural = m.lastgroup.startswith("pl")
            q = self.qualifier.match(text, be)
            nxt = by_start.get(q.end()) if q.end() > be else None
            if nxt is not None and not q.group().strip():
                # no preposition: only a treaty's acronym ("Secrétariat CITES", "COP CDB")
                if nxt.kind != "acr" or kb.treaty_of(nxt.id) is None:
                    nxt = None
            if nxt is not None:
                if b.get("capital") and not text[bs].isupper():
                    continue
                body_id = kb.body(nxt.id, b["suffix"])
                cands.append(Cand(bs, nxt.end, body_id, "body", b["suffix"], self.core[b["suffix"]], nxt.id))
                continue
            if plural or b.get("needs_qualifier"):
                continue
            if not text[bs].isupper():
                continue
            cands.append(Cand(bs, be, None, "bare", b["suffix"], b.get("core", False)))
        kept = self._select(cands)
        kept = [c for c in kept if not any(s <= c.start and c.end <= e and (s, e) != (c.start, c.end)
                                           for s, e in blocked)]
        # bracketed acronym right after a name
        kept = self._brackets(text, kept)
        # a sub-body followed by its parent stays one mention
        kept = self._affiliation(text, kept)
        for c in kept:
            if c.suffix is None and c.kind in ("name", "acr"):
                c.suffix = self.suffix_of(c.id)
        # coordination of bodies
        self._coordinate(text, kept)
        # bare bodies from context
        out = []
        headings = heading_runs(text) if any(c.kind == "bare" for c in kept) else []
        for c in kept:
            if c.kind == "bare":
                c.id = self._resolve_bare(text, c, kept, sent_starts or [0], doc_treaty, headings)
                if c.id is None and not c.core:
                    continue
            out.append(c)
        return out

    def _brackets(self, text: str, kept: list[Cand]) -> list[Cand]:
        kb = self.kb
        drop = set()
        for idx, c in enumerate(kept):
            if c.kind == "bare":
                continue
            m = self.bracket.match(text, c.end)
            if not m:
                continue
            inner = m.group(1).strip()
            kid = kb.lookup_acronym(inner)
            related = {c.id, c.parent} | set(kb.ancestors(c.id) if c.id else [])
            related.discard(None)
            ok = (kid is not None and kid in related) or (
                kid is None and inner not in self.not_acronyms and self.unknown_acronym.match(inner) is not None)
            if not ok:
                continue
            for j in range(idx + 1, len(kept)):
                if kept[j].start >= m.end():
                    break
                drop.add(j)
            c.end = m.end()
        return [c for j, c in enumerate(kept) if j not in drop]

    def _affiliation(self, text: str, kept: list[Cand]) -> list[Cand]:
        kb = self.kb
        out: list[Cand] = []
        i = 0
        while i < len(kept):
            c = kept[i]
            if c.kind == "name" and c.id and i + 1 < len(kept):
                q = self.qualifier.match(text, c.end)
                n = kept[i + 1]
                if q and q.group().strip() and q.end() == n.start and n.id and n.id in kb.ancestors(c.id):
                    c.end = n.end
                    out.append(c)
                    i += 2
                    continue
            out.append(c)
            i += 1
        return out

    def _coordinate(self, text: str, kept: list[Cand]) -> None:
        kb = self.kb
        for i, c in enumerate(kept):
            if c.kind not in ("body", "name") or not c.suffix or not c.id:
                continue
            if c.kind == "name" and c.id.rsplit("-", 1)[0] == c.id:
                continue
            j, end = i + 1, c.end
            while j < len(kept):
                m = self.coordination.match(text, end)
                n = kept[j]
                if not m or m.end() != n.start or n.kind not in ("name", "acr") or not m.group().strip(" ,"):
                    break
                bid = kb.body(n.id, c.suffix) if n.id else None
                if not bid:
                    break
                n.id = bid
                end = n.end
                j += 1

    # ------------------------------------------------------------ context
    def context_start(self, text: str, start: int, sent_starts: list[int]) -> tuple[int, bool]:
        """Where a mention's context begins, and whether it is a parenthetical."""
        def sent_start(pos: int) -> int:
            k = bisect.bisect_right(sent_starts, pos) - 1
            return sent_starts[max(k, 0)]

        s0 = sent_start(start)
        for _ in range(5):
            moved = False
            if s0 > 0 and self.abbrev.search(text, max(0, s0 - 12), s0):
                s0 = sent_start(s0 - 1)
                moved = True
            qo = text.rfind("«", 0, start)
            qc = text.rfind("»", 0, start)
            if qo > qc and qo < s0 and start - qo < 2000:
                s0 = sent_start(qo)
                moved = True
            if not moved:
                break
        po = text.rfind("(", s0, start)
        pc = text.rfind(")", s0, start)
        if po > pc:
            return po + 1, True
        return s0, False

    @staticmethod
    def _closed_parens(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """[start, end) of the parentheses opened and closed between lo and hi."""
        out, stack = [], []
        for i in range(lo, hi):
            if text[i] == "(":
                stack.append(i)
            elif text[i] == ")" and stack:
                a = stack.pop()
                if not stack:
                    out.append((a, i + 1))
        return out

    def _resolve_bare(self, text: str, c: Cand, kept: list[Cand], sent_starts: list[int],
                      doc_treaty: str | None, headings: list[tuple[int, int]] = ()) -> str | None:
        kb = self.kb
        s0, paren = self.context_start(text, c.start, sent_starts)
        # a heading in capitals is no context for a body outside it (issue 8, O6)
        own = in_heading(headings, c.start, c.end)
        # nor is a parenthesis closed before it (``Le Comité permanent (avec le
        # Secrétariat de la CITES) et le Secrétariat``)
        closed = self._closed_parens(text, s0, c.start)
        # nor are the sibling clauses before its own (``a) … avec le Secrétariat de la
        # CMS ; et b) de faire rapport au Comité permanent``)
        sib = sibling_clauses(text, s0, c.start)
        if sib:
            closed.append(sib)
        before = [k for k in kept if k is not c and k.kind != "bare" and k.id and k.start >= s0 and k.end <= c.start
                  and in_heading(headings, k.start, k.end) in (None, own)
                  and not any(a <= k.start < b for a, b in closed)]
        for k in reversed(before):
            if c.core:
                if kb.treaty_of(k.id) is None:
                    continue
                bid = kb.body(kb.root_of(k.id), c.suffix)
            else:
                bid = kb.body(k.id, c.suffix) or kb.body(kb.root_of(k.id), c.suffix)
            if bid:
                return bid
        if not c.core and not paren:
            k_next = bisect.bisect_right(sent_starts, c.start)
            s_end = sent_starts[k_next] if k_next < len(sent_starts) else len(text)
            for k in kept:
                if k is c or k.kind == "bare" or not k.id or k.start < c.end or k.start >= s_end:
                    continue
                if in_heading(headings, k.start, k.end) not in (None, own):
                    continue
                bid = kb.body(k.id, c.suffix) or kb.body(kb.root_of(k.id), c.suffix)
                if bid:
                    return bid
        if doc_treaty:
            root = kb.treaty_root.get(doc_treaty.upper())
            if root and kb.body(root, c.suffix):
                return kb.body(root, c.suffix)
        return self.fallback.get(c.suffix)


def load_patterns(patterns_path: str | Path | None) -> dict:
    p = Path(patterns_path) / "orgs.json" if patterns_path else DEFAULT_PATTERNS
    if not p.exists():
        p = DEFAULT_PATTERNS
    return json.loads(p.read_text(encoding="utf-8"))


class OrgsComponent:
    def __init__(self, kb: KnowledgeBase, patterns: dict):
        self.rules = OrgRules(kb, patterns)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        if doc.has_annotation("SENT_START"):
            sent_starts = [s.start_char for s in doc.sents]
        else:
            sent_starts = [0]
        blocked = []
        for label in INSIDE_LABELS:
            if label in doc.spans:
                blocked.extend((s.start_char, s.end_char) for s in doc.spans[label])
        cands = self.rules.find(text, sent_starts=sent_starts, doc_treaty=document_treaty(doc),
                                blocked=blocked)
        spans = []
        # bare bodies (``le Conseil scientifique``): docmine_org_ner never extends them
        doc.user_data["docmine_bare_orgs"] = {(c.start, c.end) for c in cands if c.kind == "bare"}
        for c in cands:
            span = doc.char_span(c.start, c.end, label="ORG")
            if span is None:
                continue
            span._.ids = [c.id] if c.id else []
            span._.attrs = {}
            spans.append(span)
        doc.spans["ORG"] = spans
        return doc


@Language.factory("docmine_orgs", assigns=["doc.spans"],
                  default_config={"patterns_path": None, "kb_path": None, "kb_overlay": None})
def make_orgs(nlp: Language, name: str, patterns_path: str | None = None, kb_path: str | None = None,
              kb_overlay: list | None = None):
    """``kb_overlay``: knowledge learned from corrections (``[kind, id, alias, lang]``
    rows, :meth:`docmine.extraction.kb.KnowledgeBase.with_overlay`), passed as data."""
    kb = load_kb(str(kb_path) if kb_path else None, kb_overlay)
    return OrgsComponent(kb, load_patterns(patterns_path))
