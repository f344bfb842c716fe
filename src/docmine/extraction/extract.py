"""The extraction API: text, pages or a file in, an :class:`~docmine.records.Extraction` out.

``extract(path_or_text)`` reads a ``.txt`` file as UTF-8 untouched or a
``.pdf`` through :func:`docmine.reading.read.read_pdf` (pages joined with ``"\\f"``),
normalises the text (:func:`docmine.reading.textmap.normalise`), runs the spaCy
pipeline on the normalised copy and maps every mention and action item back,
so that ``m.text == original[m.start:m.end]`` always holds (spec §1, §7).

Each language with a pipeline of its own (:data:`docmine.extraction.nlp.LANGUAGES`:
French, English, Spanish) runs it (``Extraction.pipeline == "fr"``, ``"en"``,
``"es"``); text in any other language runs only the language-independent rules
(REF, DOC, MEETING, DATE: ``pipeline == "rules"``), without organisations and
without action items. Text too short to tell is read as French.

A document in several languages (a French note with an English annex, an
English cover block over French text) is read part by part (issue 8, kind 8;
issue 11): :func:`docmine.reading.language.language_parts` splits it at
paragraph starts (:mod:`docmine.reading.boundaries`); the pipeline of each
language present runs over the whole text (so the document's treaty, symbol
and decision structure stay whole) and keeps what it finds inside its own
parts; a part in another language keeps the rules' REF, DOC, MEETING and DATE
of the main pipeline. ``Extraction.parts`` says which part got which pipeline
and ``Extraction.pipeline`` joins them (``fr+en``); ``document.language`` is
the language of most of the text. A language given by the caller is the whole
document's.

The page's structure (running headers, page numbers, footnotes, headings) is
found once per document (:func:`docmine.reading.boundaries.find_boundaries`, from the
reader's blocks for a PDF) and given to the pipeline as hard sentence starts
(:mod:`docmine.extraction.components.boundaries`).
"""
from __future__ import annotations

import hashlib
from bisect import bisect_left
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from docmine import records
from .decision_structure import decision_structure, line_starts_of
from .nlp import LABELS, load_nlp, model_version
from docmine.reading.boundaries import Boundary, find_boundaries, paragraph_starts
from docmine.settings import Settings, get_settings
from docmine.reading.textmap import NormText, normalise

_BOUNDS_KEY = "docmine_boundaries"  # == docmine.extraction.components.boundaries.KEY
_PARAS_KEY = "docmine_paragraphs"  # == docmine.extraction.components.boundaries.PARAGRAPHS_KEY

#: components that need a pipeline of the text's language (left out for the rules only)
LANGUAGE_ONLY = ("docmine_orgs", "ner", "docmine_org_ner", "docmine_actions")
FRENCH_ONLY = LANGUAGE_ONLY  # the name before issue 11
#: the mention labels that only those components give
LANGUAGE_ONLY_LABELS = ("ORG",)
#: what reads a part in a language without a pipeline of its own
RULES = "rules"
#: language detection looks at this many characters at most (spread over the text)
_LANG_SAMPLE = 4000


class ExtractError(Exception):
    """An input could not be read; ``reason`` is one line for people."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


# ---------------------------------------------------------------- language
def _language_sample(text: str) -> str:
    if len(text) <= _LANG_SAMPLE:
        return text
    third = _LANG_SAMPLE // 3
    mid = len(text) // 2
    return " ".join((text[:third], text[mid - third // 2: mid + third // 2], text[-third:]))


def detect_language(text: str, settings: Settings | None = None) -> str | None:
    """ISO 639-1 code of ``text`` (seeded, reproducible), or None when the text is
    too short to tell (then the full French pipeline runs: most inputs are French).

    Uses the reader's :func:`docmine.reading.language.detect` when it is installed, else
    langdetect with ``settings.langdetect_seed``.
    """
    settings = settings or get_settings()
    sample = _language_sample(text)
    if not any(ch.isalpha() for ch in sample):
        return None
    try:  # the reader's detector, when present (seeded, samples the middle of the text)
        from docmine.reading.language import detect as _reader_detect
    except ImportError:  # pragma: no cover - reader's module absent
        _reader_detect = None
    if _reader_detect is not None:
        return _reader_detect(text, seed=settings.langdetect_seed)
    try:
        from langdetect import DetectorFactory, detect
        from langdetect.lang_detect_exception import LangDetectException
    except ImportError:  # pragma: no cover
        return None
    DetectorFactory.seed = settings.langdetect_seed
    try:
        return detect(sample)
    except LangDetectException:
        return None


# ---------------------------------------------------------------- helpers
def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _get_nlp(nlp: Language | None, settings: Settings) -> Language:
    return nlp if nlp is not None else load_nlp(settings)


def pipeline_for(language: str | None) -> str:
    """The pipeline that reads text in ``language``: its own (``fr``, ``en``,
    ``es``), French when the language is unknown (too short to tell), else
    :data:`RULES`."""
    from .nlp import LANGUAGES
    if language is None:
        return "fr"
    return language if language in LANGUAGES else RULES


def _plan(job: dict) -> list[str]:
    """The pipelines a job needs, the main one (that of the document's language) first."""
    parts = job.get("parts") or [(0, 0, job["language"])]
    keys: list[str] = []
    for _a, _b, lang in parts:
        k = pipeline_for(lang)
        if k not in keys:
            keys.append(k)
    main = pipeline_for(job["language"])
    if main in keys:
        keys.remove(main)
        keys.insert(0, main)
    if len(keys) > 1 and keys[0] == RULES:  # the rules come from a language pipeline anyway
        keys.append(keys.pop(0))
    return keys


def _nlp_for(key: str, nlp: Language, settings: Settings) -> tuple[Language, list[str]]:
    """(pipeline, components to leave out) for pipeline ``key``: the caller's
    ``nlp`` when it is that language's, else the cached one (:func:`load_nlp`)."""
    if key == RULES:
        return nlp, [p for p in LANGUAGE_ONLY if p in nlp.pipe_names]
    if nlp.lang == key:
        return nlp, []
    return load_nlp(settings, use_ner=_uses_ner(nlp), language=key), []


def _disabled_for(language: str | None, nlp: Language, parts: list | None = None) -> list[str]:
    """Components left out for a document read by one pipeline only."""
    return [p for p in LANGUAGE_ONLY if p in nlp.pipe_names] if pipeline_for(language) == RULES else []


def _prepare(nlp: Language, norm: NormText, symbol: str | None, language: str | None,
             bounds: tuple | None = None, parts: list | None = None) -> Doc:
    if len(norm.text) >= nlp.max_length:
        nlp.max_length = len(norm.text) + 1
    doc = nlp.make_doc(norm.text)
    doc.user_data["docmine_text"] = norm.text  # == doc.text, without rebuilding it from tokens
    # where the original began a line: the decision structure admits paragraph markers there
    doc.user_data["docmine_line_starts"] = line_starts_of(norm.original, norm.text, norm.offsets)
    # where a page ends (the form feeds between pages), in doc.text offsets
    n = len(norm.text)
    doc.user_data["docmine_page_breaks"] = [bisect_left(norm.offsets, i, 0, n)
                                            for i, ch in enumerate(norm.original) if ch == "\f"] \
        if "\f" in norm.original else []
    if bounds:  # the page's structure (docmine.extraction.components.boundaries)
        doc.user_data[_BOUNDS_KEY], doc.user_data[_PARAS_KEY] = bounds
    if symbol:
        doc._.symbol = symbol
    doc._.language = language
    if parts:
        doc._.parts = parts
    return doc


def _mentions_of(doc: Doc) -> list:
    if "mentions" in doc.spans:
        return list(doc.spans["mentions"])
    # the resolver did not run: merge the label groups as they are
    spans = [s for label in LABELS if label in doc.spans for s in doc.spans[label]]
    return sorted(spans, key=lambda s: (s.start_char, -s.end_char))


def _to_extraction(doc: Doc, norm: NormText, *, source: str, sha256: str, language: str | None,
                   symbol: str | None, pages: int | None, pipeline: str, version: str | None,
                   treaty: str | None = None) -> records.Extraction:
    original = norm.original
    structure = decision_structure(doc)
    mentions: list[records.Mention] = []
    seen: set[tuple] = set()
    for span in _mentions_of(doc):
        if span.end_char <= span.start_char:
            continue
        s, e = norm.to_original(span.start_char, span.end_char)
        key = (span.label_, s, e)
        if key in seen:
            continue
        seen.add(key)
        mentions.append(records.Mention(
            label=span.label_, start=s, end=e, text=original[s:e],
            ids=list(span._.ids or []), attrs=dict(span._.attrs or {}),
            paragraph=structure.paragraph_at(span.start_char)))
    mentions.sort(key=lambda m: (m.start, m.end, m.label))
    items: list[records.ActionItem] = []
    for it in (doc._.action_items or []) if pipeline != RULES else []:
        if it.end <= it.start:
            continue
        s, e = norm.to_original(it.start, it.end)
        items.append(records.ActionItem(
            start=s, end=e, text=original[s:e], actor=it.actor,
            actor_text=it.actor_text, verb=it.verb, kind=it.kind, deadline=it.deadline,
            refs=list(it.refs), paragraph=it.paragraph))
    info = records.DocumentInfo(source=source, sha256=sha256, language=language,
                                symbol=symbol or doc._.symbol, treaty=treaty or doc._.treaty,
                                pages=pages)
    return records.Extraction(document=info, text_length=len(original), mentions=mentions,
                              action_items=items, pipeline=pipeline, model_version=version)


def _structure(text: str, norm: NormText, page_blocks=None, found: list | None = None) -> tuple[list, list[int]]:
    """Hard boundaries and paragraph starts of ``text`` (:mod:`docmine.reading.boundaries`),
    mapped to offsets into the normalised text."""
    if found is None:
        found = find_boundaries(text, page_blocks)
    offs = norm.offsets
    n = len(norm.text)

    def to_norm(o: int) -> int:
        return bisect_left(offs, o, 0, n)

    mapped = [Boundary(to_norm(b.offset), b.kind, b.hard) for b in found]
    mapped = [b for b in mapped if 0 < b.offset < n]
    paras = sorted({to_norm(o) for o in paragraph_starts(text, found)} - {0, n})
    return mapped, paras


def _parts(text: str, found: list, settings: Settings) -> tuple[str | None, list[tuple[int, int, str | None]]]:
    """The document's language and its parts by language (original offsets)."""
    from docmine.reading.language import MIN_LETTERS, language_parts, letter_count, majority_language

    if letter_count(text) < MIN_LETTERS:  # too short to tell: French, as before
        return None, [(0, len(text), None)]
    parts = language_parts(text, paragraph_starts(text, found))
    language = majority_language(text, parts)
    if language is None:
        # no part in French, English or Spanish: the reader's detector names the
        # language (another script, a language without stop words here)
        from docmine.reading.language import detect
        language = detect(text, seed=settings.langdetect_seed)
        if language is not None:
            parts = [(0, len(text), language)]
    return language, parts


def _job(text: str, *, source: str | None, sha256: str | None, symbol: str | None,
         language: str | None, pages: int | None, treaty: str | None, settings: Settings,
         page_blocks=None) -> dict:
    norm = normalise(text)
    found = find_boundaries(text, page_blocks)
    if language is None:
        language, parts = _parts(text, found, settings)
    else:  # the caller's language is the whole document's
        parts = [(0, len(text), language)]
    return {"norm": norm, "source": source if source is not None else "<text>",
            "sha256": sha256 or _sha256_text(text), "symbol": symbol, "language": language,
            "pages": pages, "treaty": treaty, "bounds": _structure(text, norm, found=found),
            "parts": parts}


def _norm_parts(job: dict) -> list[tuple[int, int, str | None]]:
    """The job's language parts in offsets into the normalised text (``doc._.parts``)."""
    norm = job["norm"]
    n = len(norm.text)
    return [(bisect_left(norm.offsets, a, 0, n), bisect_left(norm.offsets, b, 0, n), lang)
            for a, b, lang in job.get("parts") or []]


def _run_pipeline(job: dict, nlp: Language, disabled: list[str]) -> Doc:
    doc = _prepare(nlp, job["norm"], job["symbol"], job["language"], job.get("bounds"), _norm_parts(job))
    for name, proc in nlp.pipeline:
        if name in disabled:
            continue
        doc = proc(doc)
    return doc


def _run_one(job: dict, nlp: Language, settings: Settings, use_ner: bool) -> records.Extraction:
    keys = _plan(job)
    runs = []
    for key in keys:
        if key == RULES and runs:
            continue  # a part without a pipeline keeps the main pipeline's rules
        knlp, disabled = _nlp_for(key, nlp, settings)
        runs.append((key, knlp, _run_pipeline(job, knlp, disabled), disabled))
    return _finish_runs(runs, keys, job, settings, use_ner)


def _finish_runs(runs: list, keys: list[str], job: dict, settings: Settings,
                 use_ner: bool) -> records.Extraction:
    """One Extraction from the run of each pipeline: each keeps what it found in its parts."""
    key0, nlp0, doc0, disabled0 = runs[0]
    ex = _finish(doc0, job, settings, use_ner and not disabled0, key0, nlp0)
    if len(keys) == 1:
        return ex
    parts = ex.parts

    def owner(pos: int) -> str:
        for p in parts:
            if p.start <= pos < p.end:
                return p.pipeline
        return parts[-1].pipeline if parts else key0

    mentions, items = [], []
    for key, knlp, doc, disabled in runs:
        other = ex if key == key0 else _finish(doc, job, settings, use_ner and not disabled, key, knlp)
        for m in other.mentions:
            o = owner(m.start)
            if o == key or (o == RULES and key == key0 and m.label not in LANGUAGE_ONLY_LABELS):
                mentions.append(m)
        items += [it for it in other.action_items if owner(it.start) == key]
    mentions.sort(key=lambda m: (m.start, m.end, m.label))
    items.sort(key=lambda it: it.start)
    ex.mentions, ex.action_items = mentions, items
    ex.pipeline = "+".join(keys)
    return ex


def _finish(doc: Doc, job: dict, settings: Settings, use_ner: bool, key: str,
            nlp: Language | None = None) -> records.Extraction:
    parts = [records.LanguagePart(a, b, lang, pipeline_for(lang) if len(job.get("parts") or []) > 1 else key)
             for a, b, lang in job.get("parts") or [(0, len(job["norm"].original), job["language"])]]
    version = model_version(settings, use_ner=use_ner, language=nlp.lang if nlp is not None and key != RULES else "fr")
    ex = _to_extraction(doc, job["norm"], source=job["source"], sha256=job["sha256"],
                        language=job["language"], symbol=job["symbol"], pages=job["pages"],
                        pipeline=key, version=version, treaty=job["treaty"])
    ex.parts = parts
    return ex


def _uses_ner(nlp: Language) -> bool:
    return "ner" in nlp.pipe_names


# ---------------------------------------------------------------- reading
def _read_path(path: Path, settings: Settings) -> dict:
    """Text, sha256, pages and header facts of a file (``.txt`` or ``.pdf``)."""
    if not path.exists():
        raise ExtractError(str(path), "no such file")
    if path.is_dir():
        raise ExtractError(str(path), "is a directory, not a file")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        try:
            from docmine.reading.read import ReadError, read_pdf
        except ImportError as exc:  # pragma: no cover - reader not installed
            raise ExtractError(str(path), f"PDF reader unavailable ({exc})") from exc
        try:
            rd = read_pdf(path, backend=settings.pdf_backend, settings=settings)
        except ReadError as exc:
            raise ExtractError(str(path), f"{getattr(exc, 'code', 'unreadable')}: "
                               f"{getattr(exc, 'reason', str(exc))}") from exc
        text = "\f".join((p.text or "") for p in rd.pages)
        return {"text": text, "sha256": rd.sha256, "pages": len(rd.pages),
                "symbol": getattr(rd, "symbol", None), "language": getattr(rd, "language", None),
                # the reader's ``UN`` (an A/, E/, S/ symbol) is an organ, no convention: the
                # contract's document.treaty is null for a General Assembly resolution
                "treaty": None if getattr(rd, "treaty", None) == "UN" else getattr(rd, "treaty", None),
                "blocks": [p.blocks for p in rd.pages]}
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExtractError(str(path), f"not UTF-8 text (byte {exc.start}); only .txt (UTF-8) "
                           "and .pdf files can be extracted") from exc
    return {"text": text, "sha256": hashlib.sha256(data).hexdigest(), "pages": None,
            "symbol": None, "language": None, "treaty": None}


def _job_for(item: str | Path, settings: Settings, *, source=None, symbol=None, language=None) -> dict:
    if isinstance(item, Path):
        info = _read_path(item, settings)
        # the reader's page-weighted language is not forced on the text: the
        # parts decide (a French note with an English annex is read part by part)
        return _job(info["text"], source=source if source is not None else str(item),
                    sha256=info["sha256"], symbol=symbol or info["symbol"],
                    language=language, pages=info["pages"],
                    treaty=info["treaty"], settings=settings, page_blocks=info.get("blocks"))
    return _job(item, source=source, sha256=None, symbol=symbol, language=language,
                pages=None, treaty=None, settings=settings)


# ---------------------------------------------------------------- public API
def extract_text(text: str, *, settings: Settings | None = None, nlp: Language | None = None,
                 source: str | None = None, symbol: str | None = None,
                 language: str | None = None) -> records.Extraction:
    """Extract mentions and action items from ``text`` (offsets into ``text``)."""
    settings = settings or get_settings()
    nlp = _get_nlp(nlp, settings)
    job = _job(text, source=source, sha256=None, symbol=symbol, language=language,
               pages=None, treaty=None, settings=settings)
    return _run_one(job, nlp, settings, _uses_ner(nlp))


def extract_pages(pages: Sequence[str | None], *, settings: Settings | None = None,
                  nlp: Language | None = None, source: str | None = None,
                  symbol: str | None = None, language: str | None = None,
                  blocks: Sequence | None = None) -> records.Extraction:
    """Extract from page texts joined with ``"\\f"`` (offsets into the joined text).

    ``blocks``: per page, the reader's layout blocks (``Page.blocks``: dicts
    with kind, start, end in page offsets), so headers, footers and footnotes
    are boundaries (:mod:`docmine.reading.boundaries`); without them the lines' shapes
    decide."""
    settings = settings or get_settings()
    nlp = _get_nlp(nlp, settings)
    text = "\f".join(p or "" for p in pages)
    job = _job(text, source=source, sha256=None, symbol=symbol, language=language,
               pages=len(pages), treaty=None, settings=settings, page_blocks=blocks)
    return _run_one(job, nlp, settings, _uses_ner(nlp))


def extract(text_or_path: str | Path, *, settings: Settings | None = None,
            nlp: Language | None = None, source: str | None = None, symbol: str | None = None,
            language: str | None = None) -> records.Extraction:
    """Extract from a file (a :class:`~pathlib.Path`, or a string naming an existing
    ``.txt``/``.pdf`` file) or from a text.

    Raises :class:`ExtractError` when a file cannot be read.
    """
    settings = settings or get_settings()
    nlp = _get_nlp(nlp, settings)
    item = _as_input(text_or_path)
    job = _job_for(item, settings, source=source, symbol=symbol, language=language)
    return _run_one(job, nlp, settings, _uses_ner(nlp))


def _as_input(text_or_path: str | Path) -> str | Path:
    """A Path stays a path; a one-word string ending in ``.txt``/``.pdf`` names a file
    (an error when it does not exist); any other string is text."""
    if isinstance(text_or_path, Path):
        return text_or_path
    s = text_or_path
    if 0 < len(s) < 4096 and not any(c.isspace() for c in s) and s.lower().endswith((".txt", ".pdf")):
        return Path(s)
    if 0 < len(s) < 4096 and "\n" not in s and s.lower().endswith((".txt", ".pdf")):
        try:
            if Path(s).is_file():
                return Path(s)
        except (OSError, ValueError):
            pass
    return s


def extract_many(items: Iterable[str | Path], *, settings: Settings | None = None,
                 nlp: Language | None = None, batch_size: int | None = None,
                 language: str | None = None) -> Iterator[records.Extraction | ExtractError]:
    """Extract from many files or texts, in order, batching through ``nlp.pipe``.

    Yields an :class:`Extraction` per input, or the :class:`ExtractError` of an
    input that could not be read (the others are still processed).
    """
    settings = settings or get_settings()
    nlp = _get_nlp(nlp, settings)
    use_ner = _uses_ner(nlp)
    batch_size = batch_size or 16
    buffer: list = []

    def flush():
        jobs = [j for j in buffer if isinstance(j, dict)]
        # documents read by one pipeline go through its nlp.pipe together; documents
        # in several languages run each of their pipelines (_run_one)
        groups: dict[str, list[dict]] = {}
        results: dict[int, records.Extraction] = {}
        for j in jobs:
            keys = _plan(j)
            if len(keys) == 1:
                groups.setdefault(keys[0], []).append(j)
            else:
                results[id(j)] = _run_one(j, nlp, settings, use_ner)
        for key, group in groups.items():
            knlp, disabled = _nlp_for(key, nlp, settings)
            docs = (_prepare(knlp, j["norm"], j["symbol"], j["language"], j.get("bounds"), _norm_parts(j))
                    for j in group)
            for j, doc in zip(group, knlp.pipe(docs, batch_size=batch_size, disable=list(disabled))):
                results[id(j)] = _finish(doc, j, settings, use_ner and not disabled, key, knlp)
        out = [results[id(j)] if isinstance(j, dict) else j for j in buffer]
        buffer.clear()
        return out

    for item in items:
        try:
            buffer.append(_job_for(_as_input(item) if not isinstance(item, Path) else item,
                                   settings, language=language))
        except ExtractError as exc:
            buffer.append(exc)
        if len(buffer) >= batch_size:
            yield from flush()
    if buffer:
        yield from flush()
