"""What every route of the handoff service shares: the per-app context, page rendering,
cookies, running database work off the event loop, and small formatting helpers.

The routes themselves live in ``handoff/routes/`` (one Sanic blueprint per area); this
module holds no routes and no state of its own.
"""
from __future__ import annotations

import asyncio
import functools
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, List, Optional, Tuple

from jinja2 import Environment
from sanic.request import Request
from sanic.response import HTTPResponse, html

from handoff import auth, gemeenten
from handoff.db import Database
from handoff.roles import can_review
from handoff.settings import Settings
from handoff.tickets import LOCAL_TIMEZONE

SESSION_COOKIE = "zs_session"
LOGIN_CSRF_COOKIE = "zs_login_csrf"
DEVICE_COOKIE = "zs_device"
TICKET_ACTION_RE = re.compile(r"^(/inbox/tickets/[^/]+)/[^/]+$")
FORM_PAGES = ("/inbox/wachtwoord",)  # pages whose form posts to the page itself


@dataclass
class Context:
    """Everything a route needs, set once by ``create_app`` as ``app.ctx.service``."""
    settings: Settings
    db: Database
    templates: Environment
    limits: auth.Limits
    questions: Tuple[Tuple[str, str], ...]  # (question id, topic) in catalogue order
    background: Any  # handoff.background.Background (Any: avoids an import cycle)

    @property
    def question_ids(self) -> Tuple[str, ...]:
        return tuple(q for q, _ in self.questions)


def ctx(request: Request) -> Context:
    return request.app.ctx.service


async def run(fn: Callable, *args: Any) -> Any:
    """Database and SMTP work runs in a worker thread so the event loop never blocks."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args))


def render(request: Request, name: str, http_status: int = 200, **context: Any) -> HTTPResponse:
    """A page; inbox pages get the logged-in user and the CSRF token without asking."""
    context.setdefault("user", getattr(request.ctx, "user", None))
    context.setdefault("csrf_token", getattr(request.ctx, "csrf", None))
    context.setdefault("can_review", can_review(getattr(request.ctx, "roles", ())))  # the "Leren" link
    return html(ctx(request).templates.get_template(name).render(**context), status=http_status)


def message_page(request: Request, title: str, text: str, http_status: int, link: str = "/inbox",
                 link_text: str = "Terug naar alle aanmeldingen") -> HTTPResponse:
    return render(request, "message.html", http_status=http_status, title=title, text=text, link=link,
                  link_text=link_text)


def not_found(request: Request) -> HTTPResponse:
    return message_page(request, "Niet gevonden", "Deze aanmelding bestaat niet.", 404)


async def my_gemeenten(request: Request) -> List[str]:
    """The gemeente ids the logged-in user may see (all of a one-gemeente deployment)."""
    service = ctx(request)
    return await run(gemeenten.for_user, service.db, request.ctx.user, tuple(service.settings.gemeenten))


def chosen_gemeenten(request: Request, mine: List[str]) -> List[str]:
    """``?gemeente=`` narrows the view to one of the user's gemeenten; else all of them."""
    wanted = request.args.get("gemeente") or ""
    return [wanted] if wanted in mine else mine


def set_cookie(request: Request, response: HTTPResponse, key: str, value: str, max_age: int,
               path: str = "/") -> None:
    response.cookies[key] = value
    response.cookies[key]["httponly"] = True
    response.cookies[key]["samesite"] = "Strict"
    response.cookies[key]["path"] = path
    response.cookies[key]["max-age"] = int(max_age)
    if ctx(request).settings.secure_cookies:
        response.cookies[key]["secure"] = True


def actor(request: Request) -> str:
    """Who did it, for the audit log: the staff user, or "api" for the action server."""
    return request.ctx.user or "api"


def remote_of(request: Request) -> str:
    return request.remote_addr or request.ip or "?"


def wait_text(seconds: float) -> str:
    """'1 minuut', '15 minuten': a wait in whole minutes, rounded up."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} {'minuut' if minutes == 1 else 'minuten'}"


def safe_next(value: Optional[str]) -> str:
    """Only local inbox paths, so the login cannot redirect elsewhere. (A value that starts
    with "/inbox" cannot start with "//" or a scheme, so it stays on this site.)"""
    if value and value.startswith("/inbox"):
        return value
    return "/inbox"


def page_of(path: str) -> str:
    """The page a form was on: the ticket page for a ticket's form action, else the list."""
    if path in FORM_PAGES:
        return path
    match = TICKET_ACTION_RE.match(path)
    return match.group(1) if match else "/inbox"


def dutch_day(value: Any) -> str:
    """A date (YYYY-MM-DD or date) as "DD-MM-YYYY"."""
    if not value:
        return ""
    text_ = value.isoformat() if hasattr(value, "isoformat") else str(value)
    parts = text_[:10].split("-")
    return "-".join(reversed(parts)) if len(parts) == 3 else text_


def local_time(value: Optional[str]) -> str:
    """A stored UTC time (ISO, naive or with "Z") as Dutch local time: "YYYY-MM-DD HH:MM"."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).removesuffix("Z"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TIMEZONE).strftime("%Y-%m-%d %H:%M")
