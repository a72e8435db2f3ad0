"""Staff accounts, sessions, CSRF tokens and login limiting.

Login limiting (the README explains it for operators):

- Every attempt first *reserves* a place under each of its keys in one transaction, with
  a conditional ``UPDATE … SET failures = failures + 1 WHERE failures < limit``: the
  count is taken atomically with the attempt, in the database, so parallel attempts
  (threads, processes, SQLite or PostgreSQL) can never pass the limit together. A
  refused reservation checks no password at all.
- Keys: a browser the user logged in with before (cookie ``zs_device``) is limited on
  its own (``device:…``); any other attempt counts per IP address (``ip:…``, a higher
  limit, against trying many names) and per account (``user:…``).
- When a key reaches its limit it is locked for ``lock_seconds``; each next lock of that
  key doubles, up to ``max_lock_seconds`` (bounded). So failures by someone else can
  keep an account locked for new browsers at most that long after their last try, and
  never on a colleague's own browser.
- A successful login clears the account and device keys and gives back its place
  under the IP key.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, List, Optional, Sequence, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from handoff.db import AuditEntry, Database, KnownDevice, LoginThrottle, StaffSession, StaffUser, utcnow

_hasher = PasswordHasher()
# verifying against this keeps the time of a login with an unknown name the same
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 12
LOCK_MEMORY_SECONDS = 24 * 3600  # a key locked longer ago than this starts again at the first lock length
LAST_SEEN_PRECISION = timedelta(seconds=30)  # idle timeout bookkeeping: at most one write per 30 s


class AuthError(ValueError):
    pass


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_ip: int = 20
    window_seconds: float = 15 * 60
    lock_seconds: float = 60
    max_lock_seconds: float = 900

    @classmethod
    def of(cls, settings) -> "Limits":
        return cls(per_account=settings.login_max_failures, per_ip=settings.login_max_failures_per_ip,
                   window_seconds=settings.login_window_minutes * 60, lock_seconds=settings.login_lock_seconds,
                   max_lock_seconds=settings.login_max_lock_seconds)


@dataclass
class LoginResult:
    outcome: str  # "ok", "failed", "blocked", "disabled"
    token: Optional[str] = None
    csrf: Optional[str] = None
    device_token: Optional[str] = None  # a new device cookie to set
    retry_after: float = 0.0  # seconds, when blocked


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------------- accounts


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")


def _matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return False


def upsert_user(db: Database, username: str, password: str, actor: str = "cli") -> bool:
    """Create the account, or set a new password when it exists (every session of that
    user ends then). Does not enable a disabled account. Returns True when created."""
    username = (username or "").strip()
    if not username or len(username) > 80:
        raise AuthError("a username of 1 to 80 characters is required")
    _check_password(password)
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None:
            s.add(StaffUser(username=username, password_hash=_hasher.hash(password)))
            s.add(AuditEntry(actor=actor, action="user_add", detail=username))
            return True
        if _matches(user.password_hash, password):
            return False  # the same password again (a restart with INBOX_ADMIN_PASSWORD): sessions stay
        user.password_hash = _hasher.hash(password)
        s.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        s.add(AuditEntry(actor=actor, action="password_set", detail=username))
        return False


def replace_user_labels(db: Database, username: str, model: Any, column: str, values: Sequence[str], action: str,
                        actor: str = "cli") -> bool:
    """Replace the user's rows of ``model`` (StaffRole, StaffTeam, StaffGemeente: ``user_id``
    and ``column``) with ``values``, already checked, and write one audit entry ``action``.
    False when there is no such user."""
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None:
            return False
        s.execute(delete(model).where(model.user_id == user.id))
        s.add_all([model(user_id=user.id, **{column: value}) for value in values])
        s.add(AuditEntry(actor=actor, action=action, detail=f"{username}: {', '.join(values) or '-'}"[:255]))
        return True


def is_active(db: Database, username: str) -> Optional[bool]:
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        return None if user is None else bool(user.active)


def set_active(db: Database, username: str, active: bool, actor: str = "cli") -> bool:
    """Enable or disable an account; disabling ends all its sessions. False when unknown."""
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None:
            return False
        user.active = active
        if not active:
            s.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        s.add(AuditEntry(actor=actor, action="user_enable" if active else "user_disable", detail=username))
        return True


def change_password(db: Database, username: str, current: str, new: str, keep_token: Optional[str],
                    limits: Limits = Limits()) -> Tuple[str, float]:
    """Change one's own password: ("ok" | "wrong" (current password) | "short" (new one) |
    "blocked" (too many wrong current passwords; seconds to wait)). Every other session
    of the user ends; the session ``keep_token`` stays. Wrong current passwords are
    limited like logins, so a session left open cannot be used to guess the password."""
    if len(new or "") < MIN_PASSWORD_LENGTH:
        return "short", 0.0
    keys = [(f"password:{username}"[:200], limits.per_account)]
    ok, wait = reserve(db, keys, limits)
    if not ok:
        return "blocked", wait
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        stored = user.password_hash if user is not None else _DUMMY_HASH
    if user is None or not _matches(stored, current):
        _failed(db, keys, limits)
        with db.session() as s:
            s.add(AuditEntry(actor=username, action="password_change_failed"))
        return "wrong", 0.0
    with db.session() as s:
        _release(s, keys)
        user = s.get(StaffUser, user.id)
        user.password_hash = _hasher.hash(new)
        keep = _digest(keep_token) if keep_token else ""
        s.execute(delete(StaffSession).where(and_(StaffSession.user_id == user.id, StaffSession.id != keep)))
        s.add(AuditEntry(actor=username, action="password_changed"))
    return "ok", 0.0


# ------------------------------------------------------------------- login limiting


def _insert_ignore(db: Database, values: dict):
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(LoginThrottle).values(**values).on_conflict_do_nothing(index_elements=["key"])
    if dialect == "sqlite":
        return sqlite.insert(LoginThrottle).values(**values).on_conflict_do_nothing(index_elements=["key"])
    raise RuntimeError(f"unsupported database {dialect}")


def reserve(db: Database, keys: Sequence[Tuple[str, int]], limits: Limits) -> Tuple[bool, float]:
    """Take one place under every key (key, limit), all or nothing. (True, 0) when the
    attempt may go on; (False, seconds to wait) when a key is locked or full."""
    now = time.time()
    stale = now - limits.window_seconds
    T = LoginThrottle
    with db.session() as s:
        for key, limit in sorted(keys):
            s.execute(_insert_ignore(db, {"key": key, "failures": 0, "window_start": now, "locked_until": 0.0,
                                          "lock_seconds": limits.lock_seconds}))
            taken = s.execute(
                update(T).where(and_(T.key == key, T.locked_until <= now,
                                     (T.failures < limit) | (T.window_start < stale)))
                .values(failures=case((T.window_start < stale, 1), else_=T.failures + 1),
                        window_start=case((T.window_start < stale, now), else_=T.window_start),
                        lock_seconds=case((and_(T.locked_until > 0, T.locked_until < now - LOCK_MEMORY_SECONDS),
                                           limits.lock_seconds), else_=T.lock_seconds))
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                s.rollback()
                locked = s.execute(select(T.locked_until).where(T.key.in_([k for k, _ in keys]))).scalars().all()
                return False, max([until - now for until in locked] + [1.0])
    return True, 0.0


def _failed(db: Database, keys: Sequence[Tuple[str, int]], limits: Limits) -> None:
    """After a wrong password: lock every key that is full. Only the first of several
    parallel failures locks (it empties the count); the lock length doubles, bounded."""
    now = time.time()
    T = LoginThrottle
    with db.session() as s:
        for key, limit in sorted(keys):
            s.execute(
                update(T).where(and_(T.key == key, T.failures >= limit, T.locked_until <= now))
                .values(locked_until=now + T.lock_seconds, failures=0, window_start=now,
                        lock_seconds=case((T.lock_seconds * 2 > limits.max_lock_seconds, limits.max_lock_seconds),
                                          else_=T.lock_seconds * 2))
                .execution_options(synchronize_session=False)
            )


def _release(s, keys: Sequence[Tuple[str, int]]) -> None:
    """After the right password: account and device keys start over; the IP key gets
    its place back (a colleague's success does not open the IP to guessing)."""
    T = LoginThrottle
    for key, _limit in keys:
        if key.startswith("ip:"):
            s.execute(update(T).where(and_(T.key == key, T.failures > 0)).values(failures=T.failures - 1)
                      .execution_options(synchronize_session=False))
        else:
            s.execute(delete(T).where(T.key == key))


def _keys(db: Database, username: str, remote: str, device_token: Optional[str],
          limits: Limits) -> Tuple[List[Tuple[str, int]], bool]:
    """The limiting keys of this attempt, and whether it comes from a known device."""
    if device_token:
        with db.session() as s:
            device = s.get(KnownDevice, _digest(device_token))
            if device is not None:
                user = s.get(StaffUser, device.user_id)
                if user is not None and user.username == username:
                    return [(f"device:{device.id}", limits.per_account)], True
    name = (username or "").strip().lower()[:150]
    return [(f"ip:{remote[:64]}", limits.per_ip), (f"user:{name}", limits.per_account)], False


def login(db: Database, username: str, password: str, remote: str, device_token: Optional[str],
          limits: Limits, hours: float) -> LoginResult:
    """One login attempt, limited (see the module text) and written to the audit log
    (never the password)."""
    username = (username or "")[:80]
    keys, known = _keys(db, username, remote, device_token, limits)
    ok, wait = reserve(db, keys, limits)
    if not ok:
        _audit(db, username, "login_blocked", remote)
        return LoginResult("blocked", retry_after=wait)
    with db.session() as s:
        user = s.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        stored = user.password_hash if user is not None else _DUMMY_HASH
    if user is None or not _matches(stored, password):
        _failed(db, keys, limits)
        _audit(db, username, "login_failed", remote)
        return LoginResult("failed")
    with db.session() as s:
        _release(s, keys)
        user = s.get(StaffUser, user.id)
        if not user.active:
            s.add(AuditEntry(actor=username, action="login_disabled", detail=remote[:255]))
            return LoginResult("disabled")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = utcnow()
        s.add(StaffSession(id=_digest(token), user_id=user.id, csrf_token=csrf, last_seen_at=now,
                           expires_at=now + timedelta(hours=hours)))
        new_device = None
        if known:
            device = s.get(KnownDevice, _digest(device_token or ""))
            if device is not None:
                device.last_used_at = now
        else:
            new_device = secrets.token_urlsafe(32)
            s.add(KnownDevice(id=_digest(new_device), user_id=user.id))
        s.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        s.add(AuditEntry(actor=username, action="login", detail=remote[:255]))
        return LoginResult("ok", token=token, csrf=csrf, device_token=new_device)


def _audit(db: Database, actor: str, action: str, remote: str) -> None:
    with db.session() as s:
        s.add(AuditEntry(actor=actor or "-", action=action, detail=remote[:255]))


def forget_old_throttles(db: Database, older_than_seconds: float = LOCK_MEMORY_SECONDS) -> None:
    cutoff = time.time() - older_than_seconds
    with db.session() as s:
        s.execute(delete(LoginThrottle).where(and_(LoginThrottle.window_start < cutoff,
                                                   LoginThrottle.locked_until < cutoff)))


# ------------------------------------------------------------------------- sessions


def session_user(db: Database, token: Optional[str], idle_minutes: float) -> Optional[Tuple[str, str]]:
    """(username, csrf token) for a valid session cookie: not past its absolute lifetime,
    not idle longer than ``idle_minutes``, of an active account. Use keeps it alive."""
    if not token:
        return None
    now = utcnow()
    with db.session() as s:
        session = s.get(StaffSession, _digest(token))
        if session is None:
            return None
        if (session.expires_at < now or session.last_seen_at + timedelta(minutes=idle_minutes) < now
                or not session.user.active):
            s.delete(session)
            return None
        if now - session.last_seen_at > LAST_SEEN_PRECISION:
            session.last_seen_at = now
        return session.user.username, session.csrf_token


def logout(db: Database, token: Optional[str], remote: str = "") -> None:
    if token:
        with db.session() as s:
            session = s.get(StaffSession, _digest(token))
            if session is not None:
                s.add(AuditEntry(actor=session.user.username, action="logout", detail=remote[:255]))
                s.delete(session)


def same(a: Optional[str], b: Optional[str]) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
