"""Deprecated location of :mod:`docmine.store.db` (kept because the README
documented ``docmine.db.session_scope``); import from ``docmine.store.db``."""
from __future__ import annotations

import warnings

from docmine.store.db import *  # noqa: F401,F403
from docmine.store.db import session_scope, init_db, get_engine, make_session_factory  # noqa: F401

warnings.warn("docmine.db moved to docmine.store.db", DeprecationWarning, stacklevel=2)
