"""Accounts: users with roles, API tokens, and the sign-in rate limit.

Roles (issue 13): ``viewer`` reads, ``editor`` writes corrections, ``admin``
also reverts them. Passwords are kept as argon2id hashes (argon2-cffi's
``PasswordHasher`` defaults, RFC 9106); API tokens are 32 random bytes
(:func:`secrets.token_urlsafe`) of which only the SHA-256 is stored (a
high-entropy token needs no slow hash). Every function takes a keyword-only
``session`` and commits its own write.

Errors: :class:`AccountError` (a ValueError) with a one-line reason — an
unknown or duplicate name, a bad role, an empty password.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docmine.store.schema import ApiToken, LoginAttempt, User

__all__ = ["ROLES", "AccountError", "add_user", "list_users", "disable_user", "create_token",
           "revoke_tokens", "authenticate", "user_for_token", "get_user", "login_blocked",
           "record_failure", "clear_failures", "session_fingerprint", "USER_COLUMNS", "can_write", "can_revert"]

ROLES = ("viewer", "editor", "admin")
USER_COLUMNS = ["name", "role", "disabled", "created_at", "tokens"]
#: sign-in rate limit: this many failures per (name, address) within WINDOW block the pair
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_hasher = PasswordHasher()
#: verified against when the name is unknown, so timing does not tell names apart
_DUMMY_HASH = _hasher.hash("docmine-no-such-user")


class AccountError(ValueError):
    """A bad account request, with a one-line reason."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def can_write(user: Any) -> bool:
    """True for an enabled editor or admin."""
    return user is not None and not getattr(user, "disabled", False) and \
        getattr(user, "role", None) in ("editor", "admin")


def can_revert(user: Any) -> bool:
    """True for an enabled admin."""
    return user is not None and not getattr(user, "disabled", False) and \
        getattr(user, "role", None) == "admin"


def get_user(name: str, *, session: Session) -> Optional[User]:
    """The user called ``name`` (exact), or None."""
    return session.scalar(select(User).where(User.name == name))


def add_user(name: str, password: str, *, role: str = "editor", session: Session) -> User:
    """Create a user. ``name``: 1–64 of letters, digits, ``. _ @ -``; ``role``:
    viewer, editor or admin; ``password``: at least 8 characters. Raises
    :class:`AccountError` (duplicate name included: the database's unique
    constraint decides)."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise AccountError(f"bad user name {name!r}: 1-64 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise AccountError(f"bad role {role!r}: one of {', '.join(ROLES)}")
    if not password or len(password) < 8:
        raise AccountError("the password must have at least 8 characters")
    user = User(name=name, role=role, password_hash=_hasher.hash(password), disabled=False)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AccountError(f"user {name!r} already exists") from None
    return user


def _must(name: str, session: Session) -> User:
    user = get_user(name, session=session)
    if user is None:
        raise AccountError(f"no such user: {name!r} (see `docmine users list`)")
    return user


def list_users(*, session: Session) -> list[dict[str, Any]]:
    """Every user, by name: ``name, role, disabled, created_at, tokens`` (live tokens)."""
    live = dict(session.execute(select(ApiToken.user_id, func.count()).where(
        ApiToken.revoked.is_(False)).group_by(ApiToken.user_id)).all())
    return [{"name": u.name, "role": u.role, "disabled": bool(u.disabled),
             "created_at": u.created_at.isoformat() if u.created_at else None,
             "tokens": int(live.get(u.id, 0))}
            for u in session.scalars(select(User).order_by(User.name))]


def disable_user(name: str, *, session: Session) -> None:
    """Disable ``name``: it can no longer sign in, its sessions and tokens stop working."""
    user = _must(name, session)
    user.disabled = True
    session.commit()


def create_token(name: str, *, session: Session) -> str:
    """A new API token for ``name`` (printed once; only its SHA-256 is kept)."""
    user = _must(name, session)
    if user.disabled:
        raise AccountError(f"user {name!r} is disabled")
    token = "dm_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_sha(token), revoked=False))
    session.commit()
    return token


def revoke_tokens(name: str, *, session: Session) -> int:
    """Revoke every token of ``name``; returns how many were live."""
    user = _must(name, session)
    toks = list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.revoked.is_(False))))
    for t in toks:
        t.revoked = True
    session.commit()
    return len(toks)


def session_fingerprint(user: User) -> str:
    """16 hex digits derived from the password hash: kept in the session
    cookie, so a changed password ends the sessions made with the old one."""
    return hashlib.sha256(("session:" + user.password_hash).encode()).hexdigest()[:16]


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(name: str, password: str, *, session: Session) -> Optional[User]:
    """The enabled user ``name`` when ``password`` is theirs, else None (the
    same work is done for an unknown name). Rehashes on parameter change."""
    user = get_user((name or "").strip(), session=session)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.commit()
    return user


def user_for_token(token: str, *, session: Session, touch: bool = True) -> Optional[User]:
    """The enabled user owning the live API token ``token``, else None.
    ``touch``: record ``last_used_at`` (at most once a minute per token)."""
    if not token:
        return None
    row = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                          .where(ApiToken.token_hash == _sha(token.strip()))).first()
    if row is None:
        return None
    tok, user = row
    if tok.revoked or user.disabled:
        return None
    now = _now()
    last = tok.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    if touch and (last is None or now - last > timedelta(minutes=1)):
        tok.last_used_at = now
        try:
            session.commit()
        except Exception:  # a busy store must not refuse a valid token
            session.rollback()
    return user


def _attempt_key(name: str, ip: str) -> str:
    return f"{(name or '').strip().lower()[:128]}|{ip or '?'}"


def login_blocked(name: str, ip: str, *, session: Session) -> int:
    """Seconds until ``name`` may try again from ``ip`` (0: now). Blocked after
    :data:`MAX_FAILURES` failures within :data:`WINDOW`."""
    since = _now() - WINDOW
    times = list(session.scalars(select(LoginAttempt.created_at).where(
        LoginAttempt.key == _attempt_key(name, ip), LoginAttempt.created_at >= since)
        .order_by(LoginAttempt.created_at)))
    if len(times) < MAX_FAILURES:
        return 0
    oldest = times[-MAX_FAILURES]
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=timezone.utc)
    return max(1, int((oldest + WINDOW - _now()).total_seconds()) + 1)


def record_failure(name: str, ip: str, *, session: Session) -> None:
    """Count one failed sign-in of ``name`` from ``ip``."""
    session.add(LoginAttempt(key=_attempt_key(name, ip)))
    session.commit()


def clear_failures(name: str, ip: str, *, session: Session) -> None:
    """Forget ``name``'s failures from ``ip`` (after a successful sign-in)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == _attempt_key(name, ip)))
    session.commit()
