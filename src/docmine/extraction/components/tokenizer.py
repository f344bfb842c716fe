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


#: every alternative of French's token_match (spacy.lang.fr) holds one of these
BASE_TOKEN_MATCH_NEEDS = "[-–—‐‑'’]"
try:
    from spacy.lang.fr.tokenizer_exceptions import TOKEN_MATCH as FRENCH_TOKEN_MATCH
except ImportError:  # pragma: no cover
    FRENCH_TOKEN_MATCH = None
#: distinct strings whose token_match answer is remembered (then the memo restarts)
MEMO_SIZE = 200_000

DEFAULT_SUFFIXES = [r"(?<=^(?:19|20)\d\d)[1-9]"]


#: whitespace-delimited chunks whose tokens spaCy may cache (its default is 10,000)
CACHE_SIZE = 100_000


class CachingTokenizer(Tokenizer):
    """spaCy's tokenizer with its chunk cache actually in use.

    spaCy caches the tokens of each whitespace-delimited chunk, but only until
    the first special case (``M.``, ``etc.``, ``n°``…) of a document: from there
    on nothing of that document is cached (``has_special`` is per call), so in
    practice most chunks were split with the prefix/suffix/infix regexes again
    and again. Before tokenizing a text, each chunk not seen before is
    tokenized on its own, which caches it exactly as spaCy would have had it
    come first in a document (a chunk holding a special case is still never
    cached). The tokens are the same; the text is then tokenized as usual.
    """

    def __call__(self, string):
        seen = self.__dict__.get("_seen")
        if seen is None:
            seen = self.__dict__["_seen"] = set()
        if len(seen) < self.max_cache_size:
            new = set(string.split())
            new.difference_update(seen)
            if new:
                seen.update(new)
                tokenize = Tokenizer.__call__
                for chunk in new:
                    tokenize(self, chunk)
        return Tokenizer.__call__(self, string)


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
        # French's token_match is one big regex (~270 alternatives) that spaCy calls
        # several times per whitespace-delimited chunk, and spaCy's own chunk cache is
        # off for the rest of a document once a special case (``M.``, ``etc.``…) was
        # seen. Every one of its alternatives needs a hyphen or an elision, so strings
        # without one are answered at once, and answers are memoised (the function is
        # pure: spaCy only tests its truth).
        base_needs = re.compile(BASE_TOKEN_MATCH_NEEDS).search if base_match is FRENCH_TOKEN_MATCH else None
        memo: dict[str, bool] = {}

        def token_match(text: str):
            hit = memo.get(text)
            if hit is None:
                hit = bool(
                    (has_digit(text) and own_match(text))
                    or (base_match and (base_needs is None or base_needs(text)) and base_match(text)))
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[text] = hit
            return hit

        return CachingTokenizer(
            nlp.vocab,
            rules=d.tokenizer_exceptions,
            prefix_search=compile_prefix_regex(d.prefixes).search if d.prefixes else None,
            suffix_search=compile_suffix_regex(suffixes).search if suffixes else None,
            infix_finditer=compile_infix_regex(d.infixes).finditer if d.infixes else None,
            token_match=token_match,
            url_match=d.url_match,
            max_cache_size=CACHE_SIZE,
        )

    return make
