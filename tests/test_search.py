"""Full-text search (docmine.store.search, docmine.query.search) on PDFs made with
reportlab and ingested, and the end-to-end run on the dev PDFs; SQLite and
PostgreSQL (``db_url``)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from docmine.store import db
from docmine import query
from docmine.store.search import fold, parse_query, snippet, stem, terms_of

PDF_PAGES = {
    "cms_note.pdf": [
        ["UNEP/CMS/StC99/7", "COOPERATION ENTRE LA CMS ET LA CITES",
         "1. Les secrétariats renforcent leur coopération technique sur les espèces migratrices.",
         "2. Le Comité permanent examinera le rapport."],
        ["UNEP/CMS/StC99/7", "3. Les Parties sont invitées à partager les données.",
         "4. Les coopérations régionales progressent en Afrique."],
    ],
    "cbd_note.pdf": [
        ["UNEP/CBD/COP/99/3", "Renforcement des capacités",
         "1. La Conférence des Parties accueille favorablement les ateliers.",
         "2. Assistance technique aux pays en développement."],
    ],
}


def make_pdf(path: Path, pages: list[list[str]]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        y = 800
        for line in lines:
            c.setFont("Helvetica", 11)
            c.drawString(60, y, line)
            y -= 24
        c.showPage()
    c.save()


@pytest.fixture
def pdf_store(db_url, tmp_path):
    from docmine.ingest import ingest_paths
    from docmine.settings import get_settings
    folder = tmp_path / "pdf"
    folder.mkdir()
    for name, pages in PDF_PAGES.items():
        make_pdf(folder / name, pages)
    settings = get_settings(database_url=db_url, data_dir=str(tmp_path / "data"))
    summary = ingest_paths([folder], settings=settings, progress=False)
    assert summary.new == 2, summary.render()
    s = db.make_session_factory(db_url)()
    try:
        yield s, settings, tmp_path
    finally:
        s.close()
        db.dispose_engines()


def test_folding_and_stemming(db_url):
    assert fold("Coopération Œuvre ÉTATS") == "cooperation oeuvre etats"
    assert stem(fold("coopérations")) == stem(fold("Coopération")) == stem("cooperation")
    assert terms_of("Techniques") == terms_of("technique")
    q = parse_query('coopération de la technique "espèces migratrices" -Afrique')
    assert [t.raw for t in q.terms] == ["coopération", "technique", "espèces migratrices"]
    assert q.terms[2].phrase and [t.raw for t in q.exclude] == ["Afrique"]
    assert q.fts5() == '("cooper" OR "techniqu" OR "espec migratric") NOT ("afriqu")'
    snip, marks, hits, start = snippet("Texte brut : la COOPÉRATION  technique\nrenforcée.", q)
    assert snip == "Texte brut : la COOPÉRATION technique renforcée." and "**" not in snip
    assert [snip[a:b] for a, b in marks] == ["COOPÉRATION", "technique"]
    assert hits == 2 and start == 16


def test_search_ingested_pdfs(pdf_store):
    s, _settings, _tmp = pdf_store
    df = query.search("coopération technique", session=s)
    assert list(df.columns[:3]) == ["symbol", "page", "paragraph"]
    # accents, case and plural forms are ignored; the page with both words first
    first = df.iloc[0]
    assert (first["page"], first["terms"], first["paragraph"]) == (1, 2, "1")
    assert "coopération technique" in first["snippet"] and "**" not in first["snippet"]
    assert [first["snippet"][a:b] for a, b in first["highlights"]] == ["coopération", "technique"]
    assert first["symbol"] in ("UNEP/CMS/StC99/7", None)
    pages = {(r.document_id, r.page) for r in df.itertuples()}
    assert len(pages) == 3  # CMS p1 (both), CMS p2 (coopérations), CBD p1 (technique)
    assert list(df["terms"]) == sorted(df["terms"], reverse=True)
    assert query.search("COOPERATIONS", session=s)["page"].tolist() == [1, 2]
    assert len(query.search('"assistance technique"', session=s)) == 1
    assert len(query.search("coopération -Afrique", session=s)) == 1
    assert query.search("inexistantmot", session=s).empty


def test_index_follows_later_ingestion(pdf_store):
    from docmine.ingest import ingest_paths
    from docmine.store.schema import Document
    from docmine.store.search import index_document
    s, settings, tmp = pdf_store
    assert query.search("baleines", session=s).empty
    s.commit()
    more = tmp / "more"
    more.mkdir()
    make_pdf(more / "iwc.pdf", [["Coopération avec la Commission baleinière : les baleines."]])
    ingest_paths([more], settings=settings, progress=False)
    df = query.search("baleine", session=s)  # caught up at search time
    assert len(df) == 1
    did = s.scalar(select(Document.id).where(Document.source.like("%iwc.pdf")))
    assert index_document(did, session=s) in (0, 1)  # 0 on PostgreSQL: nothing to maintain
    assert len(query.search("baleine", session=s)) == 1
    s.commit()


# ------------------------------------------------------------------ end to end, dev PDFs
_E2E: dict[str, dict] = {}


@pytest.mark.slow
@pytest.mark.shared
def test_end_to_end_dev_pdfs(db_url, shared_dir, tmp_path):
    from docmine.store.schema import Correction, Document, Mention
    from docmine.run import run
    from docmine.settings import get_settings
    from docmine.store.write import extract_and_store

    settings = get_settings(database_url=db_url, data_dir=str(tmp_path / "data"))
    summary = run([shared_dir / "corpus" / "dev" / "pdf"], settings=settings, progress=False)
    assert summary.documents == 3 and summary.extracted == 3, summary.render()
    assert summary.mentions.get("REF", 0) > 0 and summary.action_items > 0
    assert "action items" in summary.render()
    s = db.make_session_factory(db_url)()
    try:
        doc0 = s.scalar(select(Document).where(Document.source.like("%000_cedb1ec72c960b43.pdf")))
        acts = query.actions(session=s, actor="cms-standing-committee")
        mine = acts[acts["document_id"] == doc0.id]
        assert {"prendre note", "examiner"} <= set(mine["verb"])
        assert set(mine["symbol"]) == {doc0.symbol} and doc0.symbol
        assert mine["page"].notna().all() and set(mine["paragraph"]) >= {"a", "b"}
        cites = query.cites("CMS Res 11.10", session=s)
        assert doc0.id in set(cites["document_id"])
        assert cites["sentence"].str.contains("11.10").all()
        found = query.search("coopération technique", session=s)
        note = s.scalar(select(Document.id).where(Document.source.like("%001_9bcc4a9328eedad3.pdf")))
        assert note in set(found["document_id"]) and found["document_id"].nunique() == 3
        # re-extraction replaces model rows and keeps the corrections
        m = s.scalars(select(Mention).where(Mention.document_id == doc0.id,
                                            Mention.label == "REF")).first()
        s.add(Correction(editor="t", target="mention", op="delete", document_sha256=doc0.sha256,
                         page_number=m.page_number, start=m.start, end=m.end, label="REF"))
        s.commit()
        n_before = len(query.cited_by(doc0.id, session=s))
        extract_and_store(doc0.id, session=s, settings=settings)
        s.commit()
        assert s.scalar(select(Correction.id)) is not None
        assert len(query.cited_by(doc0.id, session=s)) == n_before
        results = {
            "actions": query.actions(session=s).drop(columns=["document_id"]).to_dict("records"),
            "cites": query.cites("CMS Res 11.10", session=s)
                          .drop(columns=["document_id"]).to_dict("records"),
            "search": query.search("coopération technique", session=s)
                           .drop(columns=["rank", "document_id"]).to_dict("records"),
            # a symbol is one term; a prefix; an exclusion: the same pages on both engines
            **{f"search {w}": query.search(w, session=s, limit=50)
               .drop(columns=["rank", "document_id"]).to_dict("records")
               for w in ("UNEP/CMS/StC44/17", "coop*", "Comité -permanent", "11.10")},
            "entities": query.entities(session=s).drop(columns=["document_id"])
                             .to_dict("records"),
        }
        s.commit()
    finally:
        s.close()
        db.dispose_engines()
    _E2E["postgresql" if db_url.startswith("postgresql") else "sqlite"] = results
    if len(_E2E) == 2:  # results identical on both databases
        # Compared as multisets: run() stores with worker processes, so document (and
        # entity) ids follow which worker stored first, and listings ordered by id may
        # list the same rows in another order on the other engine.
        for key in results:
            assert (sorted(_E2E["sqlite"][key], key=repr)
                    == sorted(_E2E["postgresql"][key], key=repr)), key
