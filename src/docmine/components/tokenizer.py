"""The French tokenizer with docmine's exceptions: symbols stay whole.

``UNEP/CMS/StC44/13``, ``CBD/COP/DEC/16/31``, ``DEC/XII/30``, ``XI/2``,
``11.4``, ``CoP12``, ``IPBES-3`` are one token each. The patterns are data:
``models/patterns/tokenizer.json`` (key ``token_match``: a list of regexes;
key ``suffixes``: extra suffix regexes, e.g. a footnote digit glued to a year).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

DEFAULT_TOKEN_MATCH = [
    r"[A-Z][A-Za-z]*(?=[^\s]*\d)(?:/[A-Za-z0-9][A-Za-z0-9.\-]*)*/[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?",  # UNEP/CMS/StC44/13
    r"[IVXLC]+/\d+",  # XI/2
    r"\d+(?:\.\d+)+",  # 11.4, 18.49
    r"\d+/\d+",  # 14/30
    r"[A-Za-z]+-\d+",  # IPBES-3, CdP-11, UNEA-2
    r"[A-Z][A-Za-z]*\d+",  # CoP12, StC44
]


DEFAULT_SUFFIXES = [r"(?<=^(?:19|20)\d\d)[1-9]"]


def _load(patterns_path: str | Path | None) -> dict:
    if patterns_path:
        p = Path(patterns_path) / "tokenizer.json"
        if p.exists():
            return json.loads(p.read_text(encoding="utf-8"))
    return {"token_match": DEFAULT_TOKEN_MATCH, "suffixes": DEFAULT_SUFFIXES}


def load_token_match(patterns_path: str | Path | None) -> list[str]:
    return _load(patterns_path).get("token_match", DEFAULT_TOKEN_MATCH)


@registry.tokenizers("docmine.tokenizer.v1")
def create_tokenizer(patterns_path: str | None = None):
    def make(nlp):
        d = nlp.Defaults
        base_match = d.token_match
        data = _load(patterns_path)
        own = re.compile("^(?:" + "|".join(data.get("token_match", DEFAULT_TOKEN_MATCH)) + ")$")
        suffixes = list(data.get("suffixes", [])) + list(d.suffixes or [])

        has_digit = re.compile(r"\d").search  # every docmine token_match pattern holds a digit
        own_match = own.match

        def token_match(text: str):
            if has_digit(text):
                m = own_match(text)
                if m:
                    return m
            return base_match(text) if base_match else None

        return Tokenizer(
            nlp.vocab,
            rules=d.tokenizer_exceptions,
            prefix_search=compile_prefix_regex(d.prefixes).search if d.prefixes else None,
            suffix_search=compile_suffix_regex(suffixes).search if suffixes else None,
            infix_finditer=compile_infix_regex(d.infixes).finditer if d.infixes else None,
            token_match=token_match,
            url_match=d.url_match,
        )

    return make
