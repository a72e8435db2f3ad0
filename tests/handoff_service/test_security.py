"""Attacks on the handoff service, against the real server process and a real database
(SQLite, and PostgreSQL when HANDOFF_TEST_POSTGRES_URL is set). Each case checks the
refusal and that nothing changed."""
import os
import secrets
import socket
import stat
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy

from tests.e2e.servers import ROOT, free_port
from tests.handoff_service.conftest import DATABASES, POSTGRES_URL, csrf_of, logged_in, post_ticket, ticket_body
from tests.handoff_service.service import ADMIN, API_TOKEN, HandoffService

PRODUCTION_TOKEN = secrets.token_hex(32)
PRODUCTION_ERASURE_KEY = secrets.token_hex(32)
PASSWORD = "collega-wachtwoord-1"


@pytest.fixture
def start_service(tmp_path):
    """Start a service of its own (login limits and sessions are per service): a fresh
    SQLite file, or a fresh PostgreSQL schema."""
    started, schemas = [], []

    def start(database="sqlite", **kwargs):
        url = None
        if database == "postgresql":
            schema = "t_" + uuid.uuid4().hex[:10]
            engine = sqlalchemy.create_engine(POSTGRES_URL)
            with engine.begin() as conn:
                conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
            engine.dispose()
            schemas.append(schema)
            url = POSTGRES_URL + ("&" if "?" in POSTGRES_URL else "?") + f"options=-csearch_path%3D{schema}"
        workdir = tmp_path / f"svc{len(started)}"
        workdir.mkdir()
        svc = HandoffService(workdir, url, **kwargs).start()
        started.append(svc)
        return svc

    yield start
    for svc in started:
        svc.stop()
    if schemas:
        engine = sqlalchemy.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            for schema in schemas:
                conn.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def login_attempt(service, username, password, session=None):
    """One POST of the login form (with a fresh form token); the response."""
    s = session or requests.Session()
    page = s.get(service.url + "/inbox/login", timeout=10)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    return s.post(service.url + "/inbox/login", timeout=30, allow_redirects=False,
                  data={"username": username, "password": password, "csrf_token": csrf, "next": "/inbox"})


def is_logged_in(session, service):
    r = session.get(service.url + "/inbox", timeout=10, allow_redirects=False)
    return r.status_code == 200


def audit(service, action, actor=None):
    rows = service.sql("SELECT actor, action, detail FROM audit_log WHERE action = :a", a=action)
    return [r for r in rows if actor is None or r[0] == actor]


# ------------------------------------------------------------ least privilege


def test_action_token_cannot_read_list_or_change_tickets(service):
    secret_name = "Geheime Naam " + uuid.uuid4().hex[:6]
    body = ticket_body(contact={"name": secret_name, "phone": "+31611111111"})
    assert post_ticket(service, body).status_code == 201
    token = {"Authorization": f"Bearer {API_TOKEN}"}
    attempts = [
        ("GET", "/api/tickets", None), ("GET", f"/api/tickets/{body['id']}", None),
        ("GET", "/api/tickets?status=nieuw", None), ("GET", "/api/tickets/", None),
        ("POST", f"/api/tickets/{body['id']}/status", {"status": "afgesloten"}),
        ("HEAD", f"/api/tickets/{body['id']}", None),
        ("POST", f"/api/tickets/{body['id']}/outcome", {"outcome": "geen_hulp_nodig", "first_contact_at": None}),
        ("GET", "/api/scan-records", None),
    ]
    for method, path, payload in attempts:
        r = requests.request(method, service.url + path, headers=token, json=payload, timeout=10,
                             allow_redirects=False)
        assert r.status_code in (401, 403), (method, path, r.status_code)
        assert secret_name not in r.text and "+31611111111" not in r.text
    # nothing changed, nothing was read
    ticket = service.staff_get(f"/api/tickets/{body['id']}").json()
    assert ticket["status"] == "nieuw"
    views = service.sql("SELECT actor FROM audit_log WHERE ticket_id = :t AND action IN ('view', 'status')",
                t=body["id"])
    assert all(actor != "api" for (actor,) in views)
    assert ticket["outcome"] is None
    # the token cannot open the inbox, the dashboard or its exports either
    for path in ("/inbox", "/inbox/dashboard", "/inbox/dashboard.csv?tabel=overzicht"):
        r = requests.get(service.url + path, headers=token, timeout=10, allow_redirects=False)
        assert r.status_code in (302, 303) and "/inbox/login" in r.headers["location"], path
    # what it may do, it still does
    assert requests.post(service.url + "/api/erasures", json={"conversation_id": "conv-" + uuid.uuid4().hex},
                         headers=token, timeout=10).status_code == 200


def test_ticket_cap_per_conversation(service):
    conversation = "conv-" + uuid.uuid4().hex
    bodies = [ticket_body(conversation_id=conversation) for _ in range(4)]
    for body in bodies[:3]:
        assert post_ticket(service, body).status_code == 201
    r = post_ticket(service, bodies[3])
    assert r.status_code == 409 and r.json()["code"] == "ticket_limit" and "maximum of 3" in r.json()["error"]
    assert service.staff_get(f"/api/tickets/{bodies[3]['id']}").status_code == 404
    # a retry of a ticket that was stored stays idempotent
    again = post_ticket(service, bodies[0])
    assert again.status_code == 200 and again.json()["id"] == bodies[0]["id"]


def test_ticket_cap_holds_under_parallel_requests(service):
    conversation = "conv-" + uuid.uuid4().hex
    bodies = [ticket_body(conversation_id=conversation) for _ in range(10)]
    with ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(lambda body: post_ticket(service, body).status_code, bodies))
    assert sorted(codes) == [201] * 3 + [409] * 7, codes
    stored = [b["id"] for b in bodies if service.staff_get(f"/api/tickets/{b['id']}").status_code == 200]
    assert len(stored) == 3


# ------------------------------------------------------------------- erasure


def test_ticket_after_erasure_is_refused_and_no_conversation_id_is_kept(service):
    conversation = "whatsapp:+3161" + str(uuid.uuid4().int)[:7]
    name = "Late Lies " + uuid.uuid4().hex[:6]
    delivered = ticket_body(conversation_id=conversation, channel="twilio")
    # made (and queued at the action server) before the erasure; arrives after it
    made_before = time.time()
    queued = ticket_body(conversation_id=conversation, channel="twilio", made_at=made_before,
                         contact={"name": name, "phone": "+31622222222"})
    unstamped = ticket_body(conversation_id=conversation, channel="twilio", contact={"name": name})
    assert post_ticket(service, delivered).status_code == 201
    r = requests.post(service.url + "/api/erasures", json={"conversation_id": conversation}, timeout=10,
                      headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert r.status_code == 200 and r.json()["tickets_erased"] == 1

    for body in (queued, queued, unstamped):  # the outbox may retry; a ticket without made_at is refused too
        r = post_ticket(service, body)
        assert r.status_code == 410, r.text
        assert r.json()["code"] == "conversation_erased"
    for body in (queued, unstamped):
        assert service.staff_get(f"/api/tickets/{body['id']}").status_code == 404
    everything = service.staff_get("/api/tickets").text
    assert name not in everything and "+31622222222" not in everything

    # the erased ticket and the erasure record keep no conversation id (a phone number here)
    erased = service.staff_get(f"/api/tickets/{delivered['id']}").json()
    assert erased["erased"] and erased["conversation_id"] == "" and erased["contact"] is None
    dump = []
    for table in ("tickets", "conversation_marks", "audit_log"):
        dump += [str(row) for row in service.sql(f"SELECT * FROM {table}")]
    assert not any(conversation in row or conversation[9:] in row for row in dump)
    marks = service.sql("SELECT key, erasure_requested_at FROM conversation_marks WHERE erasure_requested_at IS NOT NULL")
    assert marks and all(len(key) == 64 for key, _ in marks)

    # a new ticket, made after the erasure (the entrepreneur came back later), is welcome
    later = ticket_body(conversation_id=conversation, channel="twilio", made_at=time.time() + 1)
    assert post_ticket(service, later).status_code == 201
    assert service.staff_get(f"/api/tickets/{later['id']}").json()["conversation_id"] == conversation


# ---------------------------------------------------------------------- login


@pytest.mark.parametrize("database", DATABASES)
def test_raced_burst_of_wrong_passwords_stays_within_the_limit(start_service, database):
    service = start_service(database)
    assert service.cli("add-user", "collega", env={"INBOX_NEW_PASSWORD": PASSWORD}).returncode == 0
    s = requests.Session()
    page = s.get(service.url + "/inbox/login", timeout=10)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    cookies = dict(s.cookies)

    def attempt(i):
        return requests.post(service.url + "/inbox/login", cookies=cookies, timeout=60, allow_redirects=False,
                             data={"username": "collega", "password": f"fout-{i}", "csrf_token": csrf})

    with ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(attempt, range(50)))
    codes = [r.status_code for r in responses]
    checked = codes.count(401)
    assert 1 <= checked <= 5, codes
    assert codes.count(429) == 50 - checked, codes
    assert all("Te veel mislukte pogingen" in r.text for r in responses if r.status_code == 429)
    assert len(audit(service, "login_failed", "collega")) == checked  # never more passwords tried than allowed
    assert len(audit(service, "login_blocked", "collega")) == 50 - checked
    # the account is locked now, for the right password too
    r = login_attempt(service, "collega", PASSWORD)
    assert r.status_code == 429 and "zs_session" not in r.headers.get("set-cookie", "")


def test_account_lockout_is_bounded_and_never_locks_a_known_browser(start_service):
    service = start_service(extra_env={"HANDOFF_LOGIN_LOCK_SECONDS": "1", "HANDOFF_LOGIN_MAX_LOCK_SECONDS": "2"})
    assert service.cli("add-user", "collega", env={"INBOX_NEW_PASSWORD": PASSWORD}).returncode == 0
    colleague = service.login("collega", PASSWORD)  # the colleague's own browser: now a known device
    colleague.post(service.url + "/inbox/logout", data={"csrf_token": csrf_of(colleague, service)}, timeout=10)
    assert not is_logged_in(colleague, service)

    lock_lengths = []
    for _ in range(4):  # an attacker keeps failing: the lock grows 1 s, 2 s, then stays at 2 s
        for _ in range(5):
            assert login_attempt(service, "collega", "fout-wachtwoord").status_code == 401
        locked_at = time.monotonic()
        assert login_attempt(service, "collega", "fout-wachtwoord").status_code == 429
        # meanwhile the colleague logs in from the browser used before
        assert login_attempt(service, "collega", PASSWORD, session=colleague).status_code in (302, 303)
        assert is_logged_in(colleague, service)
        colleague.post(service.url + "/inbox/logout", data={"csrf_token": csrf_of(colleague, service)}, timeout=10)
        while True:  # the lock ends by itself: wait for it (a refused attempt does not count)
            r = login_attempt(service, "collega", PASSWORD)
            if r.status_code != 429:
                break
            assert time.monotonic() - locked_at < 10, "the lock did not end"
            time.sleep(0.1)
        lock_lengths.append(time.monotonic() - locked_at)
        assert r.status_code in (302, 303)  # the right password works again once the lock ends
    assert all(length < 2 + 1.5 for length in lock_lengths), lock_lengths
    # the success cleared the account: the next lock starts at the first length again
    assert lock_lengths[0] < 1 + 1.5


def test_logins_failures_and_logouts_are_audited_without_passwords(start_service):
    service = start_service()
    r = login_attempt(service, ADMIN[0], "een-fout-wachtwoord-xyz")
    assert r.status_code == 401
    s = service.login(*ADMIN)
    s.post(service.url + "/inbox/logout", data={"csrf_token": csrf_of(s, service)}, timeout=10)
    assert audit(service, "login_failed", ADMIN[0]) and audit(service, "login", ADMIN[0])
    assert audit(service, "logout", ADMIN[0])
    everything = str(service.sql("SELECT * FROM audit_log"))
    assert "een-fout-wachtwoord-xyz" not in everything and ADMIN[1] not in everything


def test_disabled_account_is_refused_and_its_sessions_end(start_service):
    service = start_service()
    assert service.cli("add-user", "collega", env={"INBOX_NEW_PASSWORD": PASSWORD}).returncode == 0
    session = service.login("collega", PASSWORD)
    assert is_logged_in(session, service)
    result = service.cli("disable-user", "collega")
    assert result.returncode == 0 and "uitgeschakeld" in result.stdout
    assert not is_logged_in(session, service)
    r = login_attempt(service, "collega", PASSWORD)
    assert r.status_code == 403 and "Dit account is uitgeschakeld" in r.text
    assert "zs_session" not in r.headers.get("set-cookie", "")
    # a new password does not switch it on
    assert service.cli("add-user", "collega", env={"INBOX_NEW_PASSWORD": "nog-een-ander-wachtwoord"}).returncode == 0
    assert login_attempt(service, "collega", "nog-een-ander-wachtwoord").status_code == 403
    assert service.cli("enable-user", "collega").returncode == 0
    assert login_attempt(service, "collega", "nog-een-ander-wachtwoord").status_code in (302, 303)
    assert service.cli("disable-user", "niemand").returncode == 1
    assert audit(service, "user_disable") and audit(service, "user_enable")


def test_password_change_ends_the_other_sessions(start_service):
    service = start_service()
    assert service.cli("add-user", "collega", env={"INBOX_NEW_PASSWORD": PASSWORD}).returncode == 0
    here, elsewhere = service.login("collega", PASSWORD), service.login("collega", PASSWORD)
    page = here.get(service.url + "/inbox/wachtwoord", timeout=10)
    assert page.status_code == 200 and "Wachtwoord wijzigen" in page.text
    csrf = csrf_of(here, service)

    # a wrong current password changes nothing
    r = here.post(service.url + "/inbox/wachtwoord", timeout=10, data={
        "csrf_token": csrf, "current_password": "niet-het-wachtwoord", "new_password": "nieuw-wachtwoord-123",
        "repeat_password": "nieuw-wachtwoord-123"})
    assert r.status_code == 400 and "Uw huidige wachtwoord klopt niet." in r.text
    assert is_logged_in(elsewhere, service)
    r = here.post(service.url + "/inbox/wachtwoord", timeout=10, data={
        "csrf_token": csrf, "current_password": PASSWORD, "new_password": "kort", "repeat_password": "kort"})
    assert r.status_code == 400 and "minstens 12 tekens" in r.text
    assert is_logged_in(elsewhere, service)

    r = here.post(service.url + "/inbox/wachtwoord", timeout=10, data={
        "csrf_token": csrf, "current_password": PASSWORD, "new_password": "nieuw-wachtwoord-123",
        "repeat_password": "nieuw-wachtwoord-123"})
    assert r.status_code == 200 and "Uw wachtwoord is gewijzigd" in r.text
    assert is_logged_in(here, service) and not is_logged_in(elsewhere, service)
    assert login_attempt(service, "collega", PASSWORD).status_code == 401
    assert login_attempt(service, "collega", "nieuw-wachtwoord-123").status_code in (302, 303)
    # guessing the current password from an open session is limited like a login
    csrf = csrf_of(here, service)
    change = {"csrf_token": csrf, "new_password": "geraden-wachtwoord-1", "repeat_password": "geraden-wachtwoord-1"}
    codes = [here.post(service.url + "/inbox/wachtwoord", data=dict(change, current_password=f"gok-{i}"),
                       timeout=10).status_code for i in range(5)]
    assert codes == [400] * 5
    r = here.post(service.url + "/inbox/wachtwoord", data=dict(change, current_password="nieuw-wachtwoord-123"),
                  timeout=10)
    assert r.status_code == 429 and "Te veel pogingen. Probeer het over 1 minuut opnieuw." in r.text
    assert login_attempt(service, "collega", "geraden-wachtwoord-1").status_code == 401  # nothing changed

    # a password set with the command line ends every session of that user
    assert service.cli("add-user", "collega", env={"INBOX_NEW_PASSWORD": "door-de-beheerder-gezet"}).returncode == 0
    assert not is_logged_in(here, service)


def test_idle_and_absolute_session_timeout(start_service):
    service = start_service()
    s, _ = logged_in(service)
    past = (datetime.now(timezone.utc) - timedelta(minutes=29)).replace(tzinfo=None)
    service.sql("UPDATE staff_sessions SET last_seen_at = :t", t=past)
    assert is_logged_in(s, service)  # 29 minutes idle: still fine, and the use counts
    (seen,), = service.sql("SELECT last_seen_at FROM staff_sessions")
    assert (datetime.fromisoformat(str(seen)) - past).total_seconds() > 60
    past = (datetime.now(timezone.utc) - timedelta(minutes=31)).replace(tzinfo=None)
    service.sql("UPDATE staff_sessions SET last_seen_at = :t", t=past)
    r = s.get(service.url + "/inbox", timeout=10, allow_redirects=False)
    assert r.status_code in (302, 303) and "/inbox/login" in r.headers["location"]
    assert service.sql("SELECT id FROM staff_sessions") == []  # gone, not just refused

    s, _ = logged_in(service)
    service.sql("UPDATE staff_sessions SET expires_at = :t",
        t=(datetime.now(timezone.utc) - timedelta(seconds=1)).replace(tzinfo=None))
    assert not is_logged_in(s, service)


# ------------------------------------------------------------ production mode


def production_env(**overrides):
    env = {"ZELFSCAN_ENV": "production", "HANDOFF_API_TOKEN": PRODUCTION_TOKEN,
           "HANDOFF_ERASURE_KEY": PRODUCTION_ERASURE_KEY}
    env.update(overrides)
    return env


def test_production_cookies_are_secure_with_hsts(start_service):
    service = start_service(extra_env=production_env())
    s = requests.Session()
    page = s.get(service.url + "/inbox/login", timeout=10)
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in page.headers["set-cookie"].lower()
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = requests.post(service.url + "/inbox/login", timeout=10, allow_redirects=False,
                      cookies={"zs_login_csrf": csrf},
                      data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": csrf, "next": "/inbox"})
    assert r.status_code in (302, 303)
    cookies = {c.name: c for c in r.cookies}
    assert cookies["zs_session"].secure and cookies["zs_device"].secure
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    assert r.headers["strict-transport-security"]
    assert requests.get(service.url + "/health", timeout=10).headers["strict-transport-security"]


def test_development_cookies_are_secure_only_when_asked(service, start_service):
    page = requests.get(service.url + "/inbox/login", timeout=10)
    assert "secure" not in page.headers["set-cookie"].lower() and "strict-transport-security" not in page.headers
    forced = start_service(extra_env={"HANDOFF_SECURE_COOKIES": "true"})
    page = requests.get(forced.url + "/inbox/login", timeout=10)
    assert "secure" in page.headers["set-cookie"].lower()


def port_is_open(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("name, value", [
    ("HANDOFF_API_TOKEN", None),
    ("HANDOFF_API_TOKEN", "dev-handoff-token-change-me"),
    ("HANDOFF_API_TOKEN", "kort-token-123"),
    ("HANDOFF_API_TOKEN", "test-machine-token-123"),  # 22 characters
    ("HANDOFF_ERASURE_KEY", None),
])
def test_production_refuses_to_start_with_a_weak_secret(tmp_path, name, value):
    env = {k: v for k, v in os.environ.items() if k not in ("HANDOFF_API_TOKEN", "HANDOFF_ERASURE_KEY")}
    env.update(production_env(), HANDOFF_DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}",
               ZELFSCAN_VAR_DIR=str(tmp_path / "var"), PYTHONWARNINGS="ignore")
    if value is None:
        del env[name]
    else:
        env[name] = value
    port = free_port()
    result = subprocess.run([sys.executable, "-m", "handoff", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if name in line]
    assert len(lines) == 1 and lines[0].startswith("ZELFSCAN_ENV=production: " + name), result.stderr
    assert "Traceback" not in result.stderr
    assert not port_is_open(port)
    assert not (tmp_path / "var" / "secrets").exists()  # nothing generated in production


def test_serve_binds_localhost_by_default(monkeypatch):
    import handoff.__main__ as cli

    seen = []
    monkeypatch.setattr(cli, "_run", lambda args: seen.append(args) or 0)
    monkeypatch.delenv("HANDOFF_HOST", raising=False)
    cli.main(["serve"])
    monkeypatch.setenv("HANDOFF_HOST", "0.0.0.0")  # opening it is an explicit choice
    cli.main(["serve"])
    assert [args.host for args in seen] == ["127.0.0.1", "0.0.0.0"]


# ------------------------------------------------------------------ file modes


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_file_and_folder_are_private(start_service, tmp_path):
    service = start_service(default_database=True)  # the default file under ZELFSCAN_VAR_DIR
    assert post_ticket(service, ticket_body()).status_code == 201
    var = service.var_dir
    assert mode(var) == 0o700
    database = var / "handoff.db"
    assert database.exists() and mode(database) == 0o600
    for extra in ("handoff.db-wal", "handoff.db-shm"):
        if (var / extra).exists():
            assert mode(var / extra) == 0o600, extra
    assert mode(var / "secrets") == 0o700 and mode(var / "secrets" / "HANDOFF_ERASURE_KEY") == 0o600

    # a database in a folder that does not exist yet: the folder is made 0700
    elsewhere = tmp_path / "nieuw" / "map"
    other = start_service(extra_env={"HANDOFF_DATABASE_URL": f"sqlite:///{elsewhere / 'h.db'}"})
    assert other.proc.poll() is None
    assert mode(elsewhere) == 0o700 and mode(elsewhere / "h.db") == 0o600
