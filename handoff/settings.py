"""Settings of the handoff service, from environment variables (defaults for one machine)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from handoff.signals import SignalConfig
from zelfscan_runtime import region, retention
from zelfscan_runtime import secrets as runtime_secrets
from zelfscan_runtime.region import Region, RegionError

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def _region() -> Optional[Region]:
    try:
        return region.region()
    except (OSError, RegionError):
        return None


def _every_gemeente_data() -> List[Dict[str, Any]]:
    """The configuration of every gemeente this deployment serves (one, or a region's)."""
    return list(_data_by_gemeente().values())


def _data_by_gemeente() -> Dict[str, Dict[str, Any]]:
    """Gemeente id -> its configuration (one, or a region's; a file that cannot be read is
    left out). Read once per set of files (their paths and times), not once per setting."""
    found = _region()
    if found is None:
        return {}
    return dict(_read_every_gemeente(tuple((g, str(p), _mtime(p)) for g, p in found.files.items())))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@lru_cache(maxsize=8)
def _read_every_gemeente(files: Tuple[Tuple[str, str, int], ...]) -> Tuple[Tuple[str, Dict[str, Any]], ...]:
    result = []
    for gemeente_id, path, _time in files:
        try:
            result.append((gemeente_id, region.read_config(Path(path))))
        except (OSError, RegionError):
            continue
    return tuple(result)


def _gemeente_retention_days() -> int:
    """``retention_days`` of the gemeente configuration (the period the bot promises in its
    privacy statement; in a region the shortest), or a shorter RETENTION_DAYS; a longer
    one stops the service (zelfscan_runtime/retention.py)."""
    days = [d.get("retention_days", retention.DEFAULT_RETENTION_DAYS) for d in _every_gemeente_data()]
    promised = retention.promised_days(d for d in days if isinstance(d, int) and not isinstance(d, bool))
    return retention.purge_days(os.environ.get("RETENTION_DAYS"), promised)


def _names_in(section: str) -> Dict[str, str]:
    """Id -> name of the entries of ``section`` (a list of mappings with id and name) over
    every gemeente of the deployment; the first gemeente's name wins for a shared id."""
    names: Dict[str, str] = {}
    for data in _every_gemeente_data():
        for item in data.get(section) or []:
            if isinstance(item, dict) and item.get("id"):
                names.setdefault(str(item["id"]), str(item.get("name") or item["id"]))
    return names


def _gemeente_teams() -> Dict[str, str]:
    """Team id -> name from the ``teams`` of the gemeente configuration(s) (the action
    server routes tickets to these ids); empty when there are none or cannot be read."""
    return _names_in("teams")


def _gemeente_data() -> Dict[str, Any]:
    """The configuration of the (first) gemeente: what a region shares (outcomes, signals)."""
    data = _every_gemeente_data()
    return data[0] if data else {}


def _gemeente_names() -> Dict[str, str]:
    """Gemeente id -> name of every gemeente this deployment serves."""
    found = _region()
    return dict(found.names) if found else {}


def _response_days_of(data: Dict[str, Any]) -> Dict[str, int]:
    """Working days within which a gemeente promised contact (``response_days``: urgent,
    hoog, other), as the action server tells the entrepreneur."""
    days = {"urgent": 1, "hoog": 2, "other": 5}
    raw = data.get("response_days")
    if isinstance(raw, dict):
        for key in days:
            value = raw.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 30:
                days[key] = value
    return days


def _gemeente_response_days() -> Dict[str, int]:
    return _response_days_of(_gemeente_data())


def _address_form_of(data: Dict[str, Any]) -> str:
    return "je" if data.get("address_form") == "je" else "u"


def _promises_by_gemeente() -> Dict[str, Promises]:
    """What each gemeente's action server promises the entrepreneur and the handoff
    service must keep: the response days and the weeks until the follow-up."""
    return {g: Promises(_response_days_of(data), _whole_of(data, "follow_up_weeks", 0, 0, 52))
            for g, data in _data_by_gemeente().items()}


@dataclass(frozen=True)
class Promises:
    """What a gemeente promised the entrepreneur in the conversation."""
    response_days: Dict[str, int]
    follow_up_weeks: int


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    partner: bool = False  # staff choose which partner (a referral)
    contact: bool = True  # there was contact (False: "niet bereikt")


DEFAULT_OUTCOMES = (
    Outcome("bbz_aangevraagd", "Bbz aangevraagd"), Outcome("bbz_toegekend", "Bbz toegekend"),
    Outcome("ioaz_aangevraagd", "IOAZ aangevraagd"), Outcome("schuldhulp_gestart", "Schuldhulp gestart"),
    Outcome("doorverwezen", "Doorverwezen naar partner", partner=True),
    Outcome("geen_hulp_nodig", "Geen hulp nodig"), Outcome("niet_bereikt", "Niet bereikt", contact=False),
)


def _gemeente_outcomes() -> Dict[str, Outcome]:
    """The outcomes staff choose from when they close a ticket (``ticket_outcomes``:
    id, label, optional ``partner: true`` and ``contact: false``); the defaults when the
    configuration has none."""
    raw = _gemeente_data().get("ticket_outcomes")
    found: Dict[str, Outcome] = {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and item.get("id") and item.get("label"):
                found[str(item["id"])] = Outcome(str(item["id"]), str(item["label"]), bool(item.get("partner", False)),
                                                 bool(item.get("contact", True)))
    return found or {o.id: o for o in DEFAULT_OUTCOMES}


def _gemeente_partners() -> Dict[str, str]:
    return _names_in("partners")


def _whole_of(data: Dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = data.get(name, default)
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else default


def _gemeente_whole(name: str, default: int, low: int, high: int) -> int:
    return _whole_of(_gemeente_data(), name, default, low, high)


def _scan_page_url() -> str:
    """The gemeente's own page with the chat widget, where a personal link leads
    (HANDOFF_SCAN_PAGE_URL, else ``scan_page_url`` in the gemeente configuration, else the
    demo page of this service)."""
    return (os.environ.get("HANDOFF_SCAN_PAGE_URL") or str(_gemeente_data().get("scan_page_url") or "")
            or os.environ.get("HANDOFF_PUBLIC_URL", "http://localhost:8000").rstrip("/") + "/")


def _gemeente_signals() -> SignalConfig:
    """``signals`` of the gemeente configuration: what was seen, the organisations and
    the legal grounds (handoff/signals.py)."""
    return SignalConfig.from_data(_gemeente_data().get("signals"))


def _secure_cookies() -> bool:
    """Secure cookies everywhere except in development; HANDOFF_SECURE_COOKIES=true forces
    them in development too (it cannot switch them off outside development)."""
    forced = os.environ.get("HANDOFF_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes")
    return forced or runtime_secrets.environment() != "development"


@dataclass
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get(
        "HANDOFF_DATABASE_URL", f"sqlite:///{runtime_secrets.var_dir() / 'handoff.db'}"))
    # the action server's token and the key of the conversation-id hashes: filled by
    # load_secrets() (zelfscan_runtime.secrets) when the service starts, unless given
    api_token: Optional[str] = None
    erasure_key: Optional[str] = None
    production: bool = field(default_factory=runtime_secrets.is_production)
    secure_cookies: bool = field(default_factory=_secure_cookies)
    admin_user: Optional[str] = field(default_factory=lambda: os.environ.get("INBOX_ADMIN_USER"))
    admin_password: Optional[str] = field(default_factory=lambda: os.environ.get("INBOX_ADMIN_PASSWORD"))
    retention_days: int = field(default_factory=_gemeente_retention_days)
    team_names: Dict[str, str] = field(default_factory=_gemeente_teams)
    response_days: Dict[str, int] = field(default_factory=_gemeente_response_days)
    outcomes: Dict[str, Outcome] = field(default_factory=_gemeente_outcomes)
    partner_names: Dict[str, str] = field(default_factory=_gemeente_partners)
    # "u" or "je" of the (first) gemeente: the demo page's widget speaks in it
    address_form: str = field(default_factory=lambda: _address_form_of(_gemeente_data()))
    # gemeente id -> name: one, or the gemeenten of a regional service (zelfscan_runtime/region.py)
    gemeenten: Dict[str, str] = field(default_factory=_gemeente_names)
    signals: SignalConfig = field(default_factory=_gemeente_signals)
    # the ondernemersloket's name, phone, email, hours and web address (the invitation letter)
    loket: Dict[str, str] = field(default_factory=lambda: {
        str(k): str(v) for k, v in (_gemeente_data().get("ondernemersloket") or {}).items()})
    # signals a partner system may send per minute (POST /api/signals); more get 429
    signals_per_minute: int = field(default_factory=lambda: _int("HANDOFF_SIGNALS_PER_MINUTE", 60))
    # statistics: counts under this number are shown as "<N" in every view and export
    stats_min_count: int = field(default_factory=lambda: _int("HANDOFF_STATS_MIN_COUNT", 5))
    # messages the assistant did not understand (handoff/learning.py) are deleted after this many days
    unrecognised_days: int = field(default_factory=lambda: _int("HANDOFF_UNRECOGNISED_DAYS", 90))
    tracker_db_url: Optional[str] = field(default_factory=lambda: os.environ.get(
        "TRACKER_DB_URL", f"sqlite:///{runtime_secrets.var_dir() / 'rasa_tracker.db'}"))
    erasure_delay_seconds: int = field(default_factory=lambda: _int("ERASURE_DELAY_SECONDS", 120))
    max_tickets_per_conversation: int = field(
        default_factory=lambda: _int("HANDOFF_MAX_TICKETS_PER_CONVERSATION", 3))
    smtp_host: Optional[str] = field(default_factory=lambda: os.environ.get("SMTP_HOST"))
    smtp_port: int = field(default_factory=lambda: _int("SMTP_PORT", 25))
    smtp_user: Optional[str] = field(default_factory=lambda: os.environ.get("SMTP_USER"))
    smtp_password: Optional[str] = field(default_factory=lambda: os.environ.get("SMTP_PASSWORD"))
    smtp_starttls: bool = field(default_factory=lambda: os.environ.get("SMTP_STARTTLS", "false") == "true")
    mail_from: str = field(default_factory=lambda: os.environ.get("MAIL_FROM", "zelfscan@localhost"))
    notify_email: Optional[str] = field(default_factory=lambda: os.environ.get("NOTIFY_EMAIL"))
    webhook_url: Optional[str] = field(default_factory=lambda: os.environ.get("NOTIFY_WEBHOOK_URL"))
    public_url: str = field(default_factory=lambda: os.environ.get("HANDOFF_PUBLIC_URL", "http://localhost:8000"))
    rasa_url: str = field(default_factory=lambda: os.environ.get("RASA_PUBLIC_URL", "http://localhost:5005"))
    # follow-up (README, "Follow-up and personal scan links"): weeks after the ticket
    # (0: no follow-up is offered), and how many days the personal link then works
    follow_up_weeks: int = field(default_factory=lambda: _gemeente_whole("follow_up_weeks", 0, 0, 52))
    # per gemeente (a region): the response days and follow-up weeks its action server promised
    promises: Dict[str, Promises] = field(default_factory=_promises_by_gemeente)
    # per gemeente (a region): "u" or "je" (the demo page with ?gemeente=)
    address_forms: Dict[str, str] = field(default_factory=lambda: {
        g: _address_form_of(data) for g, data in _data_by_gemeente().items()})
    follow_up_valid_days: int = field(default_factory=lambda: _gemeente_whole("follow_up_valid_days", 30, 1, 365))
    scan_page_url: str = field(default_factory=_scan_page_url)
    gemeente_name: str = field(default_factory=lambda: str(_gemeente_data().get("name") or ""))
    loket_name: str = field(default_factory=lambda: str(
        (_gemeente_data().get("ondernemersloket") or {}).get("name") or "Het ondernemersloket"))
    background_interval_seconds: int = field(default_factory=lambda: _int("HANDOFF_BACKGROUND_INTERVAL", 30))
    # login limiting: see auth.py and the README ("Staff inbox")
    login_max_failures: int = field(default_factory=lambda: _int("HANDOFF_LOGIN_MAX_FAILURES", 5))
    login_max_failures_per_ip: int = field(default_factory=lambda: _int("HANDOFF_LOGIN_MAX_FAILURES_PER_IP", 20))
    login_window_minutes: float = field(default_factory=lambda: _float("HANDOFF_LOGIN_WINDOW_MINUTES", 15))
    login_lock_seconds: float = field(default_factory=lambda: _float("HANDOFF_LOGIN_LOCK_SECONDS", 60))
    login_max_lock_seconds: float = field(default_factory=lambda: _float("HANDOFF_LOGIN_MAX_LOCK_SECONDS", 900))
    session_hours: float = field(default_factory=lambda: _float("HANDOFF_SESSION_HOURS", 8))
    session_idle_minutes: float = field(default_factory=lambda: _float("HANDOFF_SESSION_IDLE_MINUTES", 30))

    def load_secrets(self) -> "Settings":
        """Read HANDOFF_API_TOKEN and HANDOFF_ERASURE_KEY through zelfscan_runtime.secrets:
        in production a missing, default or short value stops the service (SecretError,
        one line naming the variable); in development they are generated once under var/."""
        if not self.api_token:
            self.api_token = runtime_secrets.get("HANDOFF_API_TOKEN")
        if not self.erasure_key:
            self.erasure_key = runtime_secrets.get("HANDOFF_ERASURE_KEY")
        return self

    def promised(self, gemeente: Optional[str]) -> Promises:
        """The promises of the ticket's gemeente (none named, or unknown: the first's)."""
        found = self.promises.get(gemeente) if gemeente else None
        return found or Promises(self.response_days, self.follow_up_weeks)
