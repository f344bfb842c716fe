"""The name of the extraction model in force, without loading spaCy (cheap:
``docmine run`` asks for it before it knows whether anything needs extracting)."""
from __future__ import annotations

from pathlib import Path

from docmine.settings import Settings, get_settings

#: languages with a pipeline of their own (anything else gets the rules only)
LANGUAGES = ("fr", "en", "es")


def ner_model_for(settings: Settings, language: str) -> str | None:
    """The statistical NER source of ``language``: ``settings.model`` for French,
    ``<models_dir>/ner_org_<lang>`` for the others (None when it is not there)."""
    if language == "fr":
        return settings.model
    own = Path(settings.models_dir) / f"ner_org_{language}"
    return str(own) if (own / "meta.json").exists() else None


def model_version(settings: Settings | None = None, *, use_ner: bool | None = None,
                  language: str = "fr") -> str:
    """A stable name for the extraction model in force (stored with every mention):
    ``docmine-<version>+<NER folder>`` (``+rules`` without the NER)."""
    from docmine import __version__
    settings = settings or get_settings()
    use_ner = settings.use_ner if use_ner is None else use_ner
    ner = ner_model_for(settings, language) if language in LANGUAGES else None
    base = Path(ner).name if use_ner and ner else "rules"
    return f"docmine-{__version__}+{base}"
