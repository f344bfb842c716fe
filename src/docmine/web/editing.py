"""What the document page needs to let an editor correct it, and the id
suggestions its forms autocomplete from.

* :func:`can_edit`: editors and admins (``viewer`` and anonymous: no edit
  controls are rendered — and the API refuses their writes anyway);
* :func:`edit_data`: the JSON the page's ``static/editor.js`` reads (the
  page's targets from :func:`docmine.corrections.targets`, each with its
  ``target`` key and ``revision``, the page text, the CSRF token, the API
  addresses and the interface labels). Rendered with Jinja's ``tojson``
  (``<``, ``>``, ``&``, ``'`` escaped), inside ``<script
  type="application/json">``, which the CSP does not let run;
* :func:`suggest_ids`: ids for the autocompletion: entities in the store
  (id or name containing the typed words, accents and case folded) and the
  organisations of the knowledge base (``settings.kb_path``), ``source``
  ``entity`` or ``kb``.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any, Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from docmine.store.schema import Entity

from . import i18n

EDIT_ROLES = ("editor", "admin")
#: the labels editor.js needs (the dialogs' own labels are in the template)
JS_KEYS = ("action_item", "nothing_to_edit", "saving", "saved", "refused", "network_error",
           "select_first", "remove", "bad_span", "no_selection", "find_none", "edit_mention",
           "add_mention", "edit_action", "add_action", "bad_date", "deleted", "chose_theirs",
           "chose_mine", "conflict", "nothing_to_undo")


def role_of(user: Any) -> Optional[str]:
    """The role of ``user`` (a ``User`` row or a ``{"name", "role"}`` dict), or None."""
    if user is None:
        return None
    if isinstance(user, dict):
        return user.get("role")
    return getattr(user, "role", None)


def name_of(user: Any) -> Optional[str]:
    if user is None:
        return None
    if isinstance(user, dict):
        return user.get("name")
    return getattr(user, "name", None)


def can_edit(user: Any) -> bool:
    """Whether ``user`` may correct (role ``editor`` or ``admin``, not disabled)."""
    if user is None:
        return False
    disabled = user.get("disabled") if isinstance(user, dict) else getattr(user, "disabled", False)
    return role_of(user) in EDIT_ROLES and not disabled


def edit_data(*, session: Session, document, page: int, page_text: str, csrf_token: str,
              lang: str) -> dict:
    """The editor's view of page ``page`` of ``document`` (a ``Document`` row):
    ``{"document_id", "document_sha256", "page", "page_text", "model_version",
    "mentions": [...], "actions": [...], "csrf_token", "csrf_header", "api":
    {...}, "t": {...}}``; mentions and action items are those of
    :func:`docmine.corrections.targets` on this page (with ``target`` and
    ``revision``)."""
    from docmine import corrections

    tg = corrections.targets(document.id, session=session)
    on_page = lambda r: int(r.get("page") or 0) == int(page)  # noqa: E731
    t = i18n.translator(lang)
    return {
        "document_id": document.id, "document_sha256": document.sha256, "page": page,
        "page_text": page_text or "",
        "model_version": (tg.get("document") or {}).get("model_version"),
        "mentions": [m for m in tg.get("mentions", []) if on_page(m)],
        "actions": [a for a in tg.get("action_items", []) if on_page(a)],
        "csrf_token": csrf_token or "", "csrf_header": "X-CSRF-Token",
        "api": {"corrections": "/api/corrections", "suggest": "/api/suggest",
                "history": "/history/target/"},
        "t": {k: t(k) for k in JS_KEYS},
    }


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s or "")
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=4)
def _kb_rows(path: str) -> tuple[tuple[str, str, str], ...]:
    from docmine.extraction.kb import load_kb
    kb = load_kb(path)
    rows = []
    for o in kb.orgs.values():
        words = [o.id, o.name, *(n for ns in o.names.values() for n in ns),
                 *(a for acs in o.acronyms.values() for a in acs), *o.aliases]
        rows.append((o.id, o.name, _fold(" ".join(words))))
    return tuple(rows)


def suggest_ids(q: str, *, session: Session, label: Optional[str] = None, limit: int = 20,
                kb_path: Optional[str] = None) -> list[dict]:
    """Up to ``limit`` ids whose id or name contains every word of ``q``
    (case and accents folded): ``[{"id", "label", "name", "source"}]``,
    store entities first (most mentioned first), then knowledge-base
    organisations not already listed (only when ``label`` is ORG or None)."""
    words = [w for w in _fold(q).split() if w][:8]
    if not words:
        return []
    out: list[dict] = []
    seen: set[str] = set()
    stmt = select(Entity.id, Entity.label, Entity.name).order_by(Entity.mention_count.desc(),
                                                                Entity.id)
    if label:
        stmt = stmt.where(Entity.label == label)
    for w in words:  # bound parameters; % and _ in the typed text are literal
        pat = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(Entity.id).like(pat, escape="\\"),
                              func.lower(func.coalesce(Entity.name, "")).like(pat, escape="\\")))
    for eid, lab, name in session.execute(stmt.limit(limit)):
        seen.add(eid)
        out.append({"id": eid, "label": lab, "name": name or "", "source": "entity"})
    if len(out) < limit and label in (None, "", "ORG") and kb_path:
        try:
            rows = _kb_rows(str(kb_path))
        except (OSError, ValueError):
            rows = ()
        for oid, name, folded in rows:
            if oid not in seen and all(w in folded for w in words):
                seen.add(oid)
                out.append({"id": oid, "label": "ORG", "name": name, "source": "kb"})
                if len(out) >= limit:
                    break
    return out
