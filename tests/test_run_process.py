"""``docmine.run.process_document``: the one per-document sequence (read →
store → extract → store) that ``docmine.run.run`` and the Prefect flow share."""
from __future__ import annotations

from sqlalchemy import func, select

from docmine.run import current_versions, process_document
from docmine.settings import get_settings
from docmine.store.db import make_session_factory
from docmine.store.schema import Document, IngestItem, IngestRun, Mention


def _run_id(factory) -> int:
    with factory() as session:
        row = IngestRun(trigger="api", status="running", settings={})
        session.add(row)
        session.commit()
        return row.id


def test_table_of_outcomes_and_a_retried_call_resumes(db_url, repo_dir, tmp_path):
    settings = get_settings(database_url=db_url, data_dir=tmp_path, use_ner=False)
    factory = make_session_factory(db_url)
    sample = repo_dir / "corpus" / "samples" / "cms_stc52_11.pdf"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n not a pdf")
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(sample.read_bytes())
    run_id = _run_id(factory)
    cases = [  # (path, outcome, step, extracted)
        (sample, "new", None, True),
        (sample, "new", None, False),  # the same call again (a Prefect retry): resumed, not re-read
        (copy, "skipped", None, False),  # same bytes from another path
        (broken, "failed", "read", False),
    ]
    got = []
    for path, *_ in cases:
        r = process_document(path, run_id=run_id, settings=settings, session_factory=factory)
        got.append((path, r.outcome, r.step, r.extracted))
    assert got == [tuple(c) for c in cases]
    with factory() as session:
        items = sorted(session.scalars(select(IngestItem.outcome).where(IngestItem.run_id == run_id)))
        assert items == ["failed", "new", "skipped"]  # the resumed call recorded nothing twice
        doc = session.scalars(select(Document)).one()
        assert doc.extracted_version in current_versions(settings)
        assert session.scalar(select(func.count(Mention.id))) > 10


def test_an_english_paper_is_not_pending_after_its_run(db_url, tmp_path):
    """Issue 11: an English paper is extracted by the English pipeline (its own
    NER, its own model version); that version is a current one, so the nightly
    re-extraction does not take the paper up again and again."""
    from paperpdf import write_pdf

    from docmine.run import pending_documents

    settings = get_settings(database_url=db_url, data_dir=tmp_path)
    factory = make_session_factory(db_url)
    lines = ["The Conference of the Parties,", "",
             "1. Requests the Executive Secretary to report to the Subsidiary Body on Implementation",
             "on the progress made in the implementation of the present decision;",
             "2. Invites Parties to submit their views to the Executive Secretary by 31 March 2026."]
    pdf = write_pdf(tmp_path / "en.pdf", [lines], header="CBD/COP/DEC/16/97")
    r = process_document(pdf, run_id=_run_id(factory), settings=settings, session_factory=factory)
    assert r.extracted
    with factory() as session:
        doc = session.scalars(select(Document)).one()
        assert doc.extracted_version.endswith("+ner_org_en")
        assert doc.extracted_version in current_versions(settings)
        assert pending_documents(session=session, model_version=current_versions(settings)) == []
