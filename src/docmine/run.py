"""One-shot library run: ingest PDFs, then extract and store every document
not yet extracted with the current model version.

>>> from docmine.run import run
>>> from docmine.settings import get_settings
>>> print(run(settings=get_settings()).render())      # doctest: +SKIP

The ``docmine run`` command (package ``docmine_pipeline``) is a Prefect flow
over the same functions; this is the plain-Python equivalent.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import func, or_, select

from docmine.store.schema import ActionItem, Document, Mention, Page
from docmine.settings import Settings, get_settings


@dataclass
class RunSummary:
    """What a run did: documents and pages ingested, what extraction found."""
    documents: int = 0  #: documents in the database after the run
    new_documents: int = 0  #: documents ingested by this run
    skipped: int = 0  #: inputs already in the database
    failed: list[dict] = field(default_factory=list)  #: [{"source", "reason"}]
    pages: int = 0  #: pages in the database
    extracted: int = 0  #: documents extracted and stored by this run
    extract_failed: list[dict] = field(default_factory=list)
    mentions: dict[str, int] = field(default_factory=dict)  #: per label, whole database
    action_items: int = 0  #: whole database
    seconds: float = 0.0
    model_version: str = ""
    database: str = ""

    @property
    def exit_code(self) -> int:
        return 1 if (self.failed or self.extract_failed) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"documents": self.documents, "new_documents": self.new_documents,
                "skipped": self.skipped, "failed": self.failed, "pages": self.pages,
                "extracted": self.extracted, "extract_failed": self.extract_failed,
                "mentions": dict(self.mentions), "action_items": self.action_items,
                "seconds": round(self.seconds, 2), "model_version": self.model_version,
                "database": self.database}

    def render(self) -> str:
        """A few lines for people."""
        labels = ", ".join(f"{k} {v}" for k, v in sorted(self.mentions.items())) or "none"
        lines = [
            f"docmine run — {self.model_version} → {self.database}",
            f"  ingested : {self.new_documents} new, {self.skipped} already stored, "
            f"{len(self.failed)} failed",
            f"  extracted: {self.extracted} documents"
            + (f", {len(self.extract_failed)} failed" if self.extract_failed else ""),
            f"  database : {self.documents} documents, {self.pages} pages",
            f"  mentions : {sum(self.mentions.values())} ({labels})",
            f"  actions  : {self.action_items} action items",
            f"  time     : {self.seconds:.1f} s",
        ]
        for f in self.failed + self.extract_failed:
            lines.append(f"  ! {f['source']}: {f['reason']}")
        if self.documents:
            lines.append("Next: docmine actions   |   docmine entities   |   docmine search WORDS")
        return "\n".join(lines)


def pending_documents(*, session, model_version: str) -> list[int]:
    """Ids of documents with text whose current model output is not from ``model_version``."""
    q = (select(Document.id).where(or_(Document.extracted_version.is_(None),
                                       Document.extracted_version != model_version))
         .order_by(Document.id))
    return list(session.scalars(q))


def run(paths: Sequence[str | Path] | str | Path | None = None, *, settings: Settings | None = None,
        progress: bool = True) -> RunSummary:
    """Ingest ``paths`` (files or folders; default ``settings.samples_dir``), then
    extract and store every document not yet extracted with the current model
    version. One document's failure is recorded and the others go on."""
    from docmine.store import search as _search
    from docmine.store.db import make_session_factory
    from docmine.store.entities import link_symbols, load_organisations
    from docmine.ingest import ingest_paths
    from docmine.extraction.nlp import load_nlp, model_version
    from docmine.store.write import extract_and_store

    settings = settings or get_settings()
    t0 = time.perf_counter()
    if paths is None:
        paths = [settings.samples_dir]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    factory = make_session_factory(settings.url)
    summary = RunSummary(model_version=model_version(settings),
                         database=_display_url(settings.url))
    ing = ingest_paths(list(paths), settings=settings, session_factory=factory,
                       progress=progress)
    summary.new_documents = ing.new + ing.needs_ocr
    summary.skipped = ing.skipped
    summary.failed = [{"source": str(o.source if hasattr(o, "source") else o.path),
                       "reason": o.reason} for o in ing.failed]

    with factory() as session:
        load_organisations(session, settings.kb_path)
        link_symbols(session)
        _search.catch_up(session)
        session.commit()
        todo = pending_documents(session=session, model_version=summary.model_version)

    nlp = load_nlp(settings) if todo else None
    bar = None
    if progress and todo:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        bar = Progress(TextColumn("extract"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[name]}"), transient=True)
        bar.start()
        task = bar.add_task("extract", total=len(todo), name="")
    try:
        for did in todo:
            with factory() as session:
                try:
                    if bar:
                        src = session.scalar(select(Document.source).where(Document.id == did))
                        bar.update(task, name=Path(str(src)).name)
                    extract_and_store(did, session=session, settings=settings, nlp=nlp)
                    session.commit()
                    summary.extracted += 1
                except Exception as exc:  # one document's failure does not stop the run
                    session.rollback()
                    src = session.scalar(select(Document.source).where(Document.id == did))
                    summary.extract_failed.append(
                        {"source": str(src), "reason": f"{type(exc).__name__}: {exc}"[:300]})
            if bar:
                bar.advance(task)
    finally:
        if bar:
            bar.stop()

    with factory() as session:
        summary.documents = session.scalar(select(func.count(Document.id))) or 0
        summary.pages = session.scalar(select(func.count(Page.id))) or 0
        summary.mentions = {lab: n for lab, n in session.execute(
            select(Mention.label, func.count(Mention.id)).group_by(Mention.label))}
        summary.action_items = session.scalar(select(func.count(ActionItem.id))) or 0
    summary.seconds = time.perf_counter() - t0
    return summary


def _display_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # pragma: no cover
        return url
