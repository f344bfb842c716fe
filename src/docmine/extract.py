"""Deprecated location of :mod:`docmine.extraction.extract` (kept because the
README documented ``docmine.extract``); import from ``docmine.extraction.extract``.

``docmine.extract(text_or_path)`` (the package attribute) stays the public
call and is not deprecated; only importing this module is.
"""
from __future__ import annotations

import sys
import warnings

from docmine.extraction.extract import *  # noqa: F401,F403
from docmine.extraction.extract import extract as _extract

warnings.warn("docmine.extract (the module) moved to docmine.extraction.extract",
              DeprecationWarning, stacklevel=2)


class _CallableModule(sys.modules[__name__].__class__):
    """Calling the module calls :func:`docmine.extraction.extract.extract`, as before."""

    def __call__(self, text_or_path, **kwargs):
        return _extract(text_or_path, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
