"""docmine_symbols: DOC mentions (UN document symbols).

* full symbols (``UNEP/CMS/StC44/13``, ``CBD/COP/DEC/16/31``, ``CoP18 Doc. 12``,
  ``SC65 Doc. 7 (Rev. 1)``), ids = the symbol without whitespace;
* an elliptic continuation joins the mention (``UNEP/CMS/StC44/18.1, 18.2 et
  18.3`` → one mention, three ids; ``UNEP/CBD/COP/12/2 et Corr.1`` → one
  mention, ids the symbol and ``…/Corr.1``); two full symbols are two mentions;
* ``PNUE/`` (French) and ``PNUMA/`` (Spanish) symbols get ``UNEP/`` ids
  (spec §1); a symbol broken across a line after a slash is one mention;
* a bare short form after ``document(s)`` (``le document 10.3``) is a mention
  ``10.3`` completed from the document's own symbol, else from the series of
  the symbols the text cites, when that series is unambiguous.

Patterns are data: ``models/patterns/symbols.json`` (``slash_heads``: extra
issuing bodies of slash symbols; ``id_prefix_aliases``: written prefix → id prefix).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from docmine.extraction.grammars import symbols as sp
from .context import doc_text, make_span, set_spans


class SymbolRecognizer:
    def __init__(self, nlp: Language, name: str, patterns_path: str | None = None):
        self.name = name
        self.symbol_re = sp.SYMBOL_RE
        if patterns_path:
            p = Path(patterns_path) / "symbols.json"
            if p.exists():
                data = json.loads(p.read_text(encoding="utf-8"))
                heads = sorted(set(sp.SLASH_HEADS) | set(data.get("slash_heads", [])))
                words = sorted(set(sp.INSTRUMENT_WORDS) | set(data.get("instrument_words", [])))
                self.symbol_re = sp.build_symbol_re(heads, words)
                aliases = data.get("id_prefix_aliases")
                if aliases:
                    sp.ID_PREFIX_ALIASES = dict(aliases)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        spans = []
        full: list[tuple[int, int]] = []
        prefixes: dict[str, int] = {}
        for m in self.symbol_re.finditer(text):
            sym = m.group(0)
            if not any(c.isdigit() for c in sym):
                continue
            s, e = m.span()
            ids = [sp.symbol_id(sym)]
            for cend, cid in sp.continuations(text, e, sym):
                ids.append(cid)
                e = cend
            pre = sp.series_prefix(sym)
            if pre:
                prefixes[pre] = prefixes.get(pre, 0) + 1
            full.append((s, e))
            spans.append(make_span(doc, "DOC", s, e, ids))
        # bare short forms
        own = sp.series_prefix(doc._.symbol) if doc._.symbol else None
        prefix = own or (next(iter(prefixes)) if len(prefixes) == 1 else None)
        if prefix:
            for m in sp.SHORT_RE.finditer(text):
                s, e = m.span("n")
                if any(fs <= s < fe for fs, fe in full):
                    continue
                num = m.group("n")
                if len(num) == 4 and "." not in num:  # a year
                    continue
                ids = [prefix + num]
                for cend, cid in sp.continuations(text, e, prefix + num):
                    ids.append(cid)
                    e = cend
                spans.append(make_span(doc, "DOC", s, e, ids))
        set_spans(doc, "DOC", spans)
        return doc


@Language.factory("docmine_symbols", assigns=["doc.spans"], default_config={"patterns_path": None})
def make_symbols(nlp: Language, name: str, patterns_path: str | None = None):
    return SymbolRecognizer(nlp, name, patterns_path)
