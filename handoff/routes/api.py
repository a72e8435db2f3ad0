"""The JSON API: the action server creates tickets, anonymous scan records and erasure
requests (its token may do nothing else, see handoff/security.py); staff read and change
tickets with their session."""
from __future__ import annotations

import functools

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from handoff import stats, tickets, zgw_store
from handoff.gemeenten import UNKNOWN_GEMEENTE
from handoff.web import actor, chosen_gemeenten, ctx, my_gemeenten, run

bp = Blueprint("api")


@bp.post("/api/tickets")
async def api_create(request: Request) -> HTTPResponse:
    if not request.ctx.machine:
        return json({"error": "only the action server creates tickets"}, status=403)
    service = ctx(request)
    payload = request.json or {}
    # the days and weeks the ticket's gemeente promised in the conversation (a region)
    promised = service.settings.promised(payload.get("gemeente") if isinstance(payload, dict) else None)
    try:
        ticket, created = await run(tickets.create_ticket, service.db, payload,
                                    request.headers.get("idempotency-key", ""),
                                    service.settings.max_tickets_per_conversation, promised.response_days,
                                    promised.follow_up_weeks, tuple(service.settings.gemeenten))
    except tickets.TicketGone as exc:
        return json({"error": str(exc), "code": exc.code}, status=410)
    except tickets.TicketLimit as exc:
        return json({"error": str(exc), "code": exc.code}, status=409)
    except tickets.TicketError as exc:
        return json({"error": str(exc), "code": exc.code if exc.code == UNKNOWN_GEMEENTE else "invalid"}, status=422)
    if created:
        request.app.add_task(service.background.notify_new(ticket))
    return json(ticket, status=201 if created else 200)


@bp.get("/api/tickets")
async def api_list(request: Request) -> HTTPResponse:
    db = ctx(request).db
    teams = await run(tickets.user_teams, db, request.ctx.user)
    filters = functools.partial(tickets.list_tickets, kind=request.args.get("kind"), source=request.args.get("source"),
                                gemeenten=chosen_gemeenten(request, await my_gemeenten(request)),
                                all_gemeenten=tuple(ctx(request).settings.gemeenten))
    items = await run(filters, db, request.args.get("status"), request.args.get("risk_level"), 200,
                      request.args.get("team"), request.args.get("indication"), teams,
                      request.args.get("overdue") == "1")
    return json({"tickets": items})


@bp.get("/api/tickets/<ticket_id>")
async def api_get(request: Request, ticket_id: str) -> HTTPResponse:
    ticket = await run(tickets.get_ticket, ctx(request).db, ticket_id, actor(request))
    if ticket is None:
        return json({"error": "not found"}, status=404)
    # the registration in the case system (README, "Registration in the case system (ZGW)"), or null
    ticket["zaak"] = await run(zgw_store.state, ctx(request).db, ticket_id)
    return json(ticket)


@bp.post("/api/tickets/<ticket_id>/status")
async def api_status(request: Request, ticket_id: str) -> HTTPResponse:
    try:
        ok = await run(tickets.set_status, ctx(request).db, ticket_id, (request.json or {}).get("status"),
                       actor(request))
    except tickets.TicketError as exc:
        return json({"error": str(exc)}, status=422)
    return json({"ok": True}) if ok else json({"error": "not found"}, status=404)


@bp.post("/api/tickets/<ticket_id>/outcome")
async def api_outcome(request: Request, ticket_id: str) -> HTTPResponse:
    """Staff: close with an outcome ({"outcome", "partner", "first_contact_at"}), or
    record only the first contact ({"first_contact_at"})."""
    service, body = ctx(request), request.json or {}
    try:
        if body.get("outcome") is None:
            ok = await run(tickets.set_first_contact, service.db, ticket_id, body.get("first_contact_at"),
                           actor(request))
        else:
            ok = await run(tickets.close_ticket, service.db, ticket_id, body.get("outcome"), body.get("partner"),
                           body.get("first_contact_at"), actor(request), service.settings.outcomes,
                           service.settings.partner_names)
    except tickets.TicketError as exc:
        return json({"error": str(exc), "code": exc.code}, status=422)
    return json({"ok": True}) if ok else json({"error": "not found"}, status=404)


@bp.post("/api/scan-records")
async def api_scan_record(request: Request) -> HTTPResponse:
    """The action server's anonymous record of one scan (create-only; see stats.py)."""
    if not request.ctx.machine:
        return json({"error": "only the action server creates scan records"}, status=403)
    service = ctx(request)
    try:
        payload = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error for a body that is no JSON
        payload = None
    try:
        created = await run(stats.create_record, service.db, payload, service.question_ids,
                            tuple(service.settings.partner_names), tuple(service.settings.gemeenten))
    except stats.RecordError as exc:
        return json({"error": str(exc), "code": exc.code}, status=422)
    return json({"id": payload["id"], "created": created}, status=201 if created else 200)


@bp.get("/api/gemeenten")
async def api_gemeenten(request: Request) -> HTTPResponse:
    """The ids of the gemeenten this service serves, for the action server's start-up
    check that both services read the same GEMEENTE_CONFIG (nothing personal)."""
    if not request.ctx.machine:
        return json({"error": "only the action server asks this"}, status=403)
    return json({"gemeenten": list(ctx(request).settings.gemeenten)})


@bp.post("/api/erasures")
async def api_erase(request: Request) -> HTTPResponse:
    if not request.ctx.machine:
        return json({"error": "only the action server requests erasure"}, status=403)
    conversation_id = (request.json or {}).get("conversation_id")
    if not isinstance(conversation_id, str) or not conversation_id:
        return json({"error": "'conversation_id' is required"}, status=422)
    service = ctx(request)
    erased = await run(tickets.request_erasure, service.db, conversation_id, service.settings.erasure_delay_seconds)
    return json({"tickets_erased": erased, "conversation_scheduled": True})
