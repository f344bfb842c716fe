"""Stored paragraphs come from the extraction's records (one decision structure
for action items and mentions), on SQLite and PostgreSQL (``db_url``)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from docmine.store import db
from docmine.store.schema import ActionItem, Mention
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings
from docmine.store.write import extract_and_store, paragraph_at

from test_query_fixtures import make_document

PAGES = [
    "UNEP/CBD/SBSTTA/19/L.5\nRecommandation\n"
    "1. Prend note du rapport de l’UICN ;\n"
    "2. Recommande que la Conférence des Parties adopte une décision dans ce sens :\n"
    "La Conférence des Parties,\nRappelant la décision XII/20,\n"
    "1. Prie le Secrétaire exécutif :\na) de compiler les informations ;\n",
    "UNEP/CBD/SBSTTA/19/L.5\n"
    "b) de faire rapport sur la décision XI/2 à l’Organe subsidiaire à sa vingtième réunion ;\n"
    "2. Invite les Parties à communiquer leurs vues d’ici le 30 juin 2016.\n",
]


@pytest.fixture
def session(db_url):
    db.init_db(db_url)
    s = db.make_session_factory(db_url)()
    try:
        yield s
    finally:
        s.close()
        db.dispose_engines()


def test_stored_paragraphs_are_the_records(session):
    doc = make_document(session, PAGES, symbol="UNEP/CBD/SBSTTA/19/L.5", treaty="CBD", name="rec")
    nlp = load_nlp(get_settings(use_ner=False))
    extract_and_store(doc.id, session=session, settings=get_settings(use_ner=False), nlp=nlp)
    session.commit()
    ments = {(m.text, m.page_number): m.paragraph for m in session.scalars(select(Mention))}
    assert ments[("UICN", 1)] == "1"
    assert ments[("décision XII/20", 1)] is None  # the draft decision's preamble
    assert ments[("UNEP/CBD/SBSTTA/19/L.5", 2)] == "1 a"  # a running header stays in its paragraph
    assert ments[("décision XI/2", 2)] == "1 b"  # across the page break, in the draft
    assert ments[("30 juin 2016", 2)] == "2"
    acts = [(a.page_number, a.paragraph, a.verb) for a in
            session.scalars(select(ActionItem).order_by(ActionItem.doc_start))]
    assert acts == [(1, "a", "prier"), (2, "b", "prier"), (2, "2", "inviter")]
    # positions without a record read the same structure
    text = "\f".join(PAGES)
    assert paragraph_at(text, text.index("XI/2")) == "1 b"
