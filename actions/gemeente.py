"""The gemeente configuration: name, contact details, partners, thresholds and dated amounts.

Read once at start-up and validated; every problem names the field, so an operator
learns of a wrong setting before the first entrepreneur does.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = PROJECT_ROOT / "gemeente" / "config.yml"
REQUIRED_AMOUNTS = {
    "bijstandsnorm": ("alleenstaand", "samenwonend", "alleenstaand_aow", "samenwonend_aow"),
    "aow_age": ("value",),
    "urencriterium": ("value",),
    "ioaz_profit_limit": ("value",),
    "bbz_capital_gevestigd_max": ("value",),
    "bbz_capital_starter_max": ("value",),
    "problematic_debt": ("value",),
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


@dataclass(frozen=True)
class Period:
    valid_from: date
    valid_until: Optional[date]
    source: str
    values: Mapping[str, float]


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
    retention_days: int = 90
    response_days: Mapping[str, int] = None  # type: ignore[assignment]
    threshold_verhoogd: float = 20
    threshold_hoog: float = 45
    partners: Tuple[Partner, ...] = ()
    amounts: Mapping[str, Tuple[Period, ...]] = None  # type: ignore[assignment]

    def period(self, name: str, on: date) -> Period:
        """The period of amount ``name`` valid on ``on``; the newest one when all have
        ended (with a warning in the log), the oldest one before the first starts."""
        periods = sorted(self.amounts[name], key=lambda p: p.valid_from)
        valid = [p for p in periods if p.valid_from <= on and (p.valid_until is None or on <= p.valid_until)]
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

    def with_amounts(self, text: str, on: date) -> str:
        """'{urencriterium}' in a text -> '1.225': the amount valid on ``on``."""
        return re.sub(r"\{(\w+)\}", lambda m: dutch_number(self.amount(m.group(1), on)), text)

    def expired_amounts(self, on: date) -> List[str]:
        """Names of the amounts whose newest period has ended before ``on``."""
        return [name for name, periods in self.amounts.items() if _has_expired(periods, on)]


def _has_expired(periods: Tuple[Period, ...], on: date) -> bool:
    started = [p for p in periods if p.valid_from <= on]
    return bool(started) and all(p.valid_until is not None and p.valid_until < on for p in started)


def _require(data: Mapping[str, Any], path: str, problems: List[str]) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node or node[part] in (None, ""):
            problems.append(f"'{path}' is missing")
            return ""
        node = node[part]
    return node


def _parse_partners(raw: Any, problems: List[str]) -> Tuple[Partner, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("'partners' must be a non-empty list")
        return ()
    partners = []
    seen = set()
    for i, item in enumerate(raw):
        where = f"partners[{i}]"
        if not isinstance(item, Mapping):
            problems.append(f"'{where}' must be a mapping")
            continue
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
        partners.append(Partner(
            id=str(item.get("id", "")), name=str(item.get("name", "")), does=str(item.get("does", "")),
            phone=str(item["phone"]) if item.get("phone") else None, web=item.get("web"), fits=tuple(fits),
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
    for name, keys in REQUIRED_AMOUNTS.items():
        periods_raw = raw.get(name)
        if not isinstance(periods_raw, list) or not periods_raw:
            problems.append(f"'amounts.{name}' is missing")
            continue
        periods = []
        for i, p in enumerate(periods_raw):
            where = f"amounts.{name}[{i}]"
            if not isinstance(p, Mapping):
                problems.append(f"'{where}' must be a mapping with valid_from, source and the amount")
                continue
            start = _as_date(p.get("valid_from"), f"{where}.valid_from", problems)
            end = _as_date(p["valid_until"], f"{where}.valid_until", problems) if p.get("valid_until") else None
            values = {}
            for key in keys:
                value = p.get(key)
                if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                    problems.append(f"'{where}.{key}' must be a positive number, not '{value}'")
                else:
                    values[key] = value
            if start and end and end < start:
                problems.append(f"'{where}.valid_until' is before its valid_from")
            if start:
                periods.append(Period(start, end, str(p.get("source", "")), values))
        amounts[name] = tuple(periods)
    return amounts


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


def _parse_retention_days(raw: Any, problems: List[str]) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 3650:
        problems.append(f"'retention_days' must be a whole number of days from 1 to 3650, not '{raw}'")
        return 90
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
        retention_days=_parse_retention_days(data.get("retention_days", 90), problems),
        response_days=_parse_response_days(data.get("response_days"), problems),
        threshold_verhoogd=verhoogd,
        threshold_hoog=hoog,
        partners=_parse_partners(data.get("partners"), problems),
        amounts=_parse_amounts(data.get("amounts"), problems),
    )
    email = config.loket.email
    if email and "@" not in email:
        problems.append(f"'ondernemersloket.email' is not an e-mail address: '{email}'")
    if problems:
        raise GemeenteConfigError("Gemeente configuration: " + "; ".join(problems))
    expired = config.expired_amounts(today or date.today())
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
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GemeenteConfigError(f"Gemeente configuration not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise GemeenteConfigError(f"Gemeente configuration {path} is not valid YAML: {exc}") from exc
    return parse_config(data)


@lru_cache(maxsize=1)
def gemeente() -> GemeenteConfig:
    return load_config(config_path())
