"""The handoff service (Sanic): ticket API for the action server, staff inbox, dashboard, demo page.

``create_app`` wires the parts together; it holds no routes itself:
- handoff/security.py: who may call what (middleware) and the security headers;
- handoff/routes/: one blueprint per area (public, api, login, inbox, dashboard);
- handoff/background.py: notifications, erasures and the purge, with an injectable notifier;
- handoff/web.py: what the routes share (context, rendering, cookies).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic

from handoff import auth, gemeenten, roles, security, signals, stats, tickets
from handoff.background import Background, Notifier
from handoff.db import Database
from handoff.routes import BLUEPRINTS
from handoff.settings import Settings
from handoff.tickets import LEVEL_LABELS, STATUS_LABELS
from handoff.web import Context, dutch_day, local_time

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def templates_for(settings: Settings) -> Environment:
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    templates.globals.update(status_labels=STATUS_LABELS, level_labels=LEVEL_LABELS,
                             indication_labels=tickets.INDICATION_LABELS, no_team=tickets.NO_TEAM,
                             team_names=settings.team_names, outcomes=settings.outcomes,
                             partner_names=settings.partner_names, signal_config=settings.signals,
                             basis_text=lambda basis: signals.basis_text(basis, settings.signals))
    templates.globals.update(gemeente_names=settings.gemeenten, gemeente_order=tuple(settings.gemeenten) or ("",))
    templates.filters["local_time"] = local_time
    templates.filters["day"] = dutch_day
    return templates


def open_database(settings: Settings) -> Database:
    """Create or migrate the schema, fill in derived fields, and make sure the configured
    administrator exists."""
    db = Database(settings.database_url, settings.erasure_key)
    db.create()
    tickets.backfill_contact_due(db, settings.response_days)
    if settings.admin_user and settings.admin_password:
        auth.upsert_user(db, settings.admin_user, settings.admin_password, actor="start")
        if len(settings.gemeenten) > 1:  # the region's administrator sees every gemeente
            gemeenten.set_for_user(db, settings.admin_user, tuple(settings.gemeenten), tuple(settings.gemeenten),
                                   actor="start")
        roles.grant(db, settings.admin_user, roles.ADMIN_ROLE, actor="start")
        if auth.is_active(db, settings.admin_user) is False:
            logger.warning("INBOX_ADMIN_USER %s is disabled; enable it with: python -m handoff enable-user %s",
                           settings.admin_user, settings.admin_user)
    return db


def create_app(settings: Optional[Settings] = None, name: str = "handoff",
               notifier: Optional[Notifier] = None) -> Sanic:
    settings = (settings or Settings()).load_secrets()
    db = open_database(settings)
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings, app.ctx.db = settings, db
    app.ctx.service = Context(settings=settings, db=db, templates=templates_for(settings),
                              limits=auth.Limits.of(settings), questions=stats.catalogue_questions(),
                              background=Background(db, settings, notifier))
    app.static("/static", str(HERE / "static"))
    security.install(app)
    for blueprint in BLUEPRINTS:
        app.blueprint(blueprint)

    @app.listener("after_server_start")  # type: ignore[call-arg, arg-type]  # Sanic 21.12's overloads
    async def start_background(app_: Sanic, _loop: Any) -> None:
        app_.add_task(app_.ctx.service.background.loop())

    return app
