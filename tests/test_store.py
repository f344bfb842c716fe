"""docmine.store.write and docmine.store.entities, on SQLite and PostgreSQL (``db_url``)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from docmine.store import db
from docmine import records
from docmine.store.entities import (date_first_day, link_symbols, load_organisations,
                              meetings_before, parse_entity_id)
from docmine.store.schema import (ActionItem, Correction, Document, Entity, EntityAlias, ExtractionRun,
                            Mention, MentionEntity, ModelVersion)
from docmine.store.write import paragraph_at, sentence_at, store_extraction

from test_query_fixtures import (PAGES_A, PAGES_B, build_store, extraction_a,
                             make_document)


@pytest.fixture
def session(db_url):
    db.init_db(db_url)
    factory = db.make_session_factory(db_url)
    s = factory()
    try:
        yield s
    finally:
        s.close()
        db.dispose_engines()


def test_entity_ids_parse_into_rows(session):
    build_store(session)
    e = {r.id: r for r in session.scalars(select(Entity))}
    r = e["CMS Res 11.10"]
    assert (r.kind, r.label, r.treaty, r.instrument_kind, r.number, r.body) == \
        ("instrument", "REF", "CMS", "Res", "11.10", None)
    r = e["CBD COP Dec XII/30"]
    assert (r.kind, r.treaty, r.body, r.instrument_kind, r.number) == \
        ("instrument", "CBD", "COP", "Dec", "XII/30")
    r = e["CMS StC45"]
    assert (r.kind, r.label, r.treaty, r.body, r.number) == ("meeting", "MEETING", "CMS", "StC", "45")
    assert e["UNEP/CMS/StC44/18.1"].kind == "symbol"
    assert e["2016-03-31"].kind == "date"
    assert e["cbd-executive-secretary"].kind == "organisation"
    assert e["cbd-executive-secretary"].treaty == "CBD"
    # pure parsing of the other forms of the contract
    assert parse_entity_id("CITES Res Conf 11.4")["instrument_kind"] == "Res Conf"
    assert parse_entity_id("CITES Res Conf 11.4")["treaty"] == "CITES"
    assert parse_entity_id("IPBES-3")["treaty"] == "IPBES" and parse_entity_id("IPBES-3")["number"] == "3"
    assert parse_entity_id("UNEA-2", "MEETING")["kind"] == "meeting"
    assert parse_entity_id("CMS Sharks MOS2")["body"] == "Sharks MOS"
    assert meetings_before("CBD COP13", ["CBD COP12", "CBD COP14", "CBD SBSTTA19", "CMS COP11"]) \
        == ["CBD COP12"]
    assert date_first_day("2016-Q4") == "2016-10-01"
    assert date_first_day("2015-10-27/2015-10-29") == "2015-10-27"
    assert date_first_day("2015-09") == "2015-09-01"


def test_mentions_are_located_on_their_page(session):
    a, b, _c = build_store(session)
    rows = session.scalars(select(Mention).where(Mention.document_id == a)
                           .order_by(Mention.doc_start)).all()
    assert rows
    pages = {p.number: p.text for p in session.get(Document, a).pages}
    for m in rows:
        assert pages[m.page_number][m.start:m.end] == m.text
        assert m.origin == "model" and m.model_version == "test-model-1"
    assert {m.page_number for m in rows} == {1, 2}
    ref = next(m for m in rows if m.label == "REF")
    assert ref.sentence.startswith("1. La Résolution 11.10") or ref.sentence.startswith("La Résolution 11.10")
    assert ref.sentence.endswith("avec la CITES.")
    assert ref.paragraph == "1"
    items = session.scalars(select(ActionItem).where(ActionItem.document_id == a)
                            .order_by(ActionItem.start)).all()
    assert [(i.page_number, i.paragraph, i.verb) for i in items] == \
        [(2, "a", "prendre note"), (2, "b", "examiner")]
    assert pages[2][items[1].start:items[1].end] == items[1].text
    assert items[1].deadline_meeting_id == "CMS StC45"
    assert items[1].deadline_sort == "2016-11-09"  # estimated first day of StC45
    assert [r.entity_id for r in items[1].refs] == ["UNEP/CMS/StC44/18.1"]
    assert items[1].treaty == "CMS"
    bi = session.scalars(select(ActionItem).where(ActionItem.document_id == b)).one()
    assert (bi.deadline_date, bi.deadline_sort, bi.treaty) == ("2016-03-31", "2016-03-31", "CBD")
    assert session.scalar(select(func.count(ModelVersion.id))) == 1
    assert session.scalar(select(func.count(ExtractionRun.id))) == 3
    assert session.get(Document, a).extracted_version == "test-model-1"


def test_reextraction_replaces_model_rows_keeps_editor_rows_and_corrections(session):
    a, _b, _c = build_store(session)
    doc = session.get(Document, a)
    page1 = doc.pages[0]
    editor = Mention(document_id=a, page_id=page1.id, page_number=1, start=0, end=4, doc_start=0,
                     doc_end=4, label="ORG", text=page1.text[:4], origin="editor")
    session.add(editor)
    session.add(Correction(editor="ed", target="mention", op="delete", document_sha256=doc.sha256,
                           page_number=1, start=51, end=67, label="REF",
                           before={"label": "REF"}, after=None))
    session.commit()
    before = session.scalar(select(func.count(Mention.id)).where(Mention.document_id == a,
                                                                  Mention.origin == "model"))
    ex = extraction_a()
    ex.mentions = ex.mentions[:3]  # the new model finds less
    ex.action_items = ex.action_items[:1]
    res = store_extraction(a, ex, session=session, model_version="test-model-2")
    session.commit()
    assert res["replaced"] == {"mentions": before, "action_items": 2}
    model = session.scalars(select(Mention).where(Mention.document_id == a,
                                                  Mention.origin == "model")).all()
    assert len(model) == 3 and {m.model_version for m in model} == {"test-model-2"}
    assert session.scalar(select(func.count(Mention.id)).where(Mention.origin == "editor")) == 1
    assert session.scalar(select(func.count(Correction.id))) == 1
    assert session.scalar(select(func.count(ActionItem.id)).where(ActionItem.document_id == a)) == 1
    # links of deleted mentions are gone (no orphans)
    orphan = session.scalar(select(func.count()).select_from(MentionEntity).where(
        ~MentionEntity.mention_id.in_(select(Mention.id))))
    assert orphan == 0
    assert session.get(Document, a).extracted_version == "test-model-2"


def test_failed_store_leaves_previous_output(session):
    a, _b, _c = build_store(session)
    n = session.scalar(select(func.count(Mention.id)).where(Mention.document_id == a))
    bad = extraction_a()
    bad.mentions.append(records.Mention(None, 0, 3, "UNE", []))  # label NOT NULL
    with pytest.raises(Exception):
        store_extraction(a, bad, session=session, model_version="broken")
    session.rollback()
    assert session.scalar(select(func.count(Mention.id)).where(Mention.document_id == a)) == n
    assert session.get(Document, a).extracted_version == "test-model-1"


def test_entity_counts_follow_reextraction(session):
    a, b, _c = build_store(session)
    e = session.get(Entity, "UNEP/CMS/StC44/18.1")
    assert (e.mention_count, e.document_count) == (3, 2)
    ex = extraction_a()
    ex.mentions = [m for m in ex.mentions if "UNEP/CMS/StC44/18.1" not in m.ids]
    store_extraction(a, ex, session=session, model_version="test-model-2")
    session.commit()
    session.refresh(e)
    assert (e.mention_count, e.document_count) == (1, 1)


def test_symbols_link_to_documents_ingested_later(session):
    a = make_document(session, PAGES_A, symbol="UNEP/CMS/StC44/13", treaty="CMS", name="a")
    store_extraction(a.id, extraction_a(), session=session, model_version="m")
    session.commit()
    assert session.get(Entity, "UNEP/CMS/StC44/18.1").document_id is None
    b = make_document(session, PAGES_B, symbol="UNEP/CMS/StC44/18.1", treaty="CMS", name="b")
    session.commit()
    assert link_symbols(session) == 1
    session.commit()
    assert session.get(Entity, "UNEP/CMS/StC44/18.1").document_id == b.id
    assert session.get(Entity, "UNEP/CMS/StC44/13").document_id == a.id


def test_knowledge_base_load_is_idempotent(session):
    n = load_organisations(session)
    session.commit()
    assert n > 50
    count = session.scalar(select(func.count(EntityAlias.id)))
    assert load_organisations(session) == n
    session.commit()
    assert session.scalar(select(func.count(EntityAlias.id))) == count
    sec = session.get(Entity, "cms-secretariat")
    assert sec.kind == "organisation" and sec.treaty == "CMS"
    aliases = set(session.scalars(select(EntityAlias.alias)
                                  .where(EntityAlias.entity_id == "cms-secretariat")))
    assert "Secrétariat de la CMS" in aliases


def test_text_helpers(session):
    text = ("Distr. : Générale\n1 septembre 2015\nRésumé\nLe rapport cite la Résolution Conf. 11.4 "
            "(Rev. CoP12) et la décision XII/30. Autre phrase.\n12. Le Secrétariat\n"
            "a) Examine le document UNEP/CMS/StC44/18.1 ;\n")
    i = text.index("Résolution Conf.")
    assert sentence_at(text, i, i + 10) == ("Le rapport cite la Résolution Conf. 11.4 (Rev. CoP12) "
                                            "et la décision XII/30.")
    j = text.index("UNEP/CMS")
    assert sentence_at(text, j, j + 19) == "a) Examine le document UNEP/CMS/StC44/18.1 ;"
    assert paragraph_at(text, j) == "12 a"
    assert paragraph_at(text, i) is None
