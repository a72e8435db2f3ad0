"""The handoff service (Sanic): ticket API for the action server, staff inbox, demo page.

Every route under /api/ and /inbox needs authentication. The action server's token
(``Authorization: Bearer $HANDOFF_API_TOKEN``) may only create tickets and anonymous scan
records and request erasure (MACHINE_ROUTES); it reads nothing; everything else takes a staff session cookie. Database work
runs in worker threads so the event loop never blocks.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import math
import re
import secrets
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Set
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, empty, html, json, redirect

from handoff import auth, notify, stats, tickets
from handoff.db import Database, utcnow
from handoff.settings import Settings
from handoff.tickets import LEVEL_LABELS, STATUS_LABELS

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "zs_session"
LOGIN_CSRF_COOKIE = "zs_login_csrf"
DEVICE_COOKIE = "zs_device"
PUBLIC_PATHS = ("/", "/health", "/favicon.ico", "/inbox/login")
# the only things the action server's token may do
MACHINE_ROUTES = {("POST", "/api/tickets"), ("POST", "/api/erasures"), ("POST", "/api/scan-records")}
HSTS = "max-age=31536000"
LOCAL_TIMEZONE = ZoneInfo("Europe/Amsterdam")
# the ?m= codes of the ticket page: (text, is an error); an unknown code shows nothing
TICKET_MESSAGES = {
    "opgeslagen": ("Opgeslagen.", False),
    "notitie_leeg": ("Een notitie mag niet leeg zijn.", True),
    "collega_onbekend": ("Deze collega is niet bekend.", True),
    "status_onbekend": ("Deze status bestaat niet.", True),
    "ongeldig": ("Dit is niet gelukt. Probeer het nog eens.", True),
    "uitkomst_nodig": ("Kies eerst een uitkomst bij 'Eerste contact en uitkomst'.", True),
    "partner_nodig": ("Kies naar welke partner u heeft doorverwezen.", True),
    "datum_nodig": ("Vul de datum van het eerste contact in.", True),
    "datum_ongeldig": ("Deze datum klopt niet. Gebruik dag, maand en jaar.", True),
    "datum_toekomst": ("De datum van het eerste contact kan niet in de toekomst liggen.", True),
    "datum_te_vroeg": ("De datum van het eerste contact kan niet voor de aanmelding liggen.", True),
}
TICKET_ACTION_RE = re.compile(r"^(/inbox/tickets/[^/]+)/[^/]+$")
FORM_PAGES = ("/inbox/wachtwoord",)  # pages whose form posts to the page itself


async def run(fn: Callable, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args))


def create_app(settings: Optional[Settings] = None, name: str = "handoff") -> Sanic:
    settings = (settings or Settings()).load_secrets()
    db = Database(settings.database_url, settings.erasure_key)
    db.create()
    tickets.backfill_contact_due(db, settings.response_days)
    if settings.admin_user and settings.admin_password:
        auth.upsert_user(db, settings.admin_user, settings.admin_password, actor="start")
        if auth.is_active(db, settings.admin_user) is False:
            logger.warning("INBOX_ADMIN_USER %s is disabled; enable it with: python -m handoff enable-user %s",
                           settings.admin_user, settings.admin_user)
    limits = auth.Limits.of(settings)
    questions = stats.catalogue_questions()
    question_ids = tuple(q for q, _ in questions)

    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings, app.ctx.db = settings, db
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    templates.globals.update(status_labels=STATUS_LABELS, level_labels=LEVEL_LABELS,
                             indication_labels=tickets.INDICATION_LABELS, no_team=tickets.NO_TEAM,
                             team_names=settings.team_names, outcomes=settings.outcomes,
                             partner_names=settings.partner_names)
    templates.filters["local_time"] = local_time
    templates.filters["day"] = dutch_day
    app.static("/static", str(HERE / "static"))

    def render(name_: str, http_status: int = 200, **context: Any) -> HTTPResponse:
        return html(templates.get_template(name_).render(**context), status=http_status)

    # ------------------------------------------------------------- authentication

    def machine_ok(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return bool(settings.api_token) and header.startswith("Bearer ") and auth.same(header[7:], settings.api_token)

    @app.middleware("request")
    async def authenticate(request: Request) -> Optional[HTTPResponse]:
        request.ctx.user, request.ctx.csrf, request.ctx.machine = None, None, False
        path = request.path
        if path in PUBLIC_PATHS or path.startswith("/static/"):
            return None
        if path.startswith("/api/") and machine_ok(request):
            if (request.method, path.rstrip("/") or "/") not in MACHINE_ROUTES:
                return json({"error": "this token may only create tickets and scan records and request erasure"},
                            status=403)
            request.ctx.machine = True
            return None
        found = await run(auth.session_user, db, request.cookies.get(SESSION_COOKIE), settings.session_idle_minutes)
        if found:
            request.ctx.user, request.ctx.csrf = found
            if request.method == "POST" and not _csrf_ok(request):
                if path.startswith("/api/"):
                    return json({"error": "CSRF-token ontbreekt of klopt niet"}, status=403)
                back = _page_of(path)
                return render("message.html", http_status=403, user=request.ctx.user, csrf_token=request.ctx.csrf,
                              title="Formulier verlopen",
                              text="Dit formulier was verlopen. Open de pagina opnieuw en probeer het nog eens.",
                              link=back, link_text="Terug naar alle aanmeldingen" if back == "/inbox"
                              else "Terug naar de aanmelding")
            return None
        if path.startswith("/api/"):
            return json({"error": "authentication required"}, status=401)
        # after the login the browser follows the redirect with GET: send it to a page,
        # not to a form action that only takes POST
        next_ = path if request.method in ("GET", "HEAD") else _page_of(path)
        return redirect(f"/inbox/login?next={quote(next_)}")

    def _csrf_ok(request: Request) -> bool:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.form:
            sent = request.form.get("csrf_token")
        return auth.same(sent, request.ctx.csrf)

    @app.middleware("response")
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if settings.production or request.scheme == "https":
            response.headers["Strict-Transport-Security"] = HSTS
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/inbox") or request.path.startswith("/api/"):
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Cache-Control"] = "no-store"
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "form-action 'self'; frame-ancestors 'none'"
            )

    def actor(request: Request) -> str:
        return request.ctx.user or "api"

    def cookie(response: HTTPResponse, key: str, value: str, max_age: int, path: str = "/") -> None:
        response.cookies[key] = value
        response.cookies[key]["httponly"] = True
        response.cookies[key]["samesite"] = "Strict"
        response.cookies[key]["path"] = path
        response.cookies[key]["max-age"] = int(max_age)
        if settings.secure_cookies:
            response.cookies[key]["secure"] = True

    # ------------------------------------------------------------------- public

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    @app.get("/favicon.ico")
    async def favicon(request: Request) -> HTTPResponse:
        return empty()

    @app.get("/")
    async def demo_page(request: Request) -> HTTPResponse:
        return render("demo.html", rasa_url=settings.rasa_url, privacy_url=settings.public_url + "/#privacy")

    # ---------------------------------------------------------------------- API

    @app.post("/api/tickets")
    async def api_create(request: Request) -> HTTPResponse:
        if not request.ctx.machine:
            return json({"error": "only the action server creates tickets"}, status=403)
        try:
            ticket, created = await run(tickets.create_ticket, db, request.json or {},
                                        request.headers.get("idempotency-key", ""), settings.max_tickets_per_conversation,
                                        settings.response_days)
        except tickets.TicketGone as exc:
            return json({"error": str(exc), "code": exc.code}, status=410)
        except tickets.TicketLimit as exc:
            return json({"error": str(exc), "code": exc.code}, status=409)
        except tickets.TicketError as exc:
            return json({"error": str(exc), "code": "invalid"}, status=422)
        if created:
            app.add_task(notify_new(ticket))
        return json(ticket, status=201 if created else 200)

    @app.get("/api/tickets")
    async def api_list(request: Request) -> HTTPResponse:
        teams = await run(tickets.user_teams, db, request.ctx.user)
        items = await run(tickets.list_tickets, db, request.args.get("status"), request.args.get("risk_level"), 200,
                          request.args.get("team"), request.args.get("indication"), teams,
                          request.args.get("overdue") == "1")
        return json({"tickets": items})

    @app.get("/api/tickets/<ticket_id>")
    async def api_get(request: Request, ticket_id: str) -> HTTPResponse:
        ticket = await run(tickets.get_ticket, db, ticket_id, actor(request))
        return json(ticket) if ticket else json({"error": "not found"}, status=404)

    @app.post("/api/tickets/<ticket_id>/status")
    async def api_status(request: Request, ticket_id: str) -> HTTPResponse:
        try:
            ok = await run(tickets.set_status, db, ticket_id, (request.json or {}).get("status"), actor(request))
        except tickets.TicketError as exc:
            return json({"error": str(exc)}, status=422)
        return json({"ok": True}) if ok else json({"error": "not found"}, status=404)

    @app.post("/api/tickets/<ticket_id>/outcome")
    async def api_outcome(request: Request, ticket_id: str) -> HTTPResponse:
        """Staff: close with an outcome ({"outcome", "partner", "first_contact_at"}), or
        record only the first contact ({"first_contact_at"})."""
        body = request.json or {}
        try:
            if body.get("outcome") is None:
                ok = await run(tickets.set_first_contact, db, ticket_id, body.get("first_contact_at"), actor(request))
            else:
                ok = await run(tickets.close_ticket, db, ticket_id, body.get("outcome"), body.get("partner"),
                               body.get("first_contact_at"), actor(request), settings.outcomes, settings.partner_names)
        except tickets.TicketError as exc:
            return json({"error": str(exc), "code": exc.code}, status=422)
        return json({"ok": True}) if ok else json({"error": "not found"}, status=404)

    @app.post("/api/scan-records")
    async def api_scan_record(request: Request) -> HTTPResponse:
        """The action server's anonymous record of one scan (create-only; see stats.py)."""
        if not request.ctx.machine:
            return json({"error": "only the action server creates scan records"}, status=403)
        try:
            payload = request.json
        except Exception:  # noqa: BLE001 - Sanic raises its own error for a body that is no JSON
            payload = None
        try:
            created = await run(stats.create_record, db, payload, question_ids, tuple(settings.partner_names))
        except stats.RecordError as exc:
            return json({"error": str(exc), "code": "invalid"}, status=422)
        return json({"id": payload["id"], "created": created}, status=201 if created else 200)

    @app.post("/api/erasures")
    async def api_erase(request: Request) -> HTTPResponse:
        if not request.ctx.machine:
            return json({"error": "only the action server requests erasure"}, status=403)
        conversation_id = (request.json or {}).get("conversation_id")
        if not isinstance(conversation_id, str) or not conversation_id:
            return json({"error": "'conversation_id' is required"}, status=422)
        erased = await run(tickets.request_erasure, db, conversation_id, settings.erasure_delay_seconds)
        return json({"tickets_erased": erased, "conversation_scheduled": True})

    # -------------------------------------------------------------------- inbox

    @app.get("/inbox/login")
    async def login_form(request: Request) -> HTTPResponse:
        # keep an existing token: a second tab or a background request must not
        # invalidate the form that is already open
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = render("login.html", csrf_token=token, next=_safe_next(request.args.get("next")), error=None)
        cookie(response, LOGIN_CSRF_COOKIE, token, 3600)
        return response

    @app.post("/inbox/login")
    async def login_submit(request: Request) -> HTTPResponse:
        form = request.form or {}
        next_ = _safe_next(form.get("next"))
        if not auth.same(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            # a fresh token, so sending the form again works
            token = secrets.token_urlsafe(24)
            response = render("login.html", http_status=403, csrf_token=token, next=next_,
                              error="De pagina was verlopen. Probeer het nog eens.")
            cookie(response, LOGIN_CSRF_COOKIE, token, 3600)
            return response
        username, password = form.get("username", ""), form.get("password", "")
        result = await run(auth.login, db, username, password, remote_of(request), request.cookies.get(DEVICE_COOKIE),
                           limits, settings.session_hours)
        if result.outcome == "blocked":
            return render("login.html", http_status=429, csrf_token=form.get("csrf_token"), next=next_,
                          error=f"Te veel mislukte pogingen. Probeer het over {wait_text(result.retry_after)} opnieuw.")
        if result.outcome == "disabled":
            return render("login.html", http_status=403, csrf_token=form.get("csrf_token"), next=next_,
                          error="Dit account is uitgeschakeld. Vraag de beheerder van de inbox om het weer aan te zetten.")
        if result.outcome != "ok":
            return render("login.html", http_status=401, csrf_token=form.get("csrf_token"), next=next_,
                          error="Gebruikersnaam of wachtwoord klopt niet.")
        response = redirect(next_)
        cookie(response, SESSION_COOKIE, result.token, int(settings.session_hours * 3600))
        if result.device_token:
            cookie(response, DEVICE_COOKIE, result.device_token, 365 * 24 * 3600, path="/inbox")
        del response.cookies[LOGIN_CSRF_COOKIE]
        return response

    def remote_of(request: Request) -> str:
        return request.remote_addr or request.ip or "?"

    @app.post("/inbox/logout")
    async def logout(request: Request) -> HTTPResponse:
        await run(auth.logout, db, request.cookies.get(SESSION_COOKIE), remote_of(request))
        response = redirect("/inbox/login")
        del response.cookies[SESSION_COOKIE]
        return response

    @app.get("/inbox")
    async def inbox(request: Request) -> HTTPResponse:
        status, level = request.args.get("status") or "", request.args.get("risk_level") or ""
        team, indication = request.args.get("team") or "", request.args.get("indication") or ""
        my_teams = await run(tickets.user_teams, db, request.ctx.user)
        overdue = request.args.get("overdue") == "1"
        items = await run(tickets.list_tickets, db, status or None, level or None, 200, team or None,
                          indication or None, my_teams, overdue)
        team_choices = dict(settings.team_names)
        for used in await run(tickets.teams_in_use, db):
            team_choices.setdefault(used, used)
        return render("inbox.html", tickets=items, status=status, level=level, team=team, indication=indication,
                      overdue=overdue,
                      my_teams=[team_label(t) for t in my_teams], team_choices=team_choices, user=request.ctx.user,
                      csrf_token=request.ctx.csrf, counts=await run(tickets.counts, db))

    def team_label(team_id: Optional[str]) -> str:
        return settings.team_names.get(team_id, team_id) if team_id else "–"

    @app.get("/inbox/wachtwoord")
    async def password_form(request: Request) -> HTTPResponse:
        return render("password.html", user=request.ctx.user, csrf_token=request.ctx.csrf, error=None, done=False)

    @app.post("/inbox/wachtwoord")
    async def password_submit(request: Request) -> HTTPResponse:
        form = request.form or {}
        new, repeat = form.get("new_password", ""), form.get("repeat_password", "")
        error, http_status = None, 400
        if new != repeat:
            error = "De twee nieuwe wachtwoorden zijn niet hetzelfde."
        else:
            outcome, wait = await run(auth.change_password, db, request.ctx.user, form.get("current_password", ""),
                                      new, request.cookies.get(SESSION_COOKIE), limits)
            if outcome == "blocked":
                error, http_status = f"Te veel pogingen. Probeer het over {wait_text(wait)} opnieuw.", 429
            elif outcome == "short":
                error = f"Kies een nieuw wachtwoord van minstens {auth.MIN_PASSWORD_LENGTH} tekens."
            elif outcome == "wrong":
                error = "Uw huidige wachtwoord klopt niet."
        return render("password.html", http_status=http_status if error else 200, user=request.ctx.user,
                      csrf_token=request.ctx.csrf, error=error, done=error is None)

    @app.get("/inbox/tickets/<ticket_id>")
    async def ticket_page(request: Request, ticket_id: str) -> HTTPResponse:
        ticket = await run(tickets.get_ticket, db, ticket_id, request.ctx.user)
        if ticket is None:
            return not_found(request)
        text, is_error = TICKET_MESSAGES.get(request.args.get("m") or "", (None, False))
        return render("ticket.html", t=ticket, user=request.ctx.user, csrf_token=request.ctx.csrf,
                      colleagues=await run(tickets.staff_names, db), message=text, message_is_error=is_error)

    def period_of(request: Request) -> tuple:
        """The dashboard's period from ?van=&tot= (YYYY-MM-DD); default the last 13 weeks."""
        today = tickets.local_today()
        start, end, error = today - timedelta(weeks=13) + timedelta(days=1), today, None
        try:
            if request.args.get("van"):
                start = date.fromisoformat(request.args.get("van"))
            if request.args.get("tot"):
                end = date.fromisoformat(request.args.get("tot"))
        except ValueError:
            error = "Deze datum klopt niet. Gebruik dag, maand en jaar. U ziet nu de laatste 13 weken."
            start, end = today - timedelta(weeks=13) + timedelta(days=1), today
        if end < start:
            error, start, end = "De einddatum ligt voor de begindatum. Ze zijn omgewisseld.", end, start
        if (end - start).days > 3 * 366:
            error, start = "Kies een periode van hoogstens drie jaar.", end - timedelta(days=3 * 366)
        return start, end, error

    def dashboard_tables(start: date, end: date) -> list:
        labels = {key: o.label for key, o in settings.outcomes.items()}
        return stats.figures(db, start, end, settings.stats_min_count, questions, labels, settings.partner_names)

    @app.get("/inbox/dashboard")
    async def dashboard(request: Request) -> HTTPResponse:
        start, end, error = period_of(request)
        tables = await run(dashboard_tables, start, end)
        await run(tickets.audit, db, request.ctx.user, "dashboard", f"{start} - {end}")
        return render("dashboard.html", tables=tables, start=start, end=end, error=error, user=request.ctx.user,
                      csrf_token=request.ctx.csrf, min_count=settings.stats_min_count,
                      first_week=stats.iso_week(start), last_week=stats.iso_week(end))

    @app.get("/inbox/dashboard.csv")
    async def dashboard_csv(request: Request) -> HTTPResponse:
        start, end, _ = period_of(request)
        tables = {t.id: t for t in await run(dashboard_tables, start, end)}
        table = tables.get(request.args.get("tabel") or "")
        if table is None:
            return not_found(request)
        await run(tickets.audit, db, request.ctx.user, "export", f"{table.id} {start} - {end}")
        return HTTPResponse("\ufeff" + stats.to_csv(table), content_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="zelfscan-{table.id}-{start}-{end}.csv"'})

    def not_found(request: Request) -> HTTPResponse:
        return render("message.html", http_status=404, user=request.ctx.user, csrf_token=request.ctx.csrf,
                      title="Niet gevonden", text="Deze aanmelding bestaat niet.",
                      link="/inbox", link_text="Terug naar alle aanmeldingen")

    async def _change(request: Request, ticket_id: str, fn: Callable, *args: Any) -> HTTPResponse:
        try:
            ok = await run(fn, db, ticket_id, *args, request.ctx.user)
        except tickets.TicketError as exc:
            return redirect(f"/inbox/tickets/{quote(ticket_id)}?m={quote(exc.code)}")
        if not ok:
            return not_found(request)
        return redirect(f"/inbox/tickets/{quote(ticket_id)}?m=opgeslagen")

    @app.post("/inbox/tickets/<ticket_id>/status")
    async def change_status(request: Request, ticket_id: str) -> HTTPResponse:
        return await _change(request, ticket_id, functools.partial(tickets.set_status, require_outcome=True),
                             request.form.get("status"))

    @app.post("/inbox/tickets/<ticket_id>/contact")
    async def record_first_contact(request: Request, ticket_id: str) -> HTTPResponse:
        return await _change(request, ticket_id, tickets.set_first_contact, request.form.get("first_contact_at"))

    @app.post("/inbox/tickets/<ticket_id>/close")
    async def close_with_outcome(request: Request, ticket_id: str) -> HTTPResponse:
        form = request.form or {}
        close = functools.partial(tickets.close_ticket, outcomes=settings.outcomes, partner_names=settings.partner_names)
        return await _change(request, ticket_id, close, form.get("outcome"), form.get("partner"),
                             form.get("first_contact_at"))

    @app.post("/inbox/tickets/<ticket_id>/assign")
    async def change_assignee(request: Request, ticket_id: str) -> HTTPResponse:
        return await _change(request, ticket_id, tickets.assign, request.form.get("assignee") or None)

    @app.post("/inbox/tickets/<ticket_id>/notes")
    async def add_note(request: Request, ticket_id: str) -> HTTPResponse:
        return await _change(request, ticket_id, tickets.add_note, request.form.get("note", ""))

    # ---------------------------------------------------------- background work

    notifying: Set[str] = set()  # ids of the tickets whose notifications are being sent now

    async def notify_new(ticket: Dict[str, Any], recheck: bool = False) -> None:
        """E-mail and webhook for a new ticket, each once; a failure is retried by the
        background loop without repeating the part that already went out. The API and the
        background loop may both start this for one ticket: the second one skips it."""
        ticket_id = ticket["id"]
        if ticket_id in notifying:
            return
        notifying.add(ticket_id)
        try:
            if recheck:  # the background loop's list may be out of date by now
                fresh = await run(tickets.pending_notifications, db, ticket_id)
                if not fresh:
                    return
                ticket = fresh[0]
            await _send_notifications(ticket)
        finally:
            notifying.discard(ticket_id)

    async def _send_notifications(ticket: Dict[str, Any]) -> None:
        if not ticket.get("_email_done"):
            try:
                if settings.smtp_host and settings.notify_email:
                    await run(notify.send_email, ticket, settings)
                await run(tickets.mark_notified, db, ticket["id"], "email")
            except Exception as exc:  # noqa: BLE001 - any failure means: try again later
                logger.warning("E-mail for %s failed (%s); will retry.", ticket["id"], type(exc).__name__)
        if not ticket.get("_webhook_done"):
            try:
                if settings.webhook_url:
                    await notify.post_webhook(ticket, settings)
                await run(tickets.mark_notified, db, ticket["id"], "webhook")
            except Exception as exc:  # noqa: BLE001
                logger.warning("Webhook for %s failed (%s); will retry.", ticket["id"], type(exc).__name__)

    async def background() -> None:
        last_purge = None
        while True:
            try:
                await run(tickets.process_erasures, db, settings.tracker_db_url)
                for ticket in await run(tickets.pending_notifications, db):
                    await notify_new(ticket, recheck=True)
                if last_purge is None or (utcnow() - last_purge).total_seconds() > 24 * 3600:
                    result = await run(tickets.purge, db, settings.retention_days, settings.tracker_db_url)
                    await run(auth.forget_old_throttles, db)
                    last_purge = utcnow()
                    logger.info("Retention purge: %s", result)
            except Exception:  # noqa: BLE001 - keep the loop alive, say what failed
                logger.exception("Background work failed")
            await asyncio.sleep(settings.background_interval_seconds)

    @app.listener("after_server_start")  # type: ignore[call-arg, arg-type]  # Sanic 21.12's overloads
    async def start_background(app_: Sanic, _loop: Any) -> None:
        app_.add_task(background())

    return app


def wait_text(seconds: float) -> str:
    """'1 minuut', '15 minuten': a wait in whole minutes, rounded up."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} {'minuut' if minutes == 1 else 'minuten'}"


def _safe_next(value: Optional[str]) -> str:
    """Only local inbox paths, so the login cannot redirect elsewhere. (A value that starts
    with "/inbox" cannot start with "//" or a scheme, so it stays on this site.)"""
    if value and value.startswith("/inbox"):
        return value
    return "/inbox"


def _page_of(path: str) -> str:
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
