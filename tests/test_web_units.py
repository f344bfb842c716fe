"""The web app's small parts: language choice, page text to HTML (escaping,
paragraphs, mentions), snippets, the body of a symbol, ``docmine web`` errors."""
from __future__ import annotations

import pytest
from markupsafe import Markup

from docmine.documents import body_of_symbol
from docmine.web import i18n
from docmine.web.render import highlight, page_blocks, snippet_html, split_blocks


@pytest.mark.parametrize("query,header,expected", [
    ("fr", None, "fr"), ("EN", "fr", "en"), ("de", "fr-FR,fr;q=0.9", "fr"),
    (None, None, "en"), (None, "de-DE, en;q=0.7, fr;q=0.9", "fr"),
    (None, "es, it", "en"), (None, "fr;q=0, en", "en"), (None, "fr;q=abc", "en"),
])
def test_language_choice(query, header, expected):
    assert i18n.choose(query, header) == expected


def test_every_label_in_both_languages():
    assert all(set(m) == {"en", "fr"} and all(m.values()) for m in i18n.MESSAGES.values())


@pytest.mark.parametrize("symbol,body", [
    ("UNEP/CMS/StC52/11", "StC"), ("CBD/COP/17/8", "COP"), ("CBD/SBSTTA/27/6", "SBSTTA"),
    ("SC79 Doc. 14", "SC"), ("CoP19 Doc. 3", "COP"), ("UNEP/CMS/COP15/Doc.24", "COP"),
    ("UNEP/CMS/DOC100/11", None), (None, None), ("", None),
])
def test_body_of_symbol(symbol, body):
    assert body_of_symbol(symbol) == body


TEXT = "Titre\n1. Le <b>Secrétariat</b> & la CMS.\n2. Prie le Comité\nde faire rapport.\n\nNote"


def test_split_blocks_at_numbered_paragraphs_and_blank_lines():
    spans = split_blocks(TEXT)
    parts = [TEXT[a:b] for a, b in spans]
    assert parts == ["Titre\n", "1. Le <b>Secrétariat</b> & la CMS.\n",
                     "2. Prie le Comité\nde faire rapport.\n\n", "Note"]
    assert "".join(parts) == TEXT


def test_highlight_escapes_and_links():
    start = TEXT.index("<b>Secr")
    m = [{"start": start, "end": start + len("<b>Secrétariat</b>"), "label": "ORG",
          "ids": ["cms-secretariat"]},
         {"start": start + 3, "end": start + 8, "label": "DATE", "ids": []},  # overlaps: plain
         {"start": TEXT.index("CMS"), "end": TEXT.index("CMS") + 3, "label": "<x>", "ids": []}]
    html = highlight(TEXT, 0, len(TEXT), m, lambda e: "/entities/" + e)
    assert isinstance(html, Markup)
    end = start + len("<b>Secrétariat</b>")
    assert ('<a class="m m-ORG" id="m-%d" data-start="%d" data-end="%d" data-label="ORG" '
            'href="/entities/cms-secretariat" title="ORG: cms-secretariat">'
            '&lt;b&gt;Secrétariat&lt;/b&gt;</a>' % (start, start, end)) in html
    assert "&amp; la" in html and "<b>" not in html
    assert '<mark class="m m-X"' in html and 'title="&lt;x&gt;"' in html
    assert 'data-label="&lt;x&gt;"' in html


def test_actions_go_beside_their_paragraph():
    a = {"start": TEXT.index("Prie"), "text": "Prie"}
    blocks = page_blocks(TEXT, [], [a], lambda e: e)
    assert [len(b.actions) for b in blocks] == [0, 0, 1, 0]


@pytest.mark.parametrize("snippet,highlights,html", [
    ("la coopération technique", [[3, 14]], "la <mark>coopération</mark> technique"),
    ("<script>x</script>", [[8, 9]], "&lt;script&gt;<mark>x</mark>&lt;/script&gt;"),
    ("a **b", [], "a **b"),
    ("a b", [[2, 9]], "a b"),  # offsets beyond the text are ignored
    (None, None, ""),
])
def test_snippet_html(snippet, highlights, html):
    assert str(snippet_html(snippet, highlights)) == html


def test_docmine_web_with_a_bad_database_is_one_line():
    from typer.testing import CliRunner

    from docmine.cli import app
    r = CliRunner().invoke(app, ["web", "--database", "nosuchdriver://x/y", "--port", "1"])
    assert r.exit_code == 2
    assert "error: cannot open the database" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["web", "--read", "everyone"])
    assert r.exit_code == 2
