"""Score ORG mentions of the docmine pipeline against a gold folder (dev tool).

    .venv/bin/python models/training/scripts/dev_orgs.py [--no-ner] [--gold DIR] [--errors] [--source orgs|mentions]

Runs ``build_nlp()`` over ``DIR/*.txt`` (normalised with docmine.reading.textmap,
mapped back with ``to_original``) and compares ORG mentions with
``*.gold.json``: strict and lenient P/R/F1 and id accuracy among strict
matches. ``--source mentions`` scores the resolver's output
(``doc.spans["mentions"]``), ``orgs`` the ORG span group (default: mentions
when the resolver fills it). ``--meeting-oracle`` drops predicted ORGs inside
gold MEETING spans (what the resolver does once MEETING is found).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from docmine.extraction.nlp import build_nlp
from docmine.reading.textmap import normalise

DEFAULT_GOLD = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "dev"


def predict(nlp, text: str, source: str = "auto") -> list[dict]:
    nt = normalise(text)
    doc = nlp(nt.text)
    spans = None
    if source in ("ner", "ner-raw"):
        # the statistical NER alone (no knowledge base), with or without docmine's filters
        spans = nlp.get_pipe("docmine_org_ner").find(doc, ("REF", "DOC", "MEETING", "DATE"),
                                                      filtered=source == "ner")
    if spans is None and source in ("auto", "mentions") and "mentions" in doc.spans and len(doc.spans["mentions"]):
        spans = [s for s in doc.spans["mentions"] if s.label_ == "ORG"]
    if spans is None:
        spans = list(doc.spans.get("ORG", []))
    out = []
    for s in spans:
        a, b = nt.to_original(s.start_char, s.end_char)
        out.append({"start": a, "end": b, "text": text[a:b], "ids": list(s._.ids or [])})
    return out


def score(pairs):
    """pairs: list of (gold ORG mentions, predicted ORG mentions)."""
    tp = fp = fn = 0
    ltp_p = ltp_g = npred = ngold = 0
    id_ok = id_n = 0
    for gold, pred in pairs:
        gk = {(m["start"], m["end"]): m for m in gold}
        pk = {(m["start"], m["end"]): m for m in pred}
        npred += len(pk); ngold += len(gk)
        for k, m in pk.items():
            if k in gk:
                tp += 1
                id_n += 1
                g = gk[k]["ids"]
                # scoring accepts [] for an organisation outside the KB minimum
                id_ok += int(list(m["ids"]) == list(g))
            else:
                fp += 1
        fn += sum(1 for k in gk if k not in pk)
        ltp_p += sum(1 for (s, e) in pk if any(s < ge and gs < e for gs, ge in gk))
        ltp_g += sum(1 for (gs, ge) in gk if any(s < ge and gs < e for s, e in pk))
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    lp = ltp_p / npred if npred else 0.0
    lr = ltp_g / ngold if ngold else 0.0
    f = lambda a, b: 2 * a * b / (a + b) if a + b else 0.0
    return {"strict": {"p": round(p, 4), "r": round(r, 4), "f1": round(f(p, r), 4)},
            "lenient": {"p": round(lp, 4), "r": round(lr, 4), "f1": round(f(lp, lr), 4)},
            "id_accuracy": round(id_ok / id_n, 4) if id_n else 0.0,
            "gold": ngold, "pred": npred, "tp": tp}


def run(gold_dir: Path, nlp, *, source="auto", meeting_oracle=False, errors=False):
    pairs = []
    words = 0
    elapsed = 0.0
    for txt in sorted(gold_dir.glob("*.txt")):
        gold_doc = json.loads(txt.with_suffix(".gold.json").read_text(encoding="utf-8"))
        text = txt.read_text(encoding="utf-8")
        words += len(text.split())
        t0 = time.perf_counter()
        pred = predict(nlp, text, source)
        elapsed += time.perf_counter() - t0
        gold = [m for m in gold_doc["mentions"] if m["label"] == "ORG"]
        if meeting_oracle:
            meets = [(m["start"], m["end"]) for m in gold_doc["mentions"] if m["label"] == "MEETING"]
            pred = [m for m in pred if not any(s <= m["start"] and m["end"] <= e for s, e in meets)]
        pairs.append((gold, pred))
        if errors:
            gk = {(m["start"], m["end"]): m for m in gold}
            pk = {(m["start"], m["end"]): m for m in pred}
            print(f"== {txt.name}")
            for k in sorted(set(gk) | set(pk)):
                g, p = gk.get(k), pk.get(k)
                if g and p and g["ids"] == p["ids"]:
                    continue
                if g and p:
                    print(f"  ID   {g['text']!r}: gold {g['ids']} pred {p['ids']}")
                elif g:
                    print(f"  FN   {g['text']!r} {g['ids']}  …{text[max(0, k[0]-40):k[0]]!r}")
                else:
                    print(f"  FP   {p['text']!r} {p['ids']}  …{text[max(0, k[0]-40):k[0]]!r}")
    res = score(pairs)
    res["words_per_s"] = round(words / elapsed) if elapsed else None
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--no-ner", action="store_true")
    ap.add_argument("--source", default="auto", choices=["auto", "orgs", "mentions", "ner", "ner-raw"])
    ap.add_argument("--meeting-oracle", action="store_true")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--model", default=None, help="override settings.model (NER source)")
    a = ap.parse_args()
    from docmine.settings import get_settings
    s = get_settings(model=a.model) if a.model else get_settings()
    nlp = build_nlp(s, use_ner=not a.no_ner)
    print(json.dumps(run(a.gold, nlp, source=a.source, meeting_oracle=a.meeting_oracle, errors=a.errors), indent=1))


if __name__ == "__main__":
    main()
