"""The name of the extraction model in force, without loading spaCy (cheap:
``docmine run`` asks for it before it knows whether anything needs extracting)."""
from __future__ import annotations

from pathlib import Path

from docmine.settings import Settings, get_settings


def model_version(settings: Settings | None = None, *, use_ner: bool | None = None) -> str:
    """A stable name for the extraction model in force (stored with every
    mention): ``docmine-<version>+<NER model folder name>``, or ``+rules``
    without the statistical NER."""
    from docmine import __version__
    settings = settings or get_settings()
    use_ner = settings.use_ner if use_ner is None else use_ner
    base = Path(settings.model).name if use_ner else "rules"
    return f"docmine-{__version__}+{base}"
