"""Score extraction against hand-made gold files (spec §8).

``evaluate(gold_dir)`` runs :func:`docmine.extraction.extract.extract` on every
``NAME.txt`` beside a ``NAME.gold.json`` and returns::

    {"documents": 3,
     "labels": {"REF": {"gold": 24, "pred": 22,
                        "strict":  {"tp": 20, "p": …, "r": …, "f1": …},
                        "lenient": {"tp": 22, "p": …, "r": …, "f1": …},
                        "ids": {"n": 20, "correct": 19, "accuracy": 0.95}}, …},
     "micro": {same shape, over all labels},
     "actions": {"gold": 7, "pred": 7, "matched": 7, "p": …, "r": …, "f1": …,
                 "actor": …, "verb": …, "deadline": …}}

Strict: label, start and end equal; lenient: same label and overlapping
spans (one-to-one). Ids: among strict matches, the share whose ids equal
gold's (an ORG outside the minimum of ``spec/organisations.tsv`` may also
have an empty list). Action items match when their spans overlap by at least
half of the gold item; actor, verb and deadline accuracy are over matches.

``flatten(scores)`` names every figure (``REF.strict.f1``, ``actions.f1``…);
``check_floors(scores, floors)`` lists the figures below their floor
(``models/eval_floor.json``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from .nlp import LABELS
from docmine.settings import MODELS_DIR, PROJECT_ROOT, Settings, get_settings

DEFAULT_GOLD_DIR = PROJECT_ROOT.parent / "shared" / "corpus" / "dev"
FLOORS_PATH = MODELS_DIR / "eval_floor.json"


def _prf(tp: int, pred: int, gold: int) -> dict:
    p = tp / pred if pred else (1.0 if not gold else 0.0)
    r = tp / gold if gold else (1.0 if not pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}


def _overlap(a: dict, b: dict) -> int:
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def _org_minimum(gold_dir: Path) -> set[str] | None:
    for cand in (gold_dir.parent.parent / "spec" / "organisations.tsv",
                 gold_dir.parent / "spec" / "organisations.tsv"):
        if cand.is_file():
            ids = set()
            for line in cand.read_text(encoding="utf-8").splitlines()[1:]:
                if line.strip():
                    ids.add(line.split("\t", 1)[0].strip())
            return ids
    return None


def _ids_ok(label: str, gold_ids: list, pred_ids: list, org_minimum: set[str] | None) -> bool:
    if list(gold_ids) == list(pred_ids):
        return True
    if label == "ORG" and not pred_ids and org_minimum is not None:
        return all(i not in org_minimum for i in gold_ids)
    return False


def _norm_deadline(d: Any) -> tuple | None:
    if not d:
        return None
    m, v = d.get("meeting"), d.get("date")
    return None if m is None and v is None else (m, v)


def score_mentions(gold: list[dict], pred: list[dict], *, org_minimum: set[str] | None = None) -> dict:
    """Counts per label for one document (add them up with :func:`_add`)."""
    out: dict[str, dict] = {}
    for label in LABELS:
        g = [m for m in gold if m["label"] == label]
        p = [m for m in pred if m["label"] == label]
        gkeys = {(m["start"], m["end"]): m for m in g}
        strict = 0
        ids_n = ids_ok = 0
        used: set = set()
        for m in p:
            k = (m["start"], m["end"])
            if k in gkeys and k not in used:
                used.add(k)
                strict += 1
                ids_n += 1
                ids_ok += _ids_ok(label, gkeys[k]["ids"], m["ids"], org_minimum)
        # lenient: one-to-one, greedy by overlap
        pairs = sorted(((_overlap(a, b), i, j) for i, a in enumerate(g) for j, b in enumerate(p)
                        if _overlap(a, b) > 0), reverse=True)
        gi, pj, lenient = set(), set(), 0
        for _, i, j in pairs:
            if i in gi or j in pj:
                continue
            gi.add(i)
            pj.add(j)
            lenient += 1
        out[label] = {"gold": len(g), "pred": len(p), "strict_tp": strict, "lenient_tp": lenient,
                      "ids_n": ids_n, "ids_ok": ids_ok}
    return out


def score_actions(gold: list[dict], pred: list[dict]) -> dict:
    """Counts for one document's action items."""
    pairs = []
    for i, a in enumerate(gold):
        glen = max(1, a["end"] - a["start"])
        for j, b in enumerate(pred):
            ov = _overlap(a, b)
            if ov * 2 >= glen and ov > 0:
                pairs.append((ov, i, j))
    pairs.sort(reverse=True)
    gi, pj = set(), set()
    actor = verb = deadline = 0
    for _, i, j in pairs:
        if i in gi or j in pj:
            continue
        gi.add(i)
        pj.add(j)
        g, p = gold[i], pred[j]
        actor += g.get("actor") == p.get("actor")
        verb += g.get("verb") == p.get("verb")
        deadline += _norm_deadline(g.get("deadline")) == _norm_deadline(p.get("deadline"))
    return {"gold": len(gold), "pred": len(pred), "matched": len(gi),
            "actor_ok": actor, "verb_ok": verb, "deadline_ok": deadline}


def _sum(dicts: Iterable[dict]) -> dict:
    out: dict = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def _label_figures(c: dict) -> dict:
    return {"gold": c["gold"], "pred": c["pred"],
            "strict": _prf(c["strict_tp"], c["pred"], c["gold"]),
            "lenient": _prf(c["lenient_tp"], c["pred"], c["gold"]),
            "ids": {"n": c["ids_n"], "correct": c["ids_ok"],
                    "accuracy": round(c["ids_ok"] / c["ids_n"], 4) if c["ids_n"] else 0.0}}


def scores_from_counts(label_counts: list[dict], action_counts: list[dict], documents: int) -> dict:
    per_label = {label: _sum(d[label] for d in label_counts) if label_counts else
                 {"gold": 0, "pred": 0, "strict_tp": 0, "lenient_tp": 0, "ids_n": 0, "ids_ok": 0}
                 for label in LABELS}
    labels = {label: _label_figures(c) for label, c in per_label.items()}
    micro = _label_figures(_sum(per_label.values()))
    a = _sum(action_counts) if action_counts else {"gold": 0, "pred": 0, "matched": 0,
                                                  "actor_ok": 0, "verb_ok": 0, "deadline_ok": 0}
    prf = _prf(a["matched"], a["pred"], a["gold"])
    m = a["matched"]
    actions = {"gold": a["gold"], "pred": a["pred"], "matched": m,
               "p": prf["p"], "r": prf["r"], "f1": prf["f1"],
               "actor": round(a["actor_ok"] / m, 4) if m else 0.0,
               "verb": round(a["verb_ok"] / m, 4) if m else 0.0,
               "deadline": round(a["deadline_ok"] / m, 4) if m else 0.0}
    return {"documents": documents, "labels": labels, "micro": micro, "actions": actions}


def score_documents(pairs: list[tuple[dict, dict]], *, org_minimum: set[str] | None = None) -> dict:
    """Scores for (gold JSON, predicted JSON) pairs, both in the §7 shape."""
    lc = [score_mentions(g["mentions"], p["mentions"], org_minimum=org_minimum) for g, p in pairs]
    ac = [score_actions(g.get("action_items", []), p.get("action_items", [])) for g, p in pairs]
    return scores_from_counts(lc, ac, len(pairs))


def gold_pairs(gold_dir: Path) -> list[tuple[Path, Path]]:
    """(text file, gold file) pairs in a gold folder, sorted by name."""
    out = []
    for g in sorted(Path(gold_dir).glob("*.gold.json")):
        t = g.with_name(g.name[: -len(".gold.json")] + ".txt")
        if t.is_file():
            out.append((t, g))
    return out


def evaluate(gold_dir: str | Path | None = None, *, settings: Settings | None = None, nlp=None) -> dict:
    """Extract every text of ``gold_dir`` and score it against its gold file (spec §8)."""
    from .extract import extract
    from .nlp import load_nlp

    settings = settings or get_settings()
    gold_dir = Path(gold_dir) if gold_dir else DEFAULT_GOLD_DIR
    files = gold_pairs(gold_dir)
    if not files:
        raise FileNotFoundError(f"no NAME.gold.json with NAME.txt beside it in {gold_dir}")
    nlp = nlp or load_nlp(settings)
    pairs = []
    for text_path, gold_path in files:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pred = extract(text_path, settings=settings, nlp=nlp).to_dict()
        pairs.append((gold, pred))
    return score_documents(pairs, org_minimum=_org_minimum(gold_dir))


# ------------------------------------------------------------------ floors
def flatten(scores: dict) -> dict[str, float]:
    """Every figure under a dotted name: ``REF.strict.f1``, ``micro.ids.accuracy``, ``actions.actor``."""
    out: dict[str, float] = {}
    for label, fig in list(scores["labels"].items()) + [("micro", scores["micro"])]:
        for mode in ("strict", "lenient"):
            for k in ("p", "r", "f1"):
                out[f"{label}.{mode}.{k}"] = fig[mode][k]
        out[f"{label}.ids.accuracy"] = fig["ids"]["accuracy"]
    for k in ("p", "r", "f1", "actor", "verb", "deadline"):
        out[f"actions.{k}"] = scores["actions"][k]
    return out


def load_floors(path: str | Path | None = None) -> dict[str, float]:
    p = Path(path) if path else FLOORS_PATH
    data = json.loads(p.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.get("floors", data).items() if not k.startswith("_")}


def check_floors(scores: dict, floors: dict[str, float]) -> list[str]:
    """One line per figure below its floor (empty when every floor holds)."""
    flat = flatten(scores)
    failures = []
    for name, floor in sorted(floors.items()):
        if name not in flat:
            failures.append(f"{name}: no such figure in the scores (floor {floor:.2f})")
        elif flat[name] + 1e-9 < floor:
            failures.append(f"{name}: {flat[name]:.4f} < floor {floor:.2f}")
    return failures


def floors_from(scores: dict) -> dict[str, float]:
    """Floors at the measured figures, rounded down to 0.01."""
    import math
    return {k: math.floor(v * 100 + 1e-9) / 100 for k, v in flatten(scores).items()}
