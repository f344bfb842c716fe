"""The structure of a decision (issue 8, kind 2): one tree of numbered paragraphs,
lettered items and nested draft decisions, read by the action items and by each
mention's ``paragraph`` (extract → store).

Tables of (input, expected). The parser is language-neutral: the same inputs in
English and Spanish give the same tree.
"""
from __future__ import annotations

import pytest

from docmine.extraction.decision_structure import TextParagraphs, line_starts_of, parse_operative_structure
from docmine.reading.textmap import normalise


def tree(original: str, **kw) -> list[tuple[str, str | None]]:
    nt = normalise(original)
    s = parse_operative_structure(nt.text, line_starts_of(original, nt.text, nt.offsets), **kw)
    return [(n.kind, n.paragraph) for n in s.nodes[1:]]


# (text, [(kind, paragraph label)] in document order)
TREES = [
    # numbered paragraphs with lettered and roman sub-items
    ("1. Prie le Secrétariat :\na) de compiler ;\nb) de faire rapport :\ni) au Comité ;\nii) aux Parties ;\n"
     "2. Invite les Parties.",
     [("num", "1"), ("letter", "1 a"), ("letter", "1 b"), ("roman", "1 b i"), ("roman", "1 b ii"),
      ("num", "2")]),
    # no space after the number; brackets after the number
    ("1.Recommande que la Conférence des Parties adopte une décision ;\n2. [Prie le Secrétariat de …;]",
     [("num", "1"), ("num", "2")]),
    # a nested draft decision restarts the numbering below its paragraph
    ("2. Recommande que la Conférence des Parties adopte une décision dans ce sens :\n"
     "La Conférence des Parties,\nRappelant la décision XII/20,\n1. Prie le Secrétaire exécutif :\n"
     "a) de compiler ;\nb) de publier ;\n2. Invite les Parties.",
     [("num", "2"), ("nested", None), ("num", "1"), ("letter", "1 a"), ("letter", "1 b"),
      ("num", "2")]),
    # the same in English and in Spanish (the parser is language-neutral)
    ("2. Recommends that the Conference of the Parties adopt a decision along the following lines:\n"
     "The Conference of the Parties,\n1. Requests the Executive Secretary:\n(a) to compile;\n(b) to publish;",
     [("num", "2"), ("nested", None), ("num", "1"), ("letter", "1 a"), ("letter", "1 b")]),
    ("2. Recomienda que la Conferencia de las Partes adopte una decisión del siguiente tenor:\n"
     "La Conferencia de las Partes,\n1. Pide a la Secretaria Ejecutiva:\na) que compile;\nb) que publique;",
     [("num", "2"), ("nested", None), ("num", "1"), ("letter", "1 a"), ("letter", "1 b")]),
    # CITES decision numbers at a line start, with their lettered items
    ("À l'adresse du Secrétariat\n20.AA Le Secrétariat, sous réserve des fonds disponibles :\n"
     "a) compile les informations ;\nb) fait rapport.\n18.50 Les Parties sont invitées à agir.",
     [("dec", "20.AA"), ("letter", "20.AA a"), ("letter", "20.AA b"), ("dec", "18.50")]),
    # a paragraph after an unpunctuated running header / page number line
    ("3. Prie le Secrétariat de compiler les rapports.\nPage 2\nUNEP/CMS/StC99/7\n4. Invite les Parties.",
     [("num", "3"), ("num", "4")]),
    # a wrapped line starting with a number out of sequence is no paragraph
    ("1. Le Secrétariat a appliqué la Résolution\n12. Les Parties en ont pris note.\n2. Autre point.",
     [("num", "1"), ("num", "2")]),
    # a symbol's abbreviation period ends no clause: "SC77 Doc. 19." then a heading, then 4.
    ("3. Le Secrétariat a présenté le document SC77 Doc. 19.\nMise en œuvre\n4. Depuis la SC77, rien.",
     [("num", "3"), ("num", "4")]),
    # numbers and letters inside running text are no markers
    ("Voir la page 3. Les Parties de la catégorie a. Les autres à la COP 13. Fin.", []),
    ("La Résolution 11.10 et la décision 18.50 Les Parties", []),
    # a letter out of sequence is no item; bullets add no label
    ("1. Le Comité :\n• examine ;\n• approuve.\nc) rien", [("num", "1"), ("bullet", "1"), ("bullet", "1")]),
]


@pytest.mark.parametrize("text,expected", TREES)
def test_structure_tree(text, expected):
    assert tree(text) == expected


def test_decision_text_is_marked_operative():
    text = ("Rapport du Secrétariat\n1. Le Secrétariat a reçu un rapport.\n\nProjet de décision\n"
            "La Conférence des Parties,\n1. Le Secrétariat est prié de compiler les rapports ;\n"
            "2. Invite les Parties.")
    nt = normalise(text)
    s = parse_operative_structure(nt.text, line_starts_of(text, nt.text, nt.offsets))
    nums = [(n.label, n.operative) for n in s.nodes if n.kind == "num"]
    assert nums == [("1", False), ("1", True), ("2", True)]


# (original text, needle, paragraph of the needle's first character)
PARAGRAPHS = [
    ("12. Prie le Secrétariat :\na) de compiler la Résolution 11.10 ;\nb) de faire rapport.", "Résolution", "12 a"),
    ("12. Prie le Secrétariat :\na) de compiler ;\nb) de faire rapport au Comité.", "Comité", "12 b"),
    ("Introduction sans numéro. La CMS.\n1. Texte.", "CMS", None),
    ("2. Recommande :\nLa Conférence des Parties,\n1. Prie le Secrétaire exécutif ;\n2. Invite la CDB.",
     "CDB", "2"),
    ("À l'adresse du Secrétariat\n20.AA Le Secrétariat :\na) compile ;\nb) fait rapport au PNUE.", "PNUE",
     "20.AA b"),
]


@pytest.mark.parametrize("text,needle,expected", PARAGRAPHS)
def test_paragraph_of_an_offset(text, needle, expected):
    assert TextParagraphs(text).paragraph_at(text.index(needle)) == expected
