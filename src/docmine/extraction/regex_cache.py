"""Compiled regular expressions kept on disk between processes.

Building the pipeline compiles a few very large regexes: spaCy's French
``TOKEN_MATCH`` (a 1.4 MB pattern, compiled when ``spacy.lang.fr`` is
imported: 4–6 s on one core) and the knowledge base's organisation names
(0.2 MB, ≈ 1.5 s). Python's :mod:`re` keeps compiled patterns only for the life
of a process, so every ``docmine extract`` paid for them again.

:func:`regex_cache` is a context manager: while it is active, a pattern of at
least :data:`MIN_LENGTH` characters is compiled by :mod:`re` once, and the
compiler's output (the SRE code, its groups and flags) is saved as JSON in
``folder/sre-code.json``; later processes hand that code to ``_sre.compile``, as
``re._compiler.compile`` itself does, instead of parsing and optimising the
pattern again (milliseconds instead of seconds). The result is the same
pattern object: ``re.Pattern.__eq__`` compares the pattern string, the flags and
the code, and the tests assert equality with a fresh ``re.compile``.

The key holds the pattern, its flags and the Python version and SRE magic
number, so another interpreter never reads code it did not write. Anything
unexpected (a Python without ``re._compiler``, an unreadable or corrupt entry,
a read-only folder) falls back to an ordinary compile. This relies on CPython
internals (``re._compiler.compile``, ``_sre.compile``; CPython 3.11 and 3.12),
on purpose and in this one module.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

#: patterns shorter than this (characters) are compiled as usual: they are cheap
MIN_LENGTH = 64

_lock = threading.RLock()
_store = None  # the store of the active block
_stores: dict = {}  # folder -> _Store, kept for the process
_last_folder: Optional[Path] = None  # the folder of the latest block: for patterns a component builds later
_depth = 0  # nested regex_cache blocks (one patch at a time)


def _key(pattern: str, flags: int) -> str:
    import _sre
    h = hashlib.sha256()
    h.update(f"{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}|{int(flags)}|".encode())
    h.update(pattern.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _from_data(pattern: str, data: dict):
    """``_sre.compile`` with saved compiler output (as ``re._compiler.compile`` ends)."""
    import _sre
    groupindex = {str(k): int(v) for k, v in data["groupindex"].items()}
    groups = int(data["groups"])
    indexgroup = [None] * groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    code = data["code"]
    if not isinstance(code, list):
        raise TypeError("saved SRE code is not a list")
    return _sre.compile(pattern, int(data["flags"]), code, groups - 1, groupindex, tuple(indexgroup))


def _compiler_output(pattern: str, flags: int) -> dict:
    """What ``re._compiler.compile`` computes before ``_sre.compile`` (raises ``re.error``)."""
    from re import _compiler, _parser  # type: ignore[attr-defined]
    p = _parser.parse(pattern, flags)
    code = _compiler._code(p, flags)
    return {"flags": int(flags | p.state.flags), "groups": int(p.state.groups),
            "groupindex": {str(k): int(v) for k, v in p.state.groupdict.items()},
            "code": [int(c) for c in code]}


#: the one file of a cache folder: {key: compiler output}
STORE_NAME = "sre-code.json"
#: entries beyond which a save keeps only the patterns used by the saving process
MAX_ENTRIES = 5_000


class _Store:
    """The saved compiler outputs of one folder, read once per block."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / STORE_NAME
        self.entries: dict[str, dict] = {}
        self.used: set[str] = set()
        self.added = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.entries = data
        except Exception:  # absent, unreadable or corrupt: start empty
            pass

    def compile(self, pattern: str, flags: int, fallback):
        import re
        key = _key(pattern, flags)
        data = self.entries.get(key)
        if data is not None:
            try:
                compiled = _from_data(pattern, data)
                self.used.add(key)
                return compiled
            except Exception:  # a damaged entry: compiled again below
                pass
        try:
            data = _compiler_output(pattern, flags)
            compiled = _from_data(pattern, data)
        except re.error:
            raise
        except Exception:  # pragma: no cover - internals changed: the ordinary way
            return fallback(pattern, flags)
        self.entries[key] = data
        self.used.add(key)
        self.added = True
        return compiled

    def save(self) -> None:
        """Write the entries (atomically) when this block added some; never raises."""
        if not self.added:
            return
        try:
            # the patterns this process used, then older ones up to as many again
            # (another configuration's), so patterns that change between
            # processes do not make the file grow without end
            entries = {k: self.entries[k] for k in self.used}
            for k, v in self.entries.items():
                if len(entries) >= min(MAX_ENTRIES, 2 * len(self.used) + 100):
                    break
                entries.setdefault(k, v)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(json.dumps(entries, separators=(",", ":")))  # the C encoder
                os.replace(tmp, self.path)
                self.added = False
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except Exception:  # read-only folder, full disk…: the patterns are compiled anyway
            pass


@contextmanager
def regex_cache(folder: Optional[Path]) -> Iterator[None]:
    """While the block runs, patterns of at least :data:`MIN_LENGTH` characters
    compiled through :mod:`re` in this process are read from, or added to,
    ``folder/sre-code.json`` (``folder`` None: no cache). Blocks may nest (the
    outermost folder is used); the file is written when the outermost ends."""
    global _depth, _store
    try:
        from re import _compiler  # type: ignore[attr-defined]
        import _sre  # noqa: F401
    except ImportError:  # pragma: no cover - not CPython ≥ 3.11
        yield
        return
    if folder is None:
        yield
        return
    global _last_folder
    _last_folder = Path(folder)
    with _lock:
        _depth += 1
        if _depth == 1:
            original = _compiler.compile
            store = _stores.get(Path(folder))
            if store is None:  # read once per process and folder
                store = _stores[Path(folder)] = _Store(Path(folder))
            _store = store

            def compile_(p, flags=0):
                if isinstance(p, str) and len(p) >= MIN_LENGTH:
                    with _lock:
                        return store.compile(p, flags, original)
                return original(p, flags)

            compile_.__wrapped__ = original  # type: ignore[attr-defined]
            _compiler.compile = compile_
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _compiler.compile = getattr(_compiler.compile, "__wrapped__", _compiler.compile)
                store, _store = _store, None
                if store is not None:
                    store.save()


def lazy_regex_cache():
    """:func:`regex_cache` on the folder of the latest pipeline build, for the
    patterns a component compiles on first use (e.g. one language's action
    rules); no cache when no pipeline was built with one."""
    return regex_cache(_last_folder)
