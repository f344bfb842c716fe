"""Test data for the store/query/search tests: documents and pages written
directly, and hand-made extractions (independent of the extractor's accuracy)."""
from __future__ import annotations

import hashlib

from docmine import records
from docmine.store.schema import Document, Page

PAGES_A = [
    "UNEP/CMS/StC44/13\nSynergies et partenariats\n\n"
    "1. La Résolution 11.10 de la CMS sur les synergies demande une coopération technique "
    "renforcée avec la CITES. Voir le document UNEP/CMS/StC44/18.1.\n",
    "Action requise :\nLe Comité permanent est invité à :\n"
    "a. Prendre note des progrès accomplis;\n"
    "b. Examiner les documents UNEP/CMS/StC44/18.1 et faire rapport à sa 45e réunion.\n",
]
PAGES_B = [
    "UNEP/CMS/StC44/18.1\nNote sur la coopération CMS–CITES\n\n"
    "3. Prie le Secrétaire exécutif de la CDB, conformément à la décision XII/30, "
    "de renforcer la coopération technique d'ici le 31 mars 2016.\n",
]
PAGES_C = [
    "CBD/COP/12/5\nDécision\n\n"
    "4. Prie le Secrétaire exécutif de faire rapport à la Conférence des Parties "
    "à sa quatorzième réunion.\n5. Invite les Parties à soumettre des observations "
    "avant la treizième réunion.\n",
]


def make_document(session, pages, *, symbol=None, treaty=None, name="doc"):
    text = "\f".join(pages)
    sha = hashlib.sha256(text.encode()).hexdigest()
    doc = Document(sha256=sha, source=f"{name}.pdf", source_key=f"{name}.pdf", size=len(text),
                   page_count=len(pages), language="fr", symbol=symbol, treaty=treaty,
                   backend="test", title=name)
    off = 0
    for i, t in enumerate(pages, 1):
        doc.pages.append(Page(number=i, text=t, char_count=len(t), doc_offset=off, language="fr"))
        off += len(t) + 1
    session.add(doc)
    session.flush()
    return doc


def _m(text, label, needle, ids, nth=0, attrs=None):
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return records.Mention(label, start, start + len(needle), needle, list(ids), attrs or {})


def _a(text, needle, **kw):
    start = text.index(needle)
    return records.ActionItem(start=start, end=start + len(needle), text=needle, **kw)


def extraction_a(pages=PAGES_A):
    t = "\f".join(pages)
    ms = [
        _m(t, "DOC", "UNEP/CMS/StC44/13", ["UNEP/CMS/StC44/13"]),
        _m(t, "REF", "Résolution 11.10", ["CMS Res 11.10"]),
        _m(t, "ORG", "CMS", ["cms"], nth=1),
        _m(t, "ORG", "CITES", ["cites"]),
        _m(t, "DOC", "UNEP/CMS/StC44/18.1", ["UNEP/CMS/StC44/18.1"]),
        _m(t, "ORG", "Comité permanent", ["cms-standing-committee"]),
        _m(t, "DOC", "UNEP/CMS/StC44/18.1", ["UNEP/CMS/StC44/18.1"], nth=1),
        _m(t, "MEETING", "45e réunion", ["CMS StC45"]),
    ]
    acts = [
        _a(t, "a. Prendre note des progrès accomplis;", actor="cms-standing-committee",
           actor_text="Le Comité permanent", verb="prendre note", paragraph="a"),
        _a(t, "b. Examiner les documents UNEP/CMS/StC44/18.1 et faire rapport à sa 45e réunion.",
           actor="cms-standing-committee", actor_text="Le Comité permanent", verb="examiner",
           deadline=records.Deadline(meeting="CMS StC45"), refs=["UNEP/CMS/StC44/18.1"],
           paragraph="b"),
    ]
    return records.Extraction(records.DocumentInfo("a.pdf", "x", "fr", "UNEP/CMS/StC44/13", "CMS", 2),
                              len(t), ms, acts)


def extraction_b(pages=PAGES_B):
    t = "\f".join(pages)
    ms = [
        _m(t, "DOC", "UNEP/CMS/StC44/18.1", ["UNEP/CMS/StC44/18.1"]),
        _m(t, "ORG", "Secrétaire exécutif de la CDB", ["cbd-executive-secretary"]),
        _m(t, "REF", "décision XII/30", ["CBD COP Dec XII/30"]),
        _m(t, "DATE", "31 mars 2016", ["2016-03-31"]),
    ]
    acts = [_a(t, "Prie le Secrétaire exécutif de la CDB, conformément à la décision XII/30, "
                  "de renforcer la coopération technique d'ici le 31 mars 2016.",
               actor="cbd-executive-secretary", actor_text="le Secrétaire exécutif de la CDB",
               verb="prier", deadline=records.Deadline(date="2016-03-31"),
               refs=["CBD COP Dec XII/30"], paragraph="3")]
    return records.Extraction(records.DocumentInfo("b.pdf", "y", "fr", "UNEP/CMS/StC44/18.1", "CMS", 1),
                              len(t), ms, acts)


def extraction_c(pages=PAGES_C):
    t = "\f".join(pages)
    ms = [_m(t, "MEETING", "quatorzième réunion", ["CBD COP14"]),
          _m(t, "MEETING", "treizième réunion", ["CBD COP13"])]
    acts = [
        _a(t, "Prie le Secrétaire exécutif de faire rapport à la Conférence des Parties à sa "
              "quatorzième réunion.", actor="cbd-executive-secretary",
           actor_text="le Secrétaire exécutif", verb="prier",
           deadline=records.Deadline(meeting="CBD COP14"), paragraph="4"),
        _a(t, "Invite les Parties à soumettre des observations avant la treizième réunion.",
           actor="parties", actor_text="les Parties", verb="inviter",
           deadline=records.Deadline(meeting="CBD COP13"), paragraph="5"),
    ]
    return records.Extraction(records.DocumentInfo("c.pdf", "z", "fr", "CBD/COP/12/5", "CBD", 1),
                              len(t), ms, acts)


def build_store(session, *, mv="test-model-1"):
    """Three documents with hand-made extractions stored; returns their ids."""
    from docmine.store.write import store_extraction
    a = make_document(session, PAGES_A, symbol="UNEP/CMS/StC44/13", treaty="CMS", name="a")
    b = make_document(session, PAGES_B, symbol="UNEP/CMS/StC44/18.1", treaty="CMS", name="b")
    c = make_document(session, PAGES_C, symbol="CBD/COP/12/5", treaty="CBD", name="c")
    store_extraction(a.id, extraction_a(), session=session, model_version=mv)
    store_extraction(b.id, extraction_b(), session=session, model_version=mv)
    store_extraction(c.id, extraction_c(), session=session, model_version=mv)
    session.commit()
    return a.id, b.id, c.id
