"""The structure of a decision: numbered paragraphs, lettered sub-items and nested texts.

Built once per document (:func:`decision_structure` sets ``doc._.structure``)
from the normalised text (whitespace runs collapsed to one space) and the
offsets where the original text started a new line (``line_starts``). Both
the action items (``docmine_actions``) and each mention's ``paragraph``
(``docmine.extraction.extract`` → ``records.Mention.paragraph`` → the store) are read
from this one tree, so they always agree.

What it recognises (spec §2; the same numbering in French, English and
Spanish, so the parser is language-neutral — only the decision openers come
from the language lexicon, ``models/patterns/actions_<lang>.json``):

* numbered paragraphs ``3. Prie …``, ``1.Recommande`` (no space), ``4)``, and
  ``2. [Prie …]`` (negotiation brackets);
* CITES decision numbers at a line start (``18.50 Les Parties …``,
  ``20.AA Le Secrétariat …``);
* lettered items ``a)``, ``(b)``, ``c.``; roman items ``i)``, ``ii.``;
  bullets ``•``, ``-``;
* a nested draft decision: a ``1.`` that follows a decision opener
  (``La Conférence des Parties,``) inside an open paragraph starts a new
  numbering below that paragraph (``Recommande que la Conférence des Parties
  adopte une décision dans ce sens : La Conférence des Parties, 1. Prie …``);
  its paragraphs are labelled as if the decision stood alone.

A marker counts only at a line start, at the start of the text, or after a
clause boundary (``: ; . ! ? ]``, and ``et``/``ou``/``and``/``or``/``,`` for
letters); letters and roman numerals must follow in sequence (``a`` opens a
list, ``b`` continues it), so ``page 3. Les`` or ``catégorie a. Les`` are no
paragraphs.

Labels: :meth:`DecisionStructure.paragraph_at` gives the path from the
innermost decision down, e.g. ``"12"``, ``"12 b"``, ``"12 b ii"``, ``"b"``
(a list outside any numbered paragraph), ``"18.50 a"``; bullets add nothing.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterable, Sequence

#: numbered paragraph, CITES decision number, letter/roman item, bullet
_MARK = re.compile(
    r"(?<![\w/.,-])(?:"
    r"(?P<dec>\d{1,2}\.(?:\d{1,3}|[A-Z]{2,3}))\s(?=[A-ZÀ-Ý])"
    r"|(?P<num>\d{1,3})(?P<nd>[.)])(?:\s(?=[\[«\"(]?[^\W\d_])|(?=\[?[A-ZÀ-Ý]))"
    r"|(?P<po>\()?(?P<let>[a-z]{1,4})(?P<lc>[.)])\s(?=\S)"
    r"|(?P<bul>[•▪◦●‣∙·\uf0b7\uf0a7–—-])\s(?=\S)"
    r")")
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii",
          "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"]
_LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]
_CLAUSE_END = ":;.!?]"
_JOINERS = re.compile(r"(?:^|\s)(?:et|ou|and|or|y|o)$|,$")

#: decision openers used when no lexicon is given (French, English, Spanish)
DEFAULT_OPENERS = (r"(?:La|The|El|La) (?:Conférence des Parties|Réunion des Parties|"
                   r"Conference of the Parties|Meeting of the Parties|Conferencia de las Partes)"
                   r"[^.;:]{0,200}?,")


@dataclass(eq=False)
class Node:
    """One node of the tree. Offsets are into the normalised text.

    ``kind``: ``root`` | ``num`` (numbered paragraph) | ``dec`` (CITES
    decision number) | ``letter`` | ``roman`` | ``bullet`` | ``nested`` (a
    draft decision inside a paragraph, from its opener). ``start`` is the
    marker's first character, ``body`` the first character after the marker
    (an opening ``[`` included in the body), ``end`` where the next node that
    is not a descendant starts (else the parent's end).
    """
    kind: str
    label: str | None
    start: int
    body: int
    end: int = -1
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    #: True inside decision text (after a decision opener, in a nested draft
    #: decision, or a CITES decision number under an ``À l'adresse de`` heading)
    operative: bool = False

    @property
    def labels(self) -> list[str]:
        """Labels from the innermost ``nested`` node (or the root) down to this node."""
        out: list[str] = []
        n: Node | None = self
        while n is not None and n.kind not in ("root", "nested"):
            if n.label is not None:
                out.append(n.label)
            n = n.parent
        return out[::-1]

    @property
    def paragraph(self) -> str | None:
        lab = self.labels
        return " ".join(lab) if lab else None

    def items(self) -> list["Node"]:
        """The list-item children (numbered, lettered, roman, bullets) of this node."""
        return [c for c in self.children if c.kind in ("num", "dec", "letter", "roman", "bullet")]

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Node({self.kind} {self.label!r} {self.start}-{self.end})"


class DecisionStructure:
    """The tree of one document; ``nodes`` in document order (root first)."""

    def __init__(self, text: str, root: Node, nodes: list[Node]):
        self.text = text
        self.root = root
        self.nodes = nodes
        self._starts = [n.start for n in nodes]
        self._by_body = {n.body: n for n in nodes if n.kind != "root"}

    def node_at(self, offset: int) -> Node:
        """The deepest node whose ``[start, end)`` holds ``offset`` (the root at worst)."""
        i = bisect_right(self._starts, offset) - 1
        while i > 0:
            n = self.nodes[i]
            if n.start <= offset < n.end:
                return n
            # walk up from this node: a containing ancestor, if any
            p = n.parent
            while p is not None and p.kind != "root":
                if p.start <= offset < p.end:
                    return p
                p = p.parent
            i -= 1
        return self.root

    def paragraph_at(self, offset: int) -> str | None:
        """``"12"``, ``"12 b"``, ``"b"`` … of the paragraph ``offset`` stands in, or None."""
        return self.node_at(offset).paragraph

    def node_with_body(self, pos: int) -> Node | None:
        """The node whose body starts at ``pos`` (or at ``pos - 1`` when that is a ``[``)."""
        n = self._by_body.get(pos)
        if n is None and pos > 0 and self.text[pos - 1] == "[":
            n = self._by_body.get(pos - 1)
        return n

    def list_after(self, pos: int, within: int = 12) -> list[Node]:
        """The run of sibling list items whose first marker starts in ``(pos, pos + within]``
        after only whitespace/colons: ``[a), b), c)]``; empty when no list starts there."""
        i = bisect_right(self._starts, pos)
        while i < len(self.nodes) and self.nodes[i].start <= pos + within:
            n = self.nodes[i]
            if n.kind in ("letter", "roman", "num", "bullet") and \
                    not self.text[pos:n.start].strip(" :\u00a0"):
                sibs = n.parent.children if n.parent else [n]
                k = sibs.index(n)
                return [s for s in sibs[k:] if s.kind == n.kind]
            i += 1
        return []

    def descendants(self, node: Node) -> Iterable[Node]:
        for c in node.children:
            yield c
            yield from self.descendants(c)


def line_starts_of(original: str, text: str, offsets: Sequence[int]) -> list[int]:
    """Offsets in the normalised ``text`` where the ``original`` began a new line
    (a whitespace run holding ``\\n``, ``\\r`` or ``\\f``); ``offsets`` is
    :attr:`docmine.reading.textmap.NormText.offsets`."""
    out: list[int] = []
    n = len(text)
    for m in re.finditer(" ", text):
        i = m.start()
        if i + 1 > n:
            break
        a, b = offsets[i], offsets[i + 1]
        seg = original[a:b]
        if "\n" in seg or "\r" in seg or "\f" in seg:
            out.append(i + 1)
    return out


#: words whose period ends no clause (``SC77 Doc. 19. Mise`` holds no paragraph 19)
_ABBREV = {"doc", "conf", "rev", "add", "corr", "inf", "p", "pp", "no", "n°", "nos", "art", "para",
           "paragr", "cf", "vol", "chap", "sect", "annex", "res", "dec", "déc", "rés", "rec"}


def _after_boundary(text: str, pos: int, *, joiners: bool) -> bool:
    before = text[max(0, pos - 12):pos].rstrip()
    if not before:
        return True
    if before[-1] == ".":
        w = re.search(r"([\w°]+)\.$", before)
        if w and w.group(1).lower() in _ABBREV:
            return False
    if before[-1] in _CLAUSE_END:
        return True
    return bool(joiners and _JOINERS.search(before))


def parse_operative_structure(text: str, line_starts: Iterable[int] | None = None, *,
                              openers: str | None = None,
                              addressee_headings: str | None = None) -> DecisionStructure:
    """Parse ``text`` (normalised, one space per whitespace run) into a :class:`DecisionStructure`.

    ``line_starts``: normalised offsets where the original began a line (see
    :func:`line_starts_of`); without them only clause boundaries admit markers
    (and CITES decision numbers are not recognised). ``openers``: a regex of
    decision openers (``La Conférence des Parties …,``) from the language
    lexicon; ``addressee_headings``: a regex of CITES headings (``À l'adresse
    du Secrétariat``) that make the decisions below them operative.
    """
    lines = set(line_starts or ())
    have_lines = line_starts is not None
    opener_re = re.compile(openers or DEFAULT_OPENERS)
    heading_re = re.compile(addressee_headings) if addressee_headings else None

    def openers_in(a: int, b: int) -> list[re.Match]:
        """Decision openers in [a, b); with line starts known, only one standing on its
        own line(s) (``La Conférence des Parties,`` then a line break), not a sentence
        of a note that starts with the same words."""
        out = []
        for om in opener_re.finditer(text, a, b):
            if have_lines:
                end = om.end()
                while end < len(text) and text[end] == " ":
                    end += 1
                if not ((om.start() == 0 or om.start() in lines) and (end >= len(text) or end in lines)):
                    continue
            out.append(om)
        return out
    root = Node("root", None, 0, 0, len(text))
    nodes: list[Node] = [root]
    stack: list[Node] = [root]  # open nodes, innermost last
    last_list_end = 0  # where the text before the current top-level list starts

    def open_of(kind: str) -> int | None:
        """Index in ``stack`` of the innermost open node of ``kind`` (not across a nested text)."""
        for k in range(len(stack) - 1, 0, -1):
            if stack[k].kind == kind:
                return k
            if stack[k].kind == "nested":
                return None
        return None

    def add(node: Node, parent: Node) -> None:
        node.parent = parent
        parent.children.append(node)
        nodes.append(node)
        stack.append(node)

    for m in _MARK.finditer(text):
        pos = m.start()
        at_line = pos == 0 or pos in lines
        body = m.end()
        if m.group("num"):
            if not (at_line or _after_boundary(text, pos, joiners=False)):
                continue
            n = int(m.group("num"))
            label = m.group("num")
            # the innermost open numbering that this number continues
            k = next((j for j in range(len(stack) - 1, 0, -1)
                      if stack[j].kind == "num" and int(stack[j].label) + 1 == n), None)
            if k is not None:
                prev = stack[k]
                del stack[k:]
                add(Node("num", label, pos, body, operative=prev.operative), stack[-1])
                continue
            tops = [int(c.label) for c in root.children if c.kind == "num"][-2:]
            if not _after_boundary(text, pos, joiners=False) and n != 1 and tops and \
                    n - 1 not in tops:
                # a wrapped line that starts with a number ("… la Résolution\n12. Les …"):
                # out of sequence and not after a sentence end, no paragraph
                continue
            if n == 1 and len(stack) > 1:
                # a new numbering inside an open paragraph: a nested draft decision?
                host = stack[-1]
                op = None
                for om in openers_in(host.body, pos):
                    op = om
                # the host must lead into the draft ("… dans ce sens :"); a host closed by
                # its own sentence end ("19.13 … antes del 31 de marzo de 2025.") is done,
                # and the opener starts a new decision of its own
                if op is not None and text[host.body:op.start()].rstrip()[-1:] in (".", ";"):
                    op = None
                if op is not None and _only_preamble(text, op.end(), pos):
                    nested = Node("nested", None, op.start(), op.start(), operative=True)
                    add(nested, host)
                    add(Node("num", label, pos, body, operative=True), nested)
                    continue
            # a new top-level numbering, or a top-level paragraph out of sequence
            prev_top = next((c for c in reversed(root.children) if c.kind == "num"), None)
            del stack[1:]
            if n == 1 or prev_top is None:
                seg = text[last_list_end:pos]
                operative = bool(openers_in(last_list_end, pos)) or bool(heading_re and heading_re.search(seg))
                last_list_end = pos
            else:
                operative = prev_top.operative
            add(Node("num", label, pos, body, operative=operative), root)
            continue
        if m.group("dec"):
            if not (at_line and have_lines):
                continue
            del stack[1:]
            seg = text[max(0, pos - 3000):pos]
            operative = bool(heading_re and heading_re.search(seg)) or bool(openers_in(max(0, pos - 3000), pos))
            add(Node("dec", m.group("dec"), pos, body, operative=operative), root)
            last_list_end = pos
            continue
        if m.group("bul"):
            if m.group("bul") in "–—-" and not at_line and not _after_boundary(text, pos, joiners=False):
                continue
            if not (at_line or _after_boundary(text, pos, joiners=True)):
                continue
            k = open_of("bullet")
            if k is not None and stack[k].label == m.group("bul"):
                del stack[k:]
            parent = stack[-1]
            add(Node("bullet", m.group("bul"), pos, body, operative=parent.operative), parent)
            continue
        let = m.group("let")
        if not (at_line or _after_boundary(text, pos, joiners=True)):
            continue
        if m.group("po") and m.group("lc") != ")":
            continue
        placed = False
        for kind, seq in (("letter", _LETTERS), ("roman", _ROMAN)):
            k = open_of(kind)
            if k is not None:
                cur = stack[k].label
                if cur in seq and seq.index(cur) + 1 < len(seq) and seq[seq.index(cur) + 1] == let:
                    del stack[k:]
                    parent = stack[-1]
                    add(Node(kind, let, pos, body, operative=parent.operative), parent)
                    placed = True
                    break
        if placed:
            continue
        if let in ("a", "i"):
            kind = "letter" if let == "a" else "roman"
            # a new list below the innermost open node (not below a finished sibling item
            # of the same kind: "a) … i) …" nests, "b) … a) …" restarts at the parent)
            k = open_of(kind)
            if k is not None:
                del stack[k:]
            parent = stack[-1]
            add(Node(kind, let, pos, body, operative=parent.operative), parent)

    # ends: the next node that is not a descendant, else the parent's end
    _close(root, len(text))
    for n in nodes:
        if n.kind == "bullet":
            n.label = None
    return DecisionStructure(text, root, nodes)


def _only_preamble(text: str, a: int, b: int) -> bool:
    """Between a decision opener and its ``1.``: preambular clauses only
    (each ending with a comma), no sentence end."""
    seg = text[a:b].strip()
    return not seg or (seg.endswith(",") and not re.search(r"[.;:](?=\s)", seg))


def _close(node: Node, end: int) -> None:
    node.end = end
    ch = node.children
    for i, c in enumerate(ch):
        _close(c, ch[i + 1].start if i + 1 < len(ch) else end)


def decision_structure(doc, lexicon: dict | None = None) -> DecisionStructure:
    """The :class:`DecisionStructure` of a spaCy ``Doc``, built once and kept in
    ``doc._.structure``. Reads the normalised text (``doc.user_data["docmine_text"]``)
    and the line starts left by ``docmine.extraction.extract`` (``doc.user_data["docmine_line_starts"]``)."""
    s = doc._.structure
    if s is not None:
        return s
    text = doc.user_data.get("docmine_text")
    if text is None:
        text = doc.text
    lex = lexicon or {}
    s = parse_operative_structure(text, doc.user_data.get("docmine_line_starts"),
                                  openers=lex.get("decision_openers"),
                                  addressee_headings=lex.get("addressee_headings"))
    doc._.structure = s
    return s


class TextParagraphs:
    """Paragraph labels of offsets into an *original* text (a stored document or
    page text), from the same structure the extraction builds: the text is
    normalised with :func:`docmine.reading.textmap.normalise`, parsed once, and each
    original offset mapped to its normalised position."""

    def __init__(self, original: str, lexicon: dict | None = None):
        from docmine.reading.textmap import normalise
        self.norm = normalise(original)
        lex = lexicon or {}
        self.structure = parse_operative_structure(
            self.norm.text, line_starts_of(original, self.norm.text, self.norm.offsets),
            openers=lex.get("decision_openers"), addressee_headings=lex.get("addressee_headings"))

    def paragraph_at(self, offset: int) -> str | None:
        """The label (``"12"``, ``"12 b"``) at ``offset`` of the original text, or None."""
        i = bisect_right(self.norm.offsets, offset) - 1
        return self.structure.paragraph_at(max(0, min(i, len(self.norm.text))))
