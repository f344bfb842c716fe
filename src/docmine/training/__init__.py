"""Training: retrain the models from editors' corrections (issue 14).

:func:`train` (``docmine train``) collects the corrected documents and the
dev gold's training split, learns knowledge (``kb_overlay``), fine-tunes the
organisation NER through the spaCy project ``models/training`` from the
version in force, evaluates candidate and version in force on one fixed set
and promotes the candidate only when the gate says it is better
(:mod:`.gate`). :func:`curve` prints a learning curve. Model versions,
promotion and rollback live in :mod:`docmine.store.models`.

May import: the verbs (:mod:`docmine.corrections`), :mod:`docmine.store`,
:mod:`docmine.extraction`, :mod:`docmine.reading` and the base modules.
"""
from __future__ import annotations


__all__ = ["train", "curve", "TrainError", "TrainResult", "render_curve"]


def __getattr__(name: str):
    """Load :mod:`.retrain` on first use (it imports spaCy and the store)."""
    if name in __all__:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.retrain"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
