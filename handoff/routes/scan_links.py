"""Personal scan links for the action server (handoff/scan_links.py). Its token may
redeem a link and attach the scan done through it; it learns only "valid for a scan"
(no ticket, no name, no purpose) and can read nothing."""
from __future__ import annotations

from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from handoff import scan_links
from handoff.web import ctx, run

bp = Blueprint("scan_links")
REFUSED_STATUS = {"unknown": 404, "expired": 410, "used": 409}


def _body(request: Request) -> Any:
    try:
        return request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error for a body that is no JSON
        return None


def _refused(exc: scan_links.LinkRefused) -> HTTPResponse:
    return json({"valid": False, "code": exc.code, "message": str(exc)}, status=REFUSED_STATUS[exc.code])


@bp.post("/api/scan-links/redeem")
async def redeem(request: Request) -> HTTPResponse:
    """{"secret": token or short code} -> 200 {"valid": true, "claim": …}; 404 unknown,
    410 expired, 409 used (each with a Dutch ``message``)."""
    if not request.ctx.machine:
        return json({"error": "only the action server redeems scan links"}, status=403)
    body = _body(request)
    secret = body.get("secret") if isinstance(body, dict) else None
    if not isinstance(secret, str) or not secret.strip() or len(secret) > 200:
        return json({"error": "'secret' (the link's token or short code) is required", "code": "invalid"},
                    status=422)
    service = ctx(request)
    try:
        claim = await run(scan_links.redeem, service.db, secret)
    except scan_links.LinkRefused as exc:
        return _refused(exc)
    answer = {"valid": True, "claim": claim}
    if len(service.settings.gemeenten) > 1:  # a region: the scan speaks for the ticket's gemeente
        answer["gemeente"] = await run(scan_links.gemeente_of, service.db, secret) or next(
            iter(service.settings.gemeenten))
    return json(answer)


@bp.post("/api/ticket-scans")
async def ticket_scan(request: Request) -> HTTPResponse:
    """{"claim": …, "scan": {outcome data}} -> 201 {"attached": true}; the claim works for
    one scan of one ticket; the ticket's reference is not given back."""
    if not request.ctx.machine:
        return json({"error": "only the action server attaches scans"}, status=403)
    body = _body(request)
    if not isinstance(body, dict):
        return json({"error": "the body must be a JSON object", "code": "invalid"}, status=422)
    try:
        await run(scan_links.attach_scan, ctx(request).db, body.get("claim"), body.get("scan"))
    except scan_links.LinkRefused as exc:
        return _refused(exc)
    except scan_links.ScanError as exc:
        return json({"error": str(exc), "code": "invalid"}, status=422)
    return json({"attached": True}, status=201)
