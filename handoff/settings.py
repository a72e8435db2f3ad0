"""Settings of the handoff service, from environment variables (defaults for one machine)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _gemeente_retention_days() -> int:
    """RETENTION_DAYS, else ``retention_days`` of the gemeente configuration (the period
    the bot promises in its privacy statement), else 90."""
    if os.environ.get("RETENTION_DAYS"):
        return int(os.environ["RETENTION_DAYS"])
    path = Path(os.environ.get("GEMEENTE_CONFIG", ROOT / "gemeente" / "config.yml"))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return 90
    return int(data.get("retention_days", 90))


@dataclass
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get(
        "HANDOFF_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'handoff.db'}"))
    api_token: str = field(default_factory=lambda: os.environ.get("HANDOFF_API_TOKEN", ""))
    secure_cookies: bool = field(default_factory=lambda: os.environ.get("HANDOFF_SECURE_COOKIES", "false") == "true")
    admin_user: Optional[str] = field(default_factory=lambda: os.environ.get("INBOX_ADMIN_USER"))
    admin_password: Optional[str] = field(default_factory=lambda: os.environ.get("INBOX_ADMIN_PASSWORD"))
    retention_days: int = field(default_factory=_gemeente_retention_days)
    tracker_db_url: Optional[str] = field(default_factory=lambda: os.environ.get(
        "TRACKER_DB_URL", f"sqlite:///{ROOT / 'var' / 'rasa_tracker.db'}"))
    erasure_delay_seconds: int = field(default_factory=lambda: _int("ERASURE_DELAY_SECONDS", 120))
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
    background_interval_seconds: int = field(default_factory=lambda: _int("HANDOFF_BACKGROUND_INTERVAL", 30))
    login_max_failures: int = 5
    login_window_minutes: int = 15
    session_hours: int = 8
