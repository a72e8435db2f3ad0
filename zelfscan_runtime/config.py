"""Addresses, generated configuration files and the secrets each service needs."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Mapping, Optional
from urllib.parse import urlsplit

import yaml

from zelfscan_runtime import secrets

ROOT = secrets.ROOT
ACTION_TOKEN_HEADER = "X-Zelfscan-Action-Token"
_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def _env(environ: Optional[Mapping[str, str]]) -> Mapping[str, str]:
    return environ if environ is not None else os.environ


def flag(name: str, environ: Optional[Mapping[str, str]] = None) -> bool:
    return _env(environ).get(name, "").strip().lower() in ("1", "true", "yes", "on")


def api_enabled(environ: Optional[Mapping[str, str]] = None) -> bool:
    return flag("RASA_ENABLE_API", environ)


def rasa_secrets(environ: Optional[Mapping[str, str]] = None) -> List[str]:
    names = ["ACTION_SERVER_TOKEN", "CONVERSATION_ID_SECRET"]
    return names + (["RASA_JWT_SECRET"] if api_enabled(environ) else [])


def action_secrets() -> List[str]:
    return ["ACTION_SERVER_TOKEN", "HANDOFF_API_TOKEN"]


def handoff_secrets() -> List[str]:
    return ["HANDOFF_API_TOKEN", "HANDOFF_ERASURE_KEY"]


def prepare_var(environ: Optional[Mapping[str, str]] = None) -> Path:
    """var/ exists and only this user can enter it; files already in it are made private."""
    folder = secrets.private_dir(secrets.var_dir(environ))
    for path in folder.iterdir():
        if path.is_file():
            os.chmod(path, 0o600)
    return folder


# ------------------------------------------------------------------- channels


def enabled_channels(source: Mapping[str, object], environ: Mapping[str, str]) -> Dict[str, object]:
    """The channels of credentials.yml whose ${VARIABLES} are all set (REST and
    socket.io have none and are always kept)."""
    kept: Dict[str, object] = {}
    for channel, settings in source.items():
        needed = _VAR.findall(yaml.safe_dump(settings)) if settings else []
        if all(environ.get(name) for name in needed):
            kept[channel] = settings
    return kept


def write_credentials(environ: Optional[Mapping[str, str]] = None) -> Dict[str, object]:
    env = _env(environ)
    source = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    kept = enabled_channels(source, env)
    target = secrets.var_dir(env) / "credentials.yml"
    target.write_text(yaml.safe_dump(kept, sort_keys=False), encoding="utf-8")
    os.chmod(target, 0o600)
    return kept


def read_credentials(environ: Optional[Mapping[str, str]] = None) -> Dict[str, object]:
    path = secrets.var_dir(environ) / "credentials.yml"
    if not path.exists():
        return write_credentials(environ)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def require_channel_secrets(channels: Mapping[str, object], environ: Optional[Mapping[str, str]] = None) -> None:
    """Each switched-on channel's verification secret must be set (and good in production)."""
    env = _env(environ)
    for settings in channels.values():
        for name in _VAR.findall(yaml.safe_dump(settings)) if settings else []:
            if name in secrets.CHANNEL_SECRETS:
                if secrets.is_production(env):
                    secrets.get(name, env)
                elif not env.get(name):
                    raise secrets.SecretError(f"{name} is missing: {secrets.CHANNEL_SECRETS[name]}.")


# ------------------------------------------------------------------ endpoints


def actions_url(environ: Optional[Mapping[str, str]] = None) -> str:
    env = _env(environ)
    return env.get("ACTION_ENDPOINT_URL") or f"http://127.0.0.1:{env.get('ACTIONS_PORT', '5055')}/webhook"


def write_endpoints(environ: Optional[Mapping[str, str]] = None) -> Path:
    """var/endpoints.yml: endpoints.yml with the action server's address of this run.
    The token header stays a ${VARIABLE}: Rasa fills it in from its environment, so the
    secret is never written to a file outside var/secrets.

    More than one Rasa server (README, "More than one machine"): TRACKER_STORE_URL
    (postgresql://user:password@host:5432/db) puts the conversations in PostgreSQL and
    LOCK_STORE_URL (redis://host:6379/1, rediss:// for TLS; password in
    LOCK_STORE_PASSWORD) the locks in Redis. Both stay ${VARIABLES} in the file, so no
    password is written. Without them: the embedded SQLite tracker store in var/ and
    Rasa's in-memory lock store (one Rasa process)."""
    env = _env(environ)
    data = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    data.setdefault("action_endpoint", {})["url"] = actions_url(env)
    tracker_url = env.get("TRACKER_STORE_URL", "").strip()
    if tracker_url:
        if not urlsplit(tracker_url).scheme.startswith("postgresql"):
            raise secrets.SecretError("TRACKER_STORE_URL must be a PostgreSQL address: "
                                      "postgresql://user:password@host:5432/database.")
        data["tracker_store"] = {"type": "SQL", "dialect": "postgresql", "url": "${TRACKER_STORE_URL}"}
    lock_url = env.get("LOCK_STORE_URL", "").strip()
    if lock_url:
        parts = urlsplit(lock_url)
        db = parts.path.strip("/") or "1"
        if parts.scheme not in ("redis", "rediss") or not parts.hostname or not db.isdigit():
            raise secrets.SecretError("LOCK_STORE_URL must be a Redis address: redis://host:6379/1 "
                                      "(rediss:// for TLS).")
        if parts.password:
            raise secrets.SecretError("LOCK_STORE_URL carries a password: put it in LOCK_STORE_PASSWORD, "
                                      "so no file holds it.")
        # Rasa's Redis lock store with the fix for a crashed server's ticket (zelfscan_runtime/lock_store.py)
        lock: Dict[str, object] = {"type": "zelfscan_runtime.lock_store.RedisTicketLockStore", "url": parts.hostname,
                                   "port": parts.port or 6379, "db": int(db)}
        if parts.username:
            lock["username"] = parts.username
        if env.get("LOCK_STORE_PASSWORD"):
            lock["password"] = "${LOCK_STORE_PASSWORD}"
        if parts.scheme == "rediss":
            lock["use_ssl"] = True
        data["lock_store"] = lock
    store = data.get("tracker_store") or {}
    if store.get("dialect") == "sqlite" and str(store.get("db", "")).startswith("var/"):
        # the embedded tracker store lives in this run's var/ (ZELFSCAN_VAR_DIR)
        store["db"] = str(secrets.var_dir(env) / str(store["db"])[len("var/"):])
    target = secrets.var_dir(env) / "endpoints.yml"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    os.chmod(target, 0o600)
    return target


# ----------------------------------------------------------------------- Rasa


def origin(url: str) -> Optional[str]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def cors_origins(environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """The websites that may talk to the Rasa server from a browser: the handoff
    service's public address (demo page) and RASA_CORS_ORIGINS (the gemeente's site)."""
    env = _env(environ)
    candidates = [env.get("HANDOFF_PUBLIC_URL", "http://localhost:8000")]
    candidates += re.split(r"[\s,]+", env.get("RASA_CORS_ORIGINS", ""))
    found: List[str] = []
    for item in candidates:
        value = origin(item) if item else None
        if value and value not in found:
            found.append(value)
            # the same page may be opened as localhost or 127.0.0.1 in development
            if not secrets.is_production(env):
                for a, b in (("//localhost", "//127.0.0.1"), ("//127.0.0.1", "//localhost")):
                    if a in value and value.replace(a, b) not in found:
                        found.append(value.replace(a, b))
    return found


def rasa_argv(model: str, port: int, environ: Optional[Mapping[str, str]] = None) -> List[str]:
    env = _env(environ)
    folder = secrets.var_dir(env)
    argv = ["run", "--model", model, "--port", str(port), "--interface", env.get("RASA_HOST", "127.0.0.1"),
            "--credentials", str(folder / "credentials.yml"), "--endpoints", str(folder / "endpoints.yml"),
            "--cors", *cors_origins(env)]
    if api_enabled(env):
        # JWT in the Authorization header, never a token in the query string
        argv += ["--enable-api", "--jwt-secret", secrets.get("RASA_JWT_SECRET", env), "--jwt-method", "HS256"]
    return argv
