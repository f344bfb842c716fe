"""Organisations (issue 8, kind 6): the knowledge base grown from what CBD, CMS,
CITES, Ramsar, UNFCCC and IPBES papers name, matched in French, English and
Spanish, in capitals without accents and across line breaks.

Tables of (document treaty, text, expected ORG mentions (text, id)); the
sentences are our own. ``docmine_orgs`` runs on ``spacy.blank("fr")`` (no model).
"""
from __future__ import annotations

import pytest

from docmine.extraction.kb import fold_regex, load_kb, name_key, unaccent
from docmine.extraction.nlp import register_extensions
from docmine.settings import get_settings

register_extensions()
S = get_settings()


from test_orgs import nlp  # noqa: E402,F401  (the same blank-fr + docmine_orgs pipeline fixture)


def orgs(nlp, text, treaty):
    doc = nlp.make_doc(text)
    doc._.treaty = treaty
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return [(s.text, (s._.ids or [None])[0]) for s in doc.spans["ORG"]]


# every body of each treaty, by its names in three languages
TREATY_BODY_CASES = [
    ("CBD", "Le Groupe de travail spécial à composition non limitée sur l'examen de l'application de la Convention (WGRI) s'est réuni.",
     [("Groupe de travail spécial à composition non limitée sur l'examen de l'application de la Convention (WGRI)", "cbd-wgri")]),
    ("CBD", "The Working Group on Review of Implementation and the SBSTTA met.",
     [("Working Group on Review of Implementation", "cbd-wgri"), ("SBSTTA", "cbd-sbstta")]),
    ("CBD", "Le Groupe de travail sur l'article 8 j) et les dispositions connexes et l'OSASTT ont examiné.",
     [("Groupe de travail sur l'article 8 j) et les dispositions connexes", "cbd-wg8j"), ("OSASTT", "cbd-sbstta")]),
    ("CBD", "L'Organe subsidiaire chargé de l'application et le SBI ont examiné.",
     [("Organe subsidiaire chargé de l'application", "cbd-sbi"), ("SBI", "cbd-sbi")]),
    ("UNFCCC", "Le SBI et l'Organe subsidiaire de conseil scientifique et technologique (SBSTA) ont adopté des conclusions.",
     [("SBI", "unfccc-sbi"), ("Organe subsidiaire de conseil scientifique et technologique (SBSTA)", "unfccc-sbsta")]),
    ("CMS", "Le Secrétariat de la CMS a suivi les travaux du SBI de la CCNUCC et de la CMA.",
     [("Secrétariat de la CMS", "cms-secretariat"), ("SBI de la CCNUCC", "unfccc-sbi"), ("CMA", "unfccc-cma")]),
    ("CMS", "Le Secrétariat a suivi les travaux du SBI.", [("Secrétariat", "cms-secretariat"), ("SBI", "cbd-sbi")]),
    ("CMS", "La Conférence des Parties agissant comme réunion des Parties à l'Accord de Paris a pris note.",
     [("Conférence des Parties agissant comme réunion des Parties à l'Accord de Paris", "unfccc-cma")]),
    ("CMS", "le Comité pour les animaux et le Comité pour les plantes", [("Comité pour les animaux", "cites-animals-committee"), ("Comité pour les plantes", "cites-plants-committee")]),
    ("CMS", "el Comité de Fauna de la CITES", [("Comité de Fauna de la CITES", "cites-animals-committee")]),
    ("CMS", "Le Conseil scientifique et son Comité de session ont travaillé.", [("Conseil scientifique", "cms-scientific-council"), ("Comité de session", "cms-sessional-committee")]),
    ("RAMSAR", "Le Groupe d'évaluation scientifique et technique (GEST) et le Comité permanent ont examiné.",
     [("Groupe d'évaluation scientifique et technique (GEST)", "ramsar-strp"), ("Comité permanent", "ramsar-standing-committee")]),
    ("IPBES", "Le Groupe d'experts multidisciplinaire et le Bureau de l'IPBES ont préparé.", [("Groupe d'experts multidisciplinaire", "ipbes-mep"), ("Bureau de l'IPBES", "ipbes-bureau")]),
    ("CMS", "Le Comité chargé de l'examen de la mise en œuvre de la Convention (CRIC) de la CNULCD a noté.",
     # a sub-body followed by its parent is one mention (corpus/kb/README.md)
     [("Comité chargé de l'examen de la mise en œuvre de la Convention (CRIC) de la CNULCD", "unccd-cric")]),
]

# partnerships, initiatives, networks and funds CBD and CMS papers list; UN bodies; older acronyms
PARTNER_CASES = [
    ("CBD", "Le Partenariat mondial pour la conservation des plantes et le Partenariat relatif aux indicateurs de biodiversité (BIP) ont contribué.",
     [("Partenariat mondial pour la conservation des plantes", "gppc"), ("Partenariat relatif aux indicateurs de biodiversité (BIP)", "biodiversity-indicators-partnership")]),
    ("CBD", "l'Initiative LifeWeb, l'Initiative Douanes vertes, le FEM et le Fonds du Cadre mondial de la biodiversité",
     [("Initiative LifeWeb", "lifeweb"), ("Initiative Douanes vertes", "green-customs-initiative"), ("FEM", "gef"), ("Fonds du Cadre mondial de la biodiversité", "gbff")]),
    ("CMS", "the Collaborative Partnership on Wildlife (CPW), ICCWC, Wild Migration and the Global Environment Facility",
     [("Collaborative Partnership on Wildlife (CPW)", "cpw"), ("ICCWC", "iccwc"), ("Wild Migration", "wild-migration"), ("Global Environment Facility", "gef")]),
    ("CMS", "la Asociación de Colaboración sobre Manejo Sostenible de la Fauna Silvestre y el FMAM",
     [("Asociación de Colaboración sobre Manejo Sostenible de la Fauna Silvestre", "cpw"), ("FMAM", "gef")]),
    ("CMS", "le Groupe de spécialistes des félins de la CSE de l'UICN et la Commission mondiale des aires protégées",
     [("Groupe de spécialistes des félins de la CSE de l'UICN", "iucn-ssc-cat-specialist-group"), ("Commission mondiale des aires protégées", "iucn-wcpa")]),
    ("CMS", "l'Assemblée générale des Nations Unies, le Secrétaire général des Nations Unies, le PNUD, l'UNESCO, l'ONUDC, INTERPOL, l'OMD, l'OMC et l'OMI",
     [("Assemblée générale des Nations Unies", "un-general-assembly"), ("Secrétaire général des Nations Unies", "un-secretary-general"), ("PNUD", "undp"), ("UNESCO", "unesco"),
      ("ONUDC", "unodc"), ("INTERPOL", "interpol"), ("OMD", "wco"), ("OMC", "wto"), ("OMI", "imo")]),
    ("CMS", "La CEM et le Fonds pour les pays les moins avancés (FPMA) ainsi que le Fonds pour l'adaptation",
     [("CEM", "cms"), ("Fonds pour les pays les moins avancés (FPMA)", "ldcf"), ("Fonds pour l'adaptation", "adaptation-fund")]),
    ("CMS", "le Réseau mondial de réserves de biosphère de l'UNESCO", [("Réseau mondial de réserves de biosphère de l'UNESCO", "wnbr")]),
    # a challenge or a declaration is not an organisation (spec §1)
    ("CMS", "le Défi de Bonn et la Déclaration de Gaborone", []),
]

# capitals with or without accents, names broken across lines
CAPITALS_CASES = [
    ("CMS", "RAPPORT DE LA CONVENTION SUR LES ESPECES MIGRATRICES ET DE LA CONVENTION SUR LA DIVERSITE BIOLOGIQUE",
     [("CONVENTION SUR LES ESPECES MIGRATRICES", "cms"), ("CONVENTION SUR LA DIVERSITE BIOLOGIQUE", "cbd")]),
    ("CMS", "NOTE DU SECRETARIAT DE LA CONVENTION DE RAMSAR", [("SECRETARIAT DE LA CONVENTION DE RAMSAR", "ramsar-secretariat")]),
    ("CITES", "RAPPORT DU COMITE PERMANENT", [("COMITE PERMANENT", "cites-standing-committee")]),
    ("CBD", "ORGANISATION DES NATIONS UNIES POUR L'ALIMENTATION ET L'AGRICULTURE", [("ORGANISATION DES NATIONS UNIES POUR L'ALIMENTATION ET L'AGRICULTURE", "fao")]),
    ("CBD", "le Consortium international de lutte contre la\ncriminalité liée aux espèces sauvages (ICCWC)",
     [("Consortium international de lutte contre la\ncriminalité liée aux espèces sauvages (ICCWC)", "iccwc")]),
    # an acronym glued to the next word by PDF extraction
    ("CITES", "L’ICCWCest une action menée avec l’ONUDCet la CITES.", [("ICCWC", "iccwc"), ("ONUDC", "unodc"), ("CITES", "cites")]),
    ("CITES", "Les ABCdef et CITESxyz ne sont pas des acronymes collés.", []),
    ("CBD", "le Groupe de travail spécial à composition non limitée sur\n   l'examen de l'application de la Convention",
     [("Groupe de travail spécial à composition non limitée sur\n   l'examen de l'application de la Convention", "cbd-wgri")]),
]


@pytest.mark.parametrize("treaty,text,expected", TREATY_BODY_CASES + PARTNER_CASES + CAPITALS_CASES)
def test_orgs_field(nlp, treaty, text, expected):
    assert orgs(nlp, text, treaty) == expected


@pytest.mark.parametrize("written,expected", [
    ("SBSTA", "unfccc-sbsta"), ("OSACT", "unfccc-sbsta"), ("CMP", "unfccc-cmp"), ("WGRI", "cbd-wgri"),
    ("GPPC", "gppc"), ("BIP", "biodiversity-indicators-partnership"), ("CEM", "cms"), ("UICN", "iucn"),
    ("Accord de Paris", "paris-agreement"), ("Protocolo de Kyoto", "kyoto-protocol"),
    ("Alianza Mundial para la Conservación de las Especies Vegetales", "gppc"),
    ("CONVENTION SUR LES ESPECES MIGRATRICES", "cms"), ("Convention sur la diversite biologique", "cbd"),
])
def test_kb_lookup_new_names(written, expected):
    assert load_kb(str(S.kb_path)).lookup(written) == expected


def test_sbi_is_no_kb_acronym_but_a_body_resolved_by_context():
    # SBI names the CBD's and the UNFCCC's body: context decides (orgs.json "sbi")
    assert load_kb(str(S.kb_path)).lookup("SBI") is None


@pytest.mark.parametrize("pattern,text,matches", [
    (r"Conf[ée]rence\s+des\s+Parties", "CONFERENCE DES PARTIES", True),
    (r"Conf[ée]rence\s+des\s+Parties", "CONFÉRENCE DES PARTIES", True),
    (r"esp[èe]ces", "ESPECES", True),
    (r"réunion", "REUNION", True),
    (r"[a-z]+", "abc", True),
    (r"(?P<x>comité)(?!\w)", "COMITE", True),
    (r"comité permanent", "comité technique", False),
])
def test_fold_regex(pattern, text, matches):
    import re
    assert (re.fullmatch(fold_regex(pattern), text, re.I) is not None) is matches


def test_name_key_folds_accents():
    assert name_key("CONVENTION SUR LES ESPECES") == name_key("Convention sur les espèces")
    assert unaccent("CONFÉRENCE élevée") == "CONFERENCE elevee"
