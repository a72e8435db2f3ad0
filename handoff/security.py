"""Who may call what: the request middleware that authenticates every request, and the
response middleware that sets the security headers.

- Public: PUBLIC_PATHS and /static/.
- The action server's token (``Authorization: Bearer $HANDOFF_API_TOKEN``) may only do
  MACHINE_ROUTES (create tickets and anonymous scan records, request erasure, redeem a
  personal scan link and attach the scan done through it); it reads nothing but the ids
  of the gemeenten the service serves (a start-up check of the action server).
- A partner system's token (``Authorization: Bearer zsp_...``, handoff/signals.py) may only
  do PARTNER_ROUTES (send a signal); it reads nothing either.
- Everything else under /api/ and /inbox takes a staff session cookie, and a POST also
  the session's CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``).
"""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import quote

from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, json, redirect

from handoff import auth, gemeenten, signals
from handoff.roles import user_roles
from handoff.web import SESSION_COOKIE, ctx, message_page, not_found, page_of, run

PUBLIC_PATHS = ("/", "/health", "/favicon.ico", "/inbox/login", "/uitkomst")
MACHINE_ROUTES = {("POST", "/api/unrecognised"), ("POST", "/api/tickets"), ("POST", "/api/erasures"), ("POST", "/api/scan-records"),
                  ("POST", "/api/scan-links/redeem"), ("POST", "/api/ticket-scans"), ("GET", "/api/gemeenten")}
PARTNER_ROUTES = {("POST", "/api/signals")}
HSTS = "max-age=31536000"
TICKET_PATH_RE = re.compile(r"^/(?:inbox|api)/tickets/([^/]+)")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'")


def machine_ok(request: Request) -> bool:
    token = ctx(request).settings.api_token
    header = request.headers.get("authorization", "")
    return bool(token) and header.startswith("Bearer ") and auth.same(header[7:], token)


async def partner_of(request: Request) -> Optional[signals.Partner]:
    """The partner whose token (not revoked) the request carries, or None."""
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer " + signals.TOKEN_PREFIX):
        return None
    return await run(signals.partner_for_token, ctx(request).db, header[7:])


def ticket_of(path: str) -> Optional[str]:
    """The ticket id of a staff route about one ticket (page, form action or API)."""
    match = TICKET_PATH_RE.match(path)
    return match.group(1) if match else None


def csrf_ok(request: Request) -> bool:
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.form:
        sent = request.form.get("csrf_token")
    return auth.same(sent, request.ctx.csrf)


async def authenticate(request: Request) -> Optional[HTTPResponse]:
    request.ctx.user, request.ctx.csrf, request.ctx.machine = None, None, False
    request.ctx.partner = None
    path = request.path
    if path in PUBLIC_PATHS or path.startswith("/static/"):
        return None
    if path.startswith("/api/") and machine_ok(request):
        if (request.method, path.rstrip("/") or "/") not in MACHINE_ROUTES:
            return json({"error": "this token may only create tickets and scan records, request erasure "
                                  "and redeem personal scan links"},
                        status=403)
        request.ctx.machine = True
        return None
    if path.startswith("/api/"):
        partner = await partner_of(request)
        if partner is not None:
            if (request.method, path.rstrip("/") or "/") not in PARTNER_ROUTES:
                return json({"error": "this token may only send signals (POST /api/signals)"}, status=403)
            request.ctx.partner = partner
            return None
    service = ctx(request)
    found = await run(auth.session_user, service.db, request.cookies.get(SESSION_COOKIE),
                      service.settings.session_idle_minutes)
    if found:
        request.ctx.user, request.ctx.csrf = found
        request.ctx.roles = await run(user_roles, service.db, request.ctx.user)  # handoff/roles.py
        ticket_id = ticket_of(path)
        if ticket_id and not await run(gemeenten.may_see_ticket, service.db, request.ctx.user, ticket_id,
                                       tuple(service.settings.gemeenten)):
            # another gemeente's ticket: as if it did not exist
            return json({"error": "not found"}, status=404) if path.startswith("/api/") else not_found(request)
        if request.method == "POST" and not csrf_ok(request):
            if path.startswith("/api/"):
                return json({"error": "CSRF-token ontbreekt of klopt niet"}, status=403)
            back = page_of(path)
            return message_page(request, "Formulier verlopen",
                                "Dit formulier was verlopen. Open de pagina opnieuw en probeer het nog eens.", 403,
                                link=back, link_text="Terug naar alle aanmeldingen" if back == "/inbox"
                                else "Terug naar de aanmelding")
        return None
    if path.startswith("/api/"):
        return json({"error": "authentication required"}, status=401)
    # after the login the browser follows the redirect with GET: send it to a page,
    # not to a form action that only takes POST
    next_ = path if request.method in ("GET", "HEAD") else page_of(path)
    return redirect(f"/inbox/login?next={quote(next_)}")


async def security_headers(request: Request, response: BaseHTTPResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if ctx(request).settings.production or request.scheme == "https":
        response.headers["Strict-Transport-Security"] = HSTS
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/inbox") or request.path.startswith("/api/"):
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = CSP


def install(app: Sanic) -> None:
    app.register_middleware(authenticate, "request")
    app.register_middleware(security_headers, "response")
