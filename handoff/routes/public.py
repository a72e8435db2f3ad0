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
    """An example page of the gemeente with the chat. In a region ``?gemeente=<id>`` shows
    that gemeente's page: its name, its form of address, and the widget's
    ``data-gemeente`` so the conversation belongs to it (an unknown id: the first)."""
    settings = ctx(request).settings
    chosen = request.args.get("gemeente")
    gemeente = chosen if len(settings.gemeenten) > 1 and chosen in settings.gemeenten else None
    name = settings.gemeenten[gemeente] if gemeente else settings.gemeente_name or "Voorbeeldstad"
    return render(request, "demo.html", rasa_url=settings.rasa_url, privacy_url=settings.public_url + "/#privacy",
                  address_form=settings.address_forms.get(gemeente or "", settings.address_form),
                  gemeente=gemeente, gemeente_name=name)


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
