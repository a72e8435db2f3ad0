"""The record of each ticket's registration in the case system (table zgw_registrations):
which steps succeeded (with the URL they made), which failed, how often and why, and when
the next try is due. zgw.py decides what to do; this module only reads and writes rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.db import AuditEntry, Database, Ticket, ZgwRegistration, utcnow

BACKOFF_MAX_SECONDS = 3600
# what staff read on the ticket page about a step that failed
STEP_LABELS = {"zaak": "de zaak", "document": "de samenvatting (pdf)",
               "zaakinformatieobject": "de koppeling van de samenvatting aan de zaak",
               "rol": "de gegevens van de ondernemer", "status": "de eerste status",
               "resultaat": "het resultaat van de zaak"}


@dataclass(frozen=True)
class StepRow:
    step: str
    url: Optional[str]
    target: Optional[str]
    attempts: int
    last_error: Optional[str]
    final_error: bool
    next_attempt_at: Optional[datetime]
    created_at: datetime
    done: bool


def _row(r: ZgwRegistration) -> StepRow:
    return StepRow(r.step, r.url, r.target, r.attempts or 0, r.last_error, bool(r.final_error), r.next_attempt_at,
                   r.created_at, r.done_at is not None)


def backoff_seconds(attempts: int, base: float) -> float:
    """Wait after the ``attempts``-th failure: base, 2 x base, 4 x base ..., at most an hour."""
    return min(base * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


class Store:
    """Rows of zgw_registrations in the handoff database. Each write is its own
    transaction, so what a step achieved is kept even if the next step crashes."""

    def __init__(self, db: Database, retry_base_seconds: float = 60.0):
        self.db = db
        self.retry_base_seconds = retry_base_seconds

    def steps(self, ticket_id: str) -> Dict[str, StepRow]:
        with self.db.session() as s:
            rows = s.execute(select(ZgwRegistration).where(ZgwRegistration.ticket_id == ticket_id)).scalars()
            return {r.step: _row(r) for r in rows}

    def all_steps(self) -> Dict[str, Dict[str, StepRow]]:
        found: Dict[str, Dict[str, StepRow]] = {}
        with self.db.session() as s:
            for r in s.execute(select(ZgwRegistration)).scalars():
                found.setdefault(r.ticket_id, {})[r.step] = _row(r)
        return found

    def _get(self, s: Session, ticket_id: str, step: str, target: Optional[str]) -> ZgwRegistration:
        row = s.get(ZgwRegistration, (ticket_id, step))
        if row is None:
            row = ZgwRegistration(ticket_id=ticket_id, step=step, target=target, attempts=0, final_error=False,
                                  created_at=utcnow())
            s.add(row)
        return row

    def begin(self, ticket_id: str, step: str, target: Optional[str] = None) -> None:
        """Write the step down before its request goes out: after a crash the next try
        knows that the request may have arrived (and looks before it creates)."""
        with self.db.session() as s:
            row = self._get(s, ticket_id, step, target)
            row.attempts = (row.attempts or 0) + 1

    def succeeded(self, ticket_id: str, step: str, url: str, target: Optional[str] = None) -> None:
        with self.db.session() as s:
            row = self._get(s, ticket_id, step, target)
            row.url, row.done_at = url[:1000], utcnow()
            row.last_error, row.final_error, row.next_attempt_at = None, False, None

    def failed(self, ticket_id: str, step: str, error: str, final: bool, now: Optional[datetime] = None,
               target: Optional[str] = None) -> None:
        now = now or utcnow()
        with self.db.session() as s:
            row = self._get(s, ticket_id, step, target)
            row.attempts = max(row.attempts or 0, 1)
            row.last_error, row.final_error = error[:500], final
            row.next_attempt_at = None if final else now + timedelta(
                seconds=backoff_seconds(row.attempts, self.retry_base_seconds))


def retry_refused(db: Database, ticket_id: str, actor: str) -> bool:
    """Staff's "Opnieuw proberen" after the case system or its settings were put right:
    refused steps of this ticket are tried again in the next round (the earlier try is
    looked up first, as after any failure). False when the ticket does not exist."""
    with db.session() as s:
        if s.get(Ticket, ticket_id) is None:
            return False
        rows = s.execute(select(ZgwRegistration).where(ZgwRegistration.ticket_id == ticket_id,
                                                       ZgwRegistration.final_error.is_(True))).scalars().all()
        for row in rows:
            row.final_error, row.next_attempt_at = False, None
        s.add(AuditEntry(actor=actor, action="zgw_retry", ticket_id=ticket_id, detail=f"{len(rows)} steps"))
        return True


def state(db: Database, ticket_id: str) -> Optional[Dict[str, Any]]:
    """ticket_state in its own session (for the ticket page)."""
    with db.session() as s:
        return ticket_state(s, ticket_id)


def ticket_state(s: Session, ticket_id: str) -> Optional[Dict[str, Any]]:
    """What the ticket page shows of the registration: the zaak (identificatie and URL) and
    the problem, if a step failed. None when the ticket was never offered for registration."""
    rows: List[ZgwRegistration] = list(s.execute(
        select(ZgwRegistration).where(ZgwRegistration.ticket_id == ticket_id)
        .order_by(ZgwRegistration.created_at, ZgwRegistration.step)).scalars())
    if not rows:
        return None
    by_step = {r.step: r for r in rows}
    zaak = by_step.get("zaak")
    failed = [r for r in rows if r.done_at is None and r.last_error]
    problem = failed[0] if failed else None
    statuses = sorted((r for r in rows if r.done_at is not None and (r.step == "status" or r.step.startswith("status:"))),
                      key=lambda r: int(r.step.split(":")[1]) if ":" in r.step else 1)
    return {
        "reported_status": statuses[-1].target if statuses else None,
        "error_step_label": (STEP_LABELS.get(problem.step, "een statuswijziging") if problem else None),
        "identificatie": ticket_id if zaak is not None and zaak.done_at is not None else None,
        "url": zaak.url if zaak is not None and zaak.done_at is not None else None,
        "complete": all(by_step.get(step) is not None and by_step[step].done_at is not None
                        for step in ("zaak", "document", "zaakinformatieobject", "rol", "status")),
        "error": problem.last_error if problem else None,
        "error_step": problem.step if problem else None,
        "error_final": bool(problem.final_error) if problem else False,
        "attempts": problem.attempts if problem else 0,
    }
