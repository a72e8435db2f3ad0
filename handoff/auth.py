"""Staff accounts, sessions, CSRF tokens and login rate limiting."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, select

from handoff.db import Database, LoginFailure, StaffSession, StaffUser, utcnow

_hasher = PasswordHasher()
# verifying against this keeps the time of a login with an unknown name the same
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 12


class AuthError(ValueError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def upsert_user(db: Database, username: str, password: str) -> None:
    """Create the account, or set a new password when it exists."""
    username = (username or "").strip()
    if not username or len(username) > 80:
        raise AuthError("a username of 1 to 80 characters is required")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None:
            s.add(StaffUser(username=username, password_hash=_hasher.hash(password)))
        else:
            user.password_hash = _hasher.hash(password)
            user.active = True


def too_many_failures(db: Database, username: str, remote: str, limit: int, minutes: int) -> bool:
    since = utcnow() - timedelta(minutes=minutes)
    with db.session() as s:
        by_name = s.execute(
            select(func.count()).select_from(LoginFailure).where(and_(LoginFailure.username == username,
                                                                      LoginFailure.at >= since))
        ).scalar_one()
        by_remote = s.execute(
            select(func.count()).select_from(LoginFailure).where(and_(LoginFailure.remote == remote,
                                                                      LoginFailure.at >= since))
        ).scalar_one()
    return by_name >= limit or by_remote >= limit * 4


def login(db: Database, username: str, password: str, remote: str, hours: int) -> Optional[Tuple[str, str]]:
    """A new session (cookie value, csrf token) for valid credentials, else None."""
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
        try:
            ok = _hasher.verify(stored, password or "") and user is not None and user.active
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            s.add(LoginFailure(username=(username or "")[:80], remote=remote[:64]))
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        s.add(StaffSession(id=_digest(token), user_id=user.id, csrf_token=csrf,
                           expires_at=utcnow() + timedelta(hours=hours)))
        s.execute(delete(LoginFailure).where(LoginFailure.username == username))
        s.execute(delete(StaffSession).where(StaffSession.expires_at < utcnow()))
        return token, csrf


def session_user(db: Database, token: Optional[str]) -> Optional[Tuple[str, str]]:
    """(username, csrf token) for a valid session cookie."""
    if not token:
        return None
    with db.session() as s:
        session = s.get(StaffSession, _digest(token))
        if session is None or session.expires_at < utcnow() or not session.user.active:
            return None
        return session.user.username, session.csrf_token


def logout(db: Database, token: Optional[str]) -> None:
    if token:
        with db.session() as s:
            s.execute(delete(StaffSession).where(StaffSession.id == _digest(token)))


def same(a: Optional[str], b: Optional[str]) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
