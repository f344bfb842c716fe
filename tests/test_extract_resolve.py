"""docmine_resolve: overlapping label groups merged into doc.spans["mentions"] (spec §1)."""
from __future__ import annotations

import pytest
import spacy

from docmine.extraction.components.resolve import resolve
from docmine.extraction.nlp import register_extensions


@pytest.fixture(scope="module")
def nlp():
    register_extensions()
    return spacy.blank("fr")


def make(nlp, text, spans):
    doc = nlp.make_doc(text)
    groups: dict[str, list] = {}
    for label, phrase, ids in spans:
        start = text.index(phrase)
        span = doc.char_span(start, start + len(phrase), label=label, alignment_mode="expand")
        span._.ids = list(ids)
        span._.attrs = {}
        groups.setdefault(label, []).append(span)
    for label, ss in groups.items():
        doc.spans[label] = ss
    return resolve(doc)


def got(doc):
    return [(s.label_, s.text, list(s._.ids)) for s in doc.spans["mentions"]]


def test_outer_meeting_wins_over_org_inside(nlp):
    doc = make(nlp, "la 65ème réunion du Comité permanent de la CITES a décidé",
               [("MEETING", "65ème réunion du Comité permanent de la CITES", ["CITES SC65"]),
                ("ORG", "Comité permanent de la CITES", ["cites-standing-committee"]),
                ("ORG", "CITES", ["cites"])])
    assert got(doc) == [("MEETING", "65ème réunion du Comité permanent de la CITES", ["CITES SC65"])]


def test_ref_that_names_its_body_is_one_ref(nlp):
    doc = make(nlp, "la résolution CMS 11.10 et la Résolution 8.11 de la CMS",
               [("REF", "résolution CMS 11.10", ["CMS Res 11.10"]), ("ORG", "CMS 11.10", ["cms"]),
                ("REF", "Résolution 8.11", ["CMS Res 8.11"]), ("ORG", "CMS", ["cms"])])
    # the ORG after "de la" is separate: only the ORG inside the REF goes
    doc2 = nlp.make_doc(doc.text)
    text = doc.text
    ref1 = doc2.char_span(text.index("résolution"), text.index(" et"), label="REF")
    org_in = doc2.char_span(text.index("CMS"), text.index("CMS") + 3, label="ORG")
    ref2 = doc2.char_span(text.index("Résolution"), text.index(" de la CMS"), label="REF")
    org_after = doc2.char_span(text.rindex("CMS"), len(text), label="ORG")
    for s, ids in ((ref1, ["CMS Res 11.10"]), (org_in, ["cms"]), (ref2, ["CMS Res 8.11"]), (org_after, ["cms"])):
        s._.ids, s._.attrs = ids, {}
    doc2.spans["REF"] = [ref1, ref2]
    doc2.spans["ORG"] = [org_in, org_after]
    resolve(doc2)
    assert got(doc2) == [("REF", "résolution CMS 11.10", ["CMS Res 11.10"]),
                         ("REF", "Résolution 8.11", ["CMS Res 8.11"]), ("ORG", "CMS", ["cms"])]


def test_org_inside_a_symbol_is_not_an_org(nlp):
    doc = make(nlp, "le document UNEP/CMS/StC44/13 présente",
               [("DOC", "UNEP/CMS/StC44/13", ["UNEP/CMS/StC44/13"]), ("ORG", "CMS", ["cms"])])
    assert got(doc) == [("DOC", "UNEP/CMS/StC44/13", ["UNEP/CMS/StC44/13"])]


def test_longest_wins_duplicates_collapse_and_order_is_by_offset(nlp):
    # note: in spaCy 3.8 span extension values are keyed by offsets only, so two spans
    # with the same offsets share ``_.ids`` whatever their labels
    doc = make(nlp, "Le PNUE et le Secrétariat de la CMS en novembre 2015 à Bonn",
               [("DATE", "novembre 2015", ["2015-11"]), ("ORG", "Secrétariat de la CMS", ["cms-secretariat"]),
                ("ORG", "CMS", ["cms"]), ("ORG", "PNUE", ["unep"]), ("ORG", "PNUE", ["unep"])])
    assert got(doc) == [("ORG", "PNUE", ["unep"]), ("ORG", "Secrétariat de la CMS", ["cms-secretariat"]),
                        ("DATE", "novembre 2015", ["2015-11"])]


def test_no_groups(nlp):
    doc = resolve(nlp.make_doc("rien"))
    assert list(doc.spans["mentions"]) == []
