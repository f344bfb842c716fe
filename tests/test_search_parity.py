"""One table of searches run on SQLite and PostgreSQL (``db_url``): the same
pages, in the same order (most terms, most hits, document, page), or the same
one-line refusal. Both search fixtures: pages written directly here, and the
query fixture's store (tests/test_query_fixtures.py)."""
from __future__ import annotations

import pytest

from docmine import query
from docmine.store import db
from docmine.store.search import SearchQueryError

from test_query_fixtures import build_store, make_document

PAGES = {
    "UNEP/CMS/StC52/11": [
        "UNEP/CMS/StC52/11\nCoopération technique entre la CMS et la CITES. "
        "Le Comité permanent examine le rapport.",
        "Voir aussi la Résolution 11.10 sur les coopérations régionales en Afrique.",
    ],
    "CBD/COP/12/5": [
        "Décision XII/30, paragraphe 11 : les Parties coopèrent avec le Secrétaire exécutif "
        "de la Conférence des Parties.",
        "Assistance technique aux pays en développement, d'ici le 31 mars 2016.",
    ],
    "UNEP/CMS/StC52/12": [
        "La coopération technique et scientifique est renforcée : coopération, coopération. "
        "Le document UNEP/CMS/StC52/11 est annexé.",
    ],
}
A, B, C = "UNEP/CMS/StC52/11", "CBD/COP/12/5", "UNEP/CMS/StC52/12"

#: (query, expected [(symbol, page), ...] in order, or the start of the refusal)
CASES = [
    # a UN document symbol is one term: its words adjacent, not "11" alone (CBD p1 has 11)
    ("UNEP/CMS/StC52/11", [(A, 1), (C, 1)]),
    ("11.10", [(A, 2)]),
    ("XII/30", [(B, 1)]),
    # pages with both terms first, then by hits, then document and page
    ("coopération technique", [(C, 1), (A, 1), (A, 2), (B, 2)]),
    ("COOPERATIONS", [(C, 1), (A, 1), (A, 2)]),
    # prefix search: the typed prefix stemmed, then anything
    ("coop*", [(C, 1), (A, 1), (A, 2), (B, 1)]),  # (coopèrent: another stem, same prefix)
    ("scientifi*", [(C, 1)]),
    ('"assistance techni*"', [(B, 2)]),
    # exclusion works on both engines
    ("coopération -Afrique", [(C, 1), (A, 1)]),
    ('technique -"comité permanent"', [(B, 2), (C, 1)]),
    # phrases; function words left out on both engines
    ('"Conférence des Parties"', [(B, 1)]),
    ("la Conférence des Parties", [(B, 1)]),
    ("d'ici", [(B, 2)]),
    ("inexistantmot", []),
    # refusals, one line saying why (instead of 10 pages on SQLite and 0 on PostgreSQL)
    ("le", "nothing to search in 'le': only French function words"),
    ("sont la de", "nothing to search in"),
    ("", "nothing to search: give one or more words"),
    ("   ", "nothing to search: give one or more words"),
    ("-technique", "a search needs a word to find"),
    ("*", "nothing to search"),
]


@pytest.fixture
def session(db_url):
    db.init_db(db_url)
    s = db.make_session_factory(db_url)()
    try:
        for i, (sym, pages) in enumerate(PAGES.items()):
            make_document(s, pages, symbol=sym, name=f"d{i}")
        s.commit()
        yield s
    finally:
        s.close()
        db.dispose_engines()


@pytest.mark.parametrize("words,expected", CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_search_table_same_on_both_engines(session, words, expected):
    if isinstance(expected, str):
        with pytest.raises(SearchQueryError, match=expected.replace("*", r"\*")):
            query.search(words, session=session)
        return
    df = query.search(words, session=session)
    assert list(zip(df["symbol"], df["page"])) == expected
    for snip, marks in zip(df["snippet"], df["highlights"]):
        assert "**" not in snip and marks


def test_search_limit_keeps_the_order(session):
    full = query.search("coopération technique", session=session)
    top = query.search("coopération technique", session=session, limit=2)
    assert list(top["page"]) == list(full["page"][:2]) and len(top) == 2


#: the query fixture's store: (query, expected [(symbol, page), ...])
STORE_CASES = [
    ("coopération technique", [("UNEP/CMS/StC44/18.1", 1), ("UNEP/CMS/StC44/13", 1)]),
    ("UNEP/CMS/StC44/18.1", [("UNEP/CMS/StC44/13", 1), ("UNEP/CMS/StC44/18.1", 1),
                             ("UNEP/CMS/StC44/13", 2)]),
    ("rapport -quatorzième", [("UNEP/CMS/StC44/13", 2)]),
    ("réuni*", [("CBD/COP/12/5", 1), ("UNEP/CMS/StC44/13", 2)]),
]


@pytest.mark.parametrize("words,expected", STORE_CASES, ids=[c[0] for c in STORE_CASES])
def test_search_table_query_fixture(db_url, words, expected):
    db.init_db(db_url)
    s = db.make_session_factory(db_url)()
    try:
        build_store(s)
        df = query.search(words, session=s)
        assert list(zip(df["symbol"], df["page"])) == expected
    finally:
        s.close()
        db.dispose_engines()
