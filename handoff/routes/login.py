"""Staff login, logout and password change (limits and sessions: handoff/auth.py)."""
from __future__ import annotations

import secrets

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from handoff import auth
from handoff.web import (
    DEVICE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    ctx,
    remote_of,
    render,
    run,
    safe_next,
    set_cookie,
    wait_text,
)

bp = Blueprint("login")
LOGIN_FORM_SECONDS = 3600


@bp.get("/inbox/login")
async def login_form(request: Request) -> HTTPResponse:
    # keep an existing token: a second tab or a background request must not
    # invalidate the form that is already open
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, "login.html", csrf_token=token, next=safe_next(request.args.get("next")), error=None)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, LOGIN_FORM_SECONDS)
    return response


@bp.post("/inbox/login")
async def login_submit(request: Request) -> HTTPResponse:
    service, form = ctx(request), request.form or {}
    next_ = safe_next(form.get("next"))
    if not auth.same(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        # a fresh token, so sending the form again works
        token = secrets.token_urlsafe(24)
        response = render(request, "login.html", http_status=403, csrf_token=token, next=next_,
                          error="De pagina was verlopen. Probeer het nog eens.")
        set_cookie(request, response, LOGIN_CSRF_COOKIE, token, LOGIN_FORM_SECONDS)
        return response
    username, password = form.get("username", ""), form.get("password", "")
    result = await run(auth.login, service.db, username, password, remote_of(request),
                       request.cookies.get(DEVICE_COOKIE), service.limits, service.settings.session_hours)
    if result.outcome != "ok":
        error, http_status = {
            "blocked": (f"Te veel mislukte pogingen. Probeer het over {wait_text(result.retry_after)} opnieuw.", 429),
            "disabled": ("Dit account is uitgeschakeld. Vraag de beheerder van de inbox om het weer aan te zetten.",
                         403),
        }.get(result.outcome, ("Gebruikersnaam of wachtwoord klopt niet.", 401))
        return render(request, "login.html", http_status=http_status, csrf_token=form.get("csrf_token"),
                      next=next_, error=error)
    response = redirect(next_)
    set_cookie(request, response, SESSION_COOKIE, result.token, int(service.settings.session_hours * 3600))
    if result.device_token:
        set_cookie(request, response, DEVICE_COOKIE, result.device_token, 365 * 24 * 3600, path="/inbox")
    del response.cookies[LOGIN_CSRF_COOKIE]
    return response


@bp.post("/inbox/logout")
async def logout(request: Request) -> HTTPResponse:
    await run(auth.logout, ctx(request).db, request.cookies.get(SESSION_COOKIE), remote_of(request))
    response = redirect("/inbox/login")
    del response.cookies[SESSION_COOKIE]
    return response


@bp.get("/inbox/wachtwoord")
async def password_form(request: Request) -> HTTPResponse:
    return render(request, "password.html", error=None, done=False)


@bp.post("/inbox/wachtwoord")
async def password_submit(request: Request) -> HTTPResponse:
    service, form = ctx(request), request.form or {}
    new, repeat = form.get("new_password", ""), form.get("repeat_password", "")
    error, http_status = None, 400
    if new != repeat:
        error = "De twee nieuwe wachtwoorden zijn niet hetzelfde."
    else:
        outcome, wait = await run(auth.change_password, service.db, request.ctx.user,
                                  form.get("current_password", ""), new, request.cookies.get(SESSION_COOKIE),
                                  service.limits)
        if outcome == "blocked":
            error, http_status = f"Te veel pogingen. Probeer het over {wait_text(wait)} opnieuw.", 429
        elif outcome == "short":
            error = f"Kies een nieuw wachtwoord van minstens {auth.MIN_PASSWORD_LENGTH} tekens."
        elif outcome == "wrong":
            error = "Uw huidige wachtwoord klopt niet."
    return render(request, "password.html", http_status=http_status if error else 200, error=error,
                  done=error is None)
