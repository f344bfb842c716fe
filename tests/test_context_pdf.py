"""Issue 8, kinds 3, 4 and 6 on PDFs rendered with reportlab and on the same
text given as a plain-text file: treaty context, meetings in title blocks,
organisations in capitals without accents. The full pipeline runs (``extract``).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

CMS_TITLE_BLOCK = [
    "CONVENTION SUR LES ESPECES MIGRATRICES",
    "COMITÉ PERMANENT",
    "QUARANTE-CINQUIÈME RÉUNION",
    "Bonn, Allemagne, 9 - 10 novembre 2016",
    "RAPPORT DU SECRÉTARIAT SUR LA COOPÉRATION AVEC LA CITES",
    "ACTION REQUISE :",
    "Le Comité permanent est invité à :",
    "a. prendre note du présent rapport.",
    "1. Rappelant la résolution 73/284 de l’Assemblée générale des Nations Unies et la décision",
    "1/CP.21, le Secrétariat fera rapport à la 14e Conférence des Parties.",
]
CMS_EXPECTED = [
    ("MEETING", "QUARANTE-CINQUIÈME RÉUNION", ["CMS StC45"]),
    ("ORG", "CONVENTION SUR LES ESPECES MIGRATRICES", ["cms"]),
    ("ORG", "Comité permanent", ["cms-standing-committee"]),
    ("REF", "résolution 73/284", ["UNGA Res 73/284"]),
    ("REF", "décision 1/CP.21", ["UNFCCC COP Dec 1/CP.21"]),
    ("MEETING", "14e Conférence des Parties", ["CMS COP14"]),
]

CBD_NO_HEADER = [
    "Rappelant la décision II/1 et la recommandation II/11 de l’Organe subsidiaire chargé de",
    "fournir des avis scientifiques, techniques et technologiques,",
    "1. Invite la troisième réunion de la Conférence des Parties à examiner les conclusions.",
    "2. Prie la Secrétaire exécutive de diffuser le présent rapport au Partenariat mondial pour la",
    "conservation des plantes.",
]
CBD_EXPECTED = [
    ("MEETING", "troisième réunion de la Conférence des Parties", ["CBD COP3"]),
    ("ORG", "Secrétaire exécutive", ["cbd-executive-secretary"]),
    ("ORG", "Partenariat mondial pour la conservation des plantes", ["gppc"]),
]


def render_pdf(path: Path, lines: list[str]) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    _, height = A4
    c.setFont("Helvetica", 10)
    y = height - 80
    for line in lines:
        c.drawString(60, y, line)
        y -= 16
    c.showPage()
    c.save()
    return path


def _norm(s: str) -> str:
    return " ".join(s.split())


@pytest.mark.slow
@pytest.mark.parametrize("lines,treaty,expected", [
    (CMS_TITLE_BLOCK, "CMS", CMS_EXPECTED),
    (CBD_NO_HEADER, "CBD", CBD_EXPECTED),
])
@pytest.mark.parametrize("kind", ["pdf", "txt"])
def test_context_meetings_orgs_in_pdf_and_text(tmp_path, lines, treaty, expected, kind):
    from docmine.extraction.extract import extract
    if kind == "pdf":
        path = render_pdf(tmp_path / "paper.pdf", lines)
    else:
        path = tmp_path / "paper.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ex = extract(path)
    assert ex.document.treaty == treaty
    got = {(m.label, _norm(m.text), tuple(m.ids)) for m in ex.mentions}
    for label, text, ids in expected:
        assert (label, text, tuple(ids)) in got, (label, text, sorted(got))
    # a heading naming CITES gives no context to the CMS Standing Committee
    assert not any(m.ids == ["cites-standing-committee"] for m in ex.mentions)
