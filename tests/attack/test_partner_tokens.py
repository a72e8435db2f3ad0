"""Attacks with and on partner tokens (handoff/signals.py): a partner token may only send
a signal (POST /api/signals). Each case: the request is refused and nothing changed (no
ticket, no scan link, no signal stored)."""
import hashlib
import secrets
import subprocess
import sys
import uuid

import pytest
import requests

from tests.e2e.servers import ROOT
from tests.handoff_service.conftest import ticket_body

pytestmark = pytest.mark.e2e


def signal(name=None, **overrides):
    body = {"signaller": {"name": "Anna Jansen", "phone": "010-1234567"},
            "entrepreneur": {"name": name or f"Bea {uuid.uuid4().hex[:8]}"},
            "seen": ["huurachterstand"], "legal_ground": "wgs_vroegsignalering"}
    body.update(overrides)
    return body


def cli(target, *args):
    done = subprocess.run([sys.executable, "-m", "handoff", *args], cwd=ROOT, env=target.env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout


def new_token(target, organisation):
    out = cli(target, "partner-token", "create", organisation)
    token = [line for line in out.splitlines() if line.startswith("zsp_")][0]
    return out.split()[1], token


def send(target, token, body, **headers):
    return requests.post(target.handoff_url + "/api/signals", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {token}", **headers})


def count(target, table):
    import sqlalchemy
    engine = sqlalchemy.create_engine(f"sqlite:///{target.workdir / 'handoff.db'}")
    try:
        with engine.connect() as conn:
            return conn.execute(sqlalchemy.text(f"SELECT COUNT(*) FROM {table}")).scalar()
    finally:
        engine.dispose()


def in_database(target, text):
    blob = b""
    for suffix in ("", "-wal"):
        path = target.workdir / ("handoff.db" + suffix)
        if path.exists():
            blob += path.read_bytes()
    return text.encode() in blob


@pytest.fixture(scope="module")
def partner(target):
    organisation = f"Woningcorporatie {uuid.uuid4().hex[:6]}"
    _, token = new_token(target, organisation)
    made = send(target, token, signal())
    assert made.status_code == 201, made.text
    return organisation, token, made.json()["id"]


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/tickets"), ("GET", "/api/tickets/{id}"), ("POST", "/api/tickets"), ("POST", "/api/erasures"),
    ("POST", "/api/scan-records"), ("POST", "/api/scan-links/redeem"), ("POST", "/api/ticket-scans"),
    ("POST", "/api/tickets/{id}/status"), ("POST", "/api/tickets/{id}/outcome"), ("GET", "/api/signals"),
    ("GET", "/inbox"), ("GET", "/inbox/tickets/{id}"), ("POST", "/inbox/signalen"),
    ("POST", "/inbox/tickets/{id}/uitnodiging-brief"), ("POST", "/inbox/tickets/{id}/uitnodiging-email"),
    ("GET", "/inbox/dashboard.csv?tabel=herkomst"),
])
def test_a_partner_token_reaches_nothing_but_signals(target, partner, method, path):
    _, token, reference = partner
    before = [t for t in target.tickets() if t["id"] == reference][0]
    tickets, links = count(target, "tickets"), count(target, "scan_links")
    body = ticket_body() if path == "/api/tickets" else {
        "status": "afgesloten", "outcome": "geen_hulp_nodig", "conversation_id": "x", "secret": "ABCD-2345",
        "claim": "x" * 40, "scan": {"risk_level": "laag", "risk_score": 1}, "id": "x" * 20, "channel": "rest",
        "stopped_at": "klaar", "contact_asked": False}
    r = requests.request(method, target.handoff_url + path.format(id=reference), json=body, timeout=10,
                         allow_redirects=False,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code in (302, 303, 401, 403, 404, 405), (r.status_code, r.text[:200])
    if r.status_code in (302, 303):
        assert "/inbox/login" in r.headers["location"]
    assert before["contact"]["name"] not in r.text
    assert (count(target, "tickets"), count(target, "scan_links")) == (tickets, links)
    after = [t for t in target.tickets() if t["id"] == reference][0]
    assert (after["status"], after["outcome"], after["invited_at"]) == (
        before["status"], before["outcome"], before["invited_at"])


@pytest.mark.parametrize("forged", ["hash", "one-character-off", "random", "prefix-only", "action-token",
                                    "no-prefix"])
def test_a_forged_partner_token_sends_no_signal(target, partner, forged):
    _, token, _ = partner
    value = {
        "hash": hashlib.sha256(token.encode()).hexdigest(),  # what a copy of the database holds
        "one-character-off": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "random": "zsp_" + secrets.token_urlsafe(32),
        "prefix-only": "zsp_",
        "action-token": target.secrets["HANDOFF_API_TOKEN"],
        "no-prefix": token[4:],
    }[forged]
    name = f"Vals {uuid.uuid4().hex[:8]}"
    before = count(target, "tickets")
    r = send(target, value, signal(name))
    assert r.status_code in (401, 403)
    assert count(target, "tickets") == before and not in_database(target, name)


def test_a_revoked_partner_token_sends_no_signal(target):
    token_id, token = new_token(target, f"Bank {uuid.uuid4().hex[:6]}")
    assert send(target, token, signal()).status_code == 201
    cli(target, "partner-token", "revoke", token_id)
    name = f"Na intrekken {uuid.uuid4().hex[:8]}"
    before = count(target, "tickets")
    assert send(target, token, signal(name)).status_code == 401
    assert count(target, "tickets") == before and not in_database(target, name)


@pytest.mark.parametrize("change, code", [
    ({"legal_ground": None}, "no_basis"),
    ({"legal_ground": "'; DROP TABLE tickets; --"}, "unknown_legal_ground"),
    ({"legal_ground": None, "consent": "true"}, "no_basis"),
    ({"explanation": "x" * 5000}, "too_long"),
    ({"entrepreneur": {"name": "x" * 500}}, "too_long"),
    ({"ticket": {"risk_level": "hoog"}}, "invalid"),
])
def test_a_signal_that_may_not_be_stored_leaves_nothing(target, partner, change, code):
    _, token, _ = partner
    body = signal()
    name = body["entrepreneur"]["name"]
    body.update(change)
    before = count(target, "tickets"), count(target, "audit_log")
    r = send(target, token, body)
    assert r.status_code == 422 and code in [p["code"] for p in r.json()["problems"]]
    assert (count(target, "tickets"), count(target, "audit_log")) == before
    assert not in_database(target, name)


def test_a_partner_cannot_sign_as_another_organisation(target, partner):
    organisation, token, _ = partner
    body = signal(signaller={"organisation": "Gemeente Voorbeeldstad", "name": "Mallory", "phone": "0101234567"})
    r = send(target, token, body)
    assert r.status_code == 201 and r.json()["source"] == organisation
    stored = [t for t in target.tickets() if t["id"] == r.json()["id"]][0]
    assert stored["source"] == organisation and stored["signal"]["organisation"] == organisation


def test_another_partners_idempotency_key_does_not_reveal_its_signal(target, partner):
    _, token, _ = partner
    key = uuid.uuid4().hex
    first = send(target, token, signal(), **{"Idempotency-Key": key})
    assert first.status_code == 201
    _, other = new_token(target, f"Adviseur {uuid.uuid4().hex[:6]}")
    second = send(target, other, signal(), **{"Idempotency-Key": key})
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]


def test_the_signal_form_needs_a_session_and_its_csrf_token(target):
    before = count(target, "tickets")
    name = f"Formulier {uuid.uuid4().hex[:8]}"
    form = {"organisation": "Bank (zakelijk)", "contact_name": "Mallory", "contact_phone": "0612345678",
            "entrepreneur_name": name, "seen": "bank", "basis": "toestemming"}
    anonymous = requests.post(target.handoff_url + "/inbox/signalen", data=form, timeout=10, allow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/inbox/login" in anonymous.headers["location"]
    staff = target.staff()
    no_csrf = staff.post(target.handoff_url + "/inbox/signalen", data=form, timeout=10, allow_redirects=False)
    assert no_csrf.status_code == 403
    assert count(target, "tickets") == before and not in_database(target, name)
