"""The action server (rasa-sdk) with one addition: only the Rasa server may call it.

Every request except ``GET /health`` must carry the header ``X-Zelfscan-Action-Token``
with the value of ACTION_SERVER_TOKEN (Rasa sends it, see endpoints.yml); anything
else gets 401 before an action runs. Errors never echo the request (a tracker with
personal data) back.
"""
from __future__ import annotations

import hmac
import logging
import os
from typing import Optional

from rasa_sdk.endpoint import create_app
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from zelfscan_runtime import secrets
from zelfscan_runtime.config import ACTION_TOKEN_HEADER

logger = logging.getLogger(__name__)
OPEN_PATHS = ("/health",)


def token_ok(sent: Optional[str], expected: str) -> bool:
    return bool(sent and expected) and hmac.compare_digest((sent or "").encode(), expected.encode())


def activate_gemeente(request: Request) -> None:
    """A regional service: the conversation's gemeente (its slot) is current while the
    action runs, so every text, amount and partner comes from its configuration."""
    from actions import gemeente

    try:
        body = request.json
    except Exception:  # noqa: BLE001 - rasa-sdk answers a body that is no JSON itself
        return
    slots = ((body or {}).get("tracker") or {}).get("slots") or {} if isinstance(body, dict) else {}
    gemeente.activate(slots.get(gemeente.GEMEENTE_SLOT) if isinstance(slots, dict) else None)


async def check_handoff_service(attempts: int = 12, pause: float = 5.0) -> Optional[list]:
    """At start, in the background: does the handoff service serve every gemeente this
    action server serves (a regional service whose two halves read different
    GEMEENTE_CONFIG files would leave tickets waiting in the outbox)? Tries for about a
    minute while the services start together. Also sends what the outbox still holds."""
    import asyncio

    from actions import gemeente
    from actions.handoff_client import Unauthorized, client, missing_gemeenten

    handoff = client()
    expected = list(gemeente.region().files) if gemeente.region().regional else []
    for attempt in range(attempts):
        if attempt:
            await asyncio.sleep(pause)
        try:
            served = await handoff.served_gemeenten()
        except Unauthorized as exc:
            logger.error("%s. Set HANDOFF_API_TOKEN to the service's token; tickets wait in the outbox.", exc)
            return None
        if served is not None:
            if await handoff.pending_count():
                handoff.ensure_worker()
            return missing_gemeenten(expected, served)
    logger.warning("Handoff service not reachable at start; tickets are queued until it is")
    return None


def build_app(token: str, package: str = "actions", check_handoff: bool = False) -> Sanic:
    app = create_app(package, cors_origins=None)

    if check_handoff:
        @app.after_server_start
        async def start_check(app: Sanic, _loop: object) -> None:
            app.add_task(check_handoff_service())

    @app.middleware("request")
    async def only_rasa(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS and request.method in ("GET", "HEAD"):
            return None
        if not token_ok(request.headers.get(ACTION_TOKEN_HEADER), token):
            return json({"error": "unauthorized"}, status=401)
        activate_gemeente(request)
        return None

    @app.exception(Exception)
    async def quiet_errors(request: Request, exception: Exception) -> HTTPResponse:
        logger.error("Action server error on %s: %s", request.path, type(exception).__name__,
                     exc_info=exception)
        return json({"error": "internal error"}, status=500)

    return app


def serve(port: int) -> None:
    from rasa_sdk import utils

    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    logging.getLogger("rasa_sdk.executor").setLevel(logging.WARNING)  # one line per registered action is noise
    app = build_app(secrets.get("ACTION_SERVER_TOKEN"), check_handoff=True)
    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    logger.info("Action server on http://%s:%s", host, port)
    app.run(host, port, workers=1, access_log=False)
