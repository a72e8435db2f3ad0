"""Anonymous statistics: one record per scan (finished or abandoned) and the figures of
the dashboard, the CSV export and ``python -m handoff report``.

A record holds no name, no free text, no conversation id and no date finer than the ISO
week; every value comes from a fixed vocabulary (question ids of actions/catalogue.yml,
indication ids, risk levels, channels, partner ids and outcome ids of the gemeente
configuration). It survives the retention purge. Counts from 1 to ``min_count - 1`` are
shown as "<min_count" everywhere (0 says nothing about a person and is shown).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import AbstractSet, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from handoff.db import Database, ScanRecord, Ticket
from handoff.gemeenten import UNKNOWN_GEMEENTE, unserved
from handoff.gemeenten import clause as gemeente_clause
from handoff.signals import ROUTE_REFERRED, ROUTE_SELF, ROUTE_SIGNAL
from handoff.tickets import (
    INDICATION_LABELS,
    LEVEL_LABELS,
    LEVELS,
    RECORD_ID_RE,
    local_date,
    local_today,
    sync_record,
)

ROOT = Path(__file__).resolve().parent.parent
FINISHED = "klaar"
# green, orange, red for laag, verhoogd, hoog (the table and the legend name them in words)
LEVEL_COLOURS = ("#39870c", "#e17000", "#a90061")
# the input channels of the Rasa server (zelfscan_channels) and the action server's fallback
CHANNELS = ("rest", "socketio", "twilio", "telegram", "slack", "botframework", "onbekend")
CHANNEL_LABELS = {"rest": "Website (REST)", "socketio": "Website (chat)", "twilio": "SMS of WhatsApp",
                  "telegram": "Telegram", "slack": "Slack", "botframework": "Teams", "onbekend": "Onbekend"}
RECORD_FIELDS = {"id", "week", "channel", "stopped_at", "risk_level", "urgent", "indications", "referrals",
                 "contact_asked", "gemeente"}
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class RecordError(ValueError):
    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def catalogue_questions(path: Optional[Path] = None) -> Tuple[Tuple[str, str], ...]:
    """(id, topic) of every scan question, in the order of the catalogue."""
    data = yaml.safe_load((path or ROOT / "actions" / "catalogue.yml").read_text(encoding="utf-8")) or {}
    return tuple((str(q["id"]), str(q.get("topic") or q["id"])) for q in data.get("questions") or [])


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    match = WEEK_RE.match(week)
    if not match:
        raise ValueError(week)
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def monday_of(week: Any) -> Optional[date]:
    """The Monday of an ISO year-week text ("2026-W07"), or None when it is not one."""
    try:
        return week_monday(week) if isinstance(week, str) else None
    except ValueError:
        return None


def strict_body(payload: Any, fields: AbstractSet[str], error: Callable[[str], Exception]) -> Tuple[Mapping[str, Any], str]:
    """The body of a create-only route and its id: a JSON object with no field outside
    ``fields`` and a random ``id``; otherwise ``error`` naming what is wrong."""
    if not isinstance(payload, Mapping):
        raise error("the body must be a JSON object")
    unknown = set(payload) - fields
    if unknown:
        raise error(f"unknown fields: {', '.join(sorted(unknown))[:200]}")
    record_id = payload.get("id")
    if not isinstance(record_id, str) or not RECORD_ID_RE.match(record_id):
        raise error("'id' must be a random id of 16 to 40 letters, digits, - or _")
    return payload, record_id


def _ids(value: Any, name: str, allowed: Sequence[str]) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordError(f"'{name}' must be a list of ids")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise RecordError(f"'{name}' has unknown ids: {', '.join(sorted(set(unknown)))[:200]}")
    if len(set(value)) != len(value):
        raise RecordError(f"'{name}' names an id twice")
    return list(value)


def validate_record(payload: Any, questions: Sequence[str], partners: Sequence[str],
                    today: Optional[date] = None, gemeenten: Sequence[str] = ()) -> Dict[str, Any]:
    """The record's fields, or RecordError naming what is wrong. Strict: unknown fields and
    values outside the vocabularies are refused, so no free text can get in."""
    payload, record_id = strict_body(payload, RECORD_FIELDS, RecordError)
    this_week = iso_week(today or local_today())
    week = payload.get("week", this_week)
    monday = monday_of(week)
    if monday is None:
        raise RecordError("'week' must be an ISO year-week like 2026-W07")
    if monday > week_monday(this_week) + timedelta(days=7):
        raise RecordError("'week' cannot be in the future")
    channel = payload.get("channel")
    if channel not in CHANNELS:
        raise RecordError(f"'channel' must be one of {', '.join(CHANNELS)}")
    stopped = payload.get("stopped_at")
    if not isinstance(stopped, str) or stopped not in (*questions, FINISHED):
        raise RecordError(f"'stopped_at' must be a question id of the catalogue or '{FINISHED}'")
    level = payload.get("risk_level")
    indications = _ids(payload.get("indications", []), "indications", tuple(INDICATION_LABELS))
    referrals = _ids(payload.get("referrals", []), "referrals", tuple(partners))
    if stopped == FINISHED:
        if level not in LEVELS:
            raise RecordError(f"a finished scan needs 'risk_level': one of {', '.join(LEVELS)}")
    elif level is not None or indications or referrals:
        raise RecordError("a scan that stopped before the outcome has no risk_level, indications or referrals")
    for flag in ("urgent", "contact_asked"):
        if not isinstance(payload.get(flag, False), bool):
            raise RecordError(f"'{flag}' must be true or false")
    if not isinstance(payload.get("contact_asked"), bool):
        raise RecordError("'contact_asked' is required (true or false)")
    gemeente = payload.get("gemeente")
    unknown = unserved(gemeente, gemeenten)
    if unknown:
        raise RecordError(unknown, UNKNOWN_GEMEENTE)
    return {"id": record_id, "week": week, "channel": channel, "stopped_at": stopped, "risk_level": level,
            "urgent": bool(payload.get("urgent", False)), "indications": indications, "referrals": referrals,
            "contact_asked": payload["contact_asked"], "gemeente": gemeente or (gemeenten[0] if gemeenten else None)}


def create_record(db: Database, payload: Any, questions: Sequence[str], partners: Sequence[str],
                  gemeenten: Sequence[str] = ()) -> bool:
    """Store a record; False when a record with this id exists (nothing changes then),
    with one exception: a scan recorded as left at a question that is finished later (the
    entrepreneur came back in a new session) becomes the finished record, once.
    A ticket that already names the record fills in its follow-up."""
    fields = validate_record(payload, questions, partners, gemeenten=gemeenten)
    try:
        with db.session() as s:
            existing = s.get(ScanRecord, fields["id"])
            if existing is not None:
                if existing.stopped_at != "klaar" and fields["stopped_at"] == "klaar":
                    for name in ("stopped_at", "risk_level", "urgent", "indications", "referrals"):
                        if name in fields:
                            setattr(existing, name, fields[name])
                return False
            s.add(ScanRecord(**fields))
            s.flush()
            ticket = s.execute(select(Ticket).where(Ticket.scan_record == fields["id"])).scalars().first()
            if ticket is not None:
                sync_record(s, ticket)
            # no audit entry: its exact time would sit next to the anonymous record
            return True
    except IntegrityError:  # the same record in a parallel request
        return False


# ------------------------------------------------------------------------ figures

Cell = Union[int, str]


@dataclass
class Table:
    id: str
    title: str
    columns: List[str]  # the first column names the rows
    rows: List[List[Cell]] = field(default_factory=list)
    chart: str = ""  # bar, stacked, line, horizontal; "" for no chart
    series: Tuple[int, ...] = ()  # the columns the chart draws (default: every column after the first)
    chart_rows: Optional[int] = None  # the chart draws only the first N rows (leaves out a total)
    note: str = ""
    colours: Tuple[str, ...] = ()  # one per drawn series when the colour carries meaning (risk levels)

    def drawn_series(self) -> Tuple[int, ...]:
        return self.series or tuple(range(1, len(self.columns)))


class Suppressor:
    def __init__(self, min_count: int):
        self.min_count = max(1, int(min_count))

    def hidden(self, n: int) -> bool:
        return 0 < n < self.min_count

    def count(self, n: int) -> Cell:
        return f"<{self.min_count}" if self.hidden(n) else n

    def percent(self, part: int, whole: int) -> Cell:
        """A share is hidden ("verborgen") when its part or its whole is a hidden count."""
        if whole == 0:
            return "–"
        if self.hidden(part) or self.hidden(whole):
            return "verborgen"
        return f"{round(100 * part / whole)}%"


def records_in(db: Database, start: date, end: date, gemeenten: Optional[Sequence[str]] = None,
               all_gemeenten: Sequence[str] = ()) -> List[ScanRecord]:
    """Records of the ISO weeks that overlap the period from ``start`` to ``end``
    (of ``gemeenten`` when given: a regional service)."""
    first, last = iso_week(start), iso_week(end)
    query = select(ScanRecord).where(ScanRecord.week >= first, ScanRecord.week <= last)
    if gemeenten is not None:
        query = query.where(gemeente_clause(ScanRecord.gemeente, gemeenten, all_gemeenten))
    with db.session() as s:
        return list(s.execute(query.order_by(ScanRecord.week)).scalars())


def _weeks(start: date, end: date) -> List[str]:
    weeks, day = [], start - timedelta(days=start.weekday())
    while day <= end:
        weeks.append(iso_week(day))
        day += timedelta(days=7)
    return weeks


def figures(db: Database, start: date, end: date, min_count: int, questions: Sequence[Tuple[str, str]],
            outcome_labels: Mapping[str, str], partner_names: Mapping[str, str],
            gemeenten: Optional[Sequence[str]] = None, all_gemeenten: Sequence[str] = ()) -> List[Table]:
    """Every table of the dashboard for the period, with small counts suppressed; of
    ``gemeenten`` together when given (a regional service), else of all."""
    sup = Suppressor(min_count)
    records = records_in(db, start, end, gemeenten, all_gemeenten)
    finished = [r for r in records if r.stopped_at == FINISHED]
    weeks = _weeks(start, end)
    tables: List[Table] = []

    asked = [r for r in records if r.contact_asked]
    with_ticket = [r for r in records if r.ticket]
    contacted = [r for r in with_ticket if r.contact_on_time is not None]
    on_time = [r for r in contacted if r.contact_on_time]
    summary = Table("overzicht", "Overzicht van de periode", ["Wat", "Aantal", "Deel"])
    summary.rows = [
        ["Scans begonnen", sup.count(len(records)), "–"],
        ["Scans afgemaakt", sup.count(len(finished)), sup.percent(len(finished), len(records))],
        ["Contact gevraagd", sup.count(len(asked)), sup.percent(len(asked), len(records))],
        ["Aanmeldingen", sup.count(len(with_ticket)), "–"],
        ["Eerste contact op tijd", sup.count(len(on_time)), sup.percent(len(on_time), len(contacted))],
    ]
    summary.note = ("Deel: van de begonnen scans; eerste contact op tijd: van de aanmeldingen waarbij het eerste "
                    "contact is ingevuld.")
    tables.append(summary)

    # funnel: a scan reached a question when it stopped there or later (skipped questions count as passed)
    position = {qid: i for i, (qid, _) in enumerate(questions)}
    end_pos = len(questions)
    stops = [end_pos if r.stopped_at == FINISHED else position.get(r.stopped_at, end_pos) for r in records]
    funnel = Table("trechter", "Waar stoppen ondernemers? (trechter)",
                   ["Vraag", "Kwamen bij deze vraag", "Stopten bij deze vraag"], chart="horizontal", series=(1,))
    for i, (_qid, topic) in enumerate(questions):
        funnel.rows.append([f"{i + 1}. {topic}", sup.count(sum(1 for p in stops if p >= i)),
                            sup.count(sum(1 for p in stops if p == i))])
    funnel.rows.append(["Uitslag gezien", sup.count(len(finished)), "–"])
    funnel.note = "Een vraag die niet voor iemand gold, telt als gepasseerd."
    tables.append(funnel)

    def per_week(table_id: str, title: str, keys: Sequence[str], labels: Mapping[str, str], pick,
                 colours: Tuple[str, ...] = ()) -> Table:
        table = Table(table_id, title, ["Week", *[labels.get(k, k) for k in keys]], chart="stacked", colours=colours)
        for week in weeks:
            in_week = [r for r in finished if r.week == week]
            table.rows.append([week, *[sup.count(sum(1 for r in in_week if pick(r, k))) for k in keys]])
        return table

    tables.append(per_week("risico", "Risico per week (afgemaakte scans)", LEVELS, LEVEL_LABELS,
                           lambda r, k: r.risk_level == k, LEVEL_COLOURS))
    tables.append(per_week("indicaties", "Indicaties per week", list(INDICATION_LABELS), INDICATION_LABELS,
                           lambda r, k: k in (r.indications or [])))
    used = [p for p in partner_names if any(p in (r.referrals or []) for r in finished)]
    used += sorted({p for r in finished for p in (r.referrals or []) if p not in partner_names})
    tables.append(per_week("verwijzingen", "Verwijzingen per week", used, partner_names,
                           lambda r, k: k in (r.referrals or [])))

    contact = Table("contact", "Contact gevraagd per week",
                    ["Week", "Scans begonnen", "Contact gevraagd", "Deel"], chart="line", series=(1, 2))
    for week in weeks:
        in_week = [r for r in records if r.week == week]
        n_asked = sum(1 for r in in_week if r.contact_asked)
        contact.rows.append([week, sup.count(len(in_week)), sup.count(n_asked), sup.percent(n_asked, len(in_week))])
    tables.append(contact)

    timely = Table("op_tijd", "Eerste contact op tijd",
                   ["Beloofd", "Eerste contact ingevuld", "Op tijd", "Te laat", "Deel op tijd"], chart="stacked",
                   series=(2, 3), chart_rows=3, colours=(LEVEL_COLOURS[0], LEVEL_COLOURS[2]))
    groups = [("Urgent (1 werkdag)", lambda r: r.urgent), ("Hoog risico", lambda r: not r.urgent and r.risk_level == "hoog"),
              ("Overig", lambda r: not r.urgent and r.risk_level != "hoog"), ("Totaal", lambda r: True)]
    for label, member in groups:
        group = [r for r in contacted if member(r)]
        n_on = sum(1 for r in group if r.contact_on_time)
        timely.rows.append([label, sup.count(len(group)), sup.count(n_on), sup.count(len(group) - n_on),
                            sup.percent(n_on, len(group))])
    timely.note = "Op tijd: binnen de werkdagen die de assistent beloofde (response_days)."
    tables.append(timely)

    outcomes = Table("uitkomsten", "Uitkomst per risico (aanmeldingen)",
                     ["Uitkomst", *[LEVEL_LABELS[k] for k in LEVELS], "Totaal"], chart="bar", series=(1, 2, 3),
                     colours=LEVEL_COLOURS)
    keys = list(outcome_labels) + sorted({r.outcome for r in with_ticket if r.outcome and r.outcome not in outcome_labels})
    for key in keys + [None]:
        group = [r for r in with_ticket if r.outcome == key]
        outcomes.rows.append([outcome_labels.get(key, key) if key else "Nog geen uitkomst",
                              *[sup.count(sum(1 for r in group if r.risk_level == k)) for k in LEVELS],
                              sup.count(len(group))])
    tables.append(outcomes)
    tables.append(route_table(db, start, end, sup, gemeenten, all_gemeenten))
    return tables


def route_table(db: Database, start: date, end: date, sup: Suppressor, gemeenten: Optional[Sequence[str]] = None,
                all_gemeenten: Sequence[str] = ()) -> Table:
    """How entrepreneurs came, per route and organisation: themselves, after a signal from
    X, or referred by partner X; from the tickets of the period's weeks (their anonymous
    fields, kept after the purge; of ``gemeenten`` when given). Shows which signal routes
    lead to a scan and to contact."""
    first, last = iso_week(start), iso_week(end)
    query = select(Ticket.created_at, Ticket.route, Ticket.source, Ticket.first_contact_at, Ticket.outcome,
                   Ticket.invited_at, Ticket.invited_scan_at)
    if gemeenten is not None:
        query = query.where(gemeente_clause(Ticket.gemeente, gemeenten, all_gemeenten))
    with db.session() as s:
        rows = s.execute(query).all()
    in_period = [r for r in rows if first <= iso_week(local_date(r.created_at)) <= last]

    def label(route: Optional[str], source: Optional[str]) -> str:
        if route == ROUTE_SIGNAL:
            return f"Na signaal van {source or 'onbekend'}"
        if route == ROUTE_REFERRED:
            return f"Doorverwezen door partner {source or 'onbekend'}"
        return "Zelf"

    groups: Dict[Tuple[int, str], List[Any]] = {(0, "Zelf"): []}
    order = {ROUTE_SELF: 0, ROUTE_SIGNAL: 1, ROUTE_REFERRED: 2}
    for r in in_period:
        route = r.route or ROUTE_SELF
        groups.setdefault((order.get(route, 0), label(route, r.source)), []).append(r)
    table = Table("herkomst", "Hoe kwamen ondernemers binnen? (aanmeldingen)",
                  ["Hoe", "Aanmeldingen", "Uitgenodigd", "Scan gedaan na uitnodiging", "Eerste contact gehad",
                   "Deel met eerste contact", "Afgesloten met uitkomst"])
    for (rank, name), group in sorted(groups.items()) + [((9, "Totaal"), in_period)]:
        signal = rank in (1, 9)  # invitations exist only for signals
        contacted = sum(1 for r in group if r.first_contact_at is not None)
        table.rows.append([
            name, sup.count(len(group)),
            sup.count(sum(1 for r in group if r.invited_at)) if signal else "–",
            sup.count(sum(1 for r in group if r.invited_scan_at)) if signal else "–",
            sup.count(contacted), sup.percent(contacted, len(group)), sup.count(sum(1 for r in group if r.outcome))])
    table.note = ("Zelf: de ondernemer deed de scan uit zichzelf. Na signaal: een collega of partner gaf een signaal "
                  "door; uitgenodigd: de gemeente stuurde een persoonlijke link naar de scan. Doorverwezen: een partner "
                  "stuurde de ondernemer naar de scan.")
    return table


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(row)
    return out.getvalue()


def to_text(tables: Sequence[Table], start: date, end: date, min_count: int) -> str:
    """The figures as plain text (python -m handoff report)."""
    lines = [f"Zelfscan Ondernemers: cijfers van {start.isoformat()} tot en met {end.isoformat()}",
             f"(weken {iso_week(start)} tot en met {iso_week(end)}; aantallen onder {min_count} staan als <{min_count})",
             ""]
    for table in tables:
        lines.append(table.title)
        lines.append("=" * len(table.title))
        grid: List[List[Any]] = [list(table.columns), *table.rows]
        widths = [max(len(str(row[i])) for row in grid) for i in range(len(table.columns))]
        for row in grid:
            lines.append("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in
                                   enumerate(zip(row, widths, strict=False))).rstrip())
        if table.note:
            lines.append(table.note)
        lines.append("")
    return "\n".join(lines)
