"""Convert collected training examples (JSONL) to DocBin files, with rehearsal.

    python scripts/retrain_convert.py COLLECTED.jsonl KB.tsv corpus/retrain \
        --paragraphs assets/paragraphs_fr.txt --templates assets/templates_fr.txt \
        --invented assets/invented_fr.txt --upsample 4 --rehearsal-ratio 2 --seed 0

``COLLECTED.jsonl`` is what ``docmine train`` collects (``docmine.training.collect``):
one object per paragraph, ``{"text", "ents": [[start, end, "ORG"], ...],
"source": "correction" | "dev-gold", "corrected": bool}`` — paragraphs of
corrected documents (model output with every correction applied) and of the
dev gold's training split. Paragraphs where an editor changed an organisation
(``corrected``) are copied ``--upsample`` times, so that a correction weighs
more than the model's own output.

Rehearsal (so the fine-tuned NER does not forget what it knew): the old
training data of this project — the hand-written paragraphs and sentences
generated from the templates, as ``convert.py`` makes them — is mixed in,
``--rehearsal-ratio`` old examples per collected one (at least 50).

Output: ``train.spacy`` and ``dev.spacy`` (15 % of the mix, used by
``spacy train`` to pick model-best; the gate's evaluation set is separate and
never trained on). Tokenized with docmine's tokenizer, like ``convert.py``.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from spacy.tokens import DocBin
from spacy.util import filter_spans

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert import fill, kb_names, lines, parse  # noqa: E402


def collected(path: Path) -> list[dict]:
    out = []
    for ln in path.read_text(encoding="utf-8").splitlines():
        if ln.strip():
            out.append(json.loads(ln))
    return out


def rehearsal(a, rng: random.Random, n: int) -> list[tuple[str, list]]:
    items = lines(a.paragraphs) if a.paragraphs and a.paragraphs.is_file() else []
    if a.templates and a.invented and a.templates.is_file() and a.invented.is_file():
        names = kb_names(a.kb) + lines(a.invented) * 3
        tpls = lines(a.templates)
        items += [fill(rng.choice(tpls), names, rng) for _ in range(max(0, n - len(items)))]
    rng.shuffle(items)
    out = []
    for row in items[:n]:
        text, ents = parse(row)
        out.append((text, [[s, e, "ORG"] for s, e in ents]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("collected", type=Path)
    ap.add_argument("kb", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--paragraphs", type=Path, default=None)
    ap.add_argument("--templates", type=Path, default=None)
    ap.add_argument("--invented", type=Path, default=None)
    ap.add_argument("--upsample", type=int, default=4)
    ap.add_argument("--rehearsal-ratio", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    from docmine.extraction.nlp import build_nlp
    nlp = build_nlp(use_ner=False)  # docmine's tokenizer
    rows = collected(a.collected)
    examples: list[tuple[str, list]] = []
    for r in rows:
        copies = a.upsample if r.get("corrected") else 1
        examples += [(r["text"], r.get("ents") or [])] * copies
    n_old = max(50, int(len(rows) * a.rehearsal_ratio)) if a.rehearsal_ratio > 0 else 0
    old = rehearsal(a, rng, n_old) if n_old else []
    mix = examples + old
    rng.shuffle(mix)
    n_dev = max(1, len(mix) * 15 // 100)
    splits = {"dev": mix[:n_dev], "train": mix[n_dev:] or mix[:n_dev]}
    a.out.mkdir(parents=True, exist_ok=True)
    for split, items in splits.items():
        db = DocBin()
        skipped = 0
        for text, ents in items:
            doc = nlp.make_doc(text)
            spans = [doc.char_span(s, e, label=lab, alignment_mode="contract") for s, e, lab in ents]
            if any(sp is None for sp in spans):
                skipped += 1
                continue
            doc.ents = filter_spans(spans)
            db.add(doc)
        db.to_disk(a.out / f"{split}.spacy")
        print(f"{split}: {len(items) - skipped} docs ({skipped} skipped)")
    print(f"collected {len(rows)} paragraph(s) ({sum(bool(r.get('corrected')) for r in rows)} corrected, "
          f"x{a.upsample}), rehearsal {len(old)}")


if __name__ == "__main__":
    main()
