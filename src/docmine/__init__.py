"""docmine: mine the meeting papers of the environmental conventions.

The Python API mirrors the ``docmine`` command line::

    import docmine
    result = docmine.extract("note.pdf")          # -> docmine.records.Extraction
    docmine.ingest_paths(["papers/"], settings=docmine.get_settings())
    from docmine import query                       # DataFrames: actions, cites, search…

Heavy modules (spaCy, SQLAlchemy, pandas) load on first use, so ``import
docmine`` stays fast.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "extract": ("docmine.extraction.extract", "extract"),  # docmine.extract(text_or_path) -> Extraction
    "extract_text": ("docmine.extraction.extract", "extract_text"),
    "extract_pages": ("docmine.extraction.extract", "extract_pages"),
    "extract_many": ("docmine.extraction.extract", "extract_many"),
    "evaluate": ("docmine.extraction.evaluate", None),
    "read_pdf": ("docmine.reading.read", "read_pdf"),
    "ingest_paths": ("docmine.ingest", "ingest_paths"),
    "run": ("docmine.run", None),
    "query": ("docmine.query", None),
    "get_settings": ("docmine.settings", "get_settings"),
    "Settings": ("docmine.settings", "Settings"),
    "session_scope": ("docmine.store.db", "session_scope"),
    "init_db": ("docmine.store.db", "init_db"),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'docmine' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    return mod if attr is None else getattr(mod, attr)
