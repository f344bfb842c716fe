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


# --------------------------------------------------------------------------- parts
#: languages a part can be given (those docmine has, or will have, rules for)
PART_LANGUAGES = ("fr", "en", "es")
#: a paragraph with fewer letters than this (a heading, a page number) takes the
#: language of the text after it (else before it)
MIN_UNIT_LETTERS = 30
#: a run of paragraphs in one language with fewer letters than this (a quoted
#: title, a URL) is no part of its own: it joins its longer neighbour
MIN_PART_LETTERS = 150
#: a paragraph whose stop words (at least this many) are all of one language is in it
SHORT_MIN_HITS = 3
#: lingua's confidence below which a paragraph's language is left unknown
#: (a language outside :data:`PART_LANGUAGES`, a list of numbers)
MIN_CONFIDENCE = 0.6

_lingua_lock = __import__("threading").Lock()
_lingua = None


def _lingua_detector():
    """lingua restricted to French, English and Spanish: deterministic (no random
    sampling) and right on short paragraphs where langdetect is not (measured:
    9 wrong of 2,100 lines and paragraphs of the dev and real corpora, against
    47 for the stop words + langdetect; ~1.6 ms a paragraph; loaded once per
    process, ~2.5 s and ~100 MB, only when a paragraph's stop words leave a doubt)."""
    global _lingua
    with _lingua_lock:
        if _lingua is None:
            from lingua import Language, LanguageDetectorBuilder
            langs = {"fr": Language.FRENCH, "en": Language.ENGLISH, "es": Language.SPANISH}
            _lingua = (LanguageDetectorBuilder.from_languages(*(langs[c] for c in PART_LANGUAGES)).build(),
                       {v: k for k, v in langs.items()})
        return _lingua


def preload_page_detector() -> None:
    """Load langdetect's language profiles now rather than at the first page
    the stop words leave in doubt (≈ 0.25 s), e.g. in a process waiting for
    pages to read (:class:`docmine.run.DocumentPool`'s reader)."""
    from langdetect import detector_factory
    if detector_factory._factory is None:
        detector_factory.init_factory()


def preload_part_detector() -> None:
    """Load lingua's language models now rather than at the first doubtful
    paragraph (its first detection loads them: ≈ 0.5 s; it starts no
    thread), so processes forked afterwards share them
    (:class:`docmine.run.DocumentPool`)."""
    detector, _codes = _lingua_detector()
    detector.compute_language_confidence_values("la Conférence des Parties; the Parties; las Partes")


def _stop_word_language(text: str) -> str | None:
    """fr/en/es when the stop words leave no doubt (:func:`fast_detect`, or a
    short paragraph whose few stop words are all of one language); pt/it/de/nl/ca
    when theirs leave no doubt (at least FAST_MIN_HITS words, FAST_MIN_SHARE of
    them); else None."""
    lang = fast_detect(text)
    if lang:
        return lang
    counts: Counter = Counter(_STOP[w] for w in _WORDS.findall(text.lower()) if w in _STOP)
    if len(counts) == 1:
        (only, hits), = counts.items()
        if only in PART_LANGUAGES and hits >= SHORT_MIN_HITS:
            return only
    if counts:
        # a neighbour language (pt, it, de, nl, ca) that leaves no doubt is that
        # language: its part gets the language-independent rules (issue 11)
        best, hits = counts.most_common(1)[0]
        if best not in PART_LANGUAGES and hits >= FAST_MIN_HITS \
                and hits >= FAST_MIN_SHARE * sum(counts.values()):
            return best
    return None


def segment_language(text: str) -> str | None:
    """fr/en/es of a paragraph: its stop words when they leave no doubt
    (:func:`_stop_word_language`), else lingua (:func:`_lingua_detector`);
    None when neither is confident."""
    lang = _stop_word_language(text)
    if lang:
        return lang
    detector, codes = _lingua_detector()
    values = detector.compute_language_confidence_values(text)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return codes.get(values[0].language)


def language_parts(text: str, starts: list[int] | tuple = ()) -> list[tuple[int, int, str | None]]:
    """Split ``text`` into parts of one language: ``[(start, end, language)]``
    covering it from 0 to ``len(text)``, in order.

    ``starts``: offsets where a paragraph opens (e.g.
    :func:`docmine.reading.boundaries.paragraph_starts`). Each paragraph with at least
    :data:`MIN_UNIT_LETTERS` letters is given its language
    (:func:`segment_language`); shorter ones (headings, page numbers) that of
    the text after them; consecutive paragraphs of one language are one part;
    a part under :data:`MIN_PART_LETTERS` letters joins its longer neighbour.
    A French note with an English annex gives two parts (issue 8, kind 8).
    """
    cuts = sorted({0, *[s for s in starts if 0 < s < len(text)], len(text)})
    units = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
    if not units:
        return [(0, len(text), None)]
    letters = [letter_count(text[a:b]) for a, b in units]
    # 1. stop words (cheap); 2. lingua only where it can change the parts: when the
    # stop words found several languages, or where undecided paragraphs follow each
    # other over enough letters to make a part of their own
    langs: list[str | None] = [_stop_word_language(text[a:b]) if n >= MIN_UNIT_LETTERS else None
                               for (a, b), n in zip(units, letters)]
    mixed = len({lang for lang in langs if lang}) > 1
    i = 0
    while i < len(units):
        if langs[i] is not None or letters[i] < MIN_UNIT_LETTERS:
            i += 1
            continue
        j = i
        while j < len(units) and langs[j] is None:
            j += 1
        if mixed or sum(letters[i:j]) >= MIN_PART_LETTERS:
            for k in range(i, j):
                if letters[k] >= MIN_UNIT_LETTERS:
                    langs[k] = segment_language(text[units[k][0]:units[k][1]])
        i = j
    # short or undecided paragraphs: the language of what follows, else of what precedes
    nxt = None
    for i in range(len(units) - 1, -1, -1):
        if langs[i] is None:
            langs[i] = nxt
        else:
            nxt = langs[i]
    prev = None
    for i in range(len(units)):
        if langs[i] is None:
            langs[i] = prev
        else:
            prev = langs[i]
    parts: list[list] = []  # [start, end, lang, letters]
    for (a, b), lang, n in zip(units, langs, letters):
        if parts and parts[-1][2] == lang:
            parts[-1][1] = b
            parts[-1][3] += n
        else:
            parts.append([a, b, lang, n])
    # small parts join their longer neighbour (smallest first), then runs merge again
    while len(parts) > 1:
        i = min(range(len(parts)), key=lambda k: parts[k][3])
        if parts[i][3] >= MIN_PART_LETTERS:
            break
        left = parts[i - 1] if i > 0 else None
        right = parts[i + 1] if i + 1 < len(parts) else None
        host = left if right is None or (left is not None and left[3] >= right[3]) else right
        host[0], host[1] = min(host[0], parts[i][0]), max(host[1], parts[i][1])
        host[3] += parts[i][3]
        del parts[i]
        merged: list[list] = []
        for p in parts:
            if merged and merged[-1][2] == p[2]:
                merged[-1][1] = p[1]
                merged[-1][3] += p[3]
            else:
                merged.append(p)
        parts = merged
    return [(a, b, lang) for a, b, lang, _ in parts]


def majority_language(text: str, parts: list[tuple[int, int, str | None]]) -> str | None:
    """The language of most of the text's letters over ``parts``."""
    weights: Counter = Counter()
    for a, b, lang in parts:
        if lang:
            weights[lang] += letter_count(text[a:b])
    if not weights:
        return None
    return max(weights.items(), key=lambda kv: (kv[1], kv[0]))[0]
