"""Language detection on short and mixed text: stop words + langdetect vs lingua (issue 11).

Snippets are cut from the project's dev texts (``corpus/dev/{fr,en,es}``; the
French note with an English annex, ``fr/105``, is left out of the single-language
sets and used for the mixed ones), whose language is known:

* ``line``: single lines of 30 to 120 characters (titles, list items, headers);
* ``sentence``: sentences of 60 to 300 characters;
* ``paragraph``: paragraphs (blank-line separated) of 200 characters or more;
* ``mixed``: a French paragraph followed by an English or Spanish one (and the
  reverse), where the question is what ``language_parts`` makes of the pair
  (right when it gives two parts with the right languages).

Methods, each restricted to answering fr/en/es (anything else counts wrong):

* ``stopwords+langdetect``: :func:`docmine.reading.language.fast_detect`, else
  langdetect seeded (the reader's page detector, ``_detect``);
* ``lingua``: lingua restricted to FR/EN/ES, no stop words;
* ``stopwords+lingua``: :func:`docmine.reading.language.segment_language`, what the
  extraction's part splitter uses (stop words when they leave no doubt, else lingua).

Prints accuracy and milliseconds per snippet. Deterministic: run it twice, same
figures (langdetect is seeded; lingua does not sample).

    .venv/bin/python benchmarks/bench_language.py
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "corpus" / "dev"


def snippets() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {"line": [], "sentence": [], "paragraph": []}
    for lang in ("fr", "en", "es"):
        for f in sorted((DEV / lang).glob("*.txt")):
            if f.name.startswith("105_"):
                continue
            text = f.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\f", "\n\n")
            for line in text.splitlines():
                line = line.strip()
                if 30 <= len(line) <= 120 and sum(c.isalpha() for c in line) >= 20:
                    out["line"].append((line, lang))
            flat = re.sub(r"\s+", " ", text)
            for s in re.split(r"(?<=[.;:])\s+", flat):
                if 60 <= len(s) <= 300:
                    out["sentence"].append((s, lang))
            for para in re.split(r"\n\s*\n", text):
                para = re.sub(r"\s+", " ", para).strip()
                if len(para) >= 200:
                    out["paragraph"].append((para, lang))
    return out


def mixed(sn: dict) -> list[tuple[str, list[str]]]:
    by = {lang: [p for p, lg in sn["paragraph"] if lg == lang] for lang in ("fr", "en", "es")}
    pairs = []
    for other in ("en", "es"):
        for a, b in zip(by["fr"], by[other]):
            pairs.append((a + "\n\n" + b, ["fr", other]))
            pairs.append((b + "\n\n" + a, [other, "fr"]))
    return pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    from docmine.reading import language as L

    detector, codes = L._lingua_detector()

    def lingua_only(text: str) -> str | None:
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value < L.MIN_CONFIDENCE:
            return None
        return codes.get(values[0].language)

    methods = {
        "stopwords+langdetect": lambda t: L._detect(t, 0),
        "lingua": lingua_only,
        "stopwords+lingua": L.segment_language,
    }
    sn = snippets()
    rows = []
    for kind, items in sn.items():
        for name, fn in methods.items():
            t0 = time.perf_counter()
            ok = sum(fn(text) == lang for text, lang in items)
            ms = (time.perf_counter() - t0) * 1000 / max(1, len(items))
            rows.append({"set": kind, "n": len(items), "method": name,
                         "accuracy": round(ok / max(1, len(items)), 4), "ms": round(ms, 2)})
    pairs = mixed(sn)
    t0 = time.perf_counter()
    ok = 0
    for text, langs in pairs:
        cut = text.index("\n\n") + 2
        parts = L.language_parts(text, [cut])
        ok += [p[2] for p in parts] == langs
    rows.append({"set": "mixed", "n": len(pairs), "method": "language_parts (stopwords+lingua)",
                 "accuracy": round(ok / max(1, len(pairs)), 4),
                 "ms": round((time.perf_counter() - t0) * 1000 / max(1, len(pairs)), 2)})
    if a.json:
        print(json.dumps(rows, indent=1))
        return
    from rich.console import Console
    from rich.table import Table
    table = Table(title="language detection on short and mixed text (fr/en/es dev texts)")
    for col in ("set", "n", "method", "accuracy", "ms/snippet"):
        table.add_column(col, justify="right" if col in ("n", "accuracy", "ms/snippet") else "left")
    for r in rows:
        table.add_row(r["set"], str(r["n"]), r["method"], f"{r['accuracy']:.3f}", f"{r['ms']:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
