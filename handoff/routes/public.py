"""Pages anyone may open: the demo gemeente page with the chat widget, and the health check."""
from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, empty, json

from handoff.web import ctx, render

bp = Blueprint("public")


@bp.get("/health")
async def health(request: Request) -> HTTPResponse:
    return json({"status": "ok"})


@bp.get("/favicon.ico")
async def favicon(request: Request) -> HTTPResponse:
    return empty()


@bp.get("/")
async def demo_page(request: Request) -> HTTPResponse:
    settings = ctx(request).settings
    return render(request, "demo.html", rasa_url=settings.rasa_url, privacy_url=settings.public_url + "/#privacy")
