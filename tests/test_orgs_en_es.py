"""Organisations in English and Spanish papers (issue 11): the knowledge base's
English and Spanish names, bare bodies with the treaty of their context, the UN
Secretary-General, and the English/Spanish statistical NERs
(``models/ner_org_en``, ``models/ner_org_es``) for names the knowledge base
lacks. Each case runs as text and as a PDF. Sentences are our own.

Cases: (name, header symbol, text, expected ORG mentions as (text, id or None)).
"""
from __future__ import annotations

import textwrap

import pytest

from docmine.extraction.extract import extract, extract_text
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings
from paperpdf import write_pdf

CASES = [
    # a bare Secretary-General with no treaty body of that name is the UN's
    ("en_unga_secretary_general", "A/RES/79/998",
     "The General Assembly,\n\n1. Requests the Secretary-General to report to the General Assembly on the "
     "implementation of the present resolution.\n",
     [("General Assembly", "un-general-assembly"), ("Secretary-General", "un-secretary-general"),
      ("General Assembly", "un-general-assembly")]),
    # a bare body takes the document's treaty; a plural one is a class, no mention
    ("en_cbd_bare_bodies", "CBD/COP/DEC/16/98",
     "The Conference of the Parties,\n\n1. Requests the Executive Secretary to cooperate with the secretariats "
     "of the biodiversity-related conventions and to report to the Subsidiary Body on Implementation.\n",
     [("Conference of the Parties", "cbd-cop"), ("Executive Secretary", "cbd-executive-secretary"),
      ("Subsidiary Body on Implementation", "cbd-sbi")]),
    # "to traffic" is a verb, not TRAFFIC; "Conference of the Parties to CITES" is one mention
    ("en_cites_traffic_verb", "CoP20 Doc. 98",
     "The Secretariat shall report to the Conference of the Parties to CITES on the routes used to traffic "
     "specimens, in consultation with TRAFFIC.\n",
     [("Secretariat", "cites-secretariat"), ("Conference of the Parties to CITES", "cites-cop"),
      ("TRAFFIC", "traffic")]),
    # a name the knowledge base lacks, found by the English NER (no id)
    ("en_ner_unknown_group", "UNEP/CMS/COP15/Doc.98",
     "The Secretariat organized a workshop with the Sahel Vulture Monitoring Network and the Standing "
     "Committee reviewed its results.\n",
     [("Secretariat", "cms-secretariat"), ("Sahel Vulture Monitoring Network", None),
      ("Standing Committee", "cms-standing-committee")]),
    # Spanish bodies and names
    ("es_cms_bodies", "UNEP/CMS/COP15/Doc.97",
     "CONVENCIÓN SOBRE LAS ESPECIES MIGRATORIAS\n\nPide a la Secretaría que informe al Comité Permanente y al "
     "Consejo Científico, en colaboración con el Programa de las Naciones Unidas para el Medio Ambiente.\n",
     [("CONVENCIÓN SOBRE LAS ESPECIES MIGRATORIAS", "cms"), ("Secretaría", "cms-secretariat"),
      ("Comité Permanente", "cms-standing-committee"), ("Consejo Científico", "cms-scientific-council"),
      ("Programa de las Naciones Unidas para el Medio Ambiente", "unep")]),
    # a Spanish name the knowledge base lacks, found by the Spanish NER (no id)
    ("es_ner_unknown_group", "UNEP/CMS/COP15/Doc.96",
     "La Secretaría colaboró con el Grupo de Trabajo sobre las Rutas Migratorias del Mekong en la "
     "preparación del informe.\n",
     [("Secretaría", "cms-secretariat"), ("Grupo de Trabajo sobre las Rutas Migratorias del Mekong", None)]),
]


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings())


def orgs(ex):
    return [(" ".join(m.text.split()), (m.ids or [None])[0]) for m in ex.mentions if m.label == "ORG"]


@pytest.mark.parametrize("name,symbol,text,expected", CASES, ids=[c[0] for c in CASES])
def test_text(nlp, name, symbol, text, expected):
    ex = extract_text(text, nlp=nlp, symbol=symbol)
    assert ex.pipeline == name[:2]
    assert orgs(ex) == expected


@pytest.mark.parametrize("name,symbol,text,expected", CASES, ids=[c[0] for c in CASES])
def test_pdf(nlp, tmp_path, name, symbol, text, expected):
    lines = [chunk for line in text.splitlines() for chunk in (textwrap.wrap(line, 88) or [""])]
    ex = extract(write_pdf(tmp_path / f"{name}.pdf", [lines], header=symbol), nlp=nlp)
    assert ex.pipeline == name[:2]
    # the running header (the symbol) is a DOC, never an ORG; the names are the same
    assert [o for o in orgs(ex) if o[0] not in symbol] == expected


def test_each_language_loads_its_own_ner():
    from docmine.extraction.nlp import model_version
    s = get_settings()
    for lang in ("en", "es"):
        nlp = load_nlp(s, language=lang)
        assert nlp.lang == lang and "ner" in nlp.pipe_names
        assert str(nlp.get_pipe("ner").ner_nlp.path).endswith(f"ner_org_{lang}")
        assert model_version(s, language=lang).endswith(f"+ner_org_{lang}")
    assert load_nlp(s, language="en") is load_nlp(s, language="en")  # built once
    with pytest.raises(ValueError):
        load_nlp(s, language="de")
