"""The staff inbox: the ticket list with filters, one ticket's page, and the forms that
change a ticket (status, first contact, outcome, assignee, notes)."""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional
from urllib.parse import quote

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from handoff import scan_compare, scan_links, tickets, zgw_store
from handoff.web import chosen_gemeenten, ctx, my_gemeenten, not_found, render, run

bp = Blueprint("inbox")
# the ?m= codes of the ticket page: (text, is an error); an unknown code shows nothing
TICKET_MESSAGES = {
    "opgeslagen": ("Opgeslagen.", False),
    "signaal": ("Het signaal is opgeslagen als aanmelding. U kunt de ondernemer nu uitnodigen voor de scan.", False),
    "uitnodiging_verstuurd": ("De uitnodiging voor de scan is per e-mail verstuurd.", False),
    "geen_email": ("Er is geen e-mailadres van de ondernemer bekend. Maak een brief om te printen.", True),
    "geen_smtp": ("E-mail versturen is niet ingesteld (SMTP_HOST). Maak een brief om te printen.", True),
    "mail_mislukt": ("De e-mail kon niet worden verstuurd. Probeer het later nog eens, of maak een brief.", True),
    "geen_signaal": ("Alleen bij een signaal kunt u een uitnodiging voor de scan sturen.", True),
    "gewist": ("De gegevens van deze aanmelding zijn gewist. U kunt geen uitnodiging meer sturen.", True),
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


@bp.get("/inbox")
async def inbox(request: Request) -> HTTPResponse:
    service = ctx(request)
    status, level = request.args.get("status") or "", request.args.get("risk_level") or ""
    team, indication = request.args.get("team") or "", request.args.get("indication") or ""
    my_teams = await run(tickets.user_teams, service.db, request.ctx.user)
    overdue = request.args.get("overdue") == "1"
    kind, source = request.args.get("kind") or "", request.args.get("source") or ""
    all_gemeenten = tuple(service.settings.gemeenten)
    mine = await my_gemeenten(request)
    shown = chosen_gemeenten(request, mine)
    items = await run(functools.partial(tickets.list_tickets, kind=kind or None, source=source or None,
                                        gemeenten=shown, all_gemeenten=all_gemeenten),
                      service.db, status or None, level or None, 200, team or None, indication or None, my_teams,
                      overdue)
    team_names = service.settings.team_names
    team_choices = dict(team_names)
    for used in await run(tickets.teams_in_use, service.db):
        team_choices.setdefault(used, used)

    def team_label(team_id: Optional[str]) -> str:
        return team_names.get(team_id, team_id) if team_id else "–"

    return render(request, "inbox.html", tickets=items, status=status, level=level, team=team,
                  indication=indication, overdue=overdue, my_teams=[team_label(t) for t in my_teams],
                  team_choices=team_choices, counts=await run(tickets.counts, service.db, shown, all_gemeenten),
                  my_gemeenten=mine, gemeente=request.args.get("gemeente") if len(shown) == 1 and len(mine) > 1 else "",
                  regional=len(all_gemeenten) > 1, kind=kind,
                  source=source, source_choices=await run(tickets.sources_in_use, service.db))


@bp.get("/inbox/tickets/<ticket_id>")
async def ticket_page(request: Request, ticket_id: str) -> HTTPResponse:
    db = ctx(request).db
    ticket = await run(tickets.get_ticket, db, ticket_id, request.ctx.user)
    if ticket is None:
        return not_found(request)
    text, is_error = TICKET_MESSAGES.get(request.args.get("m") or "", (None, False))
    later = await run(scan_links.scans_of, db, ticket_id)
    comparisons = [(scan, scan_compare.compare(ticket, scan)) for scan in later]
    return render(request, "ticket.html", t=ticket, colleagues=await run(tickets.staff_names, db), message=text,
                  message_is_error=is_error, comparisons=comparisons,
                  links=await run(scan_links.links_of, db, ticket_id), zaak=await run(zgw_store.state, db, ticket_id),
                  zgw_on=ctx(request).background.zgw is not None)


async def change(request: Request, ticket_id: str, fn: Callable, *args: Any) -> HTTPResponse:
    """Run one change as the logged-in user, then back to the ticket page with a message."""
    try:
        ok = await run(fn, ctx(request).db, ticket_id, *args, request.ctx.user)
    except tickets.TicketError as exc:
        return redirect(f"/inbox/tickets/{quote(ticket_id)}?m={quote(exc.code)}")
    if not ok:
        return not_found(request)
    return redirect(f"/inbox/tickets/{quote(ticket_id)}?m=opgeslagen")


@bp.post("/inbox/tickets/<ticket_id>/status")
async def change_status(request: Request, ticket_id: str) -> HTTPResponse:
    return await change(request, ticket_id, functools.partial(tickets.set_status, require_outcome=True),
                        request.form.get("status"))


@bp.post("/inbox/tickets/<ticket_id>/contact")
async def record_first_contact(request: Request, ticket_id: str) -> HTTPResponse:
    return await change(request, ticket_id, tickets.set_first_contact, request.form.get("first_contact_at"))


@bp.post("/inbox/tickets/<ticket_id>/close")
async def close_with_outcome(request: Request, ticket_id: str) -> HTTPResponse:
    form, settings = request.form or {}, ctx(request).settings
    close = functools.partial(tickets.close_ticket, outcomes=settings.outcomes, partner_names=settings.partner_names)
    return await change(request, ticket_id, close, form.get("outcome"), form.get("partner"),
                        form.get("first_contact_at"))


@bp.post("/inbox/tickets/<ticket_id>/assign")
async def change_assignee(request: Request, ticket_id: str) -> HTTPResponse:
    return await change(request, ticket_id, tickets.assign, request.form.get("assignee") or None)


@bp.post("/inbox/tickets/<ticket_id>/zaaksysteem")
async def retry_case_system(request: Request, ticket_id: str) -> HTTPResponse:
    """"Opnieuw proberen": refused steps of the registration in the case system go again."""
    return await change(request, ticket_id, zgw_store.retry_refused)


@bp.post("/inbox/tickets/<ticket_id>/notes")
async def add_note(request: Request, ticket_id: str) -> HTTPResponse:
    return await change(request, ticket_id, tickets.add_note, request.form.get("note", ""))
