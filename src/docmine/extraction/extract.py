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
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from docmine import records
from .decision_structure import decision_structure, line_starts_of
from .nlp import LABELS, load_nlp, model_version
from docmine.settings import Settings, get_settings
from docmine.reading.textmap import NormText, normalise

#: components that only make sense for French text (left out for other languages)
FRENCH_ONLY = ("docmine_orgs", "ner", "docmine_org_ner", "docmine_actions")
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


def _disabled_for(language: str | None, nlp: Language) -> list[str]:
    if language in (None, "fr"):
        return []
    return [p for p in FRENCH_ONLY if p in nlp.pipe_names]


def _prepare(nlp: Language, norm: NormText, symbol: str | None, language: str | None) -> Doc:
    if len(norm.text) >= nlp.max_length:
        nlp.max_length = len(norm.text) + 1
    doc = nlp.make_doc(norm.text)
    doc.user_data["docmine_text"] = norm.text  # == doc.text, without rebuilding it from tokens
    # where the original began a line: the decision structure admits paragraph markers there
    doc.user_data["docmine_line_starts"] = line_starts_of(norm.original, norm.text, norm.offsets)
    if symbol:
        doc._.symbol = symbol
    doc._.language = language
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
    for it in (doc._.action_items or []) if pipeline == "fr" else []:
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


def _job(text: str, *, source: str | None, sha256: str | None, symbol: str | None,
         language: str | None, pages: int | None, treaty: str | None, settings: Settings) -> dict:
    if language is None:
        language = detect_language(text, settings)
    return {"norm": normalise(text), "source": source if source is not None else "<text>",
            "sha256": sha256 or _sha256_text(text), "symbol": symbol, "language": language,
            "pages": pages, "treaty": treaty}


def _run_one(job: dict, nlp: Language, settings: Settings, use_ner: bool) -> records.Extraction:
    disabled = _disabled_for(job["language"], nlp)
    doc = _prepare(nlp, job["norm"], job["symbol"], job["language"])
    for name, proc in nlp.pipeline:
        if name in disabled:
            continue
        doc = proc(doc)
    return _finish(doc, job, settings, use_ner, disabled)


def _finish(doc: Doc, job: dict, settings: Settings, use_ner: bool, disabled: list[str]) -> records.Extraction:
    pipeline = "rules" if disabled else "fr"
    version = model_version(settings, use_ner=use_ner and not disabled)
    return _to_extraction(doc, job["norm"], source=job["source"], sha256=job["sha256"],
                          language=job["language"], symbol=job["symbol"], pages=job["pages"],
                          pipeline=pipeline, version=version, treaty=job["treaty"])


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
                "treaty": getattr(rd, "treaty", None)}
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
        return _job(info["text"], source=source if source is not None else str(item),
                    sha256=info["sha256"], symbol=symbol or info["symbol"],
                    language=language or info["language"], pages=info["pages"],
                    treaty=info["treaty"], settings=settings)
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
                  symbol: str | None = None, language: str | None = None) -> records.Extraction:
    """Extract from page texts joined with ``"\\f"`` (offsets into the joined text)."""
    settings = settings or get_settings()
    nlp = _get_nlp(nlp, settings)
    text = "\f".join(p or "" for p in pages)
    job = _job(text, source=source, sha256=None, symbol=symbol, language=language,
               pages=len(pages), treaty=None, settings=settings)
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
            groups.setdefault(tuple(_disabled_for(j["language"], nlp)), []).append(j)
        results: dict[int, records.Extraction] = {}
        for disabled, group in groups.items():
            docs = (_prepare(nlp, j["norm"], j["symbol"], j["language"]) for j in group)
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
