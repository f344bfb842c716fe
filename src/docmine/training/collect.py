"""Collect what a retraining learns from and is measured on.

Training data (``collected.jsonl``, one paragraph per line: ``{"text", "ents":
[[start, end, "ORG"]], "source", "corrected"}``):

* the corrected documents — their model output with every correction
  applied, as :func:`docmine.corrections.export` writes it
  (``documents.jsonl``) — cut into paragraphs; a paragraph where an editor
  added, removed or moved an organisation is ``corrected`` (weighted up by the
  spaCy project);
* the dev gold's training split (``models/training/dev_split.json``).

The project's own training data (the rehearsal) is added by the spaCy
project itself (``scripts/retrain_convert.py``).

Evaluation set (fixed; never trained on): the dev gold's evaluation split plus
the held-back corrected documents — one in ``holdout_every``, chosen by their
sha256 so a document always falls on the same side.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from docmine.settings import MODELS_DIR, PROJECT_ROOT, RESOURCE_ROOT
from docmine.store.schema import Correction, Document, Mention, Page

#: which dev gold files train and which evaluate (paths relative to the resource root;
#: ``../shared`` relative to the checkout)
DEV_SPLIT = MODELS_DIR / "training" / "dev_split.json"
#: a paragraph longer than this many characters is cut at sentence ends
MAX_PARAGRAPH = 600


@dataclass
class EvalItem:
    """One document of the evaluation set: its gold (contract §7 JSON) and its
    input (``text``, or ``pages`` with their layout ``blocks``)."""
    name: str
    gold: dict
    text: Optional[str] = None
    pages: Optional[list] = None
    blocks: Optional[list] = None
    source: str = "dev-gold"  # dev-gold | held-back


@dataclass
class Collected:
    """What :func:`collect` found."""
    examples: list[dict] = field(default_factory=list)  #: training paragraphs
    eval_items: list[EvalItem] = field(default_factory=list)
    corrected_documents: list[str] = field(default_factory=list)  #: sha256, trained on
    held_back: list[str] = field(default_factory=list)  #: sha256, evaluation only
    corrections: int = 0  #: ledger rows in force behind the corrected documents
    since: Optional[str] = None

    def hashes(self) -> dict[str, str]:
        def h(obj: Any) -> str:
            return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return {"train": h(self.examples), "eval": h([(i.name, i.gold) for i in self.eval_items]),
                "corrected_documents": h(sorted(self.corrected_documents)),
                "held_back": h(sorted(self.held_back))}

    def counts(self) -> dict[str, int]:
        return {"paragraphs": len(self.examples),
                "corrected_paragraphs": sum(bool(e.get("corrected")) for e in self.examples),
                "dev_gold_paragraphs": sum(e.get("source") == "dev-gold" for e in self.examples),
                "corrected_documents": len(self.corrected_documents), "held_back": len(self.held_back),
                "eval_documents": len(self.eval_items), "corrections": self.corrections}


# ------------------------------------------------------------------ paragraphs
_BREAK = re.compile(r"\f|\r?\n[ \t]*\r?\n|(?<=[.;:!?])[ \t]*\r?\n")
_SENT = re.compile(r"(?<=[.;!?])\s+(?=[A-ZÀ-Ý«\"(0-9])")


def paragraphs(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``text`` cut into paragraphs (form feeds, blank lines, lines ending a
    sentence; long ones at sentence ends), never inside one of ``spans``.
    Returns (start, end) offsets of the non-blank ones."""
    cuts = {0, len(text)}
    for rx in (_BREAK,):
        for m in rx.finditer(text):
            cuts.add(m.end())
    bounds = sorted(cuts)
    pieces = []
    for a, b in zip(bounds, bounds[1:]):
        if b - a > MAX_PARAGRAPH:
            inner = [a] + [m.end() for m in _SENT.finditer(text, a, b)] + [b]
            pieces += list(zip(inner, inner[1:]))
        else:
            pieces.append((a, b))
    # merge pieces so that no span crosses a cut
    merged: list[list[int]] = []
    for a, b in pieces:
        if merged and any(s < a < e for s, e in spans):
            merged[-1][1] = b
        else:
            merged.append([a, b])
    out = []
    for a, b in merged:
        seg = text[a:b]
        if not seg.strip():
            continue
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        out.append((a + lead, b - trail))
    return out


def examples_from(text: str, orgs: list[tuple[int, int]], changed: list[tuple[int, int]],
                  *, source: str, name: str) -> list[dict]:
    """Training paragraphs of one document: every paragraph with an
    organisation or a changed span, and as many others (negatives), in order."""
    paras = paragraphs(text, orgs)
    out, plain = [], []
    for a, b in paras:
        ents = [[s - a, e - a, "ORG"] for s, e in orgs if a <= s and e <= b]
        corrected = any(s < b and e > a for s, e in changed)
        item = {"text": text[a:b], "ents": ents, "source": source, "corrected": corrected, "doc": name}
        (out if ents or corrected else plain).append(item)
    step = max(1, len(plain) // max(1, len(out))) if out else 1
    return out + plain[::step][:len(out) or 5]


# ------------------------------------------------------------------ dev gold
def _dev_files(part: str) -> list[tuple[Path, Path]]:
    """(text, gold) files of the dev gold's ``part`` (train | eval) that exist."""
    spec = json.loads(DEV_SPLIT.read_text(encoding="utf-8")) if DEV_SPLIT.is_file() else {}
    out = []
    for entry in spec.get(part, []):
        base = (PROJECT_ROOT if entry["dir"].startswith("..") else RESOURCE_ROOT) / entry["dir"]
        if not base.is_dir():
            continue
        names = entry.get("names") or sorted(p.name[:-len(".gold.json")] for p in base.glob("*.gold.json"))
        for n in names:
            t, g = base / f"{n}.txt", base / f"{n}.gold.json"
            if t.is_file() and g.is_file():
                out.append((t, g))
    return out


def dev_gold(part: str, gold: Optional[list] = None) -> list[tuple[str, str, dict]]:
    """(name, text, gold JSON) of the dev gold's ``part``, or of the given
    ``gold`` files/folders (NAME.txt beside NAME.gold.json)."""
    files: list[tuple[Path, Path]] = []
    if gold is None:
        files = _dev_files(part)
    else:
        for g in gold:
            g = Path(g)
            if g.is_dir():
                files += [(p.with_name(p.name[:-len(".gold.json")] + ".txt"), p)
                          for p in sorted(g.glob("*.gold.json"))]
            else:
                gp = g if g.name.endswith(".gold.json") else g.with_name(g.stem + ".gold.json")
                files.append((gp.with_name(gp.name[:-len(".gold.json")] + ".txt"), gp))
    out = []
    for t, g in files:
        if t.is_file() and g.is_file():
            out.append((t.stem, t.read_text(encoding="utf-8"), json.loads(g.read_text(encoding="utf-8"))))
    return out


# ------------------------------------------------------------------ corrected documents
def corrected_shas(*, session: Session, since: Optional[datetime] = None) -> list[str]:
    """sha256 of the stored documents with a correction in force (one not
    refused), made on or after ``since`` when given."""
    q = select(Correction.document_sha256).where(Correction.status != "conflict").distinct()
    if since is not None:
        q = q.where(Correction.created_at >= since)
    shas = set(session.scalars(q))
    if not shas:
        return []
    return sorted(session.scalars(select(Document.sha256).where(Document.sha256.in_(shas))))


def held_back(shas: list[str], every: int) -> set[str]:
    """The corrected documents kept for evaluation: those whose sha256, read as
    a number, is a multiple of ``every`` (stable as documents are added); none
    when that would leave nothing to train on."""
    held = {s for s in shas if int(s[:12], 16) % every == 0}
    return set() if len(held) == len(shas) else held


def collect(*, session: Session, work_dir: Path, holdout_every: int = 5,
            since: Optional[datetime] = None, train_gold: Optional[list] = None,
            eval_gold: Optional[list] = None) -> Collected:
    """Collect the training paragraphs and the evaluation set (module doc).
    The corrected documents are exported with :func:`docmine.corrections.export`
    into ``work_dir/export`` (under the data folder). ``train_gold`` /
    ``eval_gold``: gold files or folders instead of the dev split's."""
    from docmine import corrections
    shas = corrected_shas(session=session, since=since)
    col = Collected(since=since.isoformat() if since else None)
    held = held_back(shas, holdout_every)
    if shas:
        ids = list(session.scalars(select(Document.id).where(Document.sha256.in_(shas)).order_by(Document.id)))
        info = corrections.export(Path(work_dir) / "export", session=session, documents=ids)
        col.corrections = int(info.get("corrections") or 0)
        for line in Path(info["jsonl"]).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            gold = json.loads(line)
            sha = gold["document"]["sha256"]
            doc = session.scalars(select(Document).where(Document.sha256 == sha)).one()
            pages = session.execute(select(Page.text, Page.blocks).where(Page.document_id == doc.id)
                                    .order_by(Page.number)).all()
            if sha in held:
                col.held_back.append(sha)
                col.eval_items.append(EvalItem(name=doc.symbol or sha[:12], gold=gold,
                                               pages=[p.text for p in pages],
                                               blocks=[p.blocks or [] for p in pages], source="held-back"))
                continue
            col.corrected_documents.append(sha)
            text = "\f".join(p.text or "" for p in pages)
            orgs = sorted({(m["start"], m["end"]) for m in gold["mentions"] if m["label"] == "ORG"})
            model = set(session.execute(select(Mention.doc_start, Mention.doc_end).where(
                Mention.document_id == doc.id, Mention.label == "ORG", Mention.origin == "model")).all())
            changed = sorted(set(orgs) ^ {tuple(m) for m in model})
            col.examples += examples_from(text, orgs, changed, source="correction", name=sha[:12])
    for name, text, gold in dev_gold("train", train_gold):
        orgs = sorted({(m["start"], m["end"]) for m in gold["mentions"] if m["label"] == "ORG"})
        col.examples += examples_from(text, orgs, [], source="dev-gold", name=name)
    for name, text, gold in dev_gold("eval", eval_gold):
        col.eval_items.append(EvalItem(name=name, gold=gold, text=text))
    return col
