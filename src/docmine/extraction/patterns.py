"""Rules as data: load ``models/patterns/NAME.json`` with its per-language files.

``load_patterns(base, "meetings")`` reads ``meetings.json`` (the shared rules
and the French lexicon) and then every ``meetings_<lang>.json`` beside it
(``meetings_en.json``, ``meetings_es.json``: the English and Spanish words),
in name order, merged into one dict:

* a list is extended (``treaty_names``, ``signals``); a list of objects with a
  ``key`` (``bodies``) merges the objects of the same key: their ``names`` are
  joined, their other fields filled in where the base has none;
* a dict is updated key by key (``acronyms``), a list under a key extended
  (``kinds``: ``{"Res": [words]}``);
* a string is a regex alternation (``nouns``, ``connectors``): the language's
  alternative is added, ``(?:base|lang)``;
* keys starting with ``_`` or named ``description`` are comments.

The rules stay language-independent at run time (a document mixes languages,
and a symbol or a number reads the same in all three): the files split the
lexicon by language so that each language's words are kept, reviewed and
extended in one place.

Errors: a file that is not valid JSON raises ``ValueError`` naming the file.
"""
from __future__ import annotations

import json
from pathlib import Path

_COMMENTS = {"description"}


def _merge_list(base: list, extra: list) -> list:
    if not (extra and all(isinstance(x, dict) and "key" in x for x in extra)):
        return base + extra
    out = [dict(x) if isinstance(x, dict) else x for x in base]
    by_key = {x["key"]: x for x in out if isinstance(x, dict) and "key" in x}
    for item in extra:
        cur = by_key.get(item["key"])
        if cur is None:
            out.append(dict(item))
            by_key[item["key"]] = out[-1]
            continue
        for k, v in item.items():
            if k == "names":
                cur["names"] = list(cur.get("names", [])) + list(v)
            elif k not in cur:
                cur[k] = v
            elif isinstance(cur[k], dict) and isinstance(v, dict):
                cur[k] = {**v, **cur[k]}
    return out


def merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra``'s rules added (see the module's docstring)."""
    out = dict(base)
    for k, v in extra.items():
        if k.startswith("_") or k in _COMMENTS:
            continue
        cur = out.get(k)
        if cur is None:
            out[k] = v
        elif isinstance(cur, list) and isinstance(v, list):
            out[k] = _merge_list(cur, v)
        elif isinstance(cur, dict) and isinstance(v, dict):
            # ``kinds``: {"Res": [words]}: the language's words are added to each list
            out[k] = {**cur, **{kk: (cur[kk] + vv if isinstance(cur.get(kk), list) and isinstance(vv, list) else vv)
                                for kk, vv in v.items()}}
        elif isinstance(cur, str) and isinstance(v, str):
            out[k] = f"(?:{cur}|{v})"
        else:
            out[k] = v
    return out


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


def language_files(base: Path, name: str) -> list[Path]:
    """``NAME_<lang>.json`` files beside ``NAME.json``, in name order."""
    return sorted(p for p in Path(base).glob(f"{name}_*.json") if len(p.stem) == len(name) + 3)


def load_patterns(base: str | Path, name: str, *, fallback: str | Path | None = None) -> dict:
    """``NAME.json`` of ``base`` (else of ``fallback``) merged with its
    ``NAME_<lang>.json`` files; {} when there is none."""
    for folder in [Path(base)] + ([Path(fallback)] if fallback else []):
        p = folder / f"{name}.json"
        if p.exists():
            data = _read(p)
            for extra in language_files(folder, name):
                data = merge(data, _read(extra))
            return data
    return {}
