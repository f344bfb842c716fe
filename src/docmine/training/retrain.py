"""``docmine train``: retrain from editors' corrections, promote only when it measures better.

:func:`train` runs the loop of issue 14, in the data folder only:

1. **collect** (:mod:`docmine.training.collect`): corrected documents (the
   editors' export), the dev gold's training split; the fixed evaluation set
   (dev gold evaluation split + held-back corrected documents);
2. **learn knowledge** (:func:`docmine.store.models.learn_knowledge`): names
   editors linked to ids become aliases or entities of the ``kb_overlay`` —
   read by the rule components at once, without retraining;
3. **train** the organisation NER through the spaCy project
   ``models/training`` (workflow ``retrain``, run on a copy under
   ``<data_dir>/training/<tag>/project``), starting from the version in force,
   with rehearsal of the project's old training data; the artefact goes to
   ``<data_dir>/models/<tag>``;
4. **evaluate** candidate and version in force on the same evaluation set,
   with the same knowledge (:func:`docmine.training.gate.score_model`);
5. **gate** (:func:`docmine.training.gate.gate`): promote or keep, the report
   kept with the version (``model_versions.report`` and ``report.json`` /
   ``report.txt`` beside the artefact).

:func:`curve` trains with 25/50/75/100 % of the corrected paragraphs and
prints the F1 each reaches (like Prodigy's ``train-curve``).

Errors: :class:`TrainError` (one line): nothing to train on, the spaCy
project failed (its last output lines are in the message).
"""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from docmine.settings import Settings, get_settings, get_training_settings

#: what the spaCy project needs in a copy (models/training)
PROJECT_FILES = ("project.yml", "configs", "scripts", "assets")


class TrainError(Exception):
    """Training could not be done; the message is one line (or the project's tail)."""


@dataclass
class TrainResult:
    """What :func:`train` did."""
    tag: Optional[str] = None  #: the candidate's tag (None: dry run)
    version: Optional[str] = None  #: its model version name
    current: Optional[str] = None  #: the version in force it was measured against
    counts: dict = field(default_factory=dict)
    knowledge: dict = field(default_factory=dict)
    hashes: dict = field(default_factory=dict)
    report: Optional[dict] = None  #: the gate's report (GateReport.to_dict())
    report_text: str = ""
    promoted: bool = False
    in_force: Optional[str] = None  #: the version in force afterwards
    artefact: Optional[str] = None
    dry_run: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("tag", "version", "current", "counts", "knowledge", "hashes",
                                               "report", "promoted", "in_force", "artefact", "dry_run")} \
            | {"seconds": round(self.seconds, 1)}

    def render(self) -> str:
        c = self.counts
        lines = [f"collected: {c.get('corrected_documents', 0)} corrected document(s) "
                 f"({c.get('corrections', 0)} correction(s)), {c.get('paragraphs', 0)} paragraph(s) "
                 f"({c.get('corrected_paragraphs', 0)} corrected, {c.get('dev_gold_paragraphs', 0)} dev gold); "
                 f"evaluation: {c.get('eval_documents', 0)} document(s) ({c.get('held_back', 0)} held back)",
                 f"knowledge: {self.knowledge.get('added', 0)} new, {self.knowledge.get('active', 0)} active "
                 f"alias(es)/entit(ies) learned from corrections"]
        if self.dry_run:
            lines.append("dry run: nothing trained, nothing written")
            return "\n".join(lines)
        lines.append(self.report_text)
        accepted = bool((self.report or {}).get("accepted"))
        if self.promoted:
            lines.append(f"promoted: {self.in_force} is in force")
        elif accepted:
            lines.append(f"accepted, not promoted (--no-promote): {self.in_force} stays in force; "
                         f"`docmine models promote {self.tag}` puts the candidate in force")
        else:
            lines.append(f"kept: {self.in_force} stays in force (candidate {self.tag} recorded as refused)")
        lines.append(f"artefact: {self.artefact}   ({self.seconds:.0f} s)")
        return "\n".join(lines)


def _session_factory(settings: Settings):
    from docmine.store.db import make_session_factory
    return make_session_factory(settings.url)


def new_tag(now: Optional[datetime] = None) -> str:
    """``ner_org_fr-YYYYMMDDTHHMMSS-xxxx`` (UTC, 4 random hex digits: two trainings
    started in the same second never share a folder): the candidate's short name."""
    import secrets
    now = now or datetime.now(timezone.utc)
    return f"ner_org_fr-{now.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(2)}"


def copy_project(models_dir: Path, dest: Path) -> Path:
    """A copy of the spaCy project ``models/training`` (files it needs) in ``dest``."""
    src = Path(models_dir) / "training"
    if not (src / "project.yml").is_file():
        raise TrainError(f"no spaCy project at {src}")
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        s = src / name
        if s.is_dir():
            shutil.copytree(s, dest / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        elif s.is_file():
            shutil.copy2(s, dest / name)
    return dest


def run_project(project: Path, *, collected: Path, base_model: str, artefact: Path, kb_path: Path,
                tset, log: Optional[Callable[[str], None]] = None) -> None:
    """``spacy project run retrain`` in ``project`` (a copy): convert the collected
    paragraphs with rehearsal, fine-tune ``base_model``'s NER, copy the result to
    ``artefact``. Raises :class:`TrainError` with the project's last lines."""
    cmd = [sys.executable, "-m", "spacy", "project", "run", "retrain", str(project),
           "--vars.python", sys.executable, "--vars.collected", str(collected),
           "--vars.base_model", str(base_model), "--vars.artefact", str(artefact),
           "--vars.kb", str(kb_path), "--vars.retrain_steps", str(tset.train_max_steps),
           "--vars.retrain_eval_frequency", str(tset.train_eval_frequency),
           "--vars.upsample", str(tset.train_upsample),
           "--vars.rehearsal_ratio", str(tset.train_rehearsal_ratio), "--vars.seed", str(tset.train_seed)]
    proc = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    (project / "retrain.log").write_text(proc.stdout + "\n" + proc.stderr, encoding="utf-8")
    if log:
        log(f"spaCy project 'retrain' exit {proc.returncode} (log: {project / 'retrain.log'})")
    if proc.returncode != 0 or not (artefact / "meta.json").is_file():
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise TrainError(f"spaCy project 'retrain' failed (exit {proc.returncode}): {tail}")


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def train(settings: Optional[Settings] = None, *, since: Optional[datetime] = None, dry_run: bool = False,
          tset=None, promote: bool = True, train_gold: Optional[list] = None,
          eval_gold: Optional[list] = None,
          examples_hook: Optional[Callable[[list[dict]], list[dict]]] = None,
          log: Optional[Callable[[str], None]] = None, progress: bool = False) -> TrainResult:
    """The loop of the module doc. ``tset``: :class:`docmine.settings.TrainingSettings`
    (default :func:`~docmine.settings.get_training_settings`); ``since``: only
    documents corrected since then; ``dry_run``: collect and report, train and
    write nothing; ``promote``: False keeps the version in force whatever the
    gate says; ``train_gold`` / ``eval_gold``: gold files or folders instead of
    the dev split (``models/training/dev_split.json``); ``examples_hook``:
    changes the collected paragraphs before training (experiments, e.g. label
    noise). Raises :class:`TrainError`."""
    from docmine.store import models as M
    from .collect import collect
    from .gate import gate, score_model

    t0 = time.perf_counter()
    settings = settings or get_settings()
    tset = tset or get_training_settings()
    log = log or (lambda _m: None)
    factory = _session_factory(settings)
    data_dir = Path(settings.data_dir).resolve()
    tag = new_tag()
    work = data_dir / "training" / (".dry-run" if dry_run else tag)
    res = TrainResult(dry_run=dry_run)
    try:
        with factory() as session:
            if dry_run:
                res.knowledge = M.learn_knowledge(session=session)
                session.rollback()
            else:
                from docmine.store.db import begin_write
                begin_write(session)
                res.knowledge = M.learn_knowledge(session=session)
                current = M.register_baseline(settings, session=session)
                session.commit()
            col = collect(session=session, work_dir=work, holdout_every=tset.holdout_every, since=since,
                          train_gold=train_gold, eval_gold=eval_gold)
            res.counts, res.hashes = col.counts(), col.hashes()
            if dry_run:
                return res
            if not col.corrected_documents and not col.examples:
                raise TrainError("nothing to train on: no corrected document"
                                 + (f" since {since.date().isoformat()}" if since else "")
                                 + " and no dev gold training split")
            if not col.eval_items:
                raise TrainError("no evaluation set: no dev gold evaluation split and no held-back document")
            cur_settings = M.apply_in_force(settings, session=session)
            current_name, base_model = current.name, cur_settings.model
            session.rollback()
        examples = examples_hook(list(col.examples)) if examples_hook else col.examples
        collected = _write_jsonl(work / "collected.jsonl", examples)
        artefact = data_dir / "models" / tag
        log(f"training {tag} from {current_name} on {len(examples)} paragraph(s)")
        project = copy_project(settings.models_dir, work / "project")
        run_project(project, collected=collected, base_model=base_model, artefact=artefact,
                    kb_path=settings.kb_path, tset=tset, log=log)
        cand_settings = cur_settings.with_(model=str(artefact))
        log("evaluating the version in force and the candidate on the same set")
        s_cur = score_model(col.eval_items, cur_settings, progress="current" if progress else None)
        s_cand = score_model(col.eval_items, cand_settings, progress="candidate" if progress else None)
        report = gate(s_cur, s_cand, margin=tset.gate_margin, tolerance=tset.gate_tolerance,
                      current_name=current_name, candidate_name=M.version_name(tag))
        res.tag, res.version, res.current, res.artefact = tag, M.version_name(tag), current_name, str(artefact)
        res.report, res.report_text = report.to_dict(), report.render()
        (artefact / "report.json").write_text(json.dumps(res.report, indent=1, ensure_ascii=False), "utf-8")
        (artefact / "report.txt").write_text(res.report_text + "\n", "utf-8")
        config = {"training": tset.model_dump(), "base_model": str(base_model), "since": col.since,
                  "project": "models/training (workflow retrain)", "work_dir": str(work)}
        with factory() as session:
            from docmine.store.db import begin_write
            begin_write(session)
            row = M.add_candidate(session=session, tag=tag, artefact_path=str(artefact), parent=current_name,
                                  config=config, data_hashes=res.hashes)
            row.scores = {"current": s_cur, "candidate": s_cand}
            row.verdict, row.report = report.verdict, res.report
            if report.accepted and promote:
                M.promote(row.name, session=session)
                res.promoted = True
            elif not report.accepted:
                row.status = "refused"
            session.commit()
            res.in_force = (M.in_force(session=session) or row).name
        return res
    finally:
        if dry_run and work.exists():
            shutil.rmtree(work, ignore_errors=True)
        res.seconds = time.perf_counter() - t0


# ------------------------------------------------------------------ learning curve
@dataclass
class CurvePoint:
    fraction: float
    corrected_paragraphs: int  #: paragraphs of corrected documents trained on
    micro_f1: float
    org_f1: float
    org_p: float
    org_r: float


def curve(settings: Optional[Settings] = None, *, fractions=(0.25, 0.5, 0.75, 1.0), tset=None,
          train_gold: Optional[list] = None, eval_gold: Optional[list] = None,
          log: Optional[Callable[[str], None]] = None) -> dict[str, Any]:
    """F1 on the evaluation set after training with a growing share of the
    corrected paragraphs (the rest of the training data — dev gold split,
    rehearsal — always in), beside the version in force's. Nothing is
    promoted or recorded; the models are built under ``<data_dir>/training/curve``
    and removed. Returns ``{"current": {...}, "points": [CurvePoint...], "verdict"}``."""
    from docmine.store import models as M
    from .collect import collect
    from .gate import _fig, score_model

    settings = settings or get_settings()
    tset = tset or get_training_settings()
    log = log or (lambda _m: None)
    factory = _session_factory(settings)
    work = Path(settings.data_dir).resolve() / "training" / "curve"
    shutil.rmtree(work, ignore_errors=True)
    try:
        with factory() as session:
            col = collect(session=session, work_dir=work, holdout_every=tset.holdout_every,
                          train_gold=train_gold, eval_gold=eval_gold)
            cur_settings = M.apply_in_force(settings, session=session)
            session.rollback()
        corrected = [e for e in col.examples if e["source"] == "correction"]
        rest = [e for e in col.examples if e["source"] != "correction"]
        if not corrected:
            raise TrainError("no corrected document to draw a learning curve from")
        random.Random(tset.train_seed).shuffle(corrected)
        s_cur = score_model(col.eval_items, cur_settings)
        cur = {"micro_f1": _fig(s_cur, "micro")["f1"], "org_f1": _fig(s_cur, "ORG")["f1"]}
        points = []
        project = copy_project(settings.models_dir, work / "project")
        for frac in fractions:
            part = corrected[: max(1, round(len(corrected) * frac))]
            collected = _write_jsonl(work / f"collected-{int(frac * 100)}.jsonl", part + rest)
            artefact = work / f"model-{int(frac * 100)}"
            log(f"{int(frac * 100)} %: {len(part)} corrected paragraph(s)")
            for sub in ("corpus/retrain", "training/retrain"):
                shutil.rmtree(project / sub, ignore_errors=True)
            run_project(project, collected=collected, base_model=cur_settings.model, artefact=artefact,
                        kb_path=settings.kb_path, tset=tset)
            s = score_model(col.eval_items, cur_settings.with_(model=str(artefact)))
            org = _fig(s, "ORG")
            points.append(CurvePoint(frac, len(part), _fig(s, "micro")["f1"],
                                     org["f1"], org["p"], org["r"]))
        gains = [b.micro_f1 - a.micro_f1 for a, b in zip(points, points[1:])]
        verdict = ("still rising at 100 %: more corrections should help" if gains and gains[-1] > 0.001
                   else "flat at the end: more corrections of the same kind may not help")
        return {"current": cur, "points": points, "verdict": verdict, "eval_documents": len(col.eval_items)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render_curve(c: dict) -> str:
    lines = [f"learning curve on {c['eval_documents']} evaluation document(s) "
             f"(version in force: micro F1 {c['current']['micro_f1']:.3f}, ORG F1 {c['current']['org_f1']:.3f})",
             f"{'share':>6} {'paragraphs':>10} {'micro F1':>8} {'ORG P':>6} {'ORG R':>6} {'ORG F1':>6}  Δ micro"]
    prev = None
    for p in c["points"]:
        d = "" if prev is None else f"{p.micro_f1 - prev:+.3f}"
        lines.append(f"{int(p.fraction * 100):>5}% {p.corrected_paragraphs:>10} {p.micro_f1:>8.3f} "
                     f"{p.org_p:>6.3f} {p.org_r:>6.3f} {p.org_f1:>6.3f}  {d}")
        prev = p.micro_f1
    lines.append(c["verdict"])
    return "\n".join(lines)
