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


def build_app(token: str, package: str = "actions") -> Sanic:
    app = create_app(package, cors_origins=None)

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
    app = build_app(secrets.get("ACTION_SERVER_TOKEN"))
    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    logger.info("Action server on http://%s:%s", host, port)
    app.run(host, port, workers=1, access_log=False)
