"""A regional service: which gemeenten a staff user may see.

Every ticket and every anonymous scan record belongs to one gemeente (``gemeente``; empty
on rows from before regions, which belong to the deployment's first gemeente). With one
gemeente everyone sees it. In a region a user sees only the gemeenten assigned to them
(``python -m handoff set-gemeenten NAME ID ...``; the configured admin gets all); a
ticket of another gemeente answers 404, as if it did not exist.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

from sqlalchemy import and_, false, or_, select, true

from handoff import auth
from handoff.db import Database, StaffGemeente, StaffUser, Ticket

UNKNOWN_GEMEENTE = "unknown_gemeente"


def unserved(gemeente: Any, served: Sequence[str]) -> Optional[str]:
    """The API's error text when a ticket or record names a gemeente this service does not
    serve (None when it is served, or names none: then it belongs to the first). The
    answer carries ``code: unknown_gemeente``: the action server keeps such an item and
    pauses (the two services' GEMEENTE_CONFIG differ), it does not drop it as bad data."""
    if gemeente is None or (isinstance(gemeente, str) and gemeente in served):
        return None
    return f"'gemeente' must be one of: {', '.join(served) or '(none configured)'}"


def clause(column: Any, allowed: Sequence[str], all_ids: Sequence[str]) -> Any:
    """SQL: rows of the ``allowed`` gemeenten (an empty column means the first one)."""
    if not allowed:
        return false()
    if all_ids and set(allowed) >= set(all_ids):
        return true()
    matches = column.in_(list(allowed))
    if all_ids and all_ids[0] in allowed:
        matches = or_(matches, column.is_(None))
    return matches


def for_user(db: Database, username: Optional[str], all_ids: Sequence[str]) -> List[str]:
    """The gemeente ids ``username`` may see, in the configured order."""
    if not username:
        return []
    if len(all_ids) <= 1:
        return list(all_ids)
    with db.session() as s:
        assigned = set(s.execute(select(StaffGemeente.gemeente).join(StaffUser, StaffUser.id == StaffGemeente.user_id)
                                 .where(StaffUser.username == username)).scalars())
    return [g for g in all_ids if g in assigned]


def set_for_user(db: Database, username: str, gemeenten: Sequence[str], all_ids: Sequence[str],
                 actor: str = "cli") -> bool:
    """Replace the user's gemeenten. False when the user is unknown; ValueError for an id
    this deployment does not serve."""
    clean = sorted({g.strip() for g in gemeenten if g and g.strip()})
    unknown = [g for g in clean if g not in all_ids]
    if unknown:
        raise ValueError(f"unknown gemeente: {', '.join(unknown)} (known: {', '.join(all_ids)})")
    return auth.replace_user_labels(db, username, StaffGemeente, "gemeente", clean, "gemeenten", actor)


def may_see_ticket(db: Database, username: Optional[str], ticket_id: str, all_ids: Sequence[str]) -> bool:
    """True when the ticket does not exist (the route answers 404 itself) or belongs to
    one of the user's gemeenten."""
    if len(all_ids) <= 1:
        return True
    allowed = for_user(db, username, all_ids)
    with db.session() as s:
        exists = s.execute(select(Ticket.id).where(Ticket.id == ticket_id)).scalar_one_or_none()
        if exists is None:
            return True
        return s.execute(select(Ticket.id).where(and_(Ticket.id == ticket_id,
                                                      clause(Ticket.gemeente, allowed, all_ids)))
                         ).scalar_one_or_none() is not None
