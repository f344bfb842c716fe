"""The rules' REF/DOC/MEETING/DATE against the dev gold (strict span + ids).

Also a dev aid: ``python tests/test_rules_dev_gold.py [-v]`` prints P/R/F1 and
id accuracy per label and (with -v) every miss. The official evaluation is
``docmine.extraction.evaluate``; this only scores the rules components.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

LABELS = ("REF", "DOC", "MEETING", "DATE")
TARGETS = {"REF": 0.95, "DOC": 0.95, "DATE": 0.95, "MEETING": 0.90}


def predict(nlp, original: str) -> list[dict]:
    from docmine.reading.textmap import normalise
    nt = normalise(original)
    doc = nlp(nt.text)
    out = []
    for label in LABELS:
        for sp in doc.spans.get(label, []):
            s, e = nt.to_original(sp.start_char, sp.end_char)
            out.append({"label": label, "start": s, "end": e, "text": original[s:e],
                        "ids": list(sp._.ids or []), "attrs": dict(sp._.attrs or {})})
    return out


def score(nlp, dev_dir: Path, verbose: bool = False) -> dict:
    tp = {l: 0 for l in LABELS}
    npred = {l: 0 for l in LABELS}
    ngold = {l: 0 for l in LABELS}
    idok = {l: 0 for l in LABELS}
    misses = []
    for txt in sorted(dev_dir.glob("*.txt")):
        gold_path = txt.with_suffix(".gold.json")
        if not gold_path.exists():
            continue
        original = txt.read_text(encoding="utf-8")
        gold = [m for m in json.loads(gold_path.read_text(encoding="utf-8"))["mentions"] if m["label"] in LABELS]
        pred = predict(nlp, original)
        gkeys = {(m["label"], m["start"], m["end"]): m for m in gold}
        pkeys = {(m["label"], m["start"], m["end"]): m for m in pred}
        for k, m in gkeys.items():
            ngold[k[0]] += 1
            if k in pkeys:
                tp[k[0]] += 1
                if sorted(pkeys[k]["ids"]) == sorted(m["ids"]) and pkeys[k]["attrs"] == (m.get("attrs") or {}):
                    idok[k[0]] += 1
                else:
                    misses.append((txt.name, "ID", k[0], m["text"], m["ids"], m.get("attrs"), pkeys[k]["ids"], pkeys[k]["attrs"]))
            else:
                misses.append((txt.name, "FN", k[0], k[1], m["text"], m["ids"]))
        for k, m in pkeys.items():
            npred[k[0]] += 1
            if k not in gkeys:
                misses.append((txt.name, "FP", k[0], k[1], m["text"], m["ids"]))
    res = {}
    for l in LABELS:
        p = tp[l] / npred[l] if npred[l] else 0.0
        r = tp[l] / ngold[l] if ngold[l] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        res[l] = {"p": p, "r": r, "f1": f, "ids": idok[l] / tp[l] if tp[l] else 0.0,
                  "tp": tp[l], "pred": npred[l], "gold": ngold[l]}
    if verbose:
        for m in misses:
            print(*m)
    return res


@pytest.fixture(scope="module")
def nlp():
    from docmine.extraction.nlp import build_nlp
    return build_nlp(use_ner=False)


def test_rules_on_dev_gold(nlp, shared_dir):
    res = score(nlp, shared_dir / "corpus" / "dev")
    for label, target in TARGETS.items():
        assert res[label]["f1"] >= target, (label, res[label])
        assert res[label]["ids"] >= 0.9, (label, res[label])


def test_spans_align_with_tokens(nlp, shared_dir):
    """Every rule match lands on token boundaries (no mention lost to alignment)."""
    import re
    from docmine.extraction.grammars.dates import find_dates
    from docmine.reading.textmap import normalise
    for txt in sorted((shared_dir / "corpus" / "dev").glob("*.txt")):
        text = normalise(txt.read_text(encoding="utf-8")).text
        doc = nlp(text)
        for s, e, _, _ in find_dates(text):
            assert doc.char_span(s, e) is not None, (txt.name, text[s:e])


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from docmine.extraction.nlp import build_nlp
    dev = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"
    r = score(build_nlp(use_ner=False), dev, verbose="-v" in sys.argv)
    for label, v in r.items():
        print(f"{label:8s} P={v['p']:.3f} R={v['r']:.3f} F1={v['f1']:.3f} ids={v['ids']:.3f} "
              f"(tp={v['tp']} pred={v['pred']} gold={v['gold']})")
