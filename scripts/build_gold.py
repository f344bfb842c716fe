"""Build the dev gold (``corpus/dev/<lang>``) from annotated sources (``corpus/dev/<lang>/src``).

An annotated source ``src/NNN_slug.ann`` is the text of ``NNN_slug.txt`` with
inline marks (the marks are removed, offsets are those of the clean text):

* a header of ``%% key: value`` lines (``symbol``, ``treaty``, ``language``,
  ``nbsp``, ``newline``) closed by a line ``%%%``. ``nbsp: yes`` turns every
  space before ``;``, ``:``, ``?``, ``!`` and after ``«`` / before ``»`` into
  U+00A0, as French UN papers print them; ``newline: crlf`` turns every line
  break of the body into ``\r\n``, as PDFium stores page text (the source is
  kept with plain ``\n`` because text mode reads ``\r\n`` as ``\n``); a
  form feed in the body is a page break, as in stored PDF text;
* a mention ``⟦LABEL ids @key=value|text⟧``: ``ids`` separated by ``;`` (may
  be empty: ``⟦ORG|Fondation MAVA⟧``), optional attrs after `` @``;
* an action item ``⟪A actor=…|actor_text=…|verb=…|para=…|meeting=…|date=…⟫
  text ⟪/A⟫``; ``meeting`` and ``date`` are optional (the deadline is null
  when both are absent); ``refs`` is computed: the REF and DOC ids of the
  mentions inside the item, in order, without repeats.

Writes ``NNN_slug.txt`` (UTF-8) and ``NNN_slug.gold.json`` (spec §7 shape)
beside ``src/`` and checks ``text[start:end] == mention text`` for every
span. Usage: ``python scripts/build_gold.py [corpus/dev/fr …]`` (no argument:
every ``corpus/dev/*`` folder that has a ``src/``).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

MENTION_OPEN, MENTION_CLOSE = "⟦", "⟧"
ITEM_OPEN, ITEM_CLOSE = "⟪", "⟫"
LABELS = ("REF", "DOC", "ORG", "MEETING", "DATE")


class AnnotationError(ValueError):
    pass


def _header(raw: str) -> tuple[dict, str]:
    meta: dict[str, str] = {}
    lines = raw.split("\n")
    for i, line in enumerate(lines):
        if line == "%%%":
            return meta, "\n".join(lines[i + 1:])
        if not line.startswith("%% "):
            raise AnnotationError(f"header line {i + 1}: {line!r}")
        key, _, value = line[3:].partition(":")
        meta[key.strip()] = value.strip()
    raise AnnotationError("no '%%%' line closing the header")


def _nbsp(body: str) -> str:
    body = re.sub(r" (?=[;:?!»])", "\u00a0", body)
    return re.sub(r"(?<=«) ", "\u00a0", body)


def parse(body: str) -> tuple[str, list[dict], list[dict]]:
    """Clean text, mentions and action items of an annotated body."""
    out: list[str] = []
    pos = 0  # length of clean text so far
    mentions: list[dict] = []
    items: list[dict] = []
    open_item: dict | None = None
    open_mention: dict | None = None
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == MENTION_OPEN:
            if open_mention:
                raise AnnotationError(f"nested mention at {i}")
            bar = body.index("|", i)
            head = body[i + 1:bar]
            label, _, rest = head.partition(" ")
            if label not in LABELS:
                raise AnnotationError(f"unknown label {label!r} at {i}")
            ids_part, *attr_parts = rest.split(" @")
            attrs = dict(a.split("=", 1) for a in attr_parts)
            ids = [x.strip() for x in ids_part.split(";") if x.strip()]
            open_mention = {"label": label, "start": pos, "ids": ids, "attrs": attrs}
            i = bar + 1
            continue
        if ch == MENTION_CLOSE:
            if not open_mention:
                raise AnnotationError(f"stray {MENTION_CLOSE} at {i}")
            open_mention["end"] = pos
            mentions.append(open_mention)
            open_mention = None
            i += 1
            continue
        if ch == ITEM_OPEN:
            close = body.index(ITEM_CLOSE, i)
            head = body[i + 1:close]
            if head == "/A":
                if not open_item:
                    raise AnnotationError(f"item closed without opening at {i}")
                open_item["end"] = pos
                items.append(open_item)
                open_item = None
            else:
                if open_item:
                    raise AnnotationError(f"nested item at {i}")
                if not head.startswith("A "):
                    raise AnnotationError(f"bad item mark {head!r}")
                fields = dict(f.split("=", 1) for f in head[2:].split("|"))
                open_item = {"start": pos, **fields}
            i = close + 1
            continue
        out.append(ch)
        pos += 1
        i += 1
    if open_item or open_mention:
        raise AnnotationError("unclosed mark at end of text")
    return "".join(out), mentions, items


def build(ann: Path, out_dir: Path) -> dict:
    meta, body = _header(ann.read_text(encoding="utf-8"))
    if meta.get("nbsp") == "yes":
        body = _nbsp(body)
    if meta.get("newline", "lf") == "crlf":
        body = body.replace("\n", "\r\n")
    elif meta.get("newline", "lf") != "lf":
        raise AnnotationError(f"newline must be lf or crlf, not {meta['newline']!r}")
    text, mentions, items = parse(body)
    name = ann.stem
    for m in mentions:
        m["text"] = text[m["start"]:m["end"]]
        if not m["text"] or m["text"] != m["text"].strip():
            raise AnnotationError(f"{name}: empty or padded span {m['text']!r}")
    action_items = []
    for it in items:
        span = text[it["start"]:it["end"]]
        if span != span.strip():
            raise AnnotationError(f"{name}: padded item {span!r}")
        refs: list[str] = []
        for m in mentions:
            if m["label"] in ("REF", "DOC") and it["start"] <= m["start"] and m["end"] <= it["end"]:
                refs += [x for x in m["ids"] if x not in refs]
        meeting, date = it.get("meeting") or None, it.get("date") or None
        action_items.append({
            "start": it["start"], "end": it["end"], "text": span,
            "actor": it.get("actor") or None, "actor_text": it["actor_text"], "verb": it["verb"],
            "kind": "request",
            "deadline": {"meeting": meeting, "date": date} if (meeting or date) else None,
            "refs": refs, "paragraph": it.get("para") or None,
        })
    data = text.encode("utf-8")
    gold = {
        "document": {"source": f"{name}.txt", "sha256": hashlib.sha256(data).hexdigest(),
                     "language": meta.get("language", "fr"), "symbol": meta.get("symbol") or None,
                     "treaty": meta.get("treaty") or None, "pages": None},
        "text_length": len(text),
        "mentions": [{k: m[k] for k in ("label", "start", "end", "text", "ids", "attrs")}
                     for m in sorted(mentions, key=lambda m: (m["start"], m["end"]))],
        "action_items": sorted(action_items, key=lambda a: a["start"]),
    }
    for m in gold["mentions"]:
        assert text[m["start"]:m["end"]] == m["text"]
    (out_dir / f"{name}.txt").write_bytes(data)
    (out_dir / f"{name}.gold.json").write_text(
        json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return gold


def build_dir(out_dir: Path) -> int:
    anns = sorted((out_dir / "src").glob("*.ann"))
    if not anns:
        print(f"no annotated sources in {out_dir / 'src'}", file=sys.stderr)
        return 1
    for ann in anns:
        try:
            g = build(ann, out_dir)
        except (AnnotationError, ValueError) as exc:
            print(f"{ann.name}: {exc}", file=sys.stderr)
            return 1
        labels: dict[str, int] = {}
        for m in g["mentions"]:
            labels[m["label"]] = labels.get(m["label"], 0) + 1
        print(f"{ann.stem}: {g['text_length']} chars, mentions {labels}, items {len(g['action_items'])}")
    return 0


def main(argv: list[str]) -> int:
    dev = Path(__file__).resolve().parents[1] / "corpus/dev"
    dirs = [Path(a) for a in argv[1:]] or sorted(d for d in dev.iterdir() if (d / "src").is_dir())
    for out_dir in dirs:
        if rc := build_dir(out_dir):
            return rc
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
