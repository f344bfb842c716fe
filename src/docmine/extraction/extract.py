"""The extraction API: text, pages or a file in, an :class:`~docmine.records.Extraction` out.

``extract(path_or_text)`` reads a ``.txt`` file as UTF-8 untouched or a
``.pdf`` through :func:`docmine.reading.read.read_pdf` (pages joined with ``"\\f"``),
normalises the text (:func:`docmine.reading.textmap.normalise`), runs the spaCy
pipeline on the normalised copy and maps every mention and action item back,
so that ``m.text == original[m.start:m.end]`` always holds (spec §1, §7).

French text runs the full pipeline (``Extraction.pipeline == "fr"``); text in
another language runs only the language-neutral rules (REF, DOC, MEETING,
DATE: ``pipeline == "rules"``), without the French organisation components
and without action items.

A document in several languages (a French note with an English annex, an
English cover block over French text) is read part by part (issue 8, kind 8):
:func:`docmine.reading.language.language_parts` splits it at paragraph starts
(:mod:`docmine.reading.boundaries`); the French parts get the whole French
pipeline, the others (``kb+rules``) the language-independent rules, the
knowledge base's names and the action rules, but not the French statistical
NER's organisations (``pipeline == "fr+kb+rules"``; ``Extraction.parts`` says
which part got which); ``document.language`` is the language of most of the
text. A language given by the caller is the whole document's.

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

#: components that only make sense for French text (left out for other languages)
FRENCH_ONLY = ("docmine_orgs", "ner", "docmine_org_ner", "docmine_actions")
#: the mention labels that only those components give
FRENCH_ONLY_LABELS = ("ORG",)
#: what reads a non-French part of a document that also has French parts: the
#: language-independent rules, the knowledge base's names (fr/en/es) and the
#: action rules (fr/en), without the French statistical NER
MIXED_PART_PIPELINE = "kb+rules"
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


def _disabled_for(language: str | None, nlp: Language, parts: list | None = None) -> list[str]:
    """Components left out: the French-only ones unless some part is French (or unknown)."""
    langs = [p[2] for p in parts] if parts else [language]
    if any(lang in (None, "fr") for lang in langs):
        return []
    return [p for p in FRENCH_ONLY if p in nlp.pipe_names]


def _is_french(language: str | None) -> bool:
    return language in (None, "fr")


def _prepare(nlp: Language, norm: NormText, symbol: str | None, language: str | None,
             bounds: tuple | None = None, parts: list | None = None) -> Doc:
    if len(norm.text) >= nlp.max_length:
        nlp.max_length = len(norm.text) + 1
    doc = nlp.make_doc(norm.text)
    doc.user_data["docmine_text"] = norm.text  # == doc.text, without rebuilding it from tokens
    # where the original began a line: the decision structure admits paragraph markers there
    doc.user_data["docmine_line_starts"] = line_starts_of(norm.original, norm.text, norm.offsets)
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
    for it in (doc._.action_items or []) if pipeline != "rules" else []:
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
    return majority_language(text, parts), parts


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


def _run_one(job: dict, nlp: Language, settings: Settings, use_ner: bool) -> records.Extraction:
    disabled = _disabled_for(job["language"], nlp, job.get("parts"))
    doc = _prepare(nlp, job["norm"], job["symbol"], job["language"], job.get("bounds"), _norm_parts(job))
    for name, proc in nlp.pipeline:
        if name in disabled:
            continue
        doc = proc(doc)
    return _finish(doc, job, settings, use_ner, disabled)


def _finish(doc: Doc, job: dict, settings: Settings, use_ner: bool, disabled: list[str]) -> records.Extraction:
    parts = [records.LanguagePart(a, b, lang, "fr" if _is_french(lang) and not disabled
                                  else ("rules" if disabled else MIXED_PART_PIPELINE))
             for a, b, lang in job.get("parts") or [(0, len(job["norm"].original), job["language"])]]
    kinds = {p.pipeline for p in parts}
    pipeline = "fr+" + MIXED_PART_PIPELINE if len(kinds) > 1 else kinds.pop()
    version = model_version(settings, use_ner=use_ner and not disabled)
    ex = _to_extraction(doc, job["norm"], source=job["source"], sha256=job["sha256"],
                        language=job["language"], symbol=job["symbol"], pages=job["pages"],
                        pipeline=pipeline, version=version, treaty=job["treaty"])
    ex.parts = parts
    if len(kinds) > 1:
        _keep_french_output_in_french_parts(ex, parts)
    return ex


def _keep_french_output_in_french_parts(ex: records.Extraction, parts: list) -> None:
    """A part in another language keeps what rules written for its language give:
    REF, DOC, MEETING, DATE, the knowledge base's organisation names (French,
    English and Spanish) and the action items (the operative verbs and passives
    of ``actions.json`` are French and English); the French statistical NER's
    organisations (those without a knowledge-base id) are dropped there. The
    pipeline ran once over the whole document, so its context stays whole.

    Measured on the French dev gold (``corpus/dev/fr``, a note with an English
    annex of draft decisions among them): dropping the annex's ORG mentions
    and action items too gave micro strict F1 0.900 and action-item F1 0.703;
    keeping them 0.924 and 0.785."""
    other = [(p.start, p.end) for p in parts if p.pipeline != "fr"]

    def in_other(pos: int) -> bool:
        return any(a <= pos < b for a, b in other)

    ex.mentions = [m for m in ex.mentions
                   if m.label not in FRENCH_ONLY_LABELS or m.ids or not in_other(m.start)]


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
                "treaty": getattr(rd, "treaty", None), "blocks": [p.blocks for p in rd.pages]}
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
        # French and rules-only documents go through nlp.pipe separately (different components)
        groups: dict[tuple, list[dict]] = {}
        for j in jobs:
            groups.setdefault(tuple(_disabled_for(j["language"], nlp, j.get("parts"))), []).append(j)
        results: dict[int, records.Extraction] = {}
        for disabled, group in groups.items():
            docs = (_prepare(nlp, j["norm"], j["symbol"], j["language"], j.get("bounds"), _norm_parts(j))
                    for j in group)
            for j, doc in zip(group, nlp.pipe(docs, batch_size=batch_size, disable=list(disabled))):
                results[id(j)] = _finish(doc, j, settings, use_ner, list(disabled))
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
