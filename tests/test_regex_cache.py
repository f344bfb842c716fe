"""``docmine.extraction.regex_cache``: compiled patterns saved on disk are the
same patterns (``re.Pattern.__eq__`` compares pattern, flags and SRE code),
and the pipeline built from the cache tokenizes and extracts exactly as one
built without it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from docmine.extraction import regex_cache as rc

#: large, case-insensitive, with named groups and wide character classes: the kind that is slow
BIG = "(?P<head>" + "|".join(f"(?:[{chr(0xC0 + i % 60)}-\u024f]+-{w}\\d+)" for i, w in
                             enumerate(f"mot{i}" for i in range(400))) + r")(?P<tail>\s*[’']\w+)?"


def _fresh(pattern: str, flags: int = 0):
    from re import _compiler
    return getattr(_compiler.compile, "__wrapped__", _compiler.compile)(pattern, flags)


def test_saved_pattern_is_the_same_pattern(tmp_path):
    with rc.regex_cache(tmp_path):
        first = re.compile(BIG, re.I)
    store = tmp_path / rc.STORE_NAME
    assert store.is_file()
    re.purge()  # the next compile must not come from re's own in-process cache
    rc._stores.clear()  # nor from the store this process read: from the file, as a new process
    with rc.regex_cache(tmp_path):
        again = re.compile(BIG, re.I)
    fresh = _fresh(BIG, re.I)
    assert first == fresh and again == fresh and again is not fresh
    assert again.groupindex == fresh.groupindex and again.groups == fresh.groups == 2
    m = again.search("xx éÿ-mot17 ’eau")
    assert m and m.group("head") == "éÿ-mot17" and m.group("tail") == " ’eau"
    # the store holds exactly one entry: nothing is re-added by the second block
    assert len(json.loads(store.read_text())) == 1


def test_outside_the_block_re_is_untouched(tmp_path):
    from re import _compiler
    before = _compiler.compile
    with rc.regex_cache(tmp_path):
        with rc.regex_cache(tmp_path / "inner"):  # nested: the outer folder is used
            assert _compiler.compile is not before
    assert _compiler.compile is before
    assert not (tmp_path / "inner").exists()


def test_corrupt_store_and_bad_pattern(tmp_path):
    (tmp_path / rc.STORE_NAME).write_text("{not json")
    re.purge()
    with rc.regex_cache(tmp_path):
        assert re.compile(BIG) == _fresh(BIG)
        with pytest.raises(re.error):
            re.compile("(" + "a" * 100)  # a bad pattern raises as usual
    assert len(json.loads((tmp_path / rc.STORE_NAME).read_text())) == 1
    # a damaged entry (code that is not SRE code) is compiled again, not trusted
    data = json.loads((tmp_path / rc.STORE_NAME).read_text())
    for v in data.values():
        v["code"] = [999999] * 10
    (tmp_path / rc.STORE_NAME).write_text(json.dumps(data))
    re.purge()
    rc._stores.clear()
    with rc.regex_cache(tmp_path):
        assert re.compile(BIG) == _fresh(BIG)


def test_read_only_folder_still_compiles(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        re.purge()
        with rc.regex_cache(ro / "cache"):
            assert re.compile(BIG) == _fresh(BIG)
    finally:
        os.chmod(ro, 0o700)


_TOKENS = r"""
import json, sys, contextlib
from pathlib import Path
import docmine.extraction.nlp as N
from docmine.settings import get_settings
if sys.argv[2] == "nocache":
    N.regex_cache = lambda folder: contextlib.nullcontext()
nlp = N.build_nlp(get_settings(data_dir=sys.argv[1]))
out = []
for p in sys.argv[3:]:
    out.append([t.text for t in nlp.tokenizer(Path(p).read_text(encoding="utf-8"))])
if sys.argv[2] == "check":  # every pattern read from the cache equals a fresh compile
    from re import _compiler
    import re, spacy.lang.fr.tokenizer_exceptions as te
    fresh = getattr(_compiler.compile, "__wrapped__", _compiler.compile)
    tm = te.TOKEN_MATCH.__self__
    assert tm == fresh(tm.pattern, 0), "French TOKEN_MATCH differs"
print(json.dumps(out))
"""


@pytest.mark.slow
def test_pipeline_from_cache_tokenizes_the_dev_corpus_identically(shared_dir, tmp_path):
    texts = sorted(str(p) for p in (shared_dir / "corpus" / "dev").glob("*.txt"))
    assert texts
    script = tmp_path / "tokens.py"
    script.write_text(_TOKENS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCMINE_")}

    def tokens(mode: str) -> list:
        r = subprocess.run([sys.executable, str(script), str(tmp_path / "data"), mode, *texts],
                           capture_output=True, text=True, timeout=600, env=env)
        assert r.returncode == 0, r.stderr[-3000:]
        return json.loads(r.stdout)

    plain = tokens("nocache")
    assert not (tmp_path / "data" / "cache").exists()
    first = tokens("fill")
    store = tmp_path / "data" / "cache" / "regex" / rc.STORE_NAME
    assert store.is_file() and store.stat().st_size > 1_000_000  # French TOKEN_MATCH among them
    mtime = store.stat().st_mtime_ns
    from_cache = tokens("check")
    assert store.stat().st_mtime_ns == mtime  # nothing new to save: the patterns are stable
    assert plain == first == from_cache
    assert sum(len(t) for t in plain) > 1000


def test_the_cache_is_written_in_the_data_folder_of_the_settings(tmp_path):
    """The pipeline's compiled patterns go to ``<data_dir>/cache/regex`` of the
    settings it is loaded with, never to ``./data`` of the working folder
    (nothing is written outside the data folder)."""
    data, cwd = tmp_path / "mydata", tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCMINE_")}
    code = ("import sys; from docmine.settings import get_settings; from docmine.extraction.nlp import load_nlp; "
            "load_nlp(get_settings(data_dir=sys.argv[1], use_ner=False))")
    r = subprocess.run([sys.executable, "-c", code, str(data)], cwd=cwd, capture_output=True, text=True,
                       timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (data / "cache" / "regex" / rc.STORE_NAME).is_file()
    assert not (cwd / "data").exists(), sorted(str(p) for p in cwd.rglob("*"))
