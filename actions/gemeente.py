"""The gemeente configuration: name, contact details, partners, thresholds and dated amounts.

Read once at start-up and validated; every problem names the field, so an operator
learns of a wrong setting before the first entrepreneur does.
"""
from __future__ import annotations

import difflib
import logging
import os
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from actions.outcome.names import ANY_TICKET, INDICATIONS, SITUATIONS
from zelfscan_runtime import region as region_file
from zelfscan_runtime.retention import DEFAULT_RETENTION_DAYS  # without 'retention_days' in the configuration

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = PROJECT_ROOT / "gemeente" / "config.yml"


@dataclass(frozen=True)
class Key:
    """One figure of an amount's period: required or not, its range, whole or not."""

    required: bool = True
    low: float = 0.0  # inclusive lower limit, unless ``positive``
    high: float = float("inf")
    whole: bool = False
    positive: bool = True  # must be above 0 (amounts, hours)


MONEY = Key()
# Every amount the code reads, with its keys; a period may not hold other keys.
AMOUNTS: Dict[str, Dict[str, Key]] = {
    "bijstandsnorm": {"alleenstaand": MONEY, "samenwonend": MONEY, "alleenstaand_aow": MONEY,
                      "samenwonend_aow": MONEY, "jongeren_alleenstaand": Key(required=False)},
    "aow_age": {"years": Key(low=60, high=75, whole=True, positive=False),
                "months": Key(required=False, low=0, high=11, whole=True, positive=False)},
    "urencriterium": {"value": MONEY},
    "ioaz_income_limits": {"past_average": MONEY, "expected": MONEY},
    "ioaz_couple_hours": {"own": MONEY, "partner": MONEY},
    "bbz_capital": {"gevestigd": MONEY, "starter": MONEY, "om_niet": MONEY},
    "problematic_debt": {"value": MONEY},
}


_WARNED: set = set()  # amount names already warned about, so the log says it once


class GemeenteConfigError(ValueError):
    """The gemeente configuration is wrong; the message names the field."""


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str
    hours: str
    web: str


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    does: str
    phone: Optional[str]
    web: Optional[str]
    fits: Tuple[str, ...]
    local: bool = False  # help of this gemeente: not offered to someone who lives elsewhere


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    handles: Tuple[str, ...]  # indication ids and situations; ANY_TICKET takes every ticket


@dataclass(frozen=True)
class Period:
    valid_from: date
    valid_until: Optional[date]
    source: str
    values: Mapping[str, float]

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    def ended_before(self, on: date) -> bool:
        return self.valid_until is not None and self.valid_until < on


DUTCH_TIME = ZoneInfo("Europe/Amsterdam")


def dutch_today(now: Optional[datetime] = None) -> date:
    """The calendar day in the Netherlands. The machines run on UTC, so between 23:00 and
    24:00 UTC (22:00 in summer) date.today() is still yesterday there; the scan date, the
    amounts valid today and "tot januari" follow the Dutch day, as the handoff service's
    due dates do (handoff.tickets.local_today)."""
    return (now or datetime.now(timezone.utc)).astimezone(DUTCH_TIME).date()


def dutch_number(value: float) -> str:
    """1225 -> '1.225', 1.5 -> '1,5'."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return str(value).replace(".", ",")


@dataclass(frozen=True)
class GemeenteConfig:
    name: str
    address_form: str
    loket: Contact
    privacy_url: str
    crisis_name: str
    crisis_phone: str
    crisis_web: str
    crisis_hours: str
    retention_days: int = DEFAULT_RETENTION_DAYS
    response_days: Mapping[str, int] = None  # type: ignore[assignment]
    threshold_verhoogd: float = 20
    threshold_hoog: float = 45
    partners: Tuple[Partner, ...] = ()
    amounts: Mapping[str, Tuple[Period, ...]] = None  # type: ignore[assignment]
    teams: Tuple[Team, ...] = ()
    # follow-up: weeks after the ticket for ONE message with a personal scan link (0: not
    # offered), and the days that link works (README, "Follow-up and personal scan links")
    follow_up_weeks: int = 0
    follow_up_valid_days: int = 30

    def period(self, name: str, on: date) -> Period:
        """The period of amount ``name`` valid on ``on``; the newest one when all have
        ended (with a warning in the log), the oldest one before the first starts."""
        periods = sorted(self.amounts[name], key=lambda p: p.valid_from)
        valid = [p for p in periods if p.covers(on)]
        if valid:
            return valid[-1]
        started = [p for p in periods if p.valid_from <= on]
        if not started:
            return periods[0]
        newest = started[-1]
        if name not in _WARNED:  # a server running past the end of a period
            _WARNED.add(name)
            logger.warning(
                "Gemeente configuration: the newest period of '%s' ended on %s; update the amounts.",
                name, newest.valid_until,
            )
        return newest

    def amount(self, name: str, on: date, key: str = "value") -> float:
        return float(self.period(name, on).values[key])

    def optional_amount(self, name: str, on: date, key: str) -> Optional[float]:
        value = self.period(name, on).values.get(key)
        return None if value is None else float(value)

    def aow_age(self, on: date) -> Tuple[int, int]:
        """The AOW age on ``on`` as (years, months)."""
        values = self.period("aow_age", on).values
        return int(values["years"]), int(values.get("months", 0))

    def with_amounts(self, text: str, on: date) -> str:
        """'{urencriterium}' in a text -> '1.225', '{bbz_capital.starter}' -> '48.060':
        the amount valid on ``on``."""
        return re.sub(r"\{(\w+)(?:\.(\w+))?\}",
                      lambda m: dutch_number(self.amount(m.group(1), on, m.group(2) or "value")), text)

    def expired_amounts(self, on: date) -> List[str]:
        """Names of the amounts whose newest period has ended before ``on``."""
        return [name for name, periods in self.amounts.items() if _has_expired(periods, on)]

    def ended_periods(self, on: date, names: Optional[Iterable[str]] = None) -> List[Tuple[str, Period]]:
        """The amounts (of ``names``, default all) whose period used on ``on`` has ended."""
        chosen = self.amounts if names is None else [n for n in names if n in self.amounts]
        return [(name, p) for name in chosen if (p := self.period(name, on)).ended_before(on)]

    def uncovered_amounts(self, on: date) -> List[str]:
        """Names of the amounts that have no period valid on ``on``."""
        return [name for name, periods in self.amounts.items() if not any(p.covers(on) for p in periods)]

    def team_for(self, labels: Iterable[str]) -> Team:
        """The first team that handles one of ``labels`` (indication ids and situations)."""
        wanted = set(labels) | {ANY_TICKET}
        return next(t for t in self.teams if wanted & set(t.handles))


def _has_expired(periods: Tuple[Period, ...], on: date) -> bool:
    started = [p for p in periods if p.valid_from <= on]
    return bool(started) and all(p.ended_before(on) for p in started)


def _unknown_name(where: str, kind: str, value: Any, known: Iterable[str]) -> str:
    """"'partners[2].fits' names an unknown situation 'schuldn' (did you mean 'schulden'?
    known: ...)": the problem of a name that is not in its vocabulary."""
    names = list(known)
    close = difflib.get_close_matches(str(value), names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"'{where}' names an unknown {kind} '{value}' ({hint}known: {', '.join(names)})"


def _require(data: Mapping[str, Any], path: str, problems: List[str]) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node or node[part] in (None, ""):
            problems.append(f"'{path}' is missing")
            return ""
        node = node[part]
    return node


def _each_mapping(items: List[Any], name: str, problems: List[str], holding: str = "") -> Iterator[Tuple[str, Mapping]]:
    """(place, item) for every item of the list ``name`` that is a mapping; a problem for
    every other item (``holding``: what the mapping must hold, for the message)."""
    for i, item in enumerate(items):
        where = f"{name}[{i}]"
        if isinstance(item, Mapping):
            yield where, item
        else:
            problems.append(f"'{where}' must be a mapping{' with ' + holding if holding else ''}")


def _parse_partners(raw: Any, problems: List[str]) -> Tuple[Partner, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("'partners' must be a non-empty list")
        return ()
    partners = []
    seen = set()
    for where, item in _each_mapping(raw, "partners", problems):
        for key in ("id", "name", "does"):
            if not item.get(key):
                problems.append(f"'{where}.{key}' is missing")
        if not item.get("phone") and not item.get("web"):
            problems.append(f"'{where}' needs a 'phone' or a 'web' address")
        if item.get("id") in seen:
            problems.append(f"'{where}.id' '{item.get('id')}' appears twice")
        seen.add(item.get("id"))
        fits = item.get("fits") or []
        if not isinstance(fits, list):
            problems.append(f"'{where}.fits' must be a list")
            fits = []
        for tag in fits:
            if tag not in SITUATIONS:
                problems.append(_unknown_name(f"{where}.fits", "situation", tag, SITUATIONS))
        local = item.get("local", False)
        if not isinstance(local, bool):
            problems.append(f"'{where}.local' must be true or false")
        partners.append(Partner(
            id=str(item.get("id", "")), name=str(item.get("name", "")), does=str(item.get("does", "")),
            phone=str(item["phone"]) if item.get("phone") else None, web=item.get("web"), fits=tuple(fits),
            local=local is True,
        ))
    return tuple(partners)


def _as_date(value: Any, where: str, problems: List[str]) -> Optional[date]:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"'{where}' is not a date (YYYY-MM-DD): '{value}'")
        return None


def _parse_amounts(raw: Any, problems: List[str]) -> Dict[str, Tuple[Period, ...]]:
    amounts: Dict[str, Tuple[Period, ...]] = {}
    if not isinstance(raw, Mapping):
        problems.append("'amounts' is missing")
        return amounts
    for name in raw:
        if name not in AMOUNTS:
            problems.append(f"'amounts.{name}' is not an amount the bot uses (known: {', '.join(AMOUNTS)})")
    for name, keys in AMOUNTS.items():
        periods_raw = raw.get(name)
        if not isinstance(periods_raw, list) or not periods_raw:
            problems.append(f"'amounts.{name}' is missing")
            continue
        periods = []
        for where, p in _each_mapping(periods_raw, f"amounts.{name}", problems, "valid_from, source and the amount"):
            start = _as_date(p.get("valid_from"), f"{where}.valid_from", problems)
            end = _as_date(p["valid_until"], f"{where}.valid_until", problems) if p.get("valid_until") else None
            if not str(p.get("source") or "").strip():
                problems.append(f"'{where}.source' is missing: say where the figure comes from")
            for key in p:
                if key not in keys and key not in ("valid_from", "valid_until", "source"):
                    problems.append(f"'{where}.{key}' is not a figure of '{name}' (known: {', '.join(keys)})")
            values: Dict[str, float] = {}
            for key, spec in keys.items():
                if key not in p and not spec.required:
                    continue
                value = p.get(key)
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and (value > 0 if spec.positive else value >= spec.low) and value <= spec.high \
                    and (not spec.whole or float(value).is_integer())
                if not ok or not isinstance(value, (int, float)):
                    kind = "a whole number" if spec.whole else "a positive number"
                    limits = f" from {spec.low:g} to {spec.high:g}" if spec.high != float("inf") else ""
                    problems.append(f"'{where}.{key}' must be {kind}{limits}, not '{value}'")
                else:
                    values[key] = value
            if start and end and end < start:
                problems.append(f"'{where}.valid_until' is before its valid_from")
            if start:
                periods.append(Period(start, end, str(p.get("source", "")), values))
        ordered = sorted(periods, key=lambda q: q.valid_from)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if earlier.valid_until is None or earlier.valid_until >= later.valid_from:
                problems.append(f"'amounts.{name}': the period from {earlier.valid_from} overlaps the one "
                                f"from {later.valid_from} (give the first a valid_until before it)")
        amounts[name] = tuple(periods)
    return amounts


def _parse_teams(raw: Any, loket_name: str, problems: List[str]) -> Tuple[Team, ...]:
    """The teams that work tickets; without a 'teams' list, the loket takes every ticket."""
    if raw is None:
        return (Team("ondernemersloket", loket_name or "Ondernemersloket", (ANY_TICKET,)),)
    if not isinstance(raw, list) or not raw:
        problems.append("'teams' must be a non-empty list")
        return ()
    known = set(INDICATIONS) | set(SITUATIONS) | {ANY_TICKET}
    teams, seen = [], set()
    for where, item in _each_mapping(raw, "teams", problems, "id, name and handles"):
        for key in ("id", "name"):
            if not item.get(key):
                problems.append(f"'{where}.{key}' is missing")
        if not re.fullmatch(r"[a-z0-9_]+", str(item.get("id", ""))):
            problems.append(f"'{where}.id' may hold only a-z, 0-9 and _")
        if item.get("id") in seen:
            problems.append(f"'{where}.id' '{item.get('id')}' appears twice")
        seen.add(item.get("id"))
        handles = item.get("handles")
        if not isinstance(handles, list) or not handles:
            problems.append(f"'{where}.handles' must be a non-empty list of indications or situations")
            handles = []
        for label in handles:
            if label not in known:
                problems.append(f"'{where}.handles' names '{label}', which is no indication, situation or "
                                f"'{ANY_TICKET}'" + _did_you_mean(label, known))
        teams.append(Team(str(item.get("id", "")), str(item.get("name", "")), tuple(handles)))
    if teams and not any(ANY_TICKET in t.handles for t in teams):
        problems.append(f"'teams': one team must handle '{ANY_TICKET}', so every ticket has a team")
    return tuple(teams)


def _did_you_mean(value: Any, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_ticket_outcomes(raw: Any, problems: List[str]) -> None:
    """'ticket_outcomes' (read by the handoff service when staff close a ticket): the ids
    statistics count by, each with a label. Checked here so a typo stops the start."""
    if raw is None:
        return  # the handoff service's defaults
    if not isinstance(raw, list) or not raw:
        problems.append("'ticket_outcomes' must be a non-empty list of outcomes with id and label")
        return
    seen = set()
    for where, item in _each_mapping(raw, "ticket_outcomes", problems, "id and label"):
        outcome_id = item.get("id")
        if not isinstance(outcome_id, str) or not re.fullmatch(r"[a-z0-9_]+", outcome_id):
            problems.append(f"'{where}.id' must be a name of a-z, 0-9 and _, not '{outcome_id}'")
        elif outcome_id in seen:
            problems.append(f"'{where}.id' '{outcome_id}' appears twice")
        seen.add(outcome_id)
        if not str(item.get("label") or "").strip():
            problems.append(f"'{where}.label' is missing")
        for key in ("partner", "contact"):
            if key in item and not isinstance(item[key], bool):
                problems.append(f"'{where}.{key}' must be true or false")
        for key in item:
            if key not in ("id", "label", "partner", "contact"):
                problems.append(f"'{where}.{key}' is not a field of an outcome (known: id, label, partner, contact)")


def _parse_response_days(raw: Any, problems: List[str]) -> Dict[str, int]:
    days = {"urgent": 1, "hoog": 2, "other": 5}
    if raw is None:
        return days
    if not isinstance(raw, Mapping):
        problems.append("'response_days' must have urgent, hoog and other")
        return days
    for key in days:
        value = raw.get(key, days[key])
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 30:
            problems.append(f"'response_days.{key}' must be a whole number of working days from 1 to 30")
        else:
            days[key] = value
    return days


def _parse_follow_up(data: Mapping[str, Any], retention_days: Any, problems: List[str]) -> Tuple[int, int]:
    weeks, days = data.get("follow_up_weeks", 0), data.get("follow_up_valid_days", 30)
    if not isinstance(weeks, int) or isinstance(weeks, bool) or not 0 <= weeks <= 52:
        problems.append(f"'follow_up_weeks' must be a whole number of weeks from 0 to 52, not '{weeks}'")
        return 0, 30
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        problems.append(f"'follow_up_valid_days' must be a whole number of days from 1 to 365, not '{days}'")
        return 0, 30
    if weeks and isinstance(retention_days, int) and weeks * 7 + days > retention_days:
        problems.append(f"'follow_up_weeks' ({weeks} weeks) plus 'follow_up_valid_days' ({days}) must end within "
                        f"'retention_days' ({retention_days}): the ticket and its link are erased then")
    return weeks, days


def _parse_retention_days(raw: Any, problems: List[str]) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 3650:
        problems.append(f"'retention_days' must be a whole number of days from 1 to 3650, not '{raw}'")
        return DEFAULT_RETENTION_DAYS
    return raw


def parse_config(data: Mapping[str, Any], today: Optional[date] = None) -> GemeenteConfig:
    """Validate the configuration; every problem names its field. Amounts whose newest
    period has ended on ``today`` (default: the real date) give one warning in the log."""
    problems: List[str] = []
    if not isinstance(data, Mapping):
        raise GemeenteConfigError("Gemeente configuration: the file must contain a mapping of settings")
    req = lambda p: str(_require(data, p, problems))  # noqa: E731
    address_form = data.get("address_form", "u")
    if address_form not in ("u", "je"):
        problems.append(f"'address_form' must be 'u' or 'je', not '{address_form}'")
    thresholds = data.get("risk_thresholds") or {}
    verhoogd, hoog = thresholds.get("verhoogd", 20), thresholds.get("hoog", 45)
    if not (isinstance(verhoogd, (int, float)) and isinstance(hoog, (int, float)) and 0 < verhoogd < hoog <= 100):
        problems.append("'risk_thresholds' must have 0 < verhoogd < hoog <= 100")
    follow_up = _parse_follow_up(data, data.get("retention_days", DEFAULT_RETENTION_DAYS), problems)
    config = GemeenteConfig(
        name=req("name"),
        address_form=address_form,
        loket=Contact(
            name=req("ondernemersloket.name"),
            phone=req("ondernemersloket.phone"),
            email=req("ondernemersloket.email"),
            hours=req("ondernemersloket.hours"),
            web=req("ondernemersloket.web"),
        ),
        privacy_url=req("privacy_url"),
        crisis_name=req("crisis_line.name"),
        crisis_phone=req("crisis_line.phone"),
        crisis_web=req("crisis_line.web"),
        crisis_hours=req("crisis_line.hours"),
        retention_days=_parse_retention_days(data.get("retention_days", DEFAULT_RETENTION_DAYS), problems),
        response_days=_parse_response_days(data.get("response_days"), problems),
        threshold_verhoogd=verhoogd,
        threshold_hoog=hoog,
        partners=_parse_partners(data.get("partners"), problems),
        amounts=_parse_amounts(data.get("amounts"), problems),
        teams=_parse_teams(data.get("teams"), str((data.get("ondernemersloket") or {}).get("name", "")), problems),
        follow_up_weeks=follow_up[0],
        follow_up_valid_days=follow_up[1],
    )
    _check_ticket_outcomes(data.get("ticket_outcomes"), problems)
    email = config.loket.email
    if email and "@" not in email:
        problems.append(f"'ondernemersloket.email' is not an e-mail address: '{email}'")
    if problems:
        raise GemeenteConfigError("Gemeente configuration: " + "; ".join(problems))
    expired = config.expired_amounts(today or dutch_today())
    if expired:
        _WARNED.update(expired)  # said here once; the scans need not say it again
        logger.warning(
            "Gemeente configuration: the newest period of these amounts has ended: %s. The newest values "
            "are used until you update the amounts.", ", ".join(f"'{name}'" for name in expired),
        )
    return config


def config_path() -> Path:
    return Path(os.environ.get("GEMEENTE_CONFIG", DEFAULT_PATH))


def load_config(path: Path) -> GemeenteConfig:
    """One gemeente's configuration (``extends:`` another file is followed)."""
    try:
        data = region_file.read_config(Path(path))
    except region_file.RegionError as exc:
        raise GemeenteConfigError(str(exc)) from exc
    return parse_config(data)


# ------------------------------------------------------------------ a regional service
# GEMEENTE_CONFIG names one gemeente's file or a region file (zelfscan_runtime/region.py).
# Each conversation belongs to one gemeente (the slot GEMEENTE_SLOT); the action server
# makes it current for the request (zelfscan_runtime/action_server.py), and gemeente()
# then gives that gemeente's configuration.

GEMEENTE_SLOT = "gemeente"
ADDRESS_SLOT = "address_form"  # "u" or "je" of the conversation's gemeente (the domain's responses use it)
_CURRENT: ContextVar[Optional[str]] = ContextVar("gemeente", default=None)


def region() -> region_file.Region:
    try:
        return region_file.region(config_path())
    except region_file.RegionError as exc:
        raise GemeenteConfigError(str(exc)) from exc


def configs() -> Dict[str, GemeenteConfig]:
    """Every gemeente of this deployment, read and checked once (a wrong one stops the start)."""
    return _configs_of(config_path())


@lru_cache(maxsize=4)
def _configs_of(config: Path) -> Dict[str, GemeenteConfig]:
    found: Dict[str, GemeenteConfig] = {}
    for gemeente_id, path in region().files.items():
        try:
            found[gemeente_id] = load_config(path)
        except GemeenteConfigError as exc:
            if not region().regional:
                raise
            raise GemeenteConfigError(f"{gemeente_id}: {exc}") from exc
    return found


def current_id() -> str:
    """The gemeente of the conversation at hand; the first (or only) one when not known."""
    return region().known(_CURRENT.get()) or region().default


def is_known() -> bool:
    """Whether the conversation's gemeente is known (always, outside a region)."""
    return not region().regional or region().known(_CURRENT.get()) is not None


def activate(gemeente_id: Optional[str]) -> None:
    """Make ``gemeente_id`` current for this request (an unknown id: none)."""
    _CURRENT.set(region().known(gemeente_id))


def of_message(metadata: Any, channel: Optional[str]) -> Optional[str]:
    """The gemeente a message names: the page's (the widget's ``data-gemeente``, sent as
    metadata ``gemeente``), else the one of the channel's number or bot (``routes``;
    metadata ``channel_address``). None in a region when nothing says it."""
    data = metadata if isinstance(metadata, dict) else {}
    return region().known(data.get("gemeente")) or region().for_channel(channel, data.get("channel_address"))


@contextmanager
def using(gemeente_id: Optional[str]) -> Iterator[None]:
    token = _CURRENT.set(region().known(gemeente_id))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def gemeente() -> GemeenteConfig:
    """The configuration of the conversation's gemeente."""
    return configs()[current_id()]


def match_name(text: str) -> Optional[str]:
    """'ik woon in Buurdorp' -> 'buurdorp': the gemeente of this region a text names."""
    plain = region_file.slug(text)
    words = f"-{plain}-"
    for gemeente_id, name in region().names.items():
        if f"-{region_file.slug(name)}-" in words or f"-{gemeente_id}-" in words:
            return gemeente_id
    return None
