"""Words per second of docmine's extraction on one core, with and without the statistical NER.

    .venv/bin/python benchmarks/bench_extract.py [GOLD_DIR] [--words 100000] [--mode many|single] [--breakdown]

Runs the dev texts (../shared/corpus/dev by default), repeated until at least
``--words`` words, through ``docmine.extraction.extract.extract_many`` (batched) or
``extract_text`` one by one, after loading the pipeline once (load time is
reported apart). Each configuration runs in its own process so peak memory
(ru_maxrss) is its own. Goal: >= 10,000 words/s for the whole extraction.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = REPO.parent / "shared" / "corpus" / "dev"


def breakdown(batch: list[str], nlp, settings) -> dict[str, float]:
    """Share of the time per stage (robust to a busy machine, unlike words/s)."""
    from docmine.extraction.extract import detect_language
    from docmine.reading.textmap import normalise

    t: dict[str, float] = {"language": 0.0, "normalise": 0.0, "tokenizer": 0.0}
    t.update({name: 0.0 for name in nlp.pipe_names})
    for text in batch:
        t0 = time.perf_counter()
        detect_language(text, settings)
        t1 = time.perf_counter()
        norm = normalise(text)
        t2 = time.perf_counter()
        doc = nlp.make_doc(norm.text)
        doc.user_data["docmine_text"] = norm.text
        t3 = time.perf_counter()
        t["language"] += t1 - t0
        t["normalise"] += t2 - t1
        t["tokenizer"] += t3 - t2
        for name, proc in nlp.pipeline:
            a = time.perf_counter()
            doc = proc(doc)
            t[name] += time.perf_counter() - a
    total = sum(t.values())
    return {k: round(v / total, 3) for k, v in t.items()}


breakdown_wanted = False


def one_run(gold_dir: Path, words: int, use_ner: bool, mode: str) -> dict:
    import resource

    try:  # one core
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    from docmine.extraction.extract import extract_many, extract_text
    from docmine.extraction.nlp import load_nlp
    from docmine.settings import get_settings

    texts = [p.read_text(encoding="utf-8") for p in sorted(gold_dir.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no .txt files in {gold_dir}")
    batch, n = [], 0
    while n < words:
        for t in texts:
            batch.append(t)
            n += len(t.split())
    settings = get_settings(use_ner=use_ner)
    t0 = time.perf_counter()
    nlp = load_nlp(settings)
    extract_text(texts[0], nlp=nlp, settings=settings)  # warm-up
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    if mode == "many":
        out = list(extract_many(batch, nlp=nlp, settings=settings))
    else:
        out = [extract_text(t, nlp=nlp, settings=settings) for t in batch]
    secs = time.perf_counter() - t0
    mentions = sum(len(e.mentions) for e in out)
    items = sum(len(e.action_items) for e in out)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shares = breakdown(batch, nlp, settings) if breakdown_wanted else None
    return {"shares": shares, "ner": use_ner, "mode": mode, "documents": len(batch), "words": n, "seconds": round(secs, 2),
            "words_per_s": round(n / secs), "load_s": round(load, 2), "peak_mb": round(peak_mb),
            "mentions": mentions, "action_items": items}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--mode", choices=["many", "single"], default="many")
    ap.add_argument("--breakdown", action="store_true", help="also print each stage's share of the time")
    ap.add_argument("--child", choices=["ner", "rules"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    global breakdown_wanted
    breakdown_wanted = args.breakdown
    if args.child:
        print(json.dumps(one_run(args.gold_dir, args.words, args.child == "ner", args.mode)))
        return
    rows = []
    for cfg in ("rules", "ner"):
        res = subprocess.run([sys.executable, __file__, str(args.gold_dir), "--words", str(args.words),
                              "--mode", args.mode, "--child", cfg] + (["--breakdown"] if args.breakdown else []),
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    print(f"{'NER':<5} {'mode':<6} {'docs':>5} {'words':>8} {'s':>7} {'words/s':>9} {'load s':>7} {'peak MB':>8}"
          f" {'mentions':>9} {'items':>6}")
    for r in rows:
        print(f"{'yes' if r['ner'] else 'no':<5} {r['mode']:<6} {r['documents']:>5} {r['words']:>8} {r['seconds']:>7}"
              f" {r['words_per_s']:>9} {r['load_s']:>7} {r['peak_mb']:>8} {r['mentions']:>9} {r['action_items']:>6}")
    for r in rows:
        if r["shares"]:
            print(f"time shares ({'with' if r['ner'] else 'without'} NER): "
                  + ", ".join(f"{k} {v:.1%}" for k, v in sorted(r["shares"].items(), key=lambda kv: -kv[1])))
    goal = 10_000
    full = next(r for r in rows if r["ner"])
    print(f"goal >= {goal} words/s for the whole extraction (with NER): "
          f"{'met' if full['words_per_s'] >= goal else 'NOT met'} ({full['words_per_s']})")


if __name__ == "__main__":
    main()
