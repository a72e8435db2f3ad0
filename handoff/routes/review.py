"""Learning from real messages (handoff/learning.py): the action server's create-only route
for a message the assistant did not understand, and the review page for staff with the
role "leren" or "beheer" (handoff/roles.py). Every view and every export is audited."""
from __future__ import annotations

from typing import Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, redirect

from handoff import learning, roles, stats, tickets
from handoff.web import ctx, message_page, render, run

bp = Blueprint("review")
INTENTS = learning.domain_intents()  # read once, at start
TOPICS = dict(stats.catalogue_questions())  # question id -> its topic, in words
QUESTIONS = tuple(TOPICS)
PAGE = "/inbox/leren"
SHOWN_PER_GROUP = 20
MESSAGES = {
    "opgeslagen": ("Opgeslagen.", False),
    "niets": ("Er was niets gekozen. Kies eerst wat de ondernemer bedoelde.", True),
    "onbekend": ("Deze keuze bestaat niet. Kies er een uit de lijst.", True),
}


@bp.post("/api/unrecognised")
async def api_create(request: Request) -> HTTPResponse:
    """The action server: one stripped message (create-only; a retry changes nothing)."""
    if not request.ctx.machine:
        return json({"error": "only the action server sends messages that were not understood"}, status=403)
    try:
        payload = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error for a body that is no JSON
        payload = None
    try:
        created = await run(learning.create, ctx(request).db, payload, INTENTS, QUESTIONS)
    except learning.MessageError as exc:
        return json({"error": str(exc), "code": "invalid"}, status=422)
    return json({"id": payload["id"], "created": created}, status=201 if created else 200)


def refused(request: Request) -> Optional[HTTPResponse]:
    """403 with a Dutch page for staff without the role."""
    if roles.can_review(getattr(request.ctx, "roles", ())):
        return None
    return message_page(request, "Geen toegang",
                        "U mag deze pagina niet openen. Hiervoor heeft u de rol 'leren' nodig. "
                        "Vraag de beheerder van de inbox om die rol.", 403)


@bp.get(PAGE)
async def review_page(request: Request) -> HTTPResponse:
    denied = refused(request)
    if denied:
        return denied
    db = ctx(request).db
    pending, total = await run(learning.unreviewed, db)
    groups = await run(learning.group, pending)
    done = await run(learning.reviewed, db)
    await run(tickets.audit, db, request.ctx.user, "learning_view", f"{total} open, {len(done)} nagekeken")
    text, is_error = MESSAGES.get(request.args.get("m") or "", (None, False))
    choices = [(i, learning.intent_label(i)) for i in INTENTS] + [(learning.LEAVE_OUT,
                                                                    learning.intent_label(learning.LEAVE_OUT))]
    exportable = sum(1 for m in done if m.reviewed_intent != learning.LEAVE_OUT)
    return render(request, "review.html", groups=groups, total=total, shown=len(pending), done=done,
                  choices=choices, label=learning.intent_label, message=text, message_is_error=is_error,
                  days=ctx(request).settings.unrecognised_days, shown_per_group=SHOWN_PER_GROUP,
                  exportable=exportable, topics=TOPICS)


@bp.post(PAGE + "/nakijken")
async def review_submit(request: Request) -> HTTPResponse:
    """Staff's choice for one message or a whole group (form fields ``bericht`` and ``intent``);
    ``intent`` empty puts reviewed messages back."""
    denied = refused(request)
    if denied:
        return denied
    form = request.form
    intent = ((form.get("intent") if form else None) or "").strip()
    ids = (form.getlist("bericht") if form else None) or []
    if not ids or (not intent and (form.get("terug") if form else None) != "1"):
        return redirect(PAGE + "?m=niets")
    try:
        await run(learning.review, ctx(request).db, ids, intent, INTENTS, request.ctx.user)
    except learning.MessageError:
        return redirect(PAGE + "?m=onbekend")
    return redirect(PAGE + "?m=opgeslagen")


@bp.get(PAGE + "/reviewed.yml")
async def review_export(request: Request) -> HTTPResponse:
    """The reviewed messages (not the left-out ones) as Rasa NLU data (data/nlu/reviewed.yml)."""
    denied = refused(request)
    if denied:
        return denied
    db = ctx(request).db
    done = await run(learning.reviewed, db)
    body = learning.export_yaml(done)
    count = sum(1 for m in done if m.reviewed_intent != learning.LEAVE_OUT)
    await run(tickets.audit, db, request.ctx.user, "learning_export", f"{count} bericht(en)")
    return HTTPResponse(body, content_type="application/x-yaml; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="reviewed.yml"'})
