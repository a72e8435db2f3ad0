"""The statistics dashboard (staff only): anonymous figures for a period, as charts and
tables, each table also as CSV. Views and exports are audited."""
from __future__ import annotations

from datetime import date, timedelta
from typing import List, Optional, Sequence, Tuple

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from handoff import stats, tickets
from handoff.web import Context, chosen_gemeenten, ctx, my_gemeenten, not_found, render, run

bp = Blueprint("dashboard")
DEFAULT_WEEKS = 13
MAX_DAYS = 3 * 366


def period_of(request: Request) -> Tuple[date, date, Optional[str]]:
    """The period from ?van=&tot= (YYYY-MM-DD); default the last 13 weeks."""
    today = tickets.local_today()
    default_start = today - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    start, end, error = default_start, today, None
    try:
        if request.args.get("van"):
            start = date.fromisoformat(request.args.get("van"))
        if request.args.get("tot"):
            end = date.fromisoformat(request.args.get("tot"))
    except ValueError:
        error = "Deze datum klopt niet. Gebruik dag, maand en jaar. U ziet nu de laatste 13 weken."
        start, end = default_start, today
    if end < start:
        error, start, end = "De einddatum ligt voor de begindatum. Ze zijn omgewisseld.", end, start
    if (end - start).days > MAX_DAYS:
        error, start = "Kies een periode van hoogstens drie jaar.", end - timedelta(days=MAX_DAYS)
    return start, end, error


def tables_for(service: Context, start: date, end: date, gemeenten: Sequence[str]) -> List[stats.Table]:
    settings = service.settings
    labels = {key: o.label for key, o in settings.outcomes.items()}
    return stats.figures(service.db, start, end, settings.stats_min_count, service.questions, labels,
                         settings.partner_names, gemeenten, tuple(settings.gemeenten))


@bp.get("/inbox/dashboard")
async def dashboard(request: Request) -> HTTPResponse:
    service = ctx(request)
    start, end, error = period_of(request)
    mine = await my_gemeenten(request)
    shown = chosen_gemeenten(request, mine)
    tables = await run(tables_for, service, start, end, shown)
    await run(tickets.audit, service.db, request.ctx.user, "dashboard", f"{start} - {end} {','.join(shown)}")
    return render(request, "dashboard.html", tables=tables, start=start, end=end, error=error,
                  min_count=service.settings.stats_min_count, first_week=stats.iso_week(start),
                  last_week=stats.iso_week(end), my_gemeenten=mine,
                  gemeente=shown[0] if len(shown) == 1 and len(mine) > 1 else "")


@bp.get("/inbox/dashboard.csv")
async def dashboard_csv(request: Request) -> HTTPResponse:
    service = ctx(request)
    start, end, _ = period_of(request)
    shown = chosen_gemeenten(request, await my_gemeenten(request))
    tables = {t.id: t for t in await run(tables_for, service, start, end, shown)}
    table = tables.get(request.args.get("tabel") or "")
    if table is None:
        return not_found(request)
    await run(tickets.audit, service.db, request.ctx.user, "export", f"{table.id} {start} - {end} {','.join(shown)}")
    return HTTPResponse("\ufeff" + stats.to_csv(table), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="zelfscan-{table.id}-{start}-{end}.csv"'})
