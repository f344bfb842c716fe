"""Convert the annotated paragraphs (``[[Name]]`` = ORG) to spaCy DocBin files.

    python scripts/convert.py assets/paragraphs_fr.txt KB.tsv corpus/ --seed 0

``--lang en|es`` converts the English or Spanish assets (``*_en.txt``,
``*_es.txt``) with that language's tokenizer and knowledge-base names.

Besides the hand-written paragraphs, sentences are generated from templates
(``assets/templates_fr.txt``, ``{ORG}`` slots) filled with French names of the
knowledge base and invented organisation names (``assets/invented_fr.txt``),
so that the NER sees many more organisation shapes than the paragraphs hold.
Documents are tokenized with docmine's tokenizer (the one the pipeline uses).
Output: ``train.spacy`` and ``dev.spacy`` (a held-out 15 % of the paragraphs
and generated sentences; the project's dev gold is never used for training).
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from spacy.tokens import DocBin

MARK = re.compile(r"\[\[(.+?)\]\]")


def parse(line: str) -> tuple[str, list[tuple[int, int]]]:
    text, ents, pos = [], [], 0
    last = 0
    for m in MARK.finditer(line):
        text.append(line[last:m.start()])
        pos += m.start() - last
        name = m.group(1)
        ents.append((pos, pos + len(name)))
        text.append(name)
        pos += len(name)
        last = m.end()
    text.append(line[last:])
    return "".join(text), ents


def lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]


def kb_names(kb_path: Path, lang: str = "fr") -> list[str]:
    from docmine.extraction.kb import KnowledgeBase
    kb = KnowledgeBase.from_tsv(kb_path)
    out = []
    for o in kb.orgs.values():
        out += o.names.get(lang, [])
        out += o.acronyms.get(lang, [])
    return sorted({n for n in out if n})


def fill(template: str, names: list[str], rng: random.Random) -> str:
    def rep(_m):
        return "[[" + rng.choice(names) + "]]"
    return re.sub(r"\{ORG\}", rep, template)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("paragraphs", type=Path)
    ap.add_argument("kb", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--templates", type=Path, default=None)
    ap.add_argument("--invented", type=Path, default=None)
    ap.add_argument("--n-generated", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lang", default="fr", help="fr, en or es: the tokenizer and the KB names used")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    from docmine.extraction.nlp import build_nlp
    nlp = build_nlp(use_ner=False, language=a.lang)  # docmine's tokenizer for that language
    items = lines(a.paragraphs)
    if a.templates and a.invented:
        names = kb_names(a.kb, a.lang) + lines(a.invented) * 3
        tpls = lines(a.templates)
        items += [fill(rng.choice(tpls), names, rng) for _ in range(a.n_generated)]
    rng.shuffle(items)
    n_dev = max(1, len(items) * 15 // 100)
    splits = {"dev": items[:n_dev], "train": items[n_dev:]}
    a.out.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        db = DocBin()
        skipped = 0
        for row in rows:
            text, ents = parse(row)
            doc = nlp.make_doc(text)
            spans = [doc.char_span(s, e, label="ORG", alignment_mode="contract") for s, e in ents]
            if any(sp is None for sp in spans):
                skipped += 1
                continue
            doc.ents = spans
            db.add(doc)
        db.to_disk(a.out / f"{split}.spacy")
        print(f"{split}: {len(rows) - skipped} docs ({skipped} skipped)")


if __name__ == "__main__":
    main()
