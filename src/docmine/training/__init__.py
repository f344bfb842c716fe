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


def __getattr__(name: str):
    if name in ("train", "curve", "TrainError", "TrainResult", "render_curve"):
        from . import train as _t
        return getattr(_t, name)
    raise AttributeError(name)
