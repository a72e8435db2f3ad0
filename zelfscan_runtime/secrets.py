"""Secrets of every service, and the one switch that makes them mandatory.

``ZELFSCAN_ENV=production``: a service refuses to start when a secret it needs is
missing, shorter than ``MIN_LENGTH`` or a known development value; the one line it
prints names the variable. Otherwise (development) a missing secret is generated once
and kept in ``<var>/secrets/<NAME>`` (directory 0700, file 0600), so ``make run`` works
without any fixed string in the repository and the services share the same values.
"""
from __future__ import annotations

import os
import secrets as _random
from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
MIN_LENGTH = 32
PRODUCTION = "production"

# name -> what it protects (shown in the refusal and the README)
SECRETS: Dict[str, str] = {
    "HANDOFF_API_TOKEN": "the action server's token at the handoff service (create tickets, request erasure)",
    "ACTION_SERVER_TOKEN": "the header the Rasa server sends to the action server",
    "CONVERSATION_ID_SECRET": "signs the conversation ids the website widget gets",
    "RASA_JWT_SECRET": "signs the JWTs of the Rasa HTTP API (only when RASA_ENABLE_API=1)",
    "HANDOFF_ERASURE_KEY": "keys the hash under which the handoff service remembers erased conversations",
}
# channel secrets: required only when the channel is switched on
CHANNEL_SECRETS: Dict[str, str] = {
    "TWILIO_AUTH_TOKEN": "verifies X-Twilio-Signature (WhatsApp/SMS)",
    "TELEGRAM_WEBHOOK_SECRET": "verifies X-Telegram-Bot-Api-Secret-Token",
    "SLACK_SIGNING_SECRET": "verifies Slack's request signatures",
    "BOTFRAMEWORK_APP_PASSWORD": "the Bot Framework app's password (Teams)",
}
# values that were ever written in this repository or its docs, and obvious placeholders
KNOWN_DEFAULTS = {
    "dev-token-change-me", "dev-handoff-token-change-me", "change-me", "changeme", "secret",
    "password", "e2e-test-token", "test-token",
}
# platform secrets have their own formats and lengths; they must be present and not a placeholder
PLATFORM_MIN_LENGTH = {"TWILIO_AUTH_TOKEN": 32, "TELEGRAM_WEBHOOK_SECRET": 32, "SLACK_SIGNING_SECRET": 32,
                       "BOTFRAMEWORK_APP_PASSWORD": 16}


class SecretError(SystemExit):
    """Raised (as a SystemExit, so a service stops with exit code 2) with one line naming the variable."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


def environment(environ: Optional[Mapping[str, str]] = None) -> str:
    return (environ if environ is not None else os.environ).get("ZELFSCAN_ENV", "development").strip().lower()


def is_production(environ: Optional[Mapping[str, str]] = None) -> bool:
    return environment(environ) == PRODUCTION


def var_dir(environ: Optional[Mapping[str, str]] = None) -> Path:
    env = environ if environ is not None else os.environ
    return Path(env.get("ZELFSCAN_VAR_DIR") or ROOT / "var")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) as 0700 and tighten it when it exists."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def problem(name: str, value: Optional[str]) -> Optional[str]:
    """Why ``value`` is not acceptable as ``name`` in production, or None."""
    if not value:
        return "is missing"
    if value.strip().lower() in KNOWN_DEFAULTS or "change-me" in value.lower() or "changeme" in value.lower():
        return "is a known development value"
    minimum = PLATFORM_MIN_LENGTH.get(name, MIN_LENGTH)
    if len(value) < minimum:
        return f"is shorter than {minimum} characters"
    if len(set(value)) < 8:
        return "is not random enough"
    return None


def refusal(name: str, reason: str) -> str:
    return (f"ZELFSCAN_ENV=production: {name} {reason}. Set it to a random value of at least "
            f"{PLATFORM_MIN_LENGTH.get(name, MIN_LENGTH)} characters (for example: openssl rand -hex 32).")


def _stored(name: str, environ: Mapping[str, str]) -> str:
    """The development value of ``name``: read from var/secrets, generated once."""
    folder = private_dir(private_dir(var_dir(environ)) / "secrets")
    path = folder / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return path.read_text(encoding="utf-8").strip()
    value = _random.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def get(name: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """The value of secret ``name``: the environment's, checked in production; in
    development the environment's or a generated one kept under var/secrets."""
    env = environ if environ is not None else os.environ
    value = env.get(name, "")
    if is_production(env):
        reason = problem(name, value)
        if reason:
            raise SecretError(refusal(name, reason))
        return value
    return value or _stored(name, env)


def require(names: Iterable[str], environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """All of ``names`` (see :func:`get`); the first problem stops the service."""
    return {name: get(name, environ) for name in names}


def export(names: Iterable[str]) -> None:
    """Put the values of ``names`` into this process's environment (for Rasa's
    ``${VAR}`` substitution and child code that reads os.environ)."""
    for name, value in require(names).items():
        os.environ[name] = value
