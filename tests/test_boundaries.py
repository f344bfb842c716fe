"""Issue 8, kind 1: page furniture and headings are hard boundaries.

``docmine.reading.boundaries.find_boundaries`` (line shapes, reader blocks), the
``docmine_boundaries`` component (sentence starts, ``doc._.boundaries``) and
what the extraction makes of them: an operative paragraph right after a
running header, a page number or a heading gives its action item, in plain
text and in PDFs rendered here."""
from __future__ import annotations

import pytest

from docmine.reading.boundaries import find_boundaries, paragraph_starts
from docmine.extraction.extract import extract, extract_pages, extract_text
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings
from paperpdf import write_pdf


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def starts(text: str) -> list[tuple[str, str]]:
    """(kind, first word) of every boundary."""
    return [(b.kind, text[b.offset:].split()[0]) for b in find_boundaries(text)]


@pytest.mark.parametrize("text, expected", [
    # page numbers and symbols between two numbered paragraphs
    ("3. Prie le Secrétariat de compiler.\nPage 2\nUNEP/CMS/StC99/7\n4. Invite les Parties.",
     [("furniture", "Page"), ("furniture", "UNEP/CMS/StC99/7"), ("paragraph", "4.")]),
    ("a fini.\n- 3 -\n5. Prie le Secrétaire exécutif.", [("furniture", "-"), ("paragraph", "5.")]),
    ("a fini.\n12\n5. Prie le Secrétaire exécutif.", [("furniture", "12"), ("paragraph", "5.")]),
    ("a fini.\nGE.15-12345\nCoP18 Doc. 12\n7. Charge le Comité.",
     [("furniture", "GE.15-12345"), ("furniture", "CoP18"), ("paragraph", "7.")]),
    # a heading in capitals (several lines are one heading) and a numbered heading
    ("le rapport.\nDÉCISIONS DE LA\nCONFÉRENCE DES PARTIES\n1. Prie le Secrétariat.",
     [("heading", "DÉCISIONS"), ("paragraph", "1.")]),
    ("le rapport.\nII. Contexte\nLe Secrétariat a poursuivi ses travaux.",
     [("heading", "II."), ("body", "Le")]),
    ("le rapport.\nA. Coopération avec la CITES\nLe Secrétariat a poursuivi.",
     [("heading", "A."), ("body", "Le")]),
    # a line without final punctuation followed by a numbered paragraph
    ("Rationaliser les activités au sein de la Famille CMS\n1. Le Secrétariat continue.",
     [("paragraph", "1.")]),
    ("Rationaliser les activités\n1.Recommande que la Conférence adopte.", [("paragraph", "1.Recommande")]),
    # lettered items are soft boundaries
    ("Prie le Secrétariat :\na) de compiler ;\nb) de publier.", [("item", "a)"), ("item", "b)")]),
    # a sentence broken across a page number goes on: nothing is cut
    ("Le Secrétariat a transmis au\n7\nComité permanent le rapport.", []),
    # a number that belongs to the line before it (a pinpoint) is no paragraph
    ("conformément au paragraphe\n4. Le Secrétariat a transmis", []),
    # blank lines inside a paragraph (texts converted from PDFs) cut nothing
    ("Le présent rapport met en relief les travaux \n\navec les principales parties.", []),
])
def test_boundaries_from_line_shapes(text, expected):
    assert starts(text) == expected


def test_hard_and_soft():
    text = "Titre.\nPage 2\n1. Prie le Secrétariat :\na) de compiler ;"
    kinds = {b.kind: b.hard for b in find_boundaries(text)}
    assert kinds == {"furniture": True, "paragraph": True, "item": False}


def test_reader_blocks_make_units():
    """A PDF's header/footer/footnote blocks are units even when their lines
    have no furniture shape (a running title in words)."""
    pages = ["Rapport du Secrétariat\n1. Le Secrétariat a fini.\n1 Voir le document.",
             "Rapport du Secrétariat\n2. Prie les Parties de répondre."]
    text = "\f".join(pages)
    note = pages[0].index("1 Voir")
    blocks = [[("header", 0, 23), ("body", 23, note), ("footnote", note, len(pages[0]))],
              [("header", 0, 23), ("body", 23, len(pages[1]))]]
    got = [(b.kind, text[b.offset:].split()[0]) for b in find_boundaries(text, blocks)]
    assert got == [("paragraph", "1."), ("footnote", "1"), ("furniture", "Rapport"), ("paragraph", "2.")]


def test_paragraph_starts_after_blank_line_and_punctuation():
    text = "Le premier paragraphe se termine.\n\nLe second commence ici\n\nsans fin de phrase."
    ps = paragraph_starts(text, find_boundaries(text))
    assert [text[p:].split()[0] for p in ps] == ["Le"]


def test_component_sets_sentence_starts_and_exposes_boundaries(nlp):
    from docmine.extraction.extract import _job, _prepare

    text = "3. Prie le Secrétariat de compiler les rapports\nPage 2\n4. Invite les Parties à répondre."
    job = _job(text, source=None, sha256=None, symbol=None, language="fr", pages=None,
               treaty=None, settings=get_settings())
    doc = _prepare(nlp, job["norm"], None, "fr", job["bounds"])
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    sents = [s.text for s in doc.sents]
    assert "Page 2" in sents and any(s.startswith("4.") for s in sents)
    assert [(b.kind, b.hard) for b in doc._.boundaries] == [("furniture", True), ("paragraph", True)]
    # without structure (a Doc made by nlp()) nothing breaks
    assert nlp("Invite les Parties.")._.boundaries == []


OPERATIVE_AFTER_FURNITURE = [
    # (text, first words of the expected items, actor of the last)
    ("3. Prie le Secrétariat de compiler les rapports reçus.\nPage 2\nUNEP/CMS/StC99/7\n"
     "4. Invite les Parties à soumettre leurs rapports d’ici le 30 juin 2026.",
     ["Prie", "Invite"], "parties"),
    ("1. Prend note du rapport.\n- 2 -\nCoP19 Doc. 7\n2. Charge le Secrétariat de publier le rapport.",
     ["Charge"], "cites-secretariat"),
    ("Le Comité a fini ses travaux\nDÉCISIONS\n1. Prie le Secrétaire exécutif de publier la note.",
     ["Prie"], "cbd-executive-secretary"),
    ("Le Comité a fini ses travaux\nIII. Recommandations\n1. Exhorte les Parties à appliquer la résolution.",
     ["Exhorte"], "parties"),
]


@pytest.mark.parametrize("text, firsts, actor", OPERATIVE_AFTER_FURNITURE)
def test_operative_paragraph_after_furniture_gives_an_item(nlp, text, firsts, actor):
    if "CoP19" in text:
        text = "CITES\n" + text
    if "Secrétaire exécutif" in text:
        text = "Convention sur la diversité biologique (CDB)\n" + text
    ex = extract_text(text, nlp=nlp, language="fr")
    assert [it.text.split()[0].lstrip("0123456789.") or it.text.split()[1] for it in ex.action_items] == firsts
    assert ex.action_items[-1].actor == actor


def test_mentions_in_headers_stay_mentions(nlp):
    text = "1. Prend note du rapport.\nPage 2\nUNEP/CMS/StC99/7\n2. Invite les Parties à répondre."
    ex = extract_text(text, nlp=nlp, language="fr")
    assert [m.text for m in ex.mentions if m.label == "DOC"] == ["UNEP/CMS/StC99/7"]


def test_pdf_header_and_page_number_before_operative_paragraph(tmp_path, nlp):
    """Page 2 starts with a running header, page 1 ends with a page number: the
    paragraph at the top of page 2 gives its item, and the header's symbol is a DOC."""
    pdf = write_pdf(tmp_path / "p.pdf", [
        ["1. Prend note du rapport du Conseil scientifique.",
         "2. Prie le Secrétariat de compiler les rapports nationaux."],
        ["3. Invite les Parties à soumettre leurs observations d’ici le 31 mars 2026."],
    ])
    ex = extract(pdf, nlp=nlp)
    items = {it.text.split()[0]: it for it in ex.action_items}
    assert set(items) == {"Prie", "Invite"}
    assert items["Invite"].actor == "parties" and items["Invite"].deadline.date == "2026-03-31"
    assert [m.text for m in ex.mentions if m.label == "DOC"] == ["UNEP/CMS/StC99/7", "UNEP/CMS/StC99/7"]


def test_pdf_sentence_across_pages_is_not_cut(tmp_path, nlp):
    """A sentence that goes on over the page break keeps its treaty context."""
    pdf = write_pdf(tmp_path / "s.pdf", [
        ["Le Secrétariat de la CITES a transmis au"],
        ["Comité permanent le rapport demandé."],
    ], header="CoP19 Doc. 7")
    ex = extract(pdf, nlp=nlp)
    orgs = {m.text: m.ids for m in ex.mentions if m.label == "ORG"}
    assert orgs["Comité permanent"] == ["cites-standing-committee"]


def test_extract_pages_takes_stored_blocks(nlp):
    pages = ["1. Prend note du rapport.\nRapport du Secrétariat",
             "Rapport du Secrétariat\n2. Invite les Parties à répondre."]
    blocks = [[{"kind": "body", "start": 0, "end": 26}, {"kind": "footer", "start": 26, "end": len(pages[0])}],
              [{"kind": "header", "start": 0, "end": 23}, {"kind": "body", "start": 23, "end": len(pages[1])}]]
    ex = extract_pages(pages, nlp=nlp, language="fr", blocks=blocks)
    assert [it.text.split()[0] for it in ex.action_items] == ["Invite"]
    from docmine.extraction.extract import _job

    text = "\f".join(pages)
    kw = dict(source=None, sha256=None, symbol=None, language="fr", pages=2, treaty=None,
              settings=get_settings())
    kinds = [b.kind for b in _job(text, page_blocks=blocks, **kw)["bounds"][0]]
    assert kinds == ["furniture", "furniture", "paragraph"]  # the running title, in words, is furniture
    kinds = [b.kind for b in _job(text, **kw)["bounds"][0]]
    assert kinds == ["paragraph"]  # without blocks: only the numbered paragraph's shape


@pytest.mark.parametrize("verb", ["Prie le", "Demande au", "Charge le", "Invite le"])
def test_operative_verb_opening_a_paragraph_is_no_organisation_name(verb):
    """A numbered paragraph is a sentence start: the statistical NER must not make
    ``Prie le Secrétariat`` an organisation (``orgs_ner.json``: ``leading``)."""
    ner_nlp = load_nlp(get_settings())
    if "ner" not in ner_nlp.pipe_names:
        pytest.skip("no statistical NER in this pipeline")
    text = ("La Conférence des Parties à la\nConvention sur la conservation des espèces migratrices\n\n"
            f"1.\t{verb} Secrétariat, sous réserve de la disponibilité des ressources, de continuer à\n"
            "coordonner le Groupe de travail sur l'énergie.\n")
    ex = extract_text(text, nlp=ner_nlp, language="fr")
    orgs = [m.text for m in ex.mentions if m.label == "ORG"]
    assert not any(o.startswith(verb.split()[0]) for o in orgs)
    assert "Secrétariat" in orgs
