"""Table tests of the rules components (REF, DOC, MEETING, DATE, context, tokenizer).

Sentences are our own; each row is (text, label, [(span text, ids, attrs)]).
Only docmine's rules components run (built once from models/docmine.cfg
without the statistical NER).
"""
from __future__ import annotations

import pytest

RULES = ("sentencizer", "docmine_context", "docmine_symbols", "docmine_refs", "docmine_meetings", "docmine_dates")


@pytest.fixture(scope="module")
def nlp():
    from docmine.extraction.nlp import build_nlp
    return build_nlp(use_ner=False)


def run(nlp, text, symbol=None, treaty=None):
    doc = nlp.make_doc(text)
    if symbol:
        doc._.symbol = symbol
    if treaty:
        doc._.treaty = treaty
    for name, proc in nlp.pipeline:
        if name in RULES:
            doc = proc(doc)
    return doc


def spans(doc, label):
    return [(s.text, list(s._.ids), dict(s._.attrs or {})) for s in doc.spans.get(label, [])]


# ----------------------------------------------------------------------------- REF
REF_CASES = [
    ("CMS", "comme le préconisent les Résolutions 11.10 et 11.11.", [("Résolutions 11.10 et 11.11", ["CMS Res 11.10", "CMS Res 11.11"], {})]),
    ("CMS", "Les Résolutions 11.2, 11.3 et 11.9 demandent", [("Résolutions 11.2, 11.3 et 11.9", ["CMS Res 11.2", "CMS Res 11.3", "CMS Res 11.9"], {})]),
    ("CITES", "Les Décisions 18.49 – 18.51 portent sur", [("Décisions 18.49 – 18.51", ["CITES Dec 18.49", "CITES Dec 18.50", "CITES Dec 18.51"], {})]),
    ("CITES", "aux décisions 17.55 à 17.57 de la CITES", [("décisions 17.55 à 17.57", ["CITES Dec 17.55", "CITES Dec 17.56", "CITES Dec 17.57"], {})]),
    ("CMS", "Résolution Conf. 11.4 (Rev. CoP12), Conservation des cétacés", [("Résolution Conf. 11.4 (Rev. CoP12)", ["CITES Res Conf 11.4"], {"revision": "CoP12"})]),
    ("CMS", "dans Résolution\nConf. 14.2, qui stipulait", [("Résolution\nConf. 14.2", ["CITES Res Conf 14.2"], {})]),
    ("CMS", "Rappelant la décision XI/2, paragraphe 15, de la Conférence", [("décision XI/2", ["CBD COP Dec XI/2"], {"paragraph": "15"})]),
    ("CMS", "la décision DEC/XII/30 de la COP CDB", [("décision DEC/XII/30", ["CBD COP Dec XII/30"], {})]),
    ("CBD", "a adopté la décision 14/30 et les décisions 14/31 et 14/32.", [("décision 14/30", ["CBD COP Dec 14/30"], {}), ("décisions 14/31 et 14/32", ["CBD COP Dec 14/31", "CBD COP Dec 14/32"], {})]),
    ("CBD", "Prend note de la recommandation XVII/1 de l'Organe subsidiaire chargé de fournir des avis scientifiques, techniques et technologiques.", [("recommandation XVII/1", ["CBD SBSTTA Rec XVII/1"], {})]),
    ("CBD", "la recommandation 2/4 de l'Organe subsidiaire chargé de l'application", [("recommandation 2/4", ["CBD SBI Rec 2/4"], {})]),
    ("CMS", "Suite à la résolution CMS 11.10 et", [("résolution CMS 11.10", ["CMS Res 11.10"], {})]),
    ("CITES", "la Résolution 8.11 de la CMS a insisté", [("Résolution 8.11", ["CMS Res 8.11"], {})]),
    ("CMS", "La Recommandation 7.5 et la Décision 12.5 restent en vigueur.", [("Recommandation 7.5", ["CMS Rec 7.5"], {}), ("Décision 12.5", ["CMS Dec 12.5"], {})]),
    ("CMS", "Conformément au paragraphe 3 de la Résolution 11.11, les Parties", [("Résolution 11.11", ["CMS Res 11.11"], {"paragraph": "3"})]),
    ("CMS", "The Standing Committee considered Resolution 11.10 and decision XI/2.", [("Resolution 11.10", ["CMS Res 11.10"], {}), ("decision XI/2", ["CBD COP Dec XI/2"], {})]),
    ("CITES", "adoptó la Resolución Conf. 13.2 (Rev. CoP14) y la Decisión 18.55", [("Resolución Conf. 13.2 (Rev. CoP14)", ["CITES Res Conf 13.2"], {"revision": "CoP14"}), ("Decisión 18.55", ["CITES Dec 18.55"], {})]),
    ("CBD", "La résolution 2/5 de l'Assemblée des Nations Unies pour l'environnement", [("résolution 2/5", ["UNEA Res 2/5"], {})]),
    ("CBD", "Rappelant les décisions IX/5, X/33 et XII/20,", [("décisions IX/5, X/33 et XII/20", ["CBD COP Dec IX/5", "CBD COP Dec X/33", "CBD COP Dec XII/20"], {})]),
    ("CITES", "Conformément à la décision 19.29, paragraphe b), le Secrétariat", [("décision 19.29", ["CITES Dec 19.29"], {"paragraph": "b"})]),
    ("CMS", "Conformément au paragraphe 3 de la Résolution, les Parties", []),
    ("CMS", "l'article 18 de la Convention et la résolution adoptée", []),
]


@pytest.mark.parametrize("treaty,text,expected", REF_CASES)
def test_refs(nlp, treaty, text, expected):
    assert spans(run(nlp, text, treaty=treaty), "REF") == expected


def test_ref_heading_list(nlp):
    text = ("Autres résolutions et décisions • Résolution Conf. 18.5, Coopération avec la CMS "
            "Decisions • 18.49 – 18.51, Coopération avec la Stratégie mondiale • 18.55, Grand dauphin "
            "• 18.56 – 18.57, Initiative conjointe CMS-CITES pour les carnivores d’Afrique")
    got = spans(run(nlp, text, treaty="CITES"), "REF")
    assert got == [
        ("Résolution Conf. 18.5", ["CITES Res Conf 18.5"], {}),
        ("18.49 – 18.51", ["CITES Dec 18.49", "CITES Dec 18.50", "CITES Dec 18.51"], {}),
        ("18.55", ["CITES Dec 18.55"], {}),
        ("18.56 – 18.57", ["CITES Dec 18.56", "CITES Dec 18.57"], {}),
    ]


# ----------------------------------------------------------------------------- DOC
DOC_CASES = [
    (None, "Voir le document UNEP/CMS/StC44/13: Structure", [("UNEP/CMS/StC44/13", ["UNEP/CMS/StC44/13"])]),
    (None, "Examiner les documents UNEP/CMS/StC44/18.1, 18.2 et 18.3 et prendre", [("UNEP/CMS/StC44/18.1, 18.2 et 18.3", ["UNEP/CMS/StC44/18.1", "UNEP/CMS/StC44/18.2", "UNEP/CMS/StC44/18.3"])]),
    (None, "inclus dans les documents UNEP/CMS/StC44/18.1 et 18.3 respectivement.", [("UNEP/CMS/StC44/18.1 et 18.3", ["UNEP/CMS/StC44/18.1", "UNEP/CMS/StC44/18.3"])]),
    (None, "Les documents UNEP/CMS/COP12/Doc.21.1 et UNEP/CMS/COP12/Doc.21.2 ont été examinés.", [("UNEP/CMS/COP12/Doc.21.1", ["UNEP/CMS/COP12/Doc.21.1"]), ("UNEP/CMS/COP12/Doc.21.2", ["UNEP/CMS/COP12/Doc.21.2"])]),
    (None, "Le document CBD/COP/DEC/16/31 et le document UNEP/CBD/COP/12/INF/5.", [("CBD/COP/DEC/16/31", ["CBD/COP/DEC/16/31"]), ("UNEP/CBD/COP/12/INF/5", ["UNEP/CBD/COP/12/INF/5"])]),
    (None, "Voir UNEP/CMS/COP11/Doc.10.3.", [("UNEP/CMS/COP11/Doc.10.3", ["UNEP/CMS/COP11/Doc.10.3"])]),
    (None, "Voir le document CoP18 Doc. 12 et SC65 Doc. 7 (Rev. 1).", [("CoP18 Doc. 12", ["CoP18Doc.12"]), ("SC65 Doc. 7 (Rev. 1)", ["SC65Doc.7(Rev.1)"])]),
    ("UNEP/CMS/StC44/17", "Voir le document 10.3 et les documents 18.1 et 18.2.", [("10.3", ["UNEP/CMS/StC44/10.3"]), ("18.1 et 18.2", ["UNEP/CMS/StC44/18.1", "UNEP/CMS/StC44/18.2"])]),
    (None, "Voir le document UNEP/CMS/StC44/13. Le document 10.3 complète.", [("UNEP/CMS/StC44/13", ["UNEP/CMS/StC44/13"]), ("10.3", ["UNEP/CMS/StC44/10.3"])]),
    # ambiguous series: the short form cannot be completed
    (None, "Voir UNEP/CMS/StC44/13 et UNEP/CMS/COP11/Doc.2. Le document 10.3 complète.", [("UNEP/CMS/StC44/13", ["UNEP/CMS/StC44/13"]), ("UNEP/CMS/COP11/Doc.2", ["UNEP/CMS/COP11/Doc.2"])]),
    (None, "Le document 10.3 complète les informations.", []),
    (None, "Le Bureau régional du PNUE (UNEP/ROAP) et CITES/CMS.", []),
]


@pytest.mark.parametrize("symbol,text,expected", DOC_CASES)
def test_symbols(nlp, symbol, text, expected):
    assert [(t, i) for t, i, _ in spans(run(nlp, text, symbol=symbol), "DOC")] == expected


# ----------------------------------------------------------------------------- MEETING
MEETING_CASES = [
    ("CMS", "depuis la 11eme session de la Conférence des Parties à la CMS (Quito)", [("11eme session de la Conférence des Parties à la CMS", ["CMS COP11"])]),
    ("CMS", "approuvé par la 65ème réunion du Comité permanent de la CITES et la 42ème réunion du Comité permanent de la CMS", [("65ème réunion du Comité permanent de la CITES", ["CITES SC65"]), ("42ème réunion du Comité permanent de la CMS", ["CMS StC42"])]),
    ("CMS", "en vue de la COP12 de la CMS en 2017", [("COP12 de la CMS", ["CMS COP12"])]),
    ("CMS", "et par la suite à la CDB COP13 pour examen", [("CDB COP13", ["CBD COP13"])]),
    ("CMS", "à la 3ème réunion plénière de l’IPBES (IPBES-3) (Bonn)", [("3ème réunion plénière de l’IPBES (IPBES-3)", ["IPBES-3"])]),
    ("CITES", "lors de la CdP-11 et de la CoP18", [("CdP-11", ["CITES CoP11"]), ("CoP18", ["CITES CoP18"])]),
    ("CMS", "soumises à la deuxième session de l’Assemblée des Nations Unies pour l’environnement en juin", [("deuxième session de l’Assemblée des Nations Unies pour l’environnement", ["UNEA-2"])]),
    ("CITES", "La quinzième réunion de la Conférence des Parties à la Convention sur la diversité biologique a adopté", [("quinzième réunion de la Conférence des Parties à la Convention sur la diversité biologique", ["CBD COP15"])]),
    ("CITES", "faire des recommandations à la 20e session de la Conférence des Parties.", [("20e session de la Conférence des Parties", ["CITES CoP20"])]),
    ("CMS", "examen par la 12ème session de la Conférence des Parties (2017).", [("12ème session de la Conférence des Parties", ["CMS COP12"])]),
    ("CMS", "En mars 2011, lors de sa 59ème réunion, le Comité Permanent de CITES a approuvé", [("59ème réunion", ["CITES SC59"])]),
    ("CBD", "pour leur première réunion de l'Organe subsidiaire chargé de mise en œuvre (2 au 6 mai 2016)", [("première réunion de l'Organe subsidiaire chargé de mise en œuvre", ["CBD SBI1"])]),
    ("CBD", "Recommande que la Conférence des Parties, à sa douzième réunion, adopte", [("douzième réunion", ["CBD COP12"])]),
    ("CMS", "De faire rapport au Comité permanent à sa 45e réunion ;", [("45e réunion", ["CMS StC45"])]),
    ("CMS", "la mise en place du Groupe intergouvernemental spécial chargé de s’attaquer à l’abattage des oiseaux. La première réunion du Groupe aura lieu", [("première réunion du Groupe", ["CMS MIKT1"])]),
    ("CMS", "Le MdE sur la conservation des requins demandera aux Signataires des orientations à la deuxième réunion des Signataires au début de 2016.", [("deuxième réunion des Signataires", ["CMS Sharks MOS2"])]),
    ("CMS", "a participé à la 5ème réunion du Groupe d’experts interdisciplinaire de la plateforme (Bonn)", [("5ème réunion du Groupe d’experts interdisciplinaire de la plateforme", ["IPBES MEP5"])]),
    ("CMS", "La troisième réunion du Conseil scientifique de la CMS se tiendra à Bonn.", [("troisième réunion du Conseil scientifique de la CMS", ["CMS ScC3"])]),
    ("CBD", "La vingt et unième réunion de l'Organe subsidiaire chargé de fournir des avis scientifiques, techniques et technologiques aura lieu", [("vingt et unième réunion de l'Organe subsidiaire chargé de fournir des avis scientifiques, techniques et technologiques", ["CBD SBSTTA21"])]),
    ("CITES", "La 32e réunion du Comité pour les animaux (AC32) aura lieu", [("32e réunion du Comité pour les animaux (AC32)", ["CITES AC32"])]),
    ("CMS", "The 12th meeting of the Conference of the Parties to CMS will be held", [("12th meeting of the Conference of the Parties to CMS", ["CMS COP12"])]),
    ("CMS", "la 45ème Réunion du Comité permanent (dernier trimestre de 2016)", [("45ème Réunion du Comité permanent", ["CMS StC45"])]),
    ("CBD", "les recommandations de la SBSTTA-21 et de l'IPBES-5", [("SBSTTA-21", ["CBD SBSTTA21"]), ("IPBES-5", ["IPBES-5"])]),
    ("CMS", "La troisième réunion des Signataires du Mémorandum d'entente sur la conservation des requins migrateurs aura lieu", [("troisième réunion des Signataires du Mémorandum d'entente sur la conservation des requins migrateurs", ["CMS Sharks MOS3"])]),
    ("CMS", "La deuxième réunion du Comité de session du Conseil scientifique de la CMS (ScC-SC2) se tiendra", [("deuxième réunion du Comité de session du Conseil scientifique de la CMS (ScC-SC2)", ["CMS ScC-SC2"])]),
    ("CBD", "La onzième réunion de la Conférence des Parties siégeant en tant que réunion des Parties au Protocole de Cartagena a eu lieu", [("onzième réunion de la Conférence des Parties siégeant en tant que réunion des Parties au Protocole de Cartagena", ["CBD CP-MOP11"])]),
    ("CBD", "À la première réunion extraordinaire de la Conférence des Parties,", [("première réunion extraordinaire de la Conférence des Parties", ["CBD ExCOP1"])]),
    ("CBD", "Le Groupe de travail sur les oiseaux terrestres se réunira lors de sa deuxième réunion, à Abu Dhabi", [("deuxième réunion", [])]),
    # not meetings
    ("CMS", "lors de la prochaine session du Comité permanent", []),
    ("CMS", "le premier administrateur de programme CITES/CMS", []),
    ("CITES", "Résolution Conf. 11.4 (Rev. CoP12), Conservation des cétacés", []),
    ("CMS", "le document UNEP/CMS/StC44/13 et la décision CBD/COP/DEC/16/31", []),
    ("CMS", "la deuxième réunion a été annulée.", []),
]


@pytest.mark.parametrize("treaty,text,expected", MEETING_CASES)
def test_meetings(nlp, treaty, text, expected):
    assert [(t, i) for t, i, _ in spans(run(nlp, text, treaty=treaty), "MEETING")] == expected


# ----------------------------------------------------------------------------- DATE (component)
DATE_CASES = [
    ("Le rapport a été soumis le 15 juin et publié le 30 juin 2015.", [("15 juin", ["2015-06-15"], {}), ("30 juin 2015", ["2015-06-30"], {})]),
    ("réunion (Rome, Italie, 28 avril 2015).", [("28 avril 2015", ["2015-04-28"], {})]),
    ("Voir UNEP/CMS/StC44/2015 et la Résolution 11.10.", []),
    ("fin novembre 2015,", [("fin novembre 2015", ["2015-11"], {"mod": "END"})]),
]


@pytest.mark.parametrize("text,expected", DATE_CASES)
def test_dates_component(nlp, text, expected):
    assert spans(run(nlp, text, treaty="CMS"), "DATE") == expected


def test_day_month_takes_document_date(nlp):
    doc = nlp.make_doc("Bonn, 27 February 2025. Le rapport sera soumis le 15 juin. Puis le 3 mai, en 2026 et 2027.")
    for name, proc in nlp.pipeline:
        if name in RULES:
            doc = proc(doc)
    assert doc._.doc_date == "2025-02-27"
    got = spans(doc, "DATE")
    assert ("15 juin", ["2025-06-15"], {}) in got
    assert not any(t == "3 mai" for t, _, _ in got)  # two years in its sentence: ambiguous


# ----------------------------------------------------------------------------- context
@pytest.mark.parametrize("text,symbol,treaty", [
    ("UNEP/CMS/StC44/13 Distr.: Générale. La CITES et la CITES.", "UNEP/CMS/StC44/13", "CMS"),
    ("SC77 Doc. 32 CONVENTION SUR LE COMMERCE INTERNATIONAL. Rapport de la CDB.", "SC77 Doc. 32", "CITES"),
    ("CONVENTION SUR LA DIVERSITÉ BIOLOGIQUE Distr. GÉNÉRALE. La CMS, la CMS et la CMS.", None, "CBD"),
    ("Rapport. La coopération avec la Convention sur la diversité biologique et la CMS, la CMS.", None, "CMS"),
    ("COOPERATION ENTRE LA CMS ET CITES (Préparé par le Secrétariat). CITES CITES CITES", None, "CMS"),
    ("Rapport. (Préparé par le Secrétariat de la CITES). La CMS, la CMS, la CMS.", None, "CITES"),
    ("Rapport sur la coopération. " + "x " * 150 + "La CDB et la CDB et la CMS.", None, "CBD"),
])
def test_context(nlp, text, symbol, treaty):
    doc = run(nlp, text)
    assert doc._.symbol == symbol
    assert doc._.treaty == treaty


def test_context_keeps_caller_symbol(nlp):
    doc = run(nlp, "La CITES et la CITES.", symbol="UNEP/CMS/StC44/13")
    assert doc._.treaty == "CMS"


# ----------------------------------------------------------------------------- tokenizer
@pytest.mark.parametrize("token", ["UNEP/CMS/StC44/13", "CBD/COP/DEC/16/31", "DEC/XII/30", "XI/2", "11.4", "CoP12",
                                   "IPBES-3", "CdP-11", "14/30", "UNEP/CMS/COP11/Doc.10.3"])
def test_tokens_stay_whole(nlp, token):
    doc = nlp.make_doc(f"Voir {token}, puis ({token}) et {token}.")
    assert [t.text for t in doc].count(token) == 3


def test_footnote_digit_split_from_year(nlp):
    doc = nlp.make_doc("prolongé jusqu'en 20111) a été")
    assert "2011" in [t.text for t in doc]


def test_ordinals():
    from docmine.extraction.grammars.ordinals import parse_ordinal
    table = {"premier": 1, "première": 1, "1er": 1, "1re": 1, "deuxième": 2, "second": 2, "troisième": 3,
             "3ème": 3, "11eme": 11, "douzième": 12, "quinzième": 15, "dix-septième": 17, "vingtième": 20,
             "20e": 20, "vingt et unième": 21, "vingt-deuxième": 22, "65ème": 65, "soixante-cinquième": 65,
             "45th": 45, "eleventh": 11, "13ª": 13, "decimoquinta": 15, "réunion": None}
    assert {k: parse_ordinal(k) for k in table} == table
