"""Model versions as records, the version in force, knowledge learned from corrections.

* :class:`~docmine.store.schema.ModelVersion` rows hold every trained model:
  its ``tag`` (the artefact folder's name), ``name`` (``docmine-<version>+<tag>``,
  the model version stored with every mention), ``artefact_path`` (a spaCy
  pipeline whose NER extraction loads; under ``<data_dir>/models/<tag>``),
  ``config``, ``data_hashes``, ``scores``, the gate's ``verdict`` and
  ``report``, and ``status`` (``baseline``, ``candidate``, ``in_force``,
  ``retired``, ``refused``, ``rolled_back``).
* The version in force is a setting of the database (``settings`` row
  ``model_in_force`` = a version's ``name``): :func:`settings_in_force` turns
  the process's :class:`~docmine.settings.Settings` into the ones extraction
  runs with (``model`` = the version's artefact, ``kb_overlay`` = the learned
  knowledge), so the CLI, the web app and the flows all use the same model.
  A database with no such setting keeps the process's settings (the shipped
  ``models/ner_org_fr``).
* ``kb_overlay`` rows: an editor linking a name to an id (an organisation
  mention's ``ids``) adds an alias of that id, or a new entity when the id is
  in neither the knowledge base nor the overlay, each with the correction it
  came from (:func:`learn_knowledge`; idempotent). The rule components read
  them as data (:attr:`Settings.kb_overlay <docmine.settings.Settings>`); the
  extraction wing never imports the store.

Errors: :class:`ModelError` (one line) for an unknown version, a promotion
of a version without artefact, a rollback with nothing to roll back to.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docmine.settings import Settings
from .schema import Correction, DatabaseSetting, Entity, KbOverlay, ModelVersion

#: the ``settings`` key naming the version in force
IN_FORCE_KEY = "model_in_force"
STATUSES = ("baseline", "candidate", "in_force", "retired", "refused", "rolled_back")


class ModelError(Exception):
    """A model-version operation that cannot be done; the message is one line."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ------------------------------------------------------------------ settings table
def get_setting(key: str, *, session: Session, default: Any = None) -> Any:
    row = session.get(DatabaseSetting, key)
    return default if row is None else row.value


def set_setting(key: str, value: Any, *, session: Session) -> None:
    """Insert or replace one database setting (the caller commits)."""
    row = session.get(DatabaseSetting, key)
    if row is None:
        session.add(DatabaseSetting(key=key, value=value, updated_at=_now()))
    else:
        row.value, row.updated_at = value, _now()
    session.flush()


# ------------------------------------------------------------------ versions
def version_name(tag: str) -> str:
    """``docmine-<package version>+<tag>``: what extraction records with every mention
    (:func:`docmine.extraction.nlp.model_version` of a model folder named ``tag``)."""
    from docmine import __version__
    return f"docmine-{__version__}+{tag}"


def find_version(ref: str | int, *, session: Session) -> ModelVersion:
    """A version by ``name``, ``tag`` or row id; :class:`ModelError` when none."""
    ref_s = str(ref).strip()
    q = select(ModelVersion).where((ModelVersion.name == ref_s) | (ModelVersion.tag == ref_s))
    row = session.scalars(q).first()
    if row is None and ref_s.isdigit():
        row = session.get(ModelVersion, int(ref_s))
    if row is None:
        raise ModelError(f"no model version {ref_s!r} (see docmine models list)")
    return row


def in_force(*, session: Session) -> Optional[ModelVersion]:
    """The version in force, or None when the database names none."""
    name = get_setting(IN_FORCE_KEY, session=session)
    if not name:
        return None
    return session.scalars(select(ModelVersion).where(ModelVersion.name == name)).first()


def register_baseline(settings: Settings, *, session: Session) -> ModelVersion:
    """The version in force, registering the process's model (``settings.model``,
    the shipped ``models/ner_org_fr`` by default) as the baseline and putting it
    in force when the database names none yet. The caller commits."""
    cur = in_force(session=session)
    if cur is not None:
        return cur
    tag = Path(settings.model).name
    name = version_name(tag)
    row = session.scalars(select(ModelVersion).where(ModelVersion.name == name)).first()
    if row is None:
        row = ModelVersion(name=name, config={}, scores={}, promoted=False)
        session.add(row)
    row.tag = row.tag or tag
    row.artefact_path = row.artefact_path or str(settings.model)
    row.status, row.promoted, row.promoted_at = "in_force", True, _now()
    session.flush()
    set_setting(IN_FORCE_KEY, name, session=session)
    return row


def add_candidate(*, session: Session, tag: str, artefact_path: str, parent: Optional[str],
                  config: dict, data_hashes: dict) -> ModelVersion:
    """A new ``candidate`` row (the caller commits)."""
    row = ModelVersion(name=version_name(tag), tag=tag, artefact_path=str(artefact_path), parent=parent,
                       config=config, data_hashes=data_hashes, scores={}, promoted=False,
                       status="candidate", created_at=_now())
    session.add(row)
    session.flush()
    return row


def promote(ref: str | int, *, session: Session) -> ModelVersion:
    """Put a version in force: the current one becomes ``retired``. Its
    artefact must exist. A version refused by the gate can be promoted by hand
    (an operator's decision; its verdict stays). The caller commits."""
    row = find_version(ref, session=session)
    if not row.artefact_path or not Path(row.artefact_path).is_dir():
        raise ModelError(f"model version {row.tag or row.name} has no artefact at {row.artefact_path}")
    cur = in_force(session=session)
    if cur is not None and cur.id == row.id:
        return row
    if cur is not None:
        cur.status = "retired"
    row.status, row.promoted, row.promoted_at = "in_force", True, _now()
    session.flush()
    set_setting(IN_FORCE_KEY, row.name, session=session)
    return row


def rollback(*, session: Session) -> tuple[ModelVersion, ModelVersion]:
    """Put back the version that was in force before the current one (the
    latest promoted before it, not itself rolled back); the current one becomes
    ``rolled_back``. Returns (previous, restored). The caller commits."""
    cur = in_force(session=session)
    if cur is None:
        raise ModelError("no model version in force: nothing to roll back")
    q = (select(ModelVersion).where(ModelVersion.id != cur.id, ModelVersion.promoted_at.is_not(None),
                                    ModelVersion.status == "retired")
         .order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc()))
    prev = session.scalars(q).first()
    if prev is None:
        raise ModelError(f"{cur.tag or cur.name} is the only version ever in force: nothing to roll back to")
    if not prev.artefact_path or not Path(prev.artefact_path).is_dir():
        raise ModelError(f"previous version {prev.tag or prev.name} has no artefact at {prev.artefact_path}")
    cur.status = "rolled_back"
    prev.status, prev.promoted_at = "in_force", _now()
    session.flush()
    set_setting(IN_FORCE_KEY, prev.name, session=session)
    return cur, prev


def list_versions(*, session: Session) -> list[dict[str, Any]]:
    """Every version, newest first: ``tag, name, status, in_force, verdict,
    micro_f1`` (the candidate's micro strict F1 on the gate's evaluation set,
    when gated), ``created_at``, ``promoted_at``, ``parent``, ``artefact_path``."""
    force = get_setting(IN_FORCE_KEY, session=session)
    rows = session.scalars(select(ModelVersion).order_by(ModelVersion.created_at.desc(),
                                                         ModelVersion.id.desc()))
    out = []
    for r in rows:
        micro = ((r.scores or {}).get("candidate") or {}).get("micro", {}).get("strict", {}).get("f1")
        out.append({"tag": r.tag or "", "name": r.name, "status": r.status,
                    "in_force": r.name == force, "verdict": r.verdict or "",
                    "micro_f1": micro,
                    "created_at": r.created_at.isoformat(timespec="seconds") if r.created_at else None,
                    "promoted_at": r.promoted_at.isoformat(timespec="seconds") if r.promoted_at else None,
                    "parent": r.parent or "", "artefact_path": r.artefact_path or ""})
    return out


# ------------------------------------------------------------------ knowledge from corrections
def _ids(rec: Optional[dict]) -> list[str]:
    return [i for i in ((rec or {}).get("ids") or []) if isinstance(i, str) and i.strip()]


def _link_sources(session: Session) -> list[Correction]:
    """For each corrected organisation mention whose record in force (the last
    ledger row of its target that is neither refused nor superseded, as
    :func:`docmine.corrections.targets` reads the ledger) carries ids: the row
    where an editor set those ids (its ``before`` had other ids), unless that
    row was reverted or undone. Rows that only restore or accept the model's
    own output teach nothing."""
    rows = session.scalars(select(Correction).where(Correction.target == "mention",
                                                    Correction.status != "conflict")
                           .order_by(Correction.id)).all()
    superseded = {c.supersedes_id for c in rows if c.supersedes_id}
    reverted = {c.revert_of for c in rows if c.revert_of}
    chains: dict[str, list[Correction]] = {}
    for c in rows:
        if c.id in superseded:
            continue
        key = c.target_key or f"mention:{c.document_sha256}:{c.page_number}:{c.start}:{c.end}:{c.label}"
        chains.setdefault(key, []).append(c)
    out = []
    for chain in chains.values():
        last = chain[-1]
        a = last.after or {}
        ids = _ids(a)
        if last.op == "delete" or not ids or (a.get("label") or last.label) != "ORG":
            continue
        for c in reversed(chain):
            if c.id in reverted or c.revert_of:
                continue
            if _ids(c.after) == ids and _ids(c.before) != ids:
                out.append(c)
                break
    return out


def learn_knowledge(*, session: Session, kb_ids: Optional[set[str]] = None) -> dict[str, int]:
    """Bring ``kb_overlay`` in line with the ledger: every organisation mention
    an editor linked to an id (:func:`_link_sources`) gives an alias of that id
    (its text, as the editor's row recorded it), or a new ``entity`` when the id is in neither
    ``kb_ids`` (the knowledge base's ids; default the ``entities`` table's
    organisations) nor an earlier overlay row; rows whose correction is no
    longer in force become inactive. New entities are also added to
    ``entities`` (kind ``organisation``) so mentions can link to them.
    Idempotent; the caller commits. Returns ``{"added", "deactivated",
    "reactivated", "active"}``."""
    if kb_ids is None:
        kb_ids = set(session.scalars(select(Entity.id).where(Entity.kind == "organisation")))
    wanted: dict[tuple[int, str, str], dict] = {}
    for c in _link_sources(session):
        a = c.after or {}
        text = " ".join(str(a.get("text") or "").split())
        ids = _ids(a)
        if not text or not ids:
            continue
        eid = ids[0].strip()
        wanted[(c.id, eid, text)] = {"correction_id": c.id, "entity_id": eid, "alias": text}
    existing = {(r.correction_id, r.entity_id, r.alias): r for r in session.scalars(select(KbOverlay))}
    known_new = {r.entity_id for r in existing.values() if r.kind == "entity"}
    added = deactivated = reactivated = 0
    for key, row in existing.items():
        if key not in wanted and row.active:
            row.active = False
            deactivated += 1
        elif key in wanted and not row.active:
            row.active = True
            reactivated += 1
    for key in sorted(wanted, key=lambda k: k[0]):
        if key in existing:
            continue
        w = wanted[key]
        kind = "alias" if (w["entity_id"] in kb_ids or w["entity_id"] in known_new) else "entity"
        if kind == "entity":
            known_new.add(w["entity_id"])
            if session.get(Entity, w["entity_id"]) is None:
                session.add(Entity(id=w["entity_id"], kind="organisation", label="ORG", name=w["alias"],
                                   data={"source": "kb_overlay", "correction_id": w["correction_id"]}))
        session.add(KbOverlay(kind=kind, entity_id=w["entity_id"], alias=w["alias"], lang="",
                              correction_id=w["correction_id"], active=True, created_at=_now()))
        added += 1
    session.flush()
    active = session.query(KbOverlay).filter(KbOverlay.active.is_(True)).count()
    return {"added": added, "deactivated": deactivated, "reactivated": reactivated, "active": active}


#: ``settings`` key: the last ledger row :func:`sync_knowledge` has learned from
KNOWLEDGE_THROUGH_KEY = "kb_overlay_through"


def knowledge_behind(*, session: Session) -> bool:
    """Whether the ledger has rows :func:`learn_knowledge` has not seen (reads only)."""
    top = session.scalar(select(func.max(Correction.id)))
    return bool(top) and get_setting(KNOWLEDGE_THROUGH_KEY, session=session) != top


def sync_knowledge(*, session: Session) -> bool:
    """:func:`learn_knowledge` when the ledger moved since the last time (then
    True); records how far it got. Extraction calls it first, so a name an
    editor linked is found in the next document extracted. The caller commits."""
    top = session.scalar(select(func.max(Correction.id)))
    if not top or get_setting(KNOWLEDGE_THROUGH_KEY, session=session) == top:
        return False
    learn_knowledge(session=session)
    set_setting(KNOWLEDGE_THROUGH_KEY, top, session=session)
    return True


def kb_overlay(*, session: Session) -> tuple[tuple[str, str, str, str], ...]:
    """The active overlay as data for the extraction wing: ``(kind, entity_id,
    alias, lang)`` tuples in a stable order (see
    :meth:`docmine.extraction.kb.KnowledgeBase.with_overlay`)."""
    rows = session.execute(select(KbOverlay.kind, KbOverlay.entity_id, KbOverlay.alias, KbOverlay.lang)
                           .where(KbOverlay.active.is_(True))
                           .order_by(KbOverlay.correction_id, KbOverlay.id)).all()
    seen, out = set(), []
    for r in rows:
        key = (r.entity_id, r.alias)
        if key in seen:
            continue
        seen.add(key)
        out.append((r.kind, r.entity_id, r.alias, r.lang or ""))
    return tuple(out)


def list_overlay(*, session: Session, include_inactive: bool = False) -> list[dict[str, Any]]:
    """Overlay rows: ``entity_id, kind, alias, correction_id, active, created_at``."""
    q = select(KbOverlay).order_by(KbOverlay.id)
    if not include_inactive:
        q = q.where(KbOverlay.active.is_(True))
    return [{"entity_id": r.entity_id, "kind": r.kind, "alias": r.alias, "correction_id": r.correction_id,
             "active": r.active, "created_at": r.created_at.isoformat() if r.created_at else None}
            for r in session.scalars(q)]


# ------------------------------------------------------------------ settings in force
def apply_in_force(settings: Settings, *, session: Session) -> Settings:
    """``settings`` with the database's choices: ``model`` = the artefact of the
    version in force (when there is one and its folder exists), ``kb_overlay`` =
    the active learned knowledge. Reads only."""
    changes: dict[str, Any] = {"kb_overlay": kb_overlay(session=session)}
    cur = in_force(session=session)
    if cur is not None and cur.artefact_path and Path(cur.artefact_path).is_dir():
        changes["model"] = str(cur.artefact_path)
    return settings.with_(**changes)


def settings_in_force(settings: Settings) -> Settings:
    """:func:`apply_in_force` on ``settings.url``'s database; the settings
    unchanged when that database does not exist yet or predates migration
    0006_training (nothing to read)."""
    from sqlalchemy.exc import DBAPIError
    from .db import get_engine
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    url = settings.url
    try:
        u = make_url(url)
        if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:" \
                and not Path(u.database).exists():
            return settings
        engine = get_engine(url)
        if "settings" not in inspect(engine).get_table_names():
            return settings
        with Session(engine) as session:
            return apply_in_force(settings, session=session)
    except DBAPIError:
        return settings
