"""The extraction API: offsets into the original text, languages, files, §7 JSON."""
from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from docmine.extraction.extract import ExtractError, extract, extract_many, extract_pages, extract_text
from docmine.extraction.nlp import load_nlp
from docmine.settings import get_settings

FRENCH = (
    "Action requise :\r\n\r\nLe Comité permanent est invité à :\n\n"
    "a. Prendre note des progrès accomplis\u00a0par le Secrétariat de la CMS ;\n\n"
    "b. Examiner les documents UNEP/CMS/StC44/18.1, 18.2 et 18.3 et la Résolution 11.10\f"
    "adoptée à la 11eme session de la Conférence des Parties à la CMS (Quito, Équateur, 2014).\n"
)
ENGLISH = (
    "The Standing Committee is invited to take note of this report and to review documents "
    "UNEP/CMS/StC44/18.1 and 18.2, in light of Resolution 11.10 adopted by the Conference of the "
    "Parties at its eleventh meeting in Quito, Ecuador, in November 2014. Action requested: the "
    "Committee is invited to approve the workplan."
)


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(get_settings(use_ner=False))


def assert_offsets(ex, original):
    assert ex.text_length == len(original)
    for m in ex.mentions:
        assert 0 <= m.start < m.end <= len(original)
        assert m.text == original[m.start:m.end]
        assert isinstance(m.ids, list)
    for a in ex.action_items:
        assert 0 <= a.start < a.end <= len(original)
        assert a.text == original[a.start:a.end]
    starts = [m.start for m in ex.mentions]
    assert starts == sorted(starts)


def test_offsets_point_into_the_original_text(nlp):
    ex = extract_text(FRENCH, nlp=nlp)
    assert_offsets(ex, FRENCH)
    assert ex.pipeline == "fr"
    assert [a.paragraph for a in ex.action_items] == ["a", "b"]
    a = ex.action_items[0]
    assert a.text.startswith("a. Prendre note") and a.text.endswith(";")
    assert "\u00a0" in a.text  # the original characters, not the normalised ones


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(["Résolution 11.10", "UNEP/CMS/StC44/18.1, 18.2 et 18.3", "\f", "\r\n", "\x00\x07",
                     "\u00a0", "a. ", "b) ", "• ", "Action requise :", "Le Comité permanent est invité à :",
                     "Prie le Secrétariat de", "d'ici le 31 mars 2016", "45e réunion", ";", ".", " ",
                     "\u200b", "\ufeff", "Conf.", "COP12", "\t\t"])), max_size=25))
def test_random_text_never_breaks_offsets(nlp, parts):
    text = "".join(parts)
    ex = extract_text(text, nlp=nlp, language="fr")
    assert_offsets(ex, text)
    json.dumps(ex.to_dict())


def test_empty_and_blank_text(nlp):
    for text in ("", " ", "\n\n\f\f", "\x00\x01\x02"):
        ex = extract_text(text, nlp=nlp)
        assert ex.text_length == len(text)
        assert ex.mentions == [] and ex.action_items == []
        assert ex.document.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_enormous_paragraph(nlp):
    text = ("Le Secrétariat de la CMS a participé à la réunion. " * 4000) + "x" * 200_000
    ex = extract_text(text, nlp=nlp, language="fr")
    assert_offsets(ex, text)


def test_english_runs_the_english_pipeline(nlp):
    ex = extract_text(ENGLISH, nlp=nlp)
    assert ex.document.language == "en"
    assert ex.pipeline == "en"
    # the knowledge base's English names, with the treaty of the context
    assert ("Standing Committee", ["cms-standing-committee"]) in [(m.text, m.ids) for m in ex.mentions
                                                                  if m.label == "ORG"]
    # the "Action requested" item, its own infinitive as verb (spec §2); the sentence
    # before it is narrative
    assert [a.verb for a in ex.action_items] == ["approve"]
    assert_offsets(ex, ENGLISH)


GERMAN = (
    "Der Ständige Ausschuss wird gebeten, den Bericht des Sekretariats zur Kenntnis zu nehmen und die "
    "Dokumente UNEP/CMS/StC44/18.1 und 18.2 im Lichte der Resolution 11.10 zu prüfen, die von der "
    "Konferenz der Vertragsparteien auf ihrer elften Tagung im November 2014 angenommen wurde. Die "
    "Vertragsparteien werden ersucht, ihre Berichte bis zum Ende des Jahres vorzulegen, damit sie "
    "auf der nächsten Tagung beraten werden können."
)


def test_another_language_runs_the_rules_only_and_says_so(nlp):
    ex = extract_text(GERMAN, nlp=nlp)
    assert ex.document.language == "de"
    assert ex.pipeline == "rules" and [p.pipeline for p in ex.parts] == ["rules"]
    assert ex.action_items == [] and not any(m.label == "ORG" for m in ex.mentions)
    assert any(m.label == "DOC" for m in ex.mentions)  # the language-independent rules ran
    assert_offsets(ex, GERMAN)


def test_forced_language(nlp):
    ex = extract_text(FRENCH, nlp=nlp, language="de")
    assert ex.pipeline == "rules" and ex.document.language == "de"
    ex = extract_text(FRENCH, nlp=nlp, language="es")
    assert ex.pipeline == "es" and ex.document.language == "es"


def test_json_is_exactly_the_contract(nlp):
    d = extract_text(FRENCH, nlp=nlp, source="x.txt", symbol="UNEP/CMS/StC44/13").to_dict()
    assert list(d) == ["document", "text_length", "mentions", "action_items"]
    assert list(d["document"]) == ["source", "sha256", "language", "symbol", "treaty", "pages"]
    assert d["document"]["source"] == "x.txt" and d["document"]["symbol"] == "UNEP/CMS/StC44/13"
    assert d["document"]["pages"] is None
    for m in d["mentions"]:
        assert list(m) == ["label", "start", "end", "text", "ids", "attrs"]
        assert m["label"] in ("REF", "DOC", "ORG", "MEETING", "DATE")
    assert d["action_items"]
    for a in d["action_items"]:
        assert list(a) == ["start", "end", "text", "actor", "actor_text", "verb", "kind",
                           "deadline", "refs", "paragraph"]
        assert a["deadline"] is None or set(a["deadline"]) == {"meeting", "date"}
    json.loads(json.dumps(d))


def test_txt_file_is_read_untouched(nlp, tmp_path):
    p = tmp_path / "doc.txt"
    p.write_bytes(FRENCH.encode("utf-8"))
    ex = extract(p, nlp=nlp)
    assert ex.text_length == len(FRENCH)  # \r\n kept: no newline translation
    assert ex.document.sha256 == hashlib.sha256(FRENCH.encode("utf-8")).hexdigest()
    assert ex.document.source == str(p)
    assert_offsets(ex, FRENCH)
    assert extract(str(p), nlp=nlp).to_dict() == ex.to_dict()


def test_pages_are_joined_with_form_feeds(nlp):
    pages = ["Action requise :", "Le Comité permanent est invité à :\na. Prendre note du rapport."]
    ex = extract_pages(pages, nlp=nlp, language="fr")
    assert ex.document.pages == 2
    assert ex.text_length == len("\f".join(pages))
    assert_offsets(ex, "\f".join(pages))


def test_unreadable_files(nlp, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Résolution".encode("latin-1"))
    with pytest.raises(ExtractError, match="UTF-8"):
        extract(bad, nlp=nlp)
    with pytest.raises(ExtractError, match="no such file"):
        extract(tmp_path / "missing.txt", nlp=nlp)


def test_extract_many_keeps_order_and_reports_failures(nlp, tmp_path):
    good = tmp_path / "a.txt"
    good.write_text(FRENCH, encoding="utf-8")
    out = list(extract_many([good, tmp_path / "missing.txt", ENGLISH, FRENCH, GERMAN], nlp=nlp, batch_size=2))
    assert isinstance(out[1], ExtractError)
    assert out[0].to_dict() == extract(good, nlp=nlp).to_dict()
    assert out[2].pipeline == "en" and out[2].to_dict() == extract_text(ENGLISH, nlp=nlp).to_dict()
    assert out[4].pipeline == "rules"
    assert out[3].to_dict()["mentions"] == extract_text(FRENCH, nlp=nlp).to_dict()["mentions"]


def test_dev_pdf(nlp, shared_dir):
    pdfs = sorted((shared_dir / "corpus" / "dev" / "pdf").glob("*.pdf"))
    if not pdfs:
        pytest.skip("no dev PDFs")
    try:
        from docmine.reading.read import read_pdf
    except ImportError:
        pytest.skip("reader not installed")
    ex = extract(pdfs[0], nlp=nlp)
    original = read_pdf(pdfs[0]).text
    assert ex.document.pages and ex.document.pages >= 1
    assert_offsets(ex, original)
    assert ex.action_items


@pytest.mark.slow
def test_with_statistical_ner():
    full = load_nlp(get_settings(use_ner=True))
    assert "ner" in full.pipe_names
    ex = extract_text(FRENCH, nlp=full)
    assert_offsets(ex, FRENCH)
    # the model version names the NER model in force (models/ner_org_fr by default)
    from pathlib import Path
    assert ex.model_version.endswith("+" + Path(get_settings().model).name)
    assert not ex.model_version.endswith("+rules")


@pytest.mark.parametrize("original, normalised", [
    ("Bureau sous\ufffer\u00e9gional pour", "Bureau sousr\u00e9gional pour"),   # PDFium line-end hyphen mark
    ("la coop\u00e9ra\ufffe\r\ntion technique", "la coop\u00e9ration technique"),  # mark + line break
    ("x\u00ad\u00ady  z", "xy z"),                                              # soft hyphens
    ("a \n\n b", "a b"),
])
def test_normalised_text_drops_hyphen_marks_and_maps_back(original, normalised):
    from docmine.reading.textmap import normalise
    n = normalise(original)
    assert n.text == normalised
    assert len(n.offsets) == len(n.text) + 1
    for i, ch in enumerate(n.text):  # every kept character maps to itself in the original
        assert ch == " " or original[n.offsets[i]] == ch
