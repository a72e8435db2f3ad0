"""Staff roles: what a staff user may do besides working tickets.

- ``leren``: open the page of messages the assistant did not understand, say what they
  meant and export them for the next training (handoff/routes/review.py);
- ``beheer``: the administrator; may do all of the above too. The account of
  ``INBOX_ADMIN_USER`` gets it at every start.

Roles are set on the command line (``python -m handoff add-user NAAM --role leren``,
``python -m handoff set-roles NAAM leren``); every change is in the audit log.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from sqlalchemy import select

from handoff import auth
from handoff.db import Database, StaffRole, StaffUser

ROLES = {"leren": "niet begrepen berichten nakijken en exporteren", "beheer": "beheerder"}
REVIEW_ROLES = frozenset({"leren", "beheer"})
ADMIN_ROLE = "beheer"


class RoleError(ValueError):
    pass


def user_roles(db: Database, username: Optional[str]) -> List[str]:
    """The roles of an active or disabled account ([] for no or an unknown user)."""
    if not username:
        return []
    with db.session() as s:
        return list(s.execute(select(StaffRole.role).join(StaffUser, StaffUser.id == StaffRole.user_id)
                              .where(StaffUser.username == username).order_by(StaffRole.role)).scalars())


def can_review(roles: Iterable[str]) -> bool:
    return bool(REVIEW_ROLES & set(roles or ()))


def _checked(roles: Sequence[str]) -> List[str]:
    clean = sorted({r.strip() for r in roles if r and r.strip()})
    unknown = [r for r in clean if r not in ROLES]
    if unknown:
        raise RoleError(f"onbekende rol '{unknown[0]}' (bekend: {', '.join(ROLES)})")
    return clean


def set_user_roles(db: Database, username: str, roles: Sequence[str], actor: str = "cli") -> bool:
    """Replace the user's roles. False when there is no such user; RoleError for an unknown role."""
    return auth.replace_user_labels(db, username, StaffRole, "role", _checked(roles), "roles", actor)


def grant(db: Database, username: str, role: str, actor: str = "cli") -> bool:
    """Add one role (nothing changes, and nothing is logged, when the user has it)."""
    current = user_roles(db, username)
    if role in current:
        return True
    return set_user_roles(db, username, [*current, role], actor)
