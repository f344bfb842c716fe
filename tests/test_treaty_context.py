"""Treaty context (issue 8, kind 3): which treaty a REF, a bare body and the
document belong to.

Tables of (input, expected). Sentences are our own, written in the style of
CMS, CBD, CITES and UNFCCC papers. Only the rules components run (no model).
"""
from __future__ import annotations

import pytest

RULES = ("sentencizer", "docmine_context", "docmine_symbols", "docmine_refs", "docmine_meetings", "docmine_dates")


@pytest.fixture(scope="module")
def nlp():
    from docmine.nlp import build_nlp
    return build_nlp(use_ner=False)


def run(nlp, text, treaty=None, names=RULES):
    doc = nlp.make_doc(text)
    if treaty:
        doc._.treaty = treaty
    for name, proc in nlp.pipeline:
        if name in names:
            doc = proc(doc)
    return doc


def refs(doc):
    return [(s.text, list(s._.ids)) for s in doc.spans.get("REF", [])]


# Instruments of other bodies decide their own treaty before any context (spec §3).
OTHER_BODY_REFS = [
    ("CMS", "Rappelant la résolution 73/284 de l’Assemblée générale des Nations Unies proclamant la Décennie,",
     [("résolution 73/284", ["UNGA Res 73/284"])]),
    ("CBD", "Rappelant la résolution 70/1 de l'Assemblée générale, intitulée « Transformer notre monde »,",
     [("résolution 70/1", ["UNGA Res 70/1"])]),
    ("CITES", "Notant les résolutions 69/314 et 71/326 de l’Assemblée générale sur le trafic des espèces sauvages,",
     [("résolutions 69/314 et 71/326", ["UNGA Res 69/314", "UNGA Res 71/326"])]),
    ("CMS", "Recalling General Assembly resolution 70/1 of 25 September 2015,",
     [("resolution 70/1", ["UNGA Res 70/1"])]),
    ("CMS", "The General Assembly, in its resolution 73/284, proclaimed the Decade.",
     [("resolution 73/284", ["UNGA Res 73/284"])]),
    ("CMS", "Recordando la resolución 73/284 de la Asamblea General de las Naciones Unidas,",
     [("resolución 73/284", ["UNGA Res 73/284"])]),
    ("CMS", "Rappelant la résolution 2/5 de l’Assemblée des Nations Unies pour l’environnement,",
     [("résolution 2/5", ["UNEA Res 2/5"])]),
    ("CMS", "Réaffirmant la décision 5/CP.1 sur les activités exécutées conjointement,",
     [("décision 5/CP.1", ["UNFCCC COP Dec 5/CP.1"])]),
    ("CBD", "La Conférence rappelle ses décisions 1/CP.21 et 3/CMA.1.",
     [("décisions 1/CP.21 et 3/CMA.1", ["UNFCCC COP Dec 1/CP.21", "UNFCCC CMA Dec 3/CMA.1"])]),
    ("CITES", "conformément à la décision 1/CMP.1 et à la décision 2/CMA.3,",
     [("décision 1/CMP.1", ["UNFCCC CMP Dec 1/CMP.1"]), ("décision 2/CMA.3", ["UNFCCC CMA Dec 2/CMA.3"])]),
    ("CMS", "Recalling decision 1/CP.21, paragraph 5, and decision 7/COP.5 on drought,",
     [("decision 1/CP.21", ["UNFCCC COP Dec 1/CP.21"]), ("decision 7/COP.5", ["UNCCD COP Dec 7/COP.5"])]),
    ("CMS", "Tomando nota de la decisión 7/COP.5 de la CNULD,",
     [("decisión 7/COP.5", ["UNCCD COP Dec 7/COP.5"])]),
    # the document's own instruments keep their treaty beside them
    ("CMS", "Rappelant la résolution 73/284 de l’Assemblée générale et la Résolution 12.26 sur la connectivité,",
     [("résolution 73/284", ["UNGA Res 73/284"]), ("Résolution 12.26", ["CMS Res 12.26"])]),
    ("CBD", "la décision 14/30 de la Conférence des Parties et la résolution 73/284 de l’Assemblée générale",
     [("décision 14/30", ["CBD COP Dec 14/30"]), ("résolution 73/284", ["UNGA Res 73/284"])]),
    # a slash-numbered resolution with no body named is no CMS resolution: unlinked
    ("CMS", "Rappelant la résolution 73/284 proclamant la Décennie,", [("résolution 73/284", [])]),
]


@pytest.mark.parametrize("treaty,text,expected", OTHER_BODY_REFS)
def test_other_bodies_instruments(nlp, treaty, text, expected):
    assert refs(run(nlp, text, treaty=treaty)) == expected
