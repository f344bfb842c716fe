"""The knowledge base of organisations (spec §4) and its alias index.

``corpus/kb/organisations.tsv`` (``settings.kb_path``) holds one row per
organisation or body: ``id`` (lower-case kebab of the English short name;
treaty bodies ``<treaty>-<body>``), ``parent`` (an id or empty), ``treaty``
(the treaty code of a convention and of its bodies, e.g. ``CMS``), English,
French and Spanish names, acronyms per language and further ``aliases``
(any language). Multi-valued cells are separated by ``;``; lines starting
with ``#`` are comments.

The alias index distinguishes

* **acronyms** (the ``acronyms_*`` cells and one-word aliases with two or more
  capitals such as ``InforMEA``): matched case-sensitively;
* **names**: matched case-insensitively, tolerant of typographic/straight
  apostrophes, ``œ``/``oe``, non-breaking spaces and of a space or hyphen
  present or missing between words (``Plate-forme``/``Plateforme``,
  ``commerceet`` in PDF text).

French aliases win over English ones and English over Spanish ones when two
languages would give the same string to different ids (``CPM``).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LANGS = ("fr", "en", "es")
COLUMNS = ["id", "parent", "treaty", "name_en", "name_fr", "name_es",
           "acronyms_en", "acronyms_fr", "acronyms_es", "aliases"]
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_APOS = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "\u00a0": " ", "\u202f": " "})


@dataclass
class Org:
    id: str
    parent: str = ""
    treaty: str = ""
    names: dict[str, list[str]] = field(default_factory=dict)
    acronyms: dict[str, list[str]] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        for lang in ("en", "fr", "es"):
            if self.names.get(lang):
                return self.names[lang][0]
        return self.id

    def all_acronyms(self) -> set[str]:
        return {a for v in self.acronyms.values() for a in v}


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split(";") if p.strip()]


def is_acronym_like(alias: str) -> bool:
    """One word with two or more capitals (``CMS``, ``InforMEA``, ``UNEP/ROAP``)."""
    return " " not in alias and sum(c.isupper() for c in alias) >= 2


#: letters that capitals often lose their accent on (``ESPECES``, ``DIVERSITE``); spec §1
FOLD = {"a": "aàâäáã", "e": "eéèêë", "i": "iîïíì", "o": "oôöóò", "u": "uûüúù", "c": "cç",
        "n": "nñ", "y": "yÿ"}
_UNACCENT = {ch: base for base, chars in FOLD.items() for ch in chars[1:]}
_UNACCENT.update({ch.upper(): base.upper() for ch, base in list(_UNACCENT.items())})
_UNACCENT_TABLE = str.maketrans(_UNACCENT)


def unaccent(text: str) -> str:
    """``text`` with the accents of :data:`FOLD` removed (same length)."""
    return text.translate(_UNACCENT_TABLE)


def fold_regex(pattern: str) -> str:
    """``pattern`` with every letter of :data:`FOLD` (accented or not) matching its
    accented and unaccented forms: ``Conf[ée]rence`` also matches ``CONFERENCE``
    (compile with ``re.IGNORECASE``), and every literal space matching any run of
    whitespace (a name broken across lines). Escapes, classes and group syntax are kept."""
    out, i, n, in_class = [], 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
                out.append(ch)
            elif ch == "-" or pattern[i + 1:i + 2] == "-" or (i > 0 and pattern[i - 1] == "-"):
                out.append(ch)  # a range (``a-z``) stays as written
            else:
                base = _UNACCENT.get(ch, ch).lower()
                out.append(FOLD[base] + FOLD[base].upper() if base in FOLD else ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            if pattern[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            i += 1
            continue
        if ch == "(" and pattern[i + 1:i + 2] == "?":
            # group syntax: copy up to the end of the group head (``(?:``, ``(?P<n>``, ``(?<!``)
            m = re.match(r"\(\?(?:P<\w+>|P=\w+\)|<[=!]|[:=!>]|[aiLmsux-]+[:)])", pattern[i:])
            if m:
                out.append(m.group())
                i += m.end()
                continue
        if ch == " ":  # a name broken across lines matches
            out.append(r"\s+")
            i += 1
            continue
        base = _UNACCENT.get(ch, ch).lower()
        if base in FOLD and ch.isalpha():
            out.append("[" + FOLD[base] + FOLD[base].upper() + "]")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def name_key(text: str) -> str:
    """Lookup key of a name as written: case, accents, apostrophes, œ, spaces and
    hyphens folded (``ESPECES`` = ``espèces``)."""
    t = unaccent(text.translate(_APOS).lower().replace("œ", "oe").replace("æ", "ae"))
    return re.sub(r"[\s\-‐‑–]+", "", t)


def acronym_key(text: str) -> str:
    return text.translate(_APOS)


# ---------------------------------------------------------------- regex tries
_END = ""


def _trie_regex(strings: list[str], unit) -> str:
    """A regex alternation of ``strings`` sharing prefixes (longest alternative tried first)."""
    trie: dict = {}
    for s in strings:
        node = trie
        for u in unit(s):
            node = node.setdefault(u, {})
        node[_END] = {}

    def emit(node: dict) -> str:
        parts = []
        for u in sorted((k for k in node if k != _END), key=lambda k: (-len(k), k)):
            parts.append(u_to_re(u) + emit(node[u]))
        if not parts:
            return ""
        optional = _END in node
        if len(parts) == 1 and not optional:
            return parts[0]
        body = "(?:" + "|".join(parts) + ")"
        return body + "?" if optional else body

    def u_to_re(u: str) -> str:
        if u == " ":  # a space, a line break, a hyphen, or nothing (``commerceet``)
            return r"(?:[\s\u00a0\u202f]+|[\-‐‑])?"
        if u == "'":
            return r"['’‘ʼ][\s\u00a0]*"
        if u == "oe":
            return "(?:œ|oe)"
        if u in FOLD:  # accents present or missing (``ESPECES``, ``espèces``)
            return "[" + FOLD[u] + "]"
        return re.escape(u)

    # iterative emission would be nicer; recursion depth = longest alias (< 300)
    import sys
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 5000))
    try:
        return emit(trie)
    finally:
        sys.setrecursionlimit(old)


def _name_units(s: str) -> list[str]:
    s = s.translate(_APOS).lower()
    out: list[str] = []
    for ch in s:
        if ch in " -‐‑":
            if out and out[-1] != " ":
                out.append(" ")
        elif ch == "œ":
            out.append("oe")
        else:
            out.append(_UNACCENT.get(ch, ch))
    return out


class KnowledgeBase:
    """Organisations by id, with the alias index used by ``docmine_orgs``."""

    def __init__(self, orgs: list[Org]):
        self.orgs: dict[str, Org] = {}
        for o in orgs:
            if o.id in self.orgs:
                raise ValueError(f"duplicate organisation id {o.id!r}")
            self.orgs[o.id] = o
        #: name key -> id; acronym -> id (French first, then English, then Spanish)
        self.names: dict[str, str] = {}
        self.acronyms: dict[str, str] = {}
        #: per-language maps, for integrity checks: (lang, key) -> set of ids
        self.conflicts: dict[tuple[str, str], set[str]] = {}
        per_lang: dict[tuple[str, str], set[str]] = {}
        for lang in LANGS + ("*",):
            for o in self.orgs.values():
                if lang == "*":
                    names, acrs = [], []
                    for a in o.aliases:
                        (acrs if is_acronym_like(a) else names).append(a)
                else:
                    names = o.names.get(lang, [])
                    acrs = o.acronyms.get(lang, [])
                for n in names:
                    k = name_key(n)
                    per_lang.setdefault((lang, "n:" + k), set()).add(o.id)
                    self.names.setdefault(k, o.id)
                for a in acrs:
                    k = acronym_key(a)
                    per_lang.setdefault((lang, "a:" + k), set()).add(o.id)
                    self.acronyms.setdefault(k, o.id)
        self.conflicts = {k: v for k, v in per_lang.items() if len(v) > 1}
        #: treaty code -> root id (the convention itself)
        self.treaty_root: dict[str, str] = {}
        for o in self.orgs.values():
            if o.treaty and (not o.parent or self.orgs.get(o.parent) is None
                             or self.orgs[o.parent].treaty != o.treaty):
                self.treaty_root.setdefault(o.treaty.upper(), o.id)
        self._name_re = None
        self._acr_re = None

    # ------------------------------------------------------------ loading
    @classmethod
    def from_tsv(cls, path: str | Path) -> "KnowledgeBase":
        path = Path(path)
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and not ln.startswith("#")]
        reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        orgs = []
        for row in reader:
            orgs.append(Org(
                id=row["id"].strip(), parent=(row.get("parent") or "").strip(),
                treaty=(row.get("treaty") or "").strip(),
                names={lang: _split(row.get(f"name_{lang}")) for lang in LANGS},
                acronyms={lang: _split(row.get(f"acronyms_{lang}")) for lang in LANGS},
                aliases=_split(row.get("aliases")),
            ))
        return cls(orgs)

    def with_overlay(self, overlay) -> "KnowledgeBase":
        """A new knowledge base: this one plus ``overlay``, knowledge learned from
        editors' corrections (``(kind, entity_id, alias, lang)`` rows, kind
        ``alias`` or ``entity``; :func:`docmine.store.models.kb_overlay` reads
        them from the database and the caller passes them down). An alias of a
        known id is added to its aliases; an unknown id becomes a new
        organisation named by its alias. The base's own names win a clash
        (same string, another id). Empty overlay: ``self``."""
        if not overlay:
            return self
        import copy
        orgs = {i: copy.deepcopy(o) for i, o in self.orgs.items()}
        for row in overlay:
            _kind, eid, alias, lang = (list(row) + ["", "", "", ""])[:4]
            alias = " ".join(str(alias).split())
            if not eid or not alias:
                continue
            o = orgs.get(eid)
            if o is None:
                o = orgs[eid] = Org(id=eid, names={lang or "fr": [alias]} if not is_acronym_like(alias) else {},
                                    acronyms={lang or "fr": [alias]} if is_acronym_like(alias) else {})
                continue
            if alias not in o.aliases:
                o.aliases.append(alias)
        return KnowledgeBase(list(orgs.values()))

    # ------------------------------------------------------------ queries
    def __contains__(self, org_id: str) -> bool:
        return org_id in self.orgs

    def __len__(self) -> int:
        return len(self.orgs)

    def get(self, org_id: str) -> Org | None:
        return self.orgs.get(org_id)

    def lookup(self, text: str) -> str | None:
        """The id of a name or acronym as written, or None."""
        a = self.acronyms.get(acronym_key(text.strip()))
        if a:
            return a
        return self.names.get(name_key(text))

    def lookup_acronym(self, text: str) -> str | None:
        return self.acronyms.get(acronym_key(text.strip()))

    def ancestors(self, org_id: str) -> list[str]:
        out, seen = [], set()
        cur = self.orgs.get(org_id)
        while cur and cur.parent and cur.parent not in seen:
            seen.add(cur.parent)
            out.append(cur.parent)
            cur = self.orgs.get(cur.parent)
        return out

    def treaty_of(self, org_id: str) -> str | None:
        o = self.orgs.get(org_id)
        return o.treaty.upper() if o and o.treaty else None

    def root_of(self, org_id: str) -> str:
        """The convention an id belongs to (``cms-secretariat`` -> ``cms``), else itself."""
        t = self.treaty_of(org_id)
        if t and t in self.treaty_root:
            return self.treaty_root[t]
        return org_id

    def body(self, parent_id: str, suffix: str) -> str | None:
        """``<parent>-<suffix>`` when the knowledge base has it."""
        i = f"{parent_id}-{suffix}"
        return i if i in self.orgs else None

    # ------------------------------------------------------------ regexes
    @property
    def name_regex(self) -> re.Pattern:
        if self._name_re is None:
            names = {n for o in self.orgs.values() for lang in LANGS for n in o.names.get(lang, [])}
            names |= {a for o in self.orgs.values() for a in o.aliases if not is_acronym_like(a)}
            body = _trie_regex(sorted(names), _name_units)
            self._name_re = re.compile(r"(?<!\w)(?:" + body + r")(?![\w])", re.IGNORECASE)
        return self._name_re

    @property
    def acronym_regex(self) -> re.Pattern:
        if self._acr_re is None:
            acrs = set(self.acronyms)
            body = _trie_regex(sorted(acrs), lambda s: list(s))
            self._acr_re = re.compile(r"(?<!\w)(?:" + body + r")(?!\w)")
        return self._acr_re


def load_kb(path: str | Path | None = None, overlay=None) -> KnowledgeBase:
    """The knowledge base at ``path`` (default: ``settings.kb_path``), with
    ``overlay`` (learned knowledge, see :meth:`KnowledgeBase.with_overlay`)
    applied; loaded once per (path, overlay)."""
    if path is None:
        from docmine.settings import get_settings
        path = get_settings().kb_path
    key = tuple(tuple(str(x) for x in row) for row in (overlay or ()))
    return _load_kb(str(path), key)


@lru_cache(maxsize=8)
def _load_kb(path: str, overlay: tuple) -> KnowledgeBase:
    if overlay:
        return _load_kb(path, ()).with_overlay(overlay)
    return KnowledgeBase.from_tsv(path)
