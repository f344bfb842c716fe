"""Issue 9: corrections follow a new version of a document. A file changed at
the same path becomes version 2; the editors' corrections of version 1 are
carried to it (new ledger rows) where their text is unchanged at the mapped
place, and the others are listed for review."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from docmine import query
from docmine.store import db
from docmine.store.carry import OffsetMap
from docmine.ingest import ingest_paths, uncarried_corrections
from docmine.store.schema import Correction, CorrectionCarry, Document, Page
from docmine.settings import Settings
from docmine.store.write import extract_and_store

FILLER = ["Le présent document est soumis au Comité permanent pour examen et décision.",
          "Les membres du Comité sont invités à examiner les informations qui y figurent.",
          "Il rend compte des activités menées depuis la dernière réunion du Comité."]
V1 = [
    ["UNEP/CMS/StC99/7", "Projet de décision", "Le Comité permanent,",
     "1. Prie le Secrétariat de préparer un rapport sur la mise en oeuvre",
     "de la Résolution 11.10 pour la COP14 ;",
     "2. Invite les Parties à communiquer leurs rapports nationaux ;", *FILLER],
    ["UNEP/CMS/StC99/7",
     "3. Prie le Secrétariat de consulter la CDB sur les espèces migratrices ;",
     "4. Charge le Secrétariat de publier le présent document.", *FILLER],
]
V2 = [
    ["UNEP/CMS/StC99/7", "Note liminaire : version révisée du document.",
     "Projet de décision", "Le Comité permanent,",
     "1. Prie le Secrétariat de préparer un rapport sur la mise en oeuvre",
     "de la Résolution 11.10 pour la COP14 ;",
     "2. Invite les Parties et les donateurs à communiquer leurs rapports ;", *FILLER],
    ["UNEP/CMS/StC99/7",
     "3. Prie le Secrétariat de consulter la CDB sur les espèces migratrices ;",
     "4. Charge le Secrétariat de publier le présent document.", *FILLER],
]


def render(path: Path, pages: list[list[str]]) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for lines in pages:
        y = 780
        for line in lines:
            c.setFont("Helvetica", 10)
            c.drawString(50, y, line)
            y -= 18
        c.showPage()
    c.save()
    return path


def _items(session, document_id: int) -> dict[str, dict]:
    df = query.actions(session=session, document=document_id)
    return {" ".join(r["text"].split()): r for r in df.to_dict("records")}


def test_offset_map_table():
    cases = [  # (old, new, span in old, expected span in new or None)
        ("abc\ndef\nghi", "abc\nXYZ\ndef\nghi", (4, 7), (8, 11)),
        ("abc\ndef\nghi", "abc\ndEf\nghi", (4, 7), None),
        ("one two three\n", "one 2 two three\n", (8, 13), (10, 15)),
        ("keep\fpage two\n", "keep\fextra\fpage two\n", (5, 9), (11, 15)),
        ("gone\n", "", (0, 4), None),
    ]
    for old, new, (s, e), want in cases:
        got = OffsetMap(old, new).map_span(s, e)
        assert got == want, (old, new, got)
        if got:
            assert new[got[0]:got[1]] == old[s:e]


def test_corrections_follow_a_new_version(db_url, tmp_path):
    settings = Settings(data_dir=tmp_path / "d", database_url=db_url, use_ner=False)
    pdf = render(tmp_path / "paper.pdf", V1)
    assert ingest_paths([pdf], settings=settings, progress=False).exit_code == 0
    factory = db.make_session_factory(db_url)
    with factory() as s:
        v1 = s.scalar(sa.select(Document).where(Document.version == 1))
        extract_and_store(v1.id, session=s, settings=settings)
        items = _items(s, v1.id)
        rapport = next(r for t, r in items.items() if "préparer un rapport" in t)
        consulter = next(r for t, r in items.items() if "communiquer leurs rapports" in t)
        publier = next(r for t, r in items.items() if "publier" in t)
        ref = query.cites("CMS Res 11.10", session=s).iloc[0]
        for r in (rapport, consulter):  # the editor deletes two action items…
            s.add(Correction(editor="ed", target="action_item", op="delete", document_sha256=v1.sha256,
                             page_number=int(r["page"]), start=int(r["start"]), end=int(r["end"])))
        # …and fixes a mention's ids
        s.add(Correction(editor="ed", target="mention", op="modify", document_sha256=v1.sha256,
                         page_number=int(ref["page"]), start=int(ref["start"]), end=int(ref["end"]),
                         label="REF", after={"label": "REF", "text": ref["text"], "ids": ["CMS Res 11.11"]}))
        s.commit()
        ledger_before = [tuple(r) for r in s.execute(sa.select(
            Correction.id, Correction.document_sha256, Correction.page_number, Correction.start,
            Correction.end, Correction.op)).all()]
        v1_id, v1_sha = v1.id, v1.sha256

    render(pdf, V2)  # the same path, new bytes: version 2
    out = ingest_paths([pdf], settings=settings, progress=False)
    assert out.outcomes[0].version == 2
    with factory() as s:
        v2 = s.scalar(sa.select(Document).where(Document.version == 2))
        extract_and_store(v2.id, session=s, settings=settings)
        # the ledger only grew: version 1's rows are untouched
        assert [tuple(r) for r in s.execute(sa.select(
            Correction.id, Correction.document_sha256, Correction.page_number, Correction.start,
            Correction.end, Correction.op).where(Correction.id <= max(r[0] for r in ledger_before))
            .order_by(Correction.id)).all()] == sorted(ledger_before)
        carried = list(s.scalars(sa.select(Correction).where(Correction.document_sha256 == v2.sha256)))
        assert sorted((c.target, c.op) for c in carried) == [("action_item", "delete"), ("mention", "modify")]
        pages = dict(s.execute(sa.select(Page.number, Page.text).where(Page.document_id == v2.id)).all())
        old_pages = dict(s.execute(sa.select(Page.number, Page.text).where(Page.document_id == v1_id)).all())
        for c in carried:
            assert "carried from correction" in c.comment
            assert pages[c.page_number][c.start:c.end] in old_pages[1]
        # the deleted item stays deleted in version 2; the other one is shown
        items2 = _items(s, v2.id)
        assert not any("préparer un rapport" in t for t in items2)
        assert any("publier" in t for t in items2) and any("et les donateurs" in t for t in items2)
        ref2 = query.cites("CMS Res 11.11", session=s)
        assert set(ref2["document_id"]) == {v1_id, v2.id}
        # the one whose text changed is listed for an editor
        todo = uncarried_corrections(session=s)
        assert len(todo) == 1
        row = todo[0]
        assert (row["document_id"], row["version"], row["previous_document_id"], row["target"]) == \
            (v2.id, 2, v1_id, "action_item")
        assert (row["page"], row["start"], row["end"]) == (int(consulter["page"]), int(consulter["start"]),
                                                           int(consulter["end"]))
        assert "changed or is gone" in row["reason"] and "\n" not in row["reason"]
        assert uncarried_corrections(session=s, document_id=v1_id) == []
        # carrying again adds nothing (one outcome per correction and version)
        from docmine.store.carry import carry_corrections
        assert carry_corrections(v2.id, session=s) == {"carried": 0, "uncarried": 0}
        assert s.scalar(sa.select(sa.func.count(CorrectionCarry.id))) == 3
        assert v1_sha != v2.sha256
