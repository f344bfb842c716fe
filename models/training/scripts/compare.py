"""Compare the stock and the trained NER on the dev gold (ORG only); write a JSON report.

For each NER source: the NER alone (raw ORG entities; with docmine_org_ner's
filters) and the whole pipeline (knowledge base + NER fallback).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_orgs import run  # noqa: E402

from docmine.extraction.nlp import build_nlp  # noqa: E402
from docmine.settings import get_settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--trained", type=Path, required=True)
    ap.add_argument("--stock", default="fr_core_news_sm")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    if not a.gold.is_dir():
        print(f"no dev gold at {a.gold}: nothing to compare")
        return
    report = {}
    for name, model in (("stock", a.stock), ("trained", str(a.trained.resolve()))):
        nlp = build_nlp(get_settings(model=model), use_ner=True)
        report[name] = {src: run(a.gold, nlp, source=src) for src in ("ner-raw", "ner", "auto")}
    nlp = build_nlp(get_settings(), use_ner=False)
    report["kb_only"] = run(a.gold, nlp)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    for name in ("stock", "trained"):
        for src in ("ner-raw", "ner", "auto"):
            r = report[name][src]
            print(f"{name:8s} {src:8s} strict F1 {r['strict']['f1']:.3f}  lenient F1 {r['lenient']['f1']:.3f}  ids {r['id_accuracy']:.3f}")
    r = report["kb_only"]
    print(f"kb only           strict F1 {r['strict']['f1']:.3f}  lenient F1 {r['lenient']['f1']:.3f}  ids {r['id_accuracy']:.3f}")


if __name__ == "__main__":
    main()
