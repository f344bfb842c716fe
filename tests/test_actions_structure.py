"""Action items read from the structure of a decision (issue 8, kind 2; spec §2):
nested draft decisions, negotiation brackets, passive and indicative decisions,
collective addressees, deadlines with a meeting and a date, past events,
``1.Recommande``, lead clauses; from text and from a PDF.

Each table row is (text, [(paragraph, actor, actor_text, verb, deadline meeting,
deadline date, text start)]). Runs the rules pipeline (no statistical NER).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from docmine.extraction.extract import extract, extract_text
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def items(nlp, text, symbol=None):
    ex = extract_text(text, nlp=nlp, language="fr", symbol=symbol)
    for it in ex.action_items:
        assert it.text == text[it.start:it.end]
    return ex.action_items


def check(got, expected):
    assert [(i.paragraph, i.actor, i.actor_text, i.verb,
             i.deadline.meeting if i.deadline else None, i.deadline.date if i.deadline else None)
            for i in got] == [e[:6] for e in expected], [i.text for i in got]
    for it, e in zip(got, expected):
        assert it.text.startswith(e[6]), it.text
        assert it.kind == "request"


CBD_REC = "UNEP/CBD/SBSTTA/19/L.5"
CMS_COP = "UNEP/CMS/COP12/Doc.21"
CITES_COP = "CoP18 Doc. 12"

NESTED = [
    # CBD: a SBSTTA recommendation with a draft COP decision; its clauses as if it stood alone
    # (the lead "Recommande que la Conférence des Parties … adopte une décision dans ce sens :"
    # is no item: its only task is the draft, as the dev gold reads §2)
    (CBD_REC,
     "L’Organe subsidiaire chargé de fournir des avis scientifiques, techniques et technologiques,\n"
     "1. Prend note du rapport du Secrétaire exécutif ;\n"
     "2. Recommande que la Conférence des Parties, à sa treizième réunion, adopte une décision dans ce sens :\n"
     "La Conférence des Parties,\nRappelant la décision XII/20,\n"
     "1. Prie le Secrétaire exécutif, sous réserve de la disponibilité des ressources :\n"
     "a) De compiler les informations communiquées par les Parties ;\n"
     "b) De faire rapport à l’Organe subsidiaire à sa vingtième réunion ;\n"
     "2. Invite les Parties et les autres gouvernements à communiquer leurs vues d’ici le 30 juin 2016 ;\n"
     "3. Se félicite du travail accompli.",
     [("a", "cbd-executive-secretary", "le Secrétaire exécutif", "prier", None, None, "a) De compiler"),
      ("b", "cbd-executive-secretary", "le Secrétaire exécutif", "prier", "CBD SBSTTA20", None, "b) De faire"),
      ("2", "parties", "les Parties et les autres gouvernements", "inviter", None, "2016-06-30", "Invite")]),
    # CBD: "libellée comme suit", no space after the first number
    (CBD_REC,
     "1.Recommande que la Conférence des Parties adopte une décision libellée comme suit :\n"
     "La Conférence des Parties,\n"
     "1. Prie la Secrétaire exécutive de diffuser les lignes directrices ;\n"
     "2. Exhorte les Parties à appliquer la décision XI/19.",
     [("1", "cbd-executive-secretary", "la Secrétaire exécutive", "prier", None, None, "Prie"),
      ("2", "parties", "les Parties", "exhorter", None, None, "Exhorte")]),
    # CMS: a Scientific Council recommendation to the COP with a draft resolution
    (CMS_COP,
     "3. Recommande que la Conférence des Parties adopte une résolution dans ce sens :\n"
     "La Conférence des Parties à la Convention sur la conservation des espèces migratrices appartenant "
     "à la faune sauvage,\n"
     "1. Charge le Conseil scientifique d’examiner les propositions à sa 3e réunion ;\n"
     "2. Demande au Secrétariat de transmettre le rapport au Comité permanent.",
     [("1", "cms-scientific-council", "le Conseil scientifique", "charger", "CMS ScC3", None, "Charge"),
      ("2", "cms-secretariat", "Secrétariat", "demander", None, None, "Demande")]),
]

BRACKETS = [
    (CBD_REC,
     "La Conférence des Parties,\n1. Prend note du rapport ;\n"
     "2. [Prie le Secrétaire exécutif de préparer une synthèse et de la soumettre à l’Organe subsidiaire "
     "chargé de l’application à sa cinquième réunion ;]\n"
     "3. Invite les Parties à [communiquer][soumettre] leurs vues ;\n"
     "4. [Encourage les bailleurs de fonds à soutenir les activités.]",
     [("2", "cbd-executive-secretary", "le Secrétaire exécutif", "prier", "CBD SBI5", None, "[Prie"),
      ("3", "parties", "les Parties", "inviter", None, None, "Invite"),
      ("4", "donors", "les bailleurs de fonds", "encourager", None, None, "[Encourage")]),
]

PASSIVE = [
    # CMS: passive request verb in the lead: every item takes it
    (CMS_COP,
     "La Conférence des Parties,\n1. Le Secrétariat est prié de :\na) compiler les rapports nationaux ;\n"
     "b) faire rapport au Comité permanent à sa 48e réunion ;\n"
     "2. Les Parties sont instamment priées de soumettre leurs rapports d’ici le 31 mars 2018 ;\n"
     "3. Le Conseil scientifique est chargé d’examiner les propositions.",
     [("a", "cms-secretariat", "Le Secrétariat", "prier", None, None, "a) compiler"),
      ("b", "cms-secretariat", "Le Secrétariat", "prier", "CMS StC48", None, "b) faire"),
      ("2", "parties", "Les Parties", "prier", None, "2018-03-31", "Les Parties sont"),
      ("3", "cms-scientific-council", "Le Conseil scientifique", "charger", None, None, "Le Conseil")]),
    # CITES: under "À l'adresse des Parties", "sont invitées à" gives inviter to every item
    (CITES_COP,
     "À l’adresse des Parties\n18.60 Les Parties sont invitées à :\na) communiquer leurs données ;\n"
     "b) faire rapport au Comité permanent à sa 74e session.",
     [("a", "parties", "Les Parties", "inviter", None, None, "a) communiquer"),
      ("b", "parties", "Les Parties", "inviter", "CITES SC74", None, "b) faire")]),
    # Ramsar: a resolution opened in capitals
    ("Ramsar COP13 DR5",
     "LA CONFÉRENCE DES PARTIES CONTRACTANTES\n"
     "1. Les Parties contractantes sont invitées à désigner de nouveaux sites ;\n"
     "2. DEMANDE aux Parties contractantes de faire rapport.",
     [("1", "parties", "Les Parties contractantes", "inviter", None, None, "Les Parties contractantes"),
      ("2", "parties", "Parties contractantes", "demander", None, None, "DEMANDE")]),
]

INDICATIVE = [
    # the field case's form, and plural subjects, leading phrases, a single paragraph
    (CITES_COP,
     "PROJETS DE DÉCISIONS DE LA CONFÉRENCE DES PARTIES\n\nÀ l’adresse du Secrétariat\n\n"
     "18.AB Le Secrétariat, sous réserve des fonds disponibles :\n"
     "a) compile les informations communiquées par les Parties ;\n"
     "b) en collaboration avec le PNUE, organise un atelier ; et\n"
     "c) rend compte au Comité permanent à sa 78e session.\n\n"
     "À l’adresse des Parties\n\n"
     "18.AC Les Parties, en collaboration avec le Secrétariat :\n"
     "a) établissent des inventaires ;\n"
     "b) prennent des mesures pour lutter contre le commerce illégal.\n\n"
     "À l’adresse du Comité permanent\n\n"
     "18.AD Le Comité permanent examine le rapport du Secrétariat et formule des recommandations "
     "à la 19e session de la Conférence des Parties.",
     [("a", "cites-secretariat", "Le Secrétariat", "compiler", None, None, "a) compile"),
      ("b", "cites-secretariat", "Le Secrétariat", "organiser", None, None, "b) en collaboration"),
      ("c", "cites-secretariat", "Le Secrétariat", "rendre compte", "CITES SC78", None, "c) rend"),
      ("a", "parties", "Les Parties", "établir", None, None, "a) établissent"),
      ("b", "parties", "Les Parties", "prendre", None, None, "b) prennent"),
      ("18.AD", "cites-standing-committee", "Le Comité permanent", "examiner", "CITES CoP19", None,
       "Le Comité permanent examine")]),
    # "doit" + infinitive: the infinitive; with a list, each item's own (a mandate)
    (CITES_COP,
     "À l’adresse du Secrétariat\n18.54 Le Secrétariat doit organiser un atelier sur le commerce des "
     "requins avant la 73e session du Comité permanent.\n"
     "18.55 Le Secrétariat doit, sous réserve de financements externes :\na) organiser un atelier ;\n"
     "b) faire rapport à la 19e session de la Conférence des Parties.",
     [("18.54", "cites-secretariat", "Le Secrétariat", "organiser", "CITES SC73", None, "Le Secrétariat doit"),
      ("a", "cites-secretariat", "Le Secrétariat", "organiser", None, None, "a) organiser"),
      ("b", "cites-secretariat", "Le Secrétariat", "faire", "CITES CoP19", None, "b) faire")]),
]

COLLECTIVE = [
    (CMS_COP, "5. Invite les organismes donateurs à soutenir le programme.",
     [("5", "donors", "les organismes donateurs", "inviter", None, None, "Invite")]),
    (CMS_COP, "6. Encourage les pays donateurs, les Parties et le PNUE à fournir des fonds.",
     [("6", "donors", "les pays donateurs, les Parties et le PNUE", "encourager", None, None, "Encourage")]),
    (CMS_COP, "7. Exhorte les États Parties à coopérer.",
     [("7", "parties", "les États Parties", "exhorter", None, None, "Exhorte")]),
    (CMS_COP, "8. Prie instamment les Parties contractantes et les bailleurs de fonds de contribuer.",
     [("8", "parties", "les Parties contractantes et les bailleurs de fonds", "prier", None, None, "Prie")]),
]

DEADLINES = [
    # a meeting and a date: both
    (CMS_COP, "La Conférence des Parties,\n3. Prie le Secrétariat de transmettre au Comité permanent, à sa 53e "
              "réunion, un rapport sur la Résolution 11.10, d’ici le 31 décembre 2025.",
     [("3", "cms-secretariat", "le Secrétariat", "prier", "CMS StC53", "2025-12-31", "Prie")]),
    (CBD_REC, "4. Invite les Parties à communiquer leurs vues avant le 1er mars 2017, pour examen par "
              "l’Organe subsidiaire chargé de fournir des avis scientifiques, techniques et "
              "technologiques à sa vingt et unième réunion.",
     [("4", "parties", "les Parties", "inviter", "CBD SBSTTA21", "2017-03-01", "Invite")]),
    # a past event is no deadline; a later real one still is
    ("FCCC/SBSTA/2016/L.3", "La Conférence des Parties,\n3. Invite les Parties à faire rapport conformément "
     "au cadre adopté par l’Organe subsidiaire de conseil scientifique et technologique à sa deuxième "
     "session (FCCC/SBSTA/1996/8, annexe IV) ;",
     [("3", "parties", "les Parties", "inviter", None, None, "Invite")]),
    (CMS_COP, "15. Prie le Secrétariat de mettre en œuvre le plan adopté par la Conférence des Parties à sa "
              "onzième réunion, et de faire rapport au Comité permanent à sa 45e réunion ;",
     [("15", "cms-secretariat", "le Secrétariat", "prier", "CMS StC45", None, "Prie")]),
    (CMS_COP, "16. Demande au Secrétariat d’appliquer les lignes directrices approuvées lors de la 44e "
              "réunion du Comité permanent.",
     [("16", "cms-secretariat", "Secrétariat", "demander", None, None, "Demande")]),
]

LEADS = [
    # the lead is an item only when it states a task of its own before the list
    (CMS_COP, "9. Charge le Comité permanent de suivre la mise en œuvre, notamment :\n"
              "a) en examinant les rapports ;\nb) en créant un groupe de travail.\n"
              "10. Prie le Secrétariat :\na) de compiler les rapports ;\nb) de les publier.",
     [("9", "cms-standing-committee", "le Comité permanent", "charger", None, None, "Charge"),
      ("a", "cms-standing-committee", "le Comité permanent", "charger", None, None, "a) en examinant"),
      ("b", "cms-standing-committee", "le Comité permanent", "charger", None, None, "b) en créant"),
      ("a", "cms-secretariat", "le Secrétariat", "prier", None, None, "a) de compiler"),
      ("b", "cms-secretariat", "le Secrétariat", "prier", None, None, "b) de les")]),
    # a paragraph after an unpunctuated running header and symbol line
    (CMS_COP, "3. Prie le Secrétariat de compiler les rapports nationaux reçus.\nPage 2\nUNEP/CMS/StC99/7\n"
              "4. Invite les Parties à soumettre leurs rapports d’ici le 30 juin 2026.",
     [("3", "cms-secretariat", "le Secrétariat", "prier", None, None, "Prie"),
      ("4", "parties", "les Parties", "inviter", None, "2026-06-30", "Invite")]),
    # Ramsar writes its operative verbs in capitals
    ("Ramsar COP13 DR5", "LA CONFÉRENCE DES PARTIES CONTRACTANTES\n"
     "13. ENCOURAGE les Parties contractantes à désigner de nouveaux sites ;\n"
     "14. INVITE les bailleurs de fonds à soutenir le Fonds de petites subventions.",
     [("13", "parties", "les Parties contractantes", "encourager", None, None, "ENCOURAGE"),
      ("14", "donors", "les bailleurs de fonds", "inviter", None, None, "INVITE")]),
]

NOT_ITEMS = [
    # narrative requests, passive outside decision text, non-operative verbs
    (CMS_COP, "12. Lors de sa 43e réunion, les Parties ont été priées de soumettre leurs rapports. "
              "Le Secrétariat a invité les Parties à participer.\n13. Rappelle la Résolution 11.10 ;\n"
              "14. Reconnaît l'importance de la coopération ;\n15. Se félicite du rapport ;\n"
              "16. Prend note du rapport du Conseil scientifique."),
    (CMS_COP, "Rapport du Secrétariat\n1. Le Secrétariat est invité à participer à la réunion de l'IPBES.\n"
              "2. Le Secrétariat a reçu de la Partie concernée un rapport.\n"
              "3. Les donateurs sont encouragés à fournir des fonds."),
    (CITES_COP, "Contexte\n1. Le Secrétariat compile les informations depuis 2010.\n"
                "2. Les Parties établissent des inventaires chaque année."),
    # a note's sentence that starts like a decision opener does not make decision text
    (CMS_COP, "Introduction\nLa Conférence des Parties, à sa 12e réunion, a adopté la Résolution 12.1.\n"
              "1. Le Secrétariat est invité à participer à la réunion de l'IPBES.\n"
              "2. Les Parties sont encouragées à soumettre leurs rapports."),
]


@pytest.mark.parametrize("symbol,text,expected", NESTED, ids=["cbd-sbstta", "cbd-libellee", "cms-scc"])
def test_nested_draft_decisions(nlp, symbol, text, expected):
    check(items(nlp, text, symbol), expected)


@pytest.mark.parametrize("symbol,text,expected", BRACKETS)
def test_bracketed_negotiation_text(nlp, symbol, text, expected):
    got = items(nlp, text, symbol)
    check(got, expected)
    assert got[0].text.endswith(";]")  # the brackets stay inside the span
    assert got[2].text.endswith(".]")


@pytest.mark.parametrize("symbol,text,expected", PASSIVE, ids=["cms", "cites", "ramsar"])
def test_passive_decisions(nlp, symbol, text, expected):
    check(items(nlp, text, symbol), expected)


@pytest.mark.parametrize("symbol,text,expected", INDICATIVE)
def test_indicative_decisions(nlp, symbol, text, expected):
    check(items(nlp, text, symbol), expected)


@pytest.mark.parametrize("symbol,text,expected", COLLECTIVE)
def test_collective_addressees(nlp, symbol, text, expected):
    check(items(nlp, text, symbol), expected)


@pytest.mark.parametrize("symbol,text,expected", DEADLINES,
                         ids=["meeting-and-date", "date-and-meeting", "past-adoption", "past-then-due",
                              "past-approval"])
def test_deadlines(nlp, symbol, text, expected):
    check(items(nlp, text, symbol), expected)


@pytest.mark.parametrize("symbol,text,expected", LEADS, ids=["lead-rules", "after-header", "ramsar-caps"])
def test_leads_and_numbering(nlp, symbol, text, expected):
    check(items(nlp, text, symbol), expected)


@pytest.mark.parametrize("symbol,text", NOT_ITEMS, ids=["narrative-cms", "note-passive", "note-indicative",
                                                          "note-opener-sentence"])
def test_no_action_items(nlp, symbol, text):
    assert items(nlp, text, symbol) == []


def test_mentions_carry_the_paragraph_of_the_structure(nlp):
    text = ("La Conférence des Parties,\n12. Prie le Secrétariat :\na) de compiler la Résolution 11.10 ;\n"
            "b) de faire rapport au Comité permanent à sa 45e réunion.")
    ex = extract_text(text, nlp=nlp, language="fr", symbol=CMS_COP)
    by_text = {m.text: m.paragraph for m in ex.mentions}
    assert by_text["Résolution 11.10"] == "12 a"
    assert by_text["45e réunion"] == "12 b"
    assert [i.paragraph for i in ex.action_items] == ["a", "b"]


# ---------------------------------------------------------------- PDF
def _pdf(path: Path, pages: list[list[str]], symbol: str) -> Path:
    """A UN-style PDF: the symbol as running header, the given lines, a page number."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    for n, lines in enumerate(pages, 1):
        c.setFont("Helvetica", 9)
        c.drawRightString(width - 60, height - 40, symbol)
        c.setFont("Helvetica", 11)
        y = height - 90
        for line in lines:
            c.drawString(60 if not line.startswith(("a)", "b)", "c)")) else 80, y, line)
            y -= 16
        c.setFont("Helvetica", 9)
        c.drawCentredString(width / 2, 40, str(n))
        c.showPage()
    c.save()
    return path


def test_nested_decision_from_a_pdf(tmp_path):
    pdf = _pdf(tmp_path / "rec.pdf", [
        ["Recommandation adoptée par l’Organe subsidiaire chargé de fournir des avis",
         "scientifiques, techniques et technologiques",
         "1. Prend note du rapport du Secrétaire exécutif ;",
         "2. Recommande que la Conférence des Parties adopte une décision dans ce sens :",
         "La Conférence des Parties,",
         "Rappelant la décision XII/20,",
         "1. Prie le Secrétaire exécutif, sous réserve de la disponibilité des ressources :",
         "a) De compiler les informations communiquées par les Parties ;"],
        ["b) De faire rapport à l’Organe subsidiaire à sa vingtième réunion ;",
         "2. Invite les Parties à communiquer leurs vues d’ici le 30 juin 2016 ;",
         "3. Se félicite du travail accompli."],
    ], "UNEP/CBD/SBSTTA/19/L.5")
    ex = extract(pdf, settings=get_settings(use_ner=False), nlp=load_nlp(get_settings(use_ner=False)))
    got = [(i.paragraph, i.actor, i.verb, i.deadline.meeting if i.deadline else None,
            i.deadline.date if i.deadline else None) for i in ex.action_items]
    assert got == [("a", "cbd-executive-secretary", "prier", None, None),
                   ("b", "cbd-executive-secretary", "prier", "CBD SBSTTA20", None),
                   ("2", "parties", "inviter", None, "2016-06-30")]
    decision = next(m for m in ex.mentions if m.text == "décision XII/20")
    assert decision.paragraph is None  # the draft decision's preamble has no paragraph


# ---------------------------------------------------------------- another language: lexicon only
def test_another_language_is_only_lexicon_entries(tmp_path):
    """An ``actions_en.json`` beside the patterns (entries only, no code) gives English
    decisions the same records: structure, passive requests, collective addressees."""
    import json
    import shutil

    from docmine.extraction.components.actions import ActionsComponent, lexicon_for, load_patterns
    from docmine.extraction.decision_structure import line_starts_of
    from docmine.reading.textmap import normalise

    for f in Path(get_settings().patterns_dir).glob("actions*.json"):
        shutil.copy(f, tmp_path)
    (tmp_path / "actions_en.json").write_text(json.dumps({
        "infinitive_ending": "",
        "decision_openers": "The Conference of the Parties[^.;:]{0,200}?,",
        "passive_requests": {"(?:is|are)(?: (?:further|also))* requested to": "request"},
        "collective_addressees": {"(?:the )?donors": "donors"}}), encoding="utf-8")
    patterns = load_patterns(tmp_path)
    assert set(patterns["languages"]) >= {"fr", "en"}
    assert lexicon_for(patterns, "en")["passive_requests"] != lexicon_for(patterns, "fr")["passive_requests"]

    text = ("The Conference of the Parties,\n1. Requests the Executive Secretary:\n"
            "(a) to compile the national reports;\n(b) to publish a synthesis;\n"
            "2. The Secretariat is requested to prepare a synthesis;\n"
            "3. Invites Parties and donors to submit views by 31 March 2026.")
    nlp = load_nlp(get_settings(use_ner=False))
    nt = normalise(text)
    doc = nlp.make_doc(nt.text)
    doc.user_data["docmine_text"] = nt.text
    doc.user_data["docmine_line_starts"] = line_starts_of(text, nt.text, nt.offsets)
    doc._.language, doc._.symbol = "en", "CBD/COP/DEC/15/1"
    for name, proc in nlp.pipeline:
        if name != "docmine_actions":
            doc = proc(doc)
    doc = ActionsComponent(patterns=patterns, language="en")(doc)
    assert [(a.paragraph, a.actor, a.actor_text, a.verb, a.deadline.date if a.deadline else None)
            for a in doc._.action_items] == [
        ("a", "cbd-executive-secretary", "the Executive Secretary", "request", None),
        ("b", "cbd-executive-secretary", "the Executive Secretary", "request", None),
        ("2", "cbd-secretariat", "The Secretariat", "request", None),
        ("3", "parties", "Parties and donors", "invite", "2026-03-31")]
