"""Signals (handoff/signals.py): the form in the inbox for colleagues with an account,
``POST /api/signals`` for partner systems with their own token (handoff/security.py lets
a partner token reach nothing else), and the invitation to do the scan from a signal
ticket (handoff/invitations.py): by e-mail, or as a letter to print. A signal without
consent or legal ground is refused and nothing is stored."""
from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any, Deque, Dict, List, Optional
from urllib.parse import quote

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, redirect

from handoff import invitations, signals, tickets
from handoff.web import ctx, my_gemeenten, not_found, render, run

logger = logging.getLogger(__name__)
bp = Blueprint("signals")
# where a problem is shown in the form: the problem's field -> the id of the input or fieldset
FIELD_IDS = {"legal_ground": "basis", "consent": "basis", "": "organisation"}


def form_page(request: Request, values: Dict[str, Any], seen: List[str], problems: List[signals.Problem],
              http_status: int = 200) -> HTTPResponse:
    config = ctx(request).settings.signals
    errors: Dict[str, str] = {}
    for problem in problems:
        errors.setdefault(FIELD_IDS.get(problem.field, problem.field), problem.message)
    return render(request, "signal.html", http_status=http_status, config=config, values=values, seen=seen,
                  problems=[(FIELD_IDS.get(p.field, p.field), p.message) for p in problems], errors=errors,
                  other=signals.OTHER, consent=signals.CONSENT, my_gemeenten=page_gemeenten(request))


def page_gemeenten(request: Request) -> List[str]:
    """The user's gemeenten as the page was given them (``request.ctx.gemeenten``)."""
    return list(getattr(request.ctx, "gemeenten", None) or [])


@bp.get("/inbox/signalen")
async def signal_form(request: Request) -> HTTPResponse:
    request.ctx.gemeenten = await my_gemeenten(request)
    return form_page(request, {}, [], [])


@bp.post("/inbox/signalen")
async def signal_submit(request: Request) -> HTTPResponse:
    service, form = ctx(request), request.form
    if form is None:  # no form body at all: an empty form
        return form_page(request, {}, [], [signals.Problem("basis", "no_basis", signals.NO_BASIS)], 422)
    seen = [s for s in form.getlist("seen") or [] if isinstance(s, str)]
    values = {k: form.get(k) or "" for k in form if k not in ("csrf_token", "seen")}
    request.ctx.gemeenten = mine = await my_gemeenten(request)
    regional = len(service.settings.gemeenten) > 1
    problems: List[signals.Problem] = []
    try:
        signal = signals.validate(signals.from_form(form, seen), service.settings.signals)
    except signals.SignalRefused as exc:  # nothing is stored; the form comes back filled in
        problems, signal = exc.problems, None
    try:
        gemeente = signals.gemeente_for(form.get("gemeente"), mine, regional)
    except signals.SignalRefused as exc:
        problems += exc.problems
    if problems or signal is None:
        return form_page(request, values, seen, problems, 422)
    ticket, _ = await run(signals.create, service.db, signal, service.settings.signals, request.ctx.user,
                          "formulier", None, service.settings.promised(gemeente).response_days, gemeente)
    request.app.add_task(service.background.notify_new(ticket))
    return redirect(f"/inbox/tickets/{quote(ticket['id'])}?m=signaal")


class PerMinute:
    """At most ``limit`` requests per key in any 60 seconds (one process: the handoff
    service runs as one)."""

    def __init__(self) -> None:
        self.seen: Dict[Any, Deque[float]] = {}

    def allow(self, key: Any, limit: int, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        times = self.seen.setdefault(key, deque())
        while times and times[0] <= now - 60:
            times.popleft()
        if len(times) >= limit:
            return False
        times.append(now)
        return True


PARTNER_LIMIT = PerMinute()


@bp.post("/api/signals")
async def api_signal(request: Request) -> HTTPResponse:
    """A partner system's signal: 201 created, 200 the same signal again (same
    Idempotency-Key), 422 refused with a code (nothing stored), 429 too many in a minute."""
    partner = request.ctx.partner
    if partner is None:
        return json({"error": "Alleen partnersystemen met een eigen token sturen signalen via de API. Collega's "
                              "gebruiken het formulier in de inbox.", "code": "forbidden"}, status=403)
    service = ctx(request)
    if not PARTNER_LIMIT.allow(partner.id, service.settings.signals_per_minute):
        return json({"error": "Te veel signalen in één minuut. Probeer het over een minuut opnieuw.",
                     "code": "too_many"}, status=429, headers={"Retry-After": "60"})
    key = request.headers.get("idempotency-key") or None
    if key is not None and len(key) > 80:
        return json({"error": "De Idempotency-Key mag hoogstens 80 tekens hebben.", "code": "invalid"}, status=422)
    try:
        payload = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error for a body that is no JSON
        payload = None
    try:
        signal = signals.validate(payload, service.settings.signals, organisation=partner.organisation)
        gemeente = signals.gemeente_for(payload.get("gemeente"), tuple(service.settings.gemeenten),
                                        len(service.settings.gemeenten) > 1)
    except signals.SignalRefused as exc:
        return json({"error": str(exc), "code": exc.code,
                     "problems": [{"field": p.field, "code": p.code, "error": p.message} for p in exc.problems]},
                    status=422)
    ticket, created = await run(signals.create, service.db, signal, service.settings.signals,
                                f"partner:{partner.id}", "partner",
                                f"signal:p{partner.id}:{key}" if key else None,
                                service.settings.promised(gemeente).response_days, gemeente)
    if created:
        request.app.add_task(service.background.notify_new(ticket))
    return json({"id": ticket["id"], "kind": ticket["kind"], "source": ticket["source"], "created": created},
                status=201 if created else 200)


# ------------------------------------------------------------------ invitations


def back_to(ticket_id: str, code: str) -> HTTPResponse:
    return redirect(f"/inbox/tickets/{quote(ticket_id)}?m={quote(code)}#uitnodigen")


@bp.post("/inbox/tickets/<ticket_id>/uitnodiging-email")
async def invite_by_email(request: Request, ticket_id: str) -> HTTPResponse:
    """A personal link to the scan by e-mail, to the address the signal gave."""
    service = ctx(request)
    ticket = await run(tickets.get_ticket, service.db, ticket_id, request.ctx.user)
    if ticket is None:
        return not_found(request)
    if not service.settings.smtp_host:
        return back_to(ticket_id, "geen_smtp")
    try:
        invitation = await run(invitations.make, service.db, service.settings, ticket, "email")
    except invitations.InvitationError as exc:
        return back_to(ticket_id, exc.code)
    try:
        await run(invitations.send_email, invitation, service.settings)
    except Exception as exc:  # noqa: BLE001 - any failure: say so, the link stays unsent and unused
        logger.warning("Invitation e-mail for %s failed (%s)", ticket_id, type(exc).__name__)
        return back_to(ticket_id, "mail_mislukt")
    await run(invitations.mark_sent, service.db, invitation, "email", request.ctx.user)
    return back_to(ticket_id, "uitnodiging_verstuurd")


@bp.post("/inbox/tickets/<ticket_id>/uitnodiging-brief")
async def invite_by_letter(request: Request, ticket_id: str) -> HTTPResponse:
    """A letter to print with the short code and the web address. The code is shown only
    on this page (it is stored as a keyed hash): print it now."""
    service = ctx(request)
    ticket = await run(tickets.get_ticket, service.db, ticket_id, request.ctx.user)
    if ticket is None:
        return not_found(request)
    try:
        invitation = await run(invitations.make, service.db, service.settings, ticket, "brief")
    except invitations.InvitationError as exc:
        return back_to(ticket_id, exc.code)
    await run(invitations.mark_sent, service.db, invitation, "brief", request.ctx.user)
    return render(request, "letter.html", **invitations.letter(invitation, service.settings, tickets.local_today()))
