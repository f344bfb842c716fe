"""docmine_org_ner: organisations the knowledge base lacks, from the statistical NER.

Runs after the sourced ``ner`` component. Every ``ORG`` entity that does not
overlap a span already found (ORG from the knowledge base, REF, DOC, MEETING,
DATE) and that looks like an organisation's name becomes an ORG span with
``ids`` = ``[]`` (or the knowledge base id when its text is a known alias).

The filters keep precision (``models/patterns/orgs_ner.json``):

* the entity is trimmed of leading articles/prepositions and trailing
  punctuation; it must start with a capital letter;
* it is either an acronym (two or more capitals, not a generic class such as
  ``ONG``, ``AME``, ``ORGP``) or a name with an organisation head word
  (``Organisation``, ``Commission``, ``Fonds``, ``Groupe``, ``Réseau``…) and
  not an instrument, plan or document (``Résolution``, ``Plan``,
  ``Déclaration``, ``Stratégie``…);
* it has at most ``max_tokens`` tokens and no digits (symbols, meetings).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from docmine.settings import PATTERNS_DIR  # installed: docmine/_data/models/patterns; checkout: models/patterns
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..kb import load_kb
from ..treaty import doc_text

DEFAULT_PATTERNS = PATTERNS_DIR / "orgs_ner.json"
ROMAN = re.compile(r"^[IVXLCDM]+$")
BLOCKING = ("ORG", "REF", "DOC", "MEETING", "DATE")
#: tokens of candidate sentences the statistical NER reads at once (bounded memory on long documents)
MAX_PIECE_TOKENS = 5_000

DEFAULTS = {
    "labels": ["ORG"],
    "max_tokens": 14,
    "leading": ["le", "la", "les", "l'", "l’", "du", "de", "des", "d'", "d’", "au", "aux", "à", "et", "en", "par", "pour", "avec", "the"],
    "heads": [],
    "not_heads": [],
    "generic": [],
}


def load_ner_patterns(patterns_path: str | Path | None) -> dict:
    p = Path(patterns_path) / "orgs_ner.json" if patterns_path else DEFAULT_PATTERNS
    if not p.exists():
        p = DEFAULT_PATTERNS
    data = dict(DEFAULTS)
    if p.exists():
        data.update(json.loads(p.read_text(encoding="utf-8")))
    return data


#: ``(MSC)`` / ``( MSC )`` at the end of a name
_TRAILING_ACRONYM = re.compile(r"\s*\(\s*[A-Z][A-Za-z&/-]*\s*\)\s*$")
#: lower-case words allowed inside a capitalised English or Spanish name
_FUNCTION_WORDS = {"for", "the", "and", "of", "on", "in", "with", "to", "from", "para", "sobre", "contra",
                   "entre", "las", "los", "del", "con"}
_BRACKETED_TAIL = re.compile(r"\(\s*([^()\s]+)\s*\)$")


class OrgFilter:
    """Decides whether an entity's text is an organisation name (no spaCy needed)."""

    def __init__(self, patterns: dict):
        self.p = patterns
        self.heads = {h.lower() for h in patterns["heads"]}
        self.not_heads = {h.lower() for h in patterns["not_heads"]}
        self.generic = set(patterns["generic"])
        self.generic_lower = {g.lower() for g in patterns["generic"]}
        self.leading = {w.lower() for w in patterns["leading"]}
        self.acronym = re.compile(r"^[A-Z][A-Za-z&]*[A-Z][A-Za-z&]*(?:[-/][A-Z][A-Za-z]*)*$")

    def accept(self, words: list[str]) -> bool:
        if not words or len(words) > self.p["max_tokens"]:
            return False
        text = " ".join(words)
        if any(ch.isdigit() for ch in text):
            return False
        first = words[0]
        if not first[:1].isupper():
            return False
        if text in self.generic or text.lower() in self.generic_lower:
            return False
        # the long form of a generic class's acronym is generic too
        # (``Organisations régionales de gestion des pêches (ORGP)``)
        acr = _BRACKETED_TAIL.search(text)
        if acr and acr.group(1) in self.generic:
            return False
        if len(words) == 1:
            w = first.strip("«»\"'’")
            if ROMAN.match(w) or len(w) > 8:
                return False
            return bool(self.acronym.match(w)) and w not in self.generic
        low = [w.lower().strip(",;:«»\"") for w in words]
        joined = " ".join(low)
        if any(joined == h or joined.startswith(h + " ") for h in self.not_heads):
            return False
        if low[0] in self.heads:
            return True
        # English names: head at the end ("Lusaka Agreement Task Force", "... Society"),
        # or inside a name whose every content word is capitalised ("Ad Hoc Technical
        # Expert Group on Indicators", "Global Knowledge Support Service for Biodiversity")
        capitalised = all(w[:1].isupper() for w in words if len(w) > 3 and w.lower() not in _FUNCTION_WORDS)
        if not capitalised:
            return False
        if low[-1] in self.heads:
            return True
        # an inner head word only inside one run of words: a bracket or a line of a
        # title block in between (``AUTRES ORGANISATIONS (Préparé par le Secrétariat)
        # Résumé``) means two things, not one name; a trailing acronym in brackets
        # (``Marine Stewardship Council (MSC)``) is part of the name
        name = _TRAILING_ACRONYM.sub("", " ".join(words))
        if any(ch in name for ch in "()[]"):
            return False
        return any(w in self.heads for w in name.lower().split()[1:])


class OrgNer:
    def __init__(self, patterns: dict, kb=None):
        self.filter = OrgFilter(patterns)
        self.labels = set(patterns["labels"])
        self.kb = kb
        self.extend_over_kb = bool(patterns.get("extend_over_kb", True))
        self._replaced: list[tuple[int, int]] = []
        self.max_kb_words_inside = int(patterns.get("max_kb_words_inside", 2))
        self.boundary_tokens = set(patterns.get("boundary_tokens", []))
        self.boundary_words = {w.lower() for w in patterns.get("boundary_words", [])}
        self.person_titles = set(patterns.get("person_titles", []))
        self.agent_words = {w.lower() for w in patterns.get("agent_words", [])}
        self.participle_endings = tuple(patterns.get("participle_endings", []))

    def pieces(self, ent: Span) -> list[Span]:
        """``ent`` cut at clause boundaries: a name never spans a ``;``/``:``, a
        relative pronoun (``qui``, ``dont``), an agent phrase (``présidé par``) or a
        person's name (a civility title, a ``PER`` entity); the title or boundary
        word itself belongs to no piece (issue 8, O3)."""
        doc = ent.doc
        per = bytearray(len(doc))
        for e in doc.ents:
            if e.label_ == "PER":
                per[e.start:e.end] = b"\x01" * (e.end - e.start)
        out, s = [], ent.start
        i = ent.start
        while i < ent.end:
            t = doc[i]
            cut = (t.text in self.boundary_tokens or t.lower_ in self.boundary_words
                   or t.text in self.person_titles or per[i]
                   # an agent phrase: ``établi par le Comité``
                   or (t.text.islower() and len(t.text) > 3 and t.text.endswith(self.participle_endings)
                       and i + 1 < len(doc) and doc[i + 1].lower_ in self.agent_words))
            if cut:
                if i > s:
                    out.append(doc[s:i])
                if t.text in self.person_titles:
                    # the title and the capitalised name after it are a person
                    i += 1
                    while i < ent.end and doc[i].text[:1].isupper():
                        i += 1
                    s = i
                    continue
                s = i + 1
            i += 1
        if ent.end > s:
            out.append(doc[s:ent.end])
        return out

    def trim(self, span: Span) -> Span | None:
        doc = span.doc
        s, e = span.start, span.end
        while s < e and (doc[s].lower_ in self.filter.leading or doc[s].is_punct or doc[s].is_space):
            s += 1
        while e > s and (doc[e - 1].is_punct and doc[e - 1].text != ")" or doc[e - 1].is_space
                         or doc[e - 1].lower_ in self.filter.leading
                         # a closing bracket the span did not open (``Comité permanent)``)
                         or doc[e - 1].text == ")" and "(" not in doc[s:e - 1].text):
            e -= 1
        return doc[s:e] if e > s else None

    def _in_heading(self, span: Span) -> bool:
        """An upper-case word beside other upper-case words is a heading, not an acronym."""
        known = self.kb.acronyms if self.kb is not None else {}
        doc = span.doc
        for i, step in ((span.start - 1, -1), (span.end, 1)):
            # a one-letter word between (``ÁFRICA Y EURASIA``, ``AFRICA AND EURASIA``) is skipped
            if 0 <= i < len(doc) and len(doc[i].text) == 1 and doc[i].text.isupper():
                i += step
            if 0 <= i < len(doc):
                t = doc[i].text
                if len(t) >= 2 and t.isalpha() and t.isupper() and t not in known:
                    return True
        return False

    def _candidate(self, doc: Doc, piece: Span, taken, kb_orgs, filtered: bool):
        """(span, KB mentions it replaces) when ``piece`` becomes an ORG mention, else None."""
        span = self.trim(piece) if filtered else piece
        if span is None:
            return None
        if any(span.start_char < e and s < span.end_char for s, e in taken):
            return None
        inside = []
        if kb_orgs:
            inside = [(s, e) for s, e in kb_orgs if span.start_char < e and s < span.end_char]
            if inside:
                # a longer name around exactly one knowledge-base mention replaces it
                # ("Bureau régional du PNUE pour …" when the KB only knows "PNUE")
                if not filtered or len(inside) > 1:
                    return None
                s0, e0 = inside[0]
                if not (span.start_char <= s0 and e0 <= span.end_char and e0 - s0 < len(span.text)):
                    return None
                if s0 == span.start_char and (s0, e0) in doc.user_data.get("docmine_bare_orgs", ()):
                    # a bare body's name is whole: what follows is its clause
                    # (``Conseil scientifique de recenser les besoins de la Convention``)
                    return None
                if len(doc_text(doc)[s0:e0].split()) > self.max_kb_words_inside:  # text built once per doc
                    return None  # a full name of the KB is not overridden
                if len(span) < 3:
                    return None
                # the longer name must add a name of its own (a capitalised word):
                # ``Secrétariat des directives politiques`` is the KB body and its object
                extra = [t for t in span if not (s0 <= t.idx < e0)]
                if not any(t.text[:1].isupper() for t in extra):
                    return None
        if filtered:
            if span.text.count("(") != span.text.count(")"):
                return None
            if not self.filter.accept([t.text for t in span]):
                return None
            if len(span) == 1 and self._in_heading(span):
                return None
        return span, inside

    def find(self, doc: Doc, blocking=BLOCKING, *, filtered: bool = True) -> list[Span]:
        """ORG spans from ``doc.ents`` that overlap no span of ``blocking`` labels."""
        taken = []
        for label in blocking:
            if label in doc.spans:
                taken.extend((sp.start_char, sp.end_char) for sp in doc.spans[label])
        kb_orgs = []
        if self.extend_over_kb and "ORG" in blocking and "ORG" in doc.spans:
            kb_orgs = [(sp.start_char, sp.end_char) for sp in doc.spans["ORG"]]
            taken = []
            for label in (lab for lab in blocking if lab != "ORG"):
                if label in doc.spans:
                    taken.extend((sp.start_char, sp.end_char) for sp in doc.spans[label])
        new, replaced = [], []
        for ent in doc.ents:
            if ent.label_ not in self.labels:
                continue
            for piece in (self.pieces(ent) if filtered else [ent]):
                got = self._candidate(doc, piece, taken, kb_orgs, filtered)
                if got is None:
                    continue
                span, inside = got
                # the knowledge-base mention is replaced only once the longer name is kept
                replaced.extend(inside)
                out = Span(doc, span.start, span.end, label="ORG")
                oid = self.kb.lookup(span.text) if self.kb is not None else None
                out._.ids = [oid] if oid else []
                out._.attrs = {}
                new.append(out)
                taken.append((span.start_char, span.end_char))
        self._replaced = replaced
        return new

    def __call__(self, doc: Doc) -> Doc:
        new = self.find(doc)
        if new:
            spans = list(doc.spans["ORG"]) if "ORG" in doc.spans else []
            gone = set(self._replaced)
            spans = [sp for sp in spans if (sp.start_char, sp.end_char) not in gone]
            spans.extend(new)
            spans.sort(key=lambda s: s.start)
            doc.spans["ORG"] = spans
        return doc


@Language.factory("docmine_org_ner", assigns=["doc.spans"],
                  default_config={"patterns_path": None, "kb_path": None, "kb_overlay": None})
def make_org_ner(nlp: Language, name: str, patterns_path: str | None = None, kb_path: str | None = None,
                 kb_overlay: list | None = None):
    kb = load_kb(str(kb_path), kb_overlay) if kb_path else None
    return OrgNer(load_ner_patterns(patterns_path), kb)


# --------------------------------------------------------------------------
# The statistical NER, run only where docmine_org_ner can use what it finds.
# --------------------------------------------------------------------------

class SparseNer:
    """The pipeline's ``ner``: the statistical NER of ``model`` run only on the
    sentences where :class:`OrgNer` could accept an entity.

    A sentence is a candidate when it holds, outside every REF/DOC/MEETING/
    DATE/ORG span, a capitalised word that could be part of an accepted name:
    an acronym, an organisation head word (``Commission``, ``Fonds``…), or any
    capitalised word that is neither the sentence's first word nor a known
    generic word when the sentence also has a capitalised head word (English
    names end with their head: "Lusaka Agreement Task Force"). The candidate
    sentences are copied (tokens and whitespace) into Docs of the NER's own
    vocabulary of at most :data:`MAX_PIECE_TOKENS` tokens, the NER runs on them, and its entities are set as ``doc.ents``
    at the original token offsets. Other sentences get no entities (the NER
    found nothing docmine_org_ner could keep there).
    """

    def __init__(self, ner_nlp: Language, patterns: dict, kb=None, name: str = "ner"):
        self.name = name
        self.ner_nlp = ner_nlp
        self.ner = ner_nlp.get_pipe("ner")
        #: what runs before the NER on the candidate sentences (a shared tok2vec)
        self.before = [proc for name, proc in ner_nlp.pipeline if name != "ner"]
        self.kb = kb
        self.filter = OrgFilter(patterns)
        self.heads = self.filter.heads
        self.max_tokens = int(patterns["max_tokens"])
        self.acronym = self.filter.acronym.match
        self.stats = {"sentences": 0, "candidates": 0}

    @property
    def labels(self):
        return self.ner.labels

    def _covered(self, doc: Doc) -> bytearray:
        cov = bytearray(len(doc))
        for label in BLOCKING:
            if label in doc.spans:
                for sp in doc.spans[label]:
                    cov[sp.start:sp.end] = b"\x01" * (sp.end - sp.start)
        return cov

    def candidate_sentences(self, doc: Doc) -> list[tuple[int, int]]:
        """Token ranges of the sentences worth running the NER on: those where an
        entity could pass :meth:`OrgNer.find` and :class:`OrgFilter`."""
        cov = self._covered(doc)
        heads, acronym, accept = self.heads, self.acronym, self.filter.accept
        leading = self.filter.leading
        known = self.kb.acronyms if self.kb is not None else {}
        max_tokens = self.max_tokens
        n_doc = len(doc)
        out = []
        n = 0
        sents = doc.sents if doc.has_annotation("SENT_START") else [doc[:]]
        for sent in sents:
            n += 1
            last_cap = -1  # latest uncovered capitalised token of the current run
            for tok in sent:
                text = tok.text
                i = tok.i
                if not text[0].isupper():
                    if len(text) > 3:
                        last_cap = -1  # breaks a name ending with its head word
                    continue
                if text.lower() in heads:
                    if not cov[i]:
                        break  # a head word outside known spans may start a name
                    if last_cap >= 0 and i - last_cap < max_tokens:
                        break  # "Lusaka Agreement Task Force": capitalised words … head
                if cov[i] or text.lower() in leading:
                    continue  # a name starts after its article ("Le Secrétariat")
                last_cap = i
                if acronym(text.strip("«»\"'’")) and accept([text]):
                    # an acronym alone, unless an upper-case neighbour makes it a heading
                    heading = False
                    for j in (i - 1, i + 1):
                        if 0 <= j < n_doc:
                            t = doc[j].text
                            if len(t) >= 2 and t.isalpha() and t.isupper() and t not in known:
                                heading = True
                    if not heading:
                        break
            else:
                continue
            out.append((sent.start, sent.end))
        self.stats["sentences"] += n
        self.stats["candidates"] += len(out)
        return out

    def _subdocs(self, doc: Doc) -> list[tuple[Doc, list[int]]]:
        """The candidate sentences copied into Docs of the NER's vocabulary, each
        of at most :data:`MAX_PIECE_TOKENS` tokens (whole sentences; a longer
        sentence alone), with the original index of each token: the NER's
        memory stays bounded and its time per page the same on a long document."""
        ranges = self.candidate_sentences(doc)
        out: list[tuple[Doc, list[int]]] = []
        words: list[str] = []
        spaces: list[bool] = []
        index: list[int] = []
        for s, e in ranges:
            if index and len(index) + (e - s) > MAX_PIECE_TOKENS:
                out.append((Doc(self.ner_nlp.vocab, words=words, spaces=spaces), index))
                words, spaces, index = [], [], []
            for tok in doc[s:e]:
                words.append(tok.text)
                spaces.append(bool(tok.whitespace_))
                index.append(tok.i)
        if index:
            out.append((Doc(self.ner_nlp.vocab, words=words, spaces=spaces), index))
        return out

    @staticmethod
    def _set(doc: Doc, pieces: list[tuple[Doc, list[int]]]) -> Doc:
        ents = []
        for sub, index in pieces:
            for ent in sub.ents:
                s, e = index[ent.start], index[ent.end - 1] + 1
                if e - s != ent.end - ent.start:
                    continue  # across two candidate sentences that are not adjacent
                ents.append(Span(doc, s, e, label=ent.label_))
        doc.set_ents(ents, default="outside")
        return doc

    def __call__(self, doc: Doc) -> Doc:
        pieces = self._subdocs(doc)
        return self._set(doc, [(self._run_ner(sub), index) for sub, index in pieces])

    def _run_ner(self, sub: Doc) -> Doc:
        for proc in self.before:
            sub = proc(sub)
        return self.ner(sub)

    def pipe(self, docs, batch_size: int = 128):
        from itertools import islice

        docs = iter(docs)
        while True:
            chunk = list(islice(docs, batch_size))
            if not chunk:
                return
            per_doc = [self._subdocs(d) for d in chunk]
            todo = [sub for pieces in per_doc for sub, _ in pieces]
            stream = iter(todo)
            for proc in self.before:
                stream = proc.pipe(stream, batch_size=batch_size)
            done = iter(self.ner.pipe(stream, batch_size=batch_size)) if todo else iter(())
            for d, pieces in zip(chunk, per_doc):
                yield self._set(d, [(next(done), index) for _, index in pieces])


def _load_ner(model: str) -> Language:
    """Only the ``ner`` component of ``model`` (a package name or a path)."""
    import spacy

    cfg = Path(model) / "config.cfg"
    keep = {"ner"}
    if cfg.exists():
        config = spacy.util.load_config(cfg)
        names = config["nlp"]["pipeline"]
        # a NER that listens to a shared tok2vec (the English and Spanish NERs trained
        # from scratch, models/training/configs/config_blank.cfg) needs it to run first
        ner_tok2vec = config["components"].get("ner", {}).get("model", {}).get("tok2vec", {})
        if str(ner_tok2vec.get("@architectures", "")).startswith("spacy.Tok2VecListener"):
            keep.add("tok2vec")
    else:
        names = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer",
                 "senter", "tagger", "trainable_lemmatizer", "entity_ruler"]
    ner_nlp = spacy.load(model, exclude=[n for n in names if n not in keep])
    for n in list(ner_nlp.pipe_names):
        if n not in keep:
            ner_nlp.remove_pipe(n)
    return ner_nlp


@Language.factory("docmine_sparse_ner", assigns=["doc.ents"],
                  default_config={"model": "fr_core_news_sm", "patterns_path": None, "kb_path": None,
                                  "kb_overlay": None})
def make_sparse_ner(nlp: Language, name: str, model: str = "fr_core_news_sm",
                    patterns_path: str | None = None, kb_path: str | None = None,
                    kb_overlay: list | None = None):
    kb = load_kb(str(kb_path), kb_overlay) if kb_path else None
    return SparseNer(_load_ner(model), load_ner_patterns(patterns_path), kb, name)
