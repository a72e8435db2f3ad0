"""How services start: secrets, production mode, generated files, addresses."""
import os
import subprocess
import sys

import pytest
import yaml

from tests.e2e.servers import ROOT
from zelfscan_runtime import config, secrets

GOOD = "Zq8vN3xL0pR7tY2wK5mB9cH4jD6fG1sA"  # 32 characters, varied


def prod(**values):
    return {"ZELFSCAN_ENV": "production", **values}


@pytest.mark.parametrize("value, reason", [
    (None, "is missing"), ("", "is missing"),
    ("dev-token-change-me", "known development value"), ("dev-handoff-token-change-me", "known development value"),
    ("please-change-me-before-use-0123456789", "known development value"),
    ("Zq8vN3xL0pR7tY2wK5m", "shorter than 32"), ("a" * 40, "not random enough"),
])
def test_production_refuses_a_missing_default_or_short_secret(value, reason):
    env = prod() if value is None else prod(HANDOFF_API_TOKEN=value)
    with pytest.raises(secrets.SecretError) as refused:
        secrets.get("HANDOFF_API_TOKEN", env)
    line = refused.value.line
    assert "HANDOFF_API_TOKEN" in line and reason in line and "\n" not in line


def test_production_accepts_a_good_secret_and_writes_nothing(tmp_path):
    env = prod(HANDOFF_API_TOKEN=GOOD, ZELFSCAN_VAR_DIR=str(tmp_path / "var"))
    assert secrets.get("HANDOFF_API_TOKEN", env) == GOOD
    assert not (tmp_path / "var").exists()


def test_development_generates_each_secret_once_privately(tmp_path):
    env = {"ZELFSCAN_VAR_DIR": str(tmp_path / "var")}
    first = secrets.get("ACTION_SERVER_TOKEN", env)
    assert first == secrets.get("ACTION_SERVER_TOKEN", env)  # the same for every service
    assert first != secrets.get("CONVERSATION_ID_SECRET", env)
    assert secrets.problem("ACTION_SERVER_TOKEN", first) is None  # would pass production's check too
    folder = tmp_path / "var" / "secrets"
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "ACTION_SERVER_TOKEN").stat().st_mode & 0o777 == 0o600


def test_development_uses_a_secret_from_the_environment(tmp_path):
    env = {"ZELFSCAN_VAR_DIR": str(tmp_path), "ACTION_SERVER_TOKEN": "mine"}
    assert secrets.get("ACTION_SERVER_TOKEN", env) == "mine"
    assert not (tmp_path / "secrets" / "ACTION_SERVER_TOKEN").exists()


def test_no_secret_value_is_written_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    for name in tracked:
        if name.startswith("tests/") or not name.endswith((".yml", ".py", ".md", "Makefile", ".js", ".env")):
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="ignore")
        for default in ("dev-token-change-me", "dev-handoff-token-change-me"):
            assert default not in text or name == "zelfscan_runtime/secrets.py", name


def test_rasa_api_is_off_unless_asked_and_then_jwt_only(tmp_path):
    env = {"ZELFSCAN_VAR_DIR": str(tmp_path), "HANDOFF_PUBLIC_URL": "https://www.voorbeeldstad.nl/ondernemers"}
    argv = config.rasa_argv("models/m.tar.gz", 5005, env)
    assert "--enable-api" not in argv and "--auth-token" not in argv
    assert argv[argv.index("--interface") + 1] == "127.0.0.1"
    cors = argv[argv.index("--cors") + 1:]
    assert cors[0] == "https://www.voorbeeldstad.nl" and "*" not in cors

    env.update(RASA_ENABLE_API="1", RASA_JWT_SECRET=GOOD, ZELFSCAN_ENV="production",
               RASA_CORS_ORIGINS="https://gemeente.example, not-a-url")
    argv = config.rasa_argv("models/m.tar.gz", 5005, env)
    assert "--enable-api" in argv and "--auth-token" not in argv
    assert argv[argv.index("--jwt-secret") + 1] == GOOD
    cors = argv[argv.index("--cors") + 1:argv.index("--enable-api")]
    assert cors == ["https://www.voorbeeldstad.nl", "https://gemeente.example"]


def test_public_addresses_are_an_explicit_choice():
    argv = config.rasa_argv("m", 1, {"RASA_HOST": "0.0.0.0", "ZELFSCAN_VAR_DIR": "/tmp/x"})
    assert argv[argv.index("--interface") + 1] == "0.0.0.0"
    assert config.actions_url({"ACTIONS_PORT": "6000"}) == "http://127.0.0.1:6000/webhook"


def test_endpoints_carry_the_action_token_as_a_variable_and_the_tracker_in_var(tmp_path):
    env = {"ZELFSCAN_VAR_DIR": str(tmp_path), "ACTIONS_PORT": "6001"}
    data = yaml.safe_load(config.write_endpoints(env).read_text())
    assert data["action_endpoint"]["url"] == "http://127.0.0.1:6001/webhook"
    assert data["action_endpoint"]["headers"][config.ACTION_TOKEN_HEADER] == "${ACTION_SERVER_TOKEN}"
    assert data["tracker_store"]["db"] == str(tmp_path / "rasa_tracker.db")
    assert (tmp_path / "endpoints.yml").stat().st_mode & 0o777 == 0o600


def test_channels_are_switched_on_only_with_all_their_variables():
    source = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert set(config.enabled_channels(source, {})) == {c for c, v in source.items() if not v or "${" not in str(v)}
    twilio = [c for c in source if "Twilio" in c][0]
    needed = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "x" * 32, "TWILIO_NUMBER": "+31600000000",
              "TWILIO_WEBHOOK_URL": "https://zelfscan.example.nl/webhooks/twilio/webhook"}
    assert set(config._VAR.findall(str(source[twilio]))) == set(needed)
    assert twilio in config.enabled_channels(source, needed)
    for name in needed:  # any one missing keeps the channel off
        assert twilio not in config.enabled_channels(source, dict(needed, **{name: ""}))


def test_a_switched_on_channel_needs_its_verification_secret():
    channels = {"x.Twilio": {"auth_token": "${TWILIO_AUTH_TOKEN}"}}
    with pytest.raises(secrets.SecretError) as refused:
        config.require_channel_secrets(channels, prod(TWILIO_AUTH_TOKEN="short"))
    assert "TWILIO_AUTH_TOKEN" in refused.value.line
    config.require_channel_secrets(channels, prod(TWILIO_AUTH_TOKEN=GOOD))


@pytest.mark.parametrize("service", ["prepare", "actions", "handoff", "rasa"])
def test_every_service_refuses_to_start_in_production_without_its_secrets(service, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in secrets.SECRETS}
    env.update(ZELFSCAN_ENV="production", ZELFSCAN_VAR_DIR=str(tmp_path), HANDOFF_API_TOKEN="dev-handoff-token-change-me")
    done = subprocess.run([sys.executable, "-m", "zelfscan_runtime", service], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ZELFSCAN_ENV=production: ") and any(name in last for name in secrets.SECRETS)


def test_endpoints_select_postgresql_and_redis_by_environment_and_write_no_password(tmp_path):
    """More than one Rasa server: TRACKER_STORE_URL and LOCK_STORE_URL switch the embedded
    SQLite tracker store and the in-memory lock store for PostgreSQL and Redis; the
    passwords stay ${VARIABLES} that Rasa fills in from its environment."""
    env = {"ZELFSCAN_VAR_DIR": str(tmp_path), "ACTIONS_PORT": "6001",
           "TRACKER_STORE_URL": "postgresql://zelfscan:pg-Geheim-1@db.internal:5433/zelfscan",
           "LOCK_STORE_URL": "rediss://redis.internal:6380/2", "LOCK_STORE_PASSWORD": "redis-Geheim-2"}
    path = config.write_endpoints(env)
    text = path.read_text()
    assert "Geheim" not in text
    data = yaml.safe_load(text)
    assert data["tracker_store"] == {"type": "SQL", "dialect": "postgresql", "url": "${TRACKER_STORE_URL}"}
    assert data["lock_store"] == {"type": "zelfscan_runtime.lock_store.RedisTicketLockStore", "url": "redis.internal",
                                  "port": 6380, "db": 2, "password": "${LOCK_STORE_PASSWORD}", "use_ssl": True}
    assert data["action_endpoint"]["headers"][config.ACTION_TOKEN_HEADER] == "${ACTION_SERVER_TOKEN}"

    # Rasa reads these files with its ${VARIABLE} substitution: the real stores' settings come out
    from rasa.utils.endpoints import read_endpoint_config

    filled = {"TRACKER_STORE_URL": env["TRACKER_STORE_URL"], "LOCK_STORE_PASSWORD": env["LOCK_STORE_PASSWORD"],
              "ACTION_SERVER_TOKEN": GOOD}
    saved = {name: os.environ.get(name) for name in filled}
    os.environ.update(filled)
    try:
        tracker = read_endpoint_config(str(path), "tracker_store")
        lock = read_endpoint_config(str(path), "lock_store")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert tracker.url == env["TRACKER_STORE_URL"] and tracker.kwargs["dialect"] == "postgresql"
    assert lock.url == "redis.internal" and lock.kwargs["password"] == "redis-Geheim-2"
    from rasa.core.lock_store import LockStore, RedisLockStore

    store = LockStore.create(lock)
    assert isinstance(store, RedisLockStore) and store.red.connection_pool.connection_kwargs["port"] == 6380

    # without them the embedded default stays: SQLite in var/, no lock store (one process)
    data = yaml.safe_load(config.write_endpoints({"ZELFSCAN_VAR_DIR": str(tmp_path)}).read_text())
    assert data["tracker_store"]["dialect"] == "sqlite" and "lock_store" not in data
    assert yaml.safe_load(config.write_endpoints({"ZELFSCAN_VAR_DIR": str(tmp_path),
                                                  "LOCK_STORE_URL": "redis://127.0.0.1"}).read_text()
                          )["lock_store"] == {"type": "zelfscan_runtime.lock_store.RedisTicketLockStore",
                                              "url": "127.0.0.1", "port": 6379, "db": 1}


@pytest.mark.parametrize("name, value, says", [
    ("TRACKER_STORE_URL", "mysql://u:p@h/db", "PostgreSQL"),
    ("LOCK_STORE_URL", "http://redis:6379", "Redis address"),
    ("LOCK_STORE_URL", "redis://:pw-in-url@redis:6379/1", "LOCK_STORE_PASSWORD"),
])
def test_a_wrong_store_address_stops_the_start_with_one_line(tmp_path, name, value, says):
    with pytest.raises(secrets.SecretError) as refused:
        config.write_endpoints({"ZELFSCAN_VAR_DIR": str(tmp_path), name: value})
    assert name in refused.value.line and says in refused.value.line
    assert "pw-in-url" not in refused.value.line


def test_third_party_deprecation_noise_is_dropped_and_own_warnings_stay():
    from zelfscan_runtime import quiet

    dirs = quiet.third_party_dirs()
    site = [d for d in dirs if "site-packages" in d][0]
    assert quiet.is_noise(DeprecationWarning, f"{site}/packaging/requirements.py", dirs)
    assert quiet.is_noise(UserWarning, f"{site}/rasa_sdk/utils.py", dirs)
    assert not quiet.is_noise(RuntimeWarning, f"{site}/numpy/core/x.py", dirs)  # a real problem stays
    assert not quiet.is_noise(DeprecationWarning, str(ROOT / "actions" / "parsing.py"), dirs)


def test_a_service_start_shows_no_third_party_deprecation_warnings(tmp_path):
    """The handoff service's first screen: its own lines, no pages of warnings."""
    env = dict(os.environ, ZELFSCAN_VAR_DIR=str(tmp_path), PYTHONWARNINGS="default", HANDOFF_PORT="1")
    env.pop("ZELFSCAN_ENV", None)
    code = ("import sys, warnings; sys.argv=['x'];"
            "from zelfscan_runtime import quiet; quiet.install();"
            "import sqlalchemy.ext.declarative, packaging.requirements, rasa_sdk.utils;"
            "warnings.warn('own warning', UserWarning)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "own warning" in done.stderr
    assert "Deprecat" not in done.stderr, done.stderr[-2000:]


@pytest.mark.parametrize("fixed", [False, True])
def test_a_message_behind_a_crashed_servers_ticket_gets_its_turn(fixed):
    """Rasa's ticket lock: a server died holding ticket 0; the next message took ticket 1 right
    after, so both expire together. Rasa 3.6 then waits for ever; our lock store serves it."""
    import asyncio
    import json
    import time as clock

    from rasa.core import lock_store as rasa_lock_store
    from rasa.core.lock import TicketLock

    from zelfscan_runtime.lock_store import RedisTicketLockStore

    base = RedisTicketLockStore if fixed else rasa_lock_store.RedisLockStore

    class InMemory(base):  # the Redis calls replaced by a dict, the locking logic untouched
        def __init__(self):
            self.saved = {}

        def get_lock(self, conversation_id):
            return TicketLock.from_dict(json.loads(self.saved[conversation_id])) if conversation_id in self.saved \
                else None

        def save_lock(self, lock):
            self.saved[lock.conversation_id] = lock.dumps()

        def delete_lock(self, conversation_id):
            self.saved.pop(conversation_id, None)

    store = InMemory()
    store.issue_ticket("web-x", lock_lifetime=0.3)  # the crashed server's ticket, never released

    async def next_message():
        async with store.lock("web-x", lock_lifetime=0.3, wait_time_in_seconds=0.05):
            return "served"

    started = clock.time()
    if fixed:
        assert asyncio.run(asyncio.wait_for(next_message(), 5)) == "served"
        assert clock.time() - started < 2 and "web-x" not in store.saved  # released afterwards
    else:
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(asyncio.wait_for(next_message(), 1.5))
