"""Language of pages and documents (stop words first, else langdetect seeded so it is reproducible).

Clear French, English or Spanish samples are called from their stop words
(:func:`fast_detect`, deterministic, ~20× cheaper than langdetect); the rest
(short, mixed, other languages and scripts) goes to langdetect, which samples
n-grams at random; ``DetectorFactory.seed`` fixes that draw, so the same text
always gives the same answer. Pages with fewer than
:data:`MIN_LETTERS` letters (covers, tables of numbers) are left unknown.
The document language is the majority over pages weighted by their number
of letters; ``languages`` gives each language's share of those letters.
"""
from __future__ import annotations

import re
from collections import Counter

#: pages with fewer letters than this are too short to call
MIN_LETTERS = 80
#: langdetect's cost grows with the text; a page's middle 500 characters
#: decide its language as well as the whole page (and ~4× faster)
MAX_CHARS = 500
#: langdetect's default is 7 random trials; 3 agree with 7 on our corpora at
#: half the cost (still deterministic under the seed)
N_TRIAL = 3

_NON_LETTERS = re.compile(r"[\W\d_]+")

#: A first pass decides clear cases without langdetect: stop words of French,
#: English and Spanish (the UN languages in Latin script) and, so that a
#: neighbour is never mistaken for one of them, of Portuguese, Italian,
#: German, Dutch and Catalan. Only words of one single list count. A sample
#: is called when one of fr/en/es has at least FAST_MIN_HITS of these words
#: and at least FAST_MIN_SHARE of them; anything else (short or mixed text,
#: other languages and scripts) goes to langdetect as before.
FAST_MIN_HITS = 8
FAST_MIN_SHARE = 0.85
_STOP_LISTS = {
    "fr": "le les des du et est une dans pour qui au aux sur par avec ces cette sont ont été "
          "ne pas leur leurs ainsi être il elle nous vous son ses sa ou été afin aussi présent "
          "mais plus lors comme tout tous notamment cet celle dont où",
    "en": "the and of to is are was were that with for by this which be have has from on its "
          "their it as at an or not been these those will would should shall into also such",
    "es": "el los las del y que por con para una es se al lo su sus como más este esta "
          "sobre entre también han ha fue ser son sin hasta desde cuando muy",
    "pt": "não uma os da dos das em com ao pelo pela são foi mais seu sua nos às",
    "it": "della delle degli di che è sono gli nel nella non anche questo questa dei alla",
    "de": "der die das und ist nicht mit von den dem zu für auf sich ein eine werden wird",
    "nl": "het een van zijn niet voor met op dat wordt worden deze ook",
    "ca": "amb els dels pel perquè però aquest aquesta són",
}
_STOP: dict[str, str] = {}
_seen_in: dict[str, set] = {}
for _lang, _words in _STOP_LISTS.items():
    for _w in _words.split():
        _seen_in.setdefault(_w, set()).add(_lang)
_STOP = {w: next(iter(langs)) for w, langs in _seen_in.items() if len(langs) == 1}
del _seen_in
_FAST = ("fr", "en", "es")
_WORDS = re.compile(r"[^\W\d_]+")


def fast_detect(text: str) -> str | None:
    """fr/en/es when the stop words of ``text`` leave no doubt, else None."""
    counts: dict[str, int] = {}
    stop = _STOP
    for w in _WORDS.findall(text.lower()):
        lang = stop.get(w)
        if lang is not None:
            counts[lang] = counts.get(lang, 0) + 1
    if not counts:
        return None
    best = max(counts, key=counts.__getitem__)
    hits = counts[best]
    if best in _FAST and hits >= FAST_MIN_HITS and hits >= FAST_MIN_SHARE * sum(counts.values()):
        return best
    return None


_LETTERS = re.compile(r"[^\W\d_]+")


def letter_count(text: str) -> int:
    """Number of letters in ``text`` (runs of letters joined: faster than deleting the rest)."""
    return len("".join(_LETTERS.findall(text)))


def detect(text: str | None, *, seed: int = 0) -> str | None:
    """ISO 639-1 code of ``text`` (``fr``, ``en``…) or None when too short or undecidable."""
    if not text or letter_count(text) < MIN_LETTERS:
        return None
    return _detect(text, seed)


def _detect(text: str, seed: int, view: bool = False) -> str | None:
    sample = _sample(text)
    if view:
        sample = sample.translate(_VIEW_CHARS)
    return fast_detect(sample) or _langdetect(sample, seed)


def _langdetect(sample: str, seed: int) -> str | None:
    from langdetect import DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException
    from langdetect import detector_factory

    DetectorFactory.seed = seed
    if detector_factory._factory is None:
        detector_factory.init_factory()
    try:
        detector = detector_factory._factory.create()
        detector.n_trial = N_TRIAL
        detector.append(sample)
        return detector.detect()
    except LangDetectException:
        return None


def _sample(text: str) -> str:
    """At most MAX_CHARS characters from the middle of the text (skipping
    title blocks at the very top)."""
    if len(text) <= MAX_CHARS:
        return text
    start = (len(text) - MAX_CHARS) // 2
    return text[start:start + MAX_CHARS]


#: what the reader's body view shows for PDFium's line-end hyphen marks
#: (docmine.reading.layout.body_view; one character for one)
_VIEW_CHARS = str.maketrans({"\ufffe": "-", "\x02": "-"})


def _body_text(page) -> tuple[str, bool]:
    """The page's body text as ``page.body_text()`` gives it, without building
    the view's offsets; the second value says that only the sample still needs
    the view's character mapping (:data:`_VIEW_CHARS`, which changes no letter)."""
    blocks = getattr(page, "blocks", None)
    text = page.text
    if blocks is None or not isinstance(text, str):
        return page.body_text(), False
    if not blocks:
        return text, True
    return "".join([text[b.start:b.end] for b in blocks if b.kind == "body"]), True


def detect_pages(pages, *, seed: int = 0) -> tuple[str | None, dict[str, float]]:
    """Set ``page.language`` on each page (from its body view, else its raw
    text) and return the document language and the shares per language."""
    weights: Counter = Counter()
    for page in pages:
        if page.text is None:
            page.language = None
            continue
        text, view = _body_text(page)
        letters = letter_count(text)
        if letters < MIN_LETTERS:
            text, view = page.text, False
            letters = letter_count(text)
        lang = _detect(text, seed, view) if letters >= MIN_LETTERS else None
        page.language = lang
        if lang:
            weights[lang] += letters
    total = sum(weights.values())
    if not total:
        return None, {}
    shares = {lang: round(w / total, 4) for lang, w in weights.most_common()}
    best = max(weights.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return best, shares
