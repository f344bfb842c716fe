"""Latency of the researchers' queries on a synthetic store of 10,000 documents (SQLite).

    .venv/bin/python benchmarks/bench_query.py                 # 10,000 documents
    .venv/bin/python benchmarks/bench_query.py --documents 2000 --keep /tmp/bench.db
    .venv/bin/python benchmarks/bench_query.py --reuse /tmp/bench.db   # measure again

Builds the store with bulk inserts of generated rows (documents, 3 pages each
with French text, ~40 mentions and 5 action items per document, entities and
their counts, the FTS index), then prints the median latency (and the worst)
of each main query over a few repetitions. Goal: ≤ 200 ms each.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("la coopération technique entre les secrétariats des conventions relatives à la "
         "biodiversité renforce la mise en œuvre des plans de travail conjoints pour les "
         "espèces migratrices le comité permanent examine les rapports nationaux et les "
         "parties sont invitées à soumettre leurs observations sur le commerce international "
         "des espèces menacées la conférence des parties prie le secrétaire exécutif de faire "
         "rapport sur les progrès accomplis dans le cadre du programme de travail").split()
TREATIES = ("CMS", "CBD", "CITES")
ORGS = ("cms-secretariat", "cms-standing-committee", "cbd-executive-secretary", "cbd-cop",
        "cites-standing-committee", "cites-secretariat", "parties", "unep", "iucn", "gef")
VERBS = ("prier", "inviter", "examiner", "prendre note", "encourager", "demander", "charger")


def build(url: str, n_docs: int, seed: int = 0) -> dict:
    from docmine.store import db
    from docmine.store.entities import load_organisations, parse_entity_id, refresh_counts
    from docmine.store.search import catch_up

    rnd = random.Random(seed)
    t0 = time.perf_counter()
    engine = db.init_db(url)
    with db.session_scope(url) as s:
        load_organisations(s)
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("BEGIN")
    now = "2026-11-23 00:00:00"

    instruments = [f"CMS Res {a}.{b}" for a in range(6, 14) for b in range(1, 30)] + \
        [f"CBD COP Dec {r}/{b}" for r in ("X", "XI", "XII", "XIII", "XIV") for b in range(1, 40)] + \
        [f"CITES Res Conf {a}.{b}" for a in range(9, 19) for b in range(1, 20)]
    meetings = [f"CMS COP{i}" for i in range(8, 15)] + [f"CMS StC{i}" for i in range(38, 55)] + \
        [f"CBD COP{i}" for i in range(9, 17)] + [f"CBD SBSTTA{i}" for i in range(15, 26)] + \
        [f"CITES CoP{i}" for i in range(14, 20)] + [f"CITES SC{i}" for i in range(55, 80)]
    symbols = [f"UNEP/{TREATIES[i % 3]}/DOC{i // 3}/{i % 17}" for i in range(n_docs)]
    dates = [f"20{y:02d}-{m:02d}-{d:02d}" for y in range(10, 20) for m in range(1, 13)
             for d in (1, 15, 28)]

    ents = []
    for eid, label in ([(x, "REF") for x in instruments] + [(x, "MEETING") for x in meetings]
                       + [(x, "DOC") for x in symbols] + [(x, "DATE") for x in dates]
                       + [(x, "ORG") for x in ORGS]):
        r = parse_entity_id(eid, label)
        ents.append((r["id"], r["kind"], r["label"], r["treaty"], r["body"], r["instrument_kind"],
                     r["number"], r["name"], json.dumps(r["data"])))
    cur.executemany("INSERT OR IGNORE INTO entities (id, kind, label, treaty, body, instrument_kind, "
                    "number, name, data, mention_count, document_count) "
                    "VALUES (?,?,?,?,?,?,?,?,?,0,0)", ents)
    cur.execute("INSERT INTO model_versions (name, created_at, config, scores, promoted) "
                "VALUES ('bench', ?, '{}', '{}', 0)", (now,))
    mv_id = cur.lastrowid

    docs, pages, mentions, links, items, refs, runs = [], [], [], [], [], [], []
    page_id = mention_id = item_id = 0
    for d in range(1, n_docs + 1):
        treaty = TREATIES[d % 3]
        sym = symbols[d - 1]
        sha = hashlib.sha256(str(d).encode()).hexdigest()
        docs.append((d, sha, f"bench/{d}.pdf", f"bench/{d}.pdf", 1, 1000, "application/pdf", "ok",
                     3, "fr", "{}", sym, treaty, None, f"Document {d}", "bench", "{}", now, "bench"))
        runs.append((d, d, mv_id, now, now, "fr", "fr", "{}"))
        offset = 0
        page_texts = []
        for p in range(1, 4):
            page_id += 1
            paras = []
            for k in range(4):
                paras.append(f"{(p - 1) * 4 + k + 1}. " + " ".join(rnd.choice(WORDS) for _ in range(25)) + ".")
            text = sym + "\n" + "\n".join(paras)
            page_texts.append((page_id, p, text, offset))
            pages.append((page_id, d, p, text, "[]", "fr", len(text), offset))
            offset += len(text) + 1
        for k in range(40):
            pid, pno, text, off = page_texts[k % 3]
            mention_id += 1
            r = rnd.random()
            if r < 0.15:
                label, eid = "REF", rnd.choice(instruments)
            elif r < 0.3:
                label, eid = "DOC", rnd.choice(symbols)
            elif r < 0.45:
                label, eid = "MEETING", rnd.choice(meetings)
            elif r < 0.55:
                label, eid = "DATE", rnd.choice(dates)
            else:
                label, eid = "ORG", rnd.choice(ORGS)
            start = (k * 13) % max(1, len(text) - 20)
            mentions.append((mention_id, d, pid, pno, start, start + 10, off + start, off + start + 10,
                             label, text[start:start + 10], "{}",
                             "Le sentence citing " + eid if label in ("REF", "DOC") else None,
                             str(k % 4 + 1), d, "bench", "model"))
            links.append((mention_id, eid, 0))
        for k in range(5):
            pid, pno, text, off = page_texts[k % 3]
            item_id += 1
            meeting = rnd.choice(meetings) if rnd.random() < 0.5 else None
            ddate = rnd.choice(dates) if meeting is None and rnd.random() < 0.5 else None
            sort = ddate
            items.append((item_id, d, pid, pno, 20 * k, 20 * k + 80, off + 20 * k, off + 20 * k + 80,
                          text[20 * k:20 * k + 80], rnd.choice(ORGS), "le Secrétariat",
                          rnd.choice(VERBS), "request", meeting, ddate, sort, "abcde"[k],
                          meeting.split()[0] if meeting else treaty, d, "bench", "model"))
            if rnd.random() < 0.6:
                refs.append((item_id, rnd.choice(instruments)))
    cur.executemany("INSERT INTO documents (id, sha256, source, source_key, version, size, media_type,"
                    " status, page_count, language, languages, symbol, treaty, doc_date, title, "
                    "backend, meta, ingested_at, extracted_version) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", docs)
    cur.executemany("INSERT INTO extraction_runs (id, document_id, model_version_id, started_at, "
                    "finished_at, language, pipeline, stats) VALUES (?,?,?,?,?,?,?,?)", runs)
    cur.executemany("INSERT INTO pages (id, document_id, number, text, blocks, language, char_count,"
                    " doc_offset) VALUES (?,?,?,?,?,?,?,?)", pages)
    cur.executemany("INSERT INTO mentions (id, document_id, page_id, page_number, start, \"end\", "
                    "doc_start, doc_end, label, text, attrs, sentence, paragraph, extraction_run_id,"
                    " model_version, origin) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", mentions)
    cur.executemany("INSERT OR IGNORE INTO mention_entities (mention_id, entity_id, position) "
                    "VALUES (?,?,?)", links)
    cur.executemany("INSERT INTO action_items (id, document_id, page_id, page_number, start, \"end\","
                    " doc_start, doc_end, text, actor_id, actor_text, verb, kind, "
                    "deadline_meeting_id, deadline_date, deadline_sort, paragraph, treaty, "
                    "extraction_run_id, model_version, origin) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", items)
    cur.executemany("INSERT OR IGNORE INTO action_item_refs (action_item_id, entity_id) VALUES (?,?)",
                    refs)
    # estimated meeting dates into deadline_sort, as store_extraction does
    cur.execute("UPDATE action_items SET deadline_sort = (SELECT json_extract(e.data, '$.date') "
                "FROM entities e WHERE e.id = action_items.deadline_meeting_id) "
                "WHERE deadline_meeting_id IS NOT NULL")
    cur.execute("UPDATE entities SET document_id = (SELECT d.id FROM documents d WHERE d.symbol = "
                "entities.id) WHERE kind = 'symbol'")
    raw.commit()
    raw.close()
    t_rows = time.perf_counter() - t0
    with db.session_scope(url) as s:
        refresh_counts(s)
        t1 = time.perf_counter()
        n_fts = catch_up(s)
        t_fts = time.perf_counter() - t1
    engine.raw_connection().close()
    return {"documents": n_docs, "pages": len(pages), "mentions": len(mentions),
            "action_items": len(items), "build_seconds": round(time.perf_counter() - t0, 1),
            "rows_seconds": round(t_rows, 1), "fts_pages": n_fts, "fts_seconds": round(t_fts, 1),
            "symbols": symbols}


def measure(url: str, repeat: int = 7) -> list[tuple[str, float, float, int]]:
    from docmine.store import db
    from docmine import query

    cases = [
        ("actions(actor='cbd-executive-secretary', due_before='CBD COP13')",
         lambda s: query.actions(session=s, actor="cbd-executive-secretary", due_before="CBD COP13")),
        ("actions(treaty='CMS', verb='prier')",
         lambda s: query.actions(session=s, treaty="CMS", verb="prier")),
        ("actions(meeting='CMS StC45')", lambda s: query.actions(session=s, meeting="CMS StC45")),
        ("actions(document='UNEP/CMS/DOC100/11')",
         lambda s: query.actions(session=s, document="UNEP/CMS/DOC100/11")),
        ("actions(actor='parties', text='coopération technique')",
         lambda s: query.actions(session=s, actor="parties", text="coopération technique")),
        ("actions(ref='CMS Res 11.10')", lambda s: query.actions(session=s, ref="CMS Res 11.10")),
        ("cites('CMS Res 11.10')", lambda s: query.cites("CMS Res 11.10", session=s)),
        ("cites('UNEP/CMS/DOC100/11')", lambda s: query.cites("UNEP/CMS/DOC100/11", session=s)),
        ("cited_by('UNEP/CMS/DOC100/11')", lambda s: query.cited_by("UNEP/CMS/DOC100/11", session=s)),
        ("entities()", lambda s: query.entities(session=s)),
        ("entities(label='ORG')", lambda s: query.entities(session=s, label="ORG")),
        ("entity('CMS Res 11.10')", lambda s: query.entity("CMS Res 11.10", session=s)),
        ("search('coopération technique')",
         lambda s: query.search("coopération technique", session=s)),
        ("search('\"plans de travail\" migratrices')",
         lambda s: query.search('"plans de travail" migratrices', session=s)),
    ]
    out = []
    factory = db.make_session_factory(url)
    for name, fn in cases:
        times, cpu, n = [], [], 0
        for _ in range(repeat):
            with factory() as s:
                t, c = time.perf_counter(), time.process_time()
                res = fn(s)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                s.rollback()
            n = len(res["mentions"]) if isinstance(res, dict) else len(res)
        out.append((name, statistics.median(times) * 1000, max(times) * 1000,
                    statistics.median(cpu) * 1000, n))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--keep", metavar="PATH", help="write the SQLite file here and keep it")
    ap.add_argument("--reuse", metavar="PATH", help="measure an existing store built with --keep")
    args = ap.parse_args(argv)
    tmp = None
    if args.reuse:
        url = f"sqlite:///{args.reuse}"
        return _report(url, args.repeat)
    if args.keep:
        path = Path(args.keep)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "bench.db"
    url = f"sqlite:///{path}"
    info = build(url, args.documents)
    info.pop("symbols")
    print("store:", json.dumps(info))
    _report(url, args.repeat)
    from docmine.store import db
    db.dispose_engines()
    if tmp:
        tmp.cleanup()
    return 0


def _report(url: str, repeat: int) -> int:
    rows = measure(url, repeat)
    width = max(len(r[0]) for r in rows)
    print(f"{'query'.ljust(width)}  median ms  worst ms  cpu ms   rows")
    worst = 0.0
    for name, med, mx, cpu, n in rows:
        flag = "" if med <= 200 else "  > 200 ms"
        worst = max(worst, med)
        print(f"{name.ljust(width)}  {med:9.1f}  {mx:8.1f}  {cpu:6.1f}  {n:5d}{flag}")
    import os
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"slowest median: {worst:.1f} ms (goal ≤ 200 ms); load average {load:.1f} "
          f"on {os.cpu_count()} CPUs (wall times grow with the load; cpu ms less so)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
