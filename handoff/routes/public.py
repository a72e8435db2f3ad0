"""Pages anyone may open: the demo gemeente page with the chat widget, the page that shows
a saved result (/uitkomst), and the health check."""
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
    return render(request, "demo.html", rasa_url=settings.rasa_url, privacy_url=settings.public_url + "/#privacy",
                  address_form=settings.address_form)


# The saved result travels in the link's fragment (#v1....), which the browser never sends:
# this page is the same for everyone and holds no result; /static/uitkomst.js shows it.
RESULT_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; "
                   "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@bp.get("/uitkomst")
async def saved_result_page(request: Request) -> HTTPResponse:
    response = render(request, "uitkomst.html")
    response.headers["Content-Security-Policy"] = RESULT_PAGE_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response
