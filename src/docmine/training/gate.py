"""Measure two models on the same evaluation set and decide (the gate).

:func:`score_model` extracts every document of the evaluation set
(:class:`docmine.training.collect.EvalItem`) with one model and scores it with
:func:`docmine.extraction.evaluate.score_documents` (spec §8: per label strict
and lenient P/R/F1, id accuracy; action items). :func:`gate` compares the
candidate with the version in force:

* accepted when the candidate's micro strict F1 is at least ``margin`` above
  the current one's (default +0.005, ``TrainingSettings.gate_margin``),
* and no label's strict F1 — nor the action items' F1 — falls by more than
  ``tolerance`` (default 0.01, ``TrainingSettings.gate_tolerance``);
* otherwise refused, with the reasons (which label fell, or the margin missed).

The report (:class:`GateReport`) renders as a table and as JSON; the JSON is
kept with the version (``model_versions.report``, and ``report.json`` beside
its artefact).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from docmine.extraction.nlp import LABELS
from docmine.settings import Settings

#: rows of the report: the labels, then the action items
ROWS = LABELS + ("actions",)


def score_model(items: list, settings: Settings, *, nlp=None, progress: Optional[str] = None) -> dict:
    """Scores of the model of ``settings`` (``model``, ``kb_overlay``) on ``items``:
    :func:`docmine.extraction.evaluate.score_documents`'s dict."""
    from docmine.extraction.evaluate import DEFAULT_GOLD_DIR, _org_minimum, score_documents
    from docmine.extraction.extract import extract_pages, extract_text
    from docmine.extraction.nlp import build_nlp
    nlp = nlp or build_nlp(settings)
    pairs = []
    bar = None
    if progress:
        from rich.progress import Progress
        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task(progress, total=len(items))
    try:
        for it in items:
            if it.pages is not None:
                pred = extract_pages(it.pages, settings=settings, nlp=nlp, blocks=it.blocks)
            else:
                pred = extract_text(it.text, settings=settings, nlp=nlp)
            pairs.append((it.gold, pred.to_dict()))
            if bar:
                bar.advance(task)
    finally:
        if bar:
            bar.stop()
    return score_documents(pairs, org_minimum=_org_minimum(DEFAULT_GOLD_DIR))


def _fig(scores: dict, row: str) -> dict:
    if row == "actions":
        a = scores["actions"]
        return {"gold": a["gold"], "p": a["p"], "r": a["r"], "f1": a["f1"], "ids": None}
    f = scores["labels"].get(row) or scores["micro"]
    return {"gold": f["gold"], "p": f["strict"]["p"], "r": f["strict"]["r"], "f1": f["strict"]["f1"],
            "ids": f["ids"]["accuracy"]}


@dataclass
class GateReport:
    """The gate's verdict and every figure it looked at."""
    accepted: bool
    reasons: list[str]
    margin: float
    tolerance: float
    current: str  #: version name
    candidate: str
    rows: list[dict] = field(default_factory=list)
    micro: dict = field(default_factory=dict)
    eval_documents: int = 0

    @property
    def verdict(self) -> str:
        return "accepted" if self.accepted else "refused"

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "accepted": self.accepted, "reasons": list(self.reasons),
                "margin": self.margin, "tolerance": self.tolerance, "current": self.current,
                "candidate": self.candidate, "eval_documents": self.eval_documents,
                "micro": self.micro, "rows": self.rows}

    def render(self) -> str:
        """The report as a fixed-width table for people."""
        head = (f"gate: {self.candidate} vs {self.current} (in force) on {self.eval_documents} "
                f"evaluation document(s); margin +{self.margin:.3f} micro F1, tolerance {self.tolerance:.3f}")
        lines = [head,
                 f"{'label':<8} {'gold':>5}  {'P cur':>6} {'R cur':>6} {'F1 cur':>6}  "
                 f"{'P cand':>6} {'R cand':>6} {'F1 cand':>7}  {'ΔF1':>7}  {'ids cur':>7} {'ids cand':>8}  ok"]
        for r in self.rows + [dict(self.micro, label="micro")]:
            c, n = r["current"], r["candidate"]

            def ids(v):
                return f"{v:.3f}" if isinstance(v, (int, float)) else "-"
            lines.append(f"{r['label']:<8} {c['gold']:>5}  {c['p']:>6.3f} {c['r']:>6.3f} {c['f1']:>6.3f}  "
                         f"{n['p']:>6.3f} {n['r']:>6.3f} {n['f1']:>7.3f}  {r['delta']:>+7.3f}  "
                         f"{ids(c['ids']):>7} {ids(n['ids']):>8}  {'yes' if r['ok'] else 'NO'}")
        lines.append(f"verdict: {self.verdict.upper()}" + (" — " + "; ".join(self.reasons) if self.reasons else ""))
        return "\n".join(lines)


def gate(current: dict, candidate: dict, *, margin: float, tolerance: float, current_name: str = "current",
         candidate_name: str = "candidate") -> GateReport:
    """Compare two score dicts of the same evaluation set (module doc)."""
    rows, reasons = [], []
    for label in ROWS:
        c, n = _fig(current, label), _fig(candidate, label)
        delta = round(n["f1"] - c["f1"], 4)
        ok = delta >= -tolerance - 1e-9
        if not ok:
            reasons.append(f"{label} strict F1 fell by {-delta:.3f} ({c['f1']:.3f} → {n['f1']:.3f}), "
                           f"more than the tolerance {tolerance:.3f}")
        rows.append({"label": label, "current": c, "candidate": n, "delta": delta, "ok": ok})
    c, n = _fig(current, "micro"), _fig(candidate, "micro")
    gain = round(n["f1"] - c["f1"], 4)
    micro_ok = gain >= margin - 1e-9
    if not micro_ok:
        reasons.append(f"micro strict F1 gained {gain:+.4f} ({c['f1']:.3f} → {n['f1']:.3f}), "
                       f"less than the margin +{margin:.3f}")
    return GateReport(accepted=micro_ok and all(r["ok"] for r in rows), reasons=reasons, margin=margin,
                      tolerance=tolerance, current=current_name, candidate=candidate_name, rows=rows,
                      micro={"current": c, "candidate": n, "delta": gain, "ok": micro_ok},
                      eval_documents=int(current.get("documents") or 0))
