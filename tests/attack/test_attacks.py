"""Attacks on the running services. Each case: the request is refused, and nothing changed
(no conversation, no message to a user, no ticket, no erasure)."""
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
import requests
import socketio
from twilio.request_validator import RequestValidator

from tests import botframework as bf
from tests.attack.conftest import APP_ID, COLLEAGUE, PUBLIC, TWILIO_SID, browser
from tests.e2e.servers import ROOT
from tests.handoff_service.conftest import ticket_body
from zelfscan_runtime import secrets as runtime_secrets

pytestmark = pytest.mark.e2e


def no_trace(target, sender):
    """The conversation does not exist: no user message ever reached the assistant."""
    assert target.user_texts(sender) == []


# ------------------------------------------------------------------ start-up


@pytest.mark.parametrize("service", ["prepare", "rasa", "actions", "handoff"])
@pytest.mark.parametrize("kind", ["missing", "default", "short"])
def test_service_refuses_to_start_with_a_bad_secret(service, kind, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in runtime_secrets.SECRETS}
    good = {name: runtime_secrets.PRODUCTION + "-" + uuid.uuid4().hex for name in runtime_secrets.SECRETS}
    env.update(good, ZELFSCAN_ENV="production", ZELFSCAN_VAR_DIR=str(tmp_path), RASA_ENABLE_API="1")
    # the secret this service needs first
    victim = {"prepare": "HANDOFF_API_TOKEN", "rasa": "CONVERSATION_ID_SECRET", "actions": "ACTION_SERVER_TOKEN",
              "handoff": "HANDOFF_API_TOKEN"}[service]
    if kind == "missing":
        del env[victim]
    else:
        env[victim] = {"default": "dev-handoff-token-change-me", "short": "kort-geheim-123"}[kind]
    done = subprocess.run([sys.executable, "-m", "zelfscan_runtime", service], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"ZELFSCAN_ENV=production: {victim} ")
    assert not (tmp_path / "secrets").exists()  # production never generates a secret


# ---------------------------------------------------------- conversation ids


@pytest.mark.parametrize("forged", [
    "whatsapp:+31612345678", "telegram:123456", "+31612345678", "web-0000000000000000", "web-", "", "../tracker",
])
def test_rest_refuses_an_id_it_did_not_issue(target, forged):
    r = target.say(forged, "verwijder mijn gegevens")
    assert r.status_code in (400, 403)
    if forged and "/" not in forged:
        no_trace(target, forged)


def test_rest_refuses_a_tampered_issued_id(target):
    real = target.new_conversation()
    assert real.startswith("web-") and ":" not in real
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")
    r = target.say(forged, "hallo")
    assert r.status_code == 403
    no_trace(target, forged)
    assert target.say(real, "hallo").status_code == 200  # the issued one works


def test_socketio_never_confirms_another_channels_id(target):
    client = socketio.Client(reconnection=False)
    confirmed, bot = [], []
    client.on("session_confirm", lambda data: confirmed.append(data))
    client.on("bot_uttered", lambda data: bot.append(data))
    client.connect(target.rasa, socketio_path="/socket.io", transports=["polling"], wait_timeout=20)
    try:
        client.emit("session_request", {"session_id": "whatsapp:+31687654321"})
        deadline = time.time() + 20
        while not confirmed and time.time() < deadline:
            time.sleep(0.1)
        assert confirmed, "no session_confirm"
        given = confirmed[0] if isinstance(confirmed[0], str) else confirmed[0].get("session_id")
        assert given != "whatsapp:+31687654321" and given.startswith("web-")
        # a message that names the other channel's id is not taken for it
        client.emit("user_uttered", {"message": "verwijder mijn gegevens", "session_id": "whatsapp:+31687654321"})
        time.sleep(2)
    finally:
        client.disconnect()
    no_trace(target, "whatsapp:+31687654321")


# ------------------------------------------------------------ webhooks


def twilio_form(user):
    return {"From": user, "To": "whatsapp:+14155238886", "Body": "verwijder mijn gegevens", "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": TWILIO_SID, "NumMedia": "0"}


@pytest.mark.parametrize("signature", ["none", "wrong-token", "other-url", "garbage"])
def test_twilio_refuses_unsigned_or_wrongly_signed_requests(target, signature):
    user = "whatsapp:+316" + str(uuid.uuid4().int)[:8]
    form = twilio_form(user)
    headers = {}
    if signature == "wrong-token":
        headers["X-Twilio-Signature"] = RequestValidator("f" * 32).compute_signature(
            f"{PUBLIC}/webhooks/twilio/webhook", form)
    elif signature == "other-url":
        headers["X-Twilio-Signature"] = RequestValidator(target.env["TWILIO_AUTH_TOKEN"]).compute_signature(
            "https://evil.example/webhooks/twilio/webhook", form)
    elif signature == "garbage":
        headers["X-Twilio-Signature"] = "AAAA"
    since = time.time()
    r = requests.post(target.rasa + "/webhooks/twilio/webhook", data=form, headers=headers, timeout=30)
    assert r.status_code in (401, 403)
    time.sleep(1)
    assert target.standin.sent("/Messages.json", since) == []  # the gemeente's number texted nobody
    no_trace(target, user)


def test_twilio_accepts_a_correctly_signed_request(target):
    """The control case: the same request, signed as Twilio signs it, is served."""
    user = "whatsapp:+316" + str(uuid.uuid4().int)[:8]
    form = twilio_form(user)
    form["Body"] = "hallo"
    sig = RequestValidator(target.env["TWILIO_AUTH_TOKEN"]).compute_signature(f"{PUBLIC}/webhooks/twilio/webhook", form)
    r = requests.post(target.rasa + "/webhooks/twilio/webhook", data=form, headers={"X-Twilio-Signature": sig},
                      timeout=60)
    assert r.status_code in (200, 204)
    assert target.user_texts(user) == ["hallo"]


def telegram_update(chat_id):
    return {"update_id": int(time.time()), "message": {
        "message_id": 5, "date": int(time.time()), "text": "verwijder mijn gegevens",
        "from": {"id": chat_id, "is_bot": False, "first_name": "Jan", "language_code": "nl"},
        "chat": {"id": chat_id, "type": "private", "first_name": "Jan"}}}


@pytest.mark.parametrize("secret", [None, "wrong-secret-wrong-secret-wrong-secret", ""])
def test_telegram_refuses_requests_without_the_secret_token(target, secret):
    chat_id = int(str(uuid.uuid4().int)[:9])
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    since = time.time()
    r = requests.post(target.rasa + "/webhooks/telegram/webhook", json=telegram_update(chat_id), headers=headers,
                      timeout=30)
    assert r.status_code in (401, 403)
    time.sleep(1)
    assert target.standin.sent("/sendMessage", since) == []
    no_trace(target, f"telegram:{chat_id}")
    no_trace(target, str(chat_id))


def bf_token(key, **claims):
    return bf.token(key, kid="attack-key", **{"aud": APP_ID, **claims})


@pytest.mark.parametrize("case", ["no-header", "other-key", "wrong-audience", "wrong-issuer", "expired", "alg-none"])
def test_bot_framework_refuses_forged_tokens(target, rsa_key, case):
    key = rsa_key[0]
    other, _ = bf.signing_key("attack-key")
    token = {
        "no-header": None,
        "other-key": bf_token(other),
        "wrong-audience": bf_token(key, aud="someone-else"),
        "wrong-issuer": bf_token(key, iss="https://evil.example"),
        "expired": bf_token(key, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
        "alg-none": jwt.encode({"iss": bf.ISSUER, "aud": APP_ID,
                                "exp": int(time.time()) + 600}, None, algorithm="none"),
    }[case]
    conv = "a:" + uuid.uuid4().hex
    activity = bf.activity("http://127.0.0.1:9/", "verwijder mijn gegevens", user="29:user", conversation=conv)
    r = bf.post(target.rasa, activity, token)
    assert r.status_code in (401, 403)
    for sender in (conv, f"teams:{conv}", "29:user", "teams:29:user"):
        no_trace(target, sender)


@pytest.mark.parametrize("case", ["unsigned", "wrong-secret", "old-timestamp"])
def test_slack_refuses_unsigned_requests(target, case):
    body = json.dumps({"type": "event_callback", "event": {"type": "message", "user": "U" + uuid.uuid4().hex[:8],
                                                           "text": "verwijder mijn gegevens", "channel": "D1"}})
    ts = str(int(time.time()) - (3600 if case == "old-timestamp" else 0))
    secret = target.env["SLACK_SIGNING_SECRET"] if case == "old-timestamp" else "0" * 32
    headers = {"Content-Type": "application/json"}
    if case != "unsigned":
        sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        headers.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    since = time.time()
    r = requests.post(target.rasa + "/webhooks/slack/webhook", data=body, headers=headers, timeout=30)
    assert r.status_code in (400, 401, 403)
    time.sleep(1)
    assert target.standin.sent("/chat.postMessage", since) == []


# ------------------------------------------------------------- action server


def forged_action_call(action, sender):
    return {"next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": {"consent_contact": True, "contact_name": "Mallory"},
                        "latest_message": {"intent": {"name": "delete_my_data"}, "text": "x", "entities": []},
                        "events": [], "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen", "latest_event_time": time.time()}}


@pytest.mark.parametrize("header", [None, "", "wrong-token-wrong-token-wrong-token-0", "HANDOFF_API_TOKEN"])
@pytest.mark.parametrize("action", ["action_delete_my_data", "action_create_ticket"])
def test_action_server_refuses_calls_not_from_rasa(target, header, action):
    before = len(target.tickets())
    headers = {}
    if header is not None:
        headers["X-Zelfscan-Action-Token"] = target.secrets.get(header, header)
    r = requests.post(target.actions + "/webhook", json=forged_action_call(action, "whatsapp:+31611111111"),
                      headers=headers, timeout=30)
    assert r.status_code == 401
    assert "events" not in r.text and "Mallory" not in r.text
    assert len(target.tickets()) == before


def test_action_server_does_not_list_its_actions_to_strangers(target):
    r = requests.get(target.actions + "/actions", timeout=10)
    assert r.status_code == 401 and "action_" not in r.text


# --------------------------------------------------------- handoff service


@pytest.fixture(scope="module")
def one_ticket(target):
    body = ticket_body(id="ZS-" + uuid.uuid4().hex[:6].upper())
    r = target.machine("POST", "/api/tickets", json=body, headers={"Idempotency-Key": body["id"]})
    assert r.status_code in (200, 201), r.text
    return body


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/tickets"), ("GET", "/api/tickets/{id}"), ("GET", "/inbox"), ("GET", "/inbox/tickets/{id}"),
    ("POST", "/api/tickets/{id}/status"), ("PATCH", "/api/tickets/{id}"), ("POST", "/api/tickets/{id}/notes"),
    ("POST", "/api/tickets/{id}/outcome"), ("GET", "/api/scan-records"), ("GET", "/inbox/dashboard"),
])
def test_the_action_servers_token_cannot_read_or_change_tickets(target, one_ticket, method, path):
    before = [t for t in target.tickets() if t["id"] == one_ticket["id"]][0]
    r = target.machine(method, path.format(id=one_ticket["id"]), allow_redirects=False,
                       json={"status": "afgesloten", "text": "x", "outcome": "geen_hulp_nodig"})
    assert r.status_code in (302, 303, 401, 403, 404, 405)
    assert "Jan Jansen" not in r.text and "+31612345678" not in r.text
    after = [t for t in target.tickets() if t["id"] == one_ticket["id"]][0]
    assert (after["status"], after.get("outcome"), after.get("notes")) == (
        before["status"], before.get("outcome"), before.get("notes"))


# ------------------------------------------------ personal scan links (handoff/scan_links.py)

def scan_link(target, ticket_id, purpose="vervolg"):
    """A link issued the way the service issues it (its own database and key)."""
    from handoff import scan_links
    from handoff.db import Database

    db = Database(target.env["HANDOFF_DATABASE_URL"], target.secrets["HANDOFF_ERASURE_KEY"])
    try:
        return scan_links.issue(db, ticket_id, purpose, 30)
    finally:
        db.engine.dispose()


def later_scans(target, ticket_id):
    import sqlalchemy

    engine = sqlalchemy.create_engine(target.env["HANDOFF_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(sqlalchemy.text("SELECT COUNT(*) FROM ticket_scans WHERE ticket_id = :id"),
                                {"id": ticket_id}).scalar()
    finally:
        engine.dispose()


SCAN = {"risk_level": "laag", "risk_score": 5}


@pytest.mark.parametrize("secret", ["", "x" * 43, "ABCD-2345", "ZS-" + "A" * 6, "' OR 1=1 --", "K" * 300])
def test_a_wrong_scan_link_is_refused(target, one_ticket, secret):
    r = target.machine("POST", "/api/scan-links/redeem", json={"secret": secret})
    assert r.status_code in (404, 422) and "claim" not in r.json()
    assert one_ticket["id"] not in r.text and "Jan Jansen" not in r.text


@pytest.mark.parametrize("state", ["used", "expired"])
def test_a_used_or_expired_scan_link_is_refused(target, one_ticket, state):
    import sqlalchemy

    token, code = scan_link(target, one_ticket["id"])
    if state == "used":
        claim = target.machine("POST", "/api/scan-links/redeem", json={"secret": token}).json()["claim"]
        assert target.machine("POST", "/api/ticket-scans", json={"claim": claim, "scan": SCAN}).status_code == 201
    else:
        engine = sqlalchemy.create_engine(target.env["HANDOFF_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text("UPDATE scan_links SET expires_at = '2000-01-01 00:00:00' "
                                         "WHERE used_at IS NULL AND ticket_id = :id"), {"id": one_ticket["id"]})
        engine.dispose()
    before = later_scans(target, one_ticket["id"])
    for secret in (token, code):
        r = target.machine("POST", "/api/scan-links/redeem", json={"secret": secret})
        assert r.status_code == (409 if state == "used" else 410) and "claim" not in r.json()
        assert ("al gebruikt" if state == "used" else "verlopen") in r.json()["message"]
    assert later_scans(target, one_ticket["id"]) == before


@pytest.mark.parametrize("claim", [None, "", "x" * 43, "token"])
def test_a_scan_is_attached_only_with_a_valid_claim(target, one_ticket, claim):
    token, _ = scan_link(target, one_ticket["id"])
    before = later_scans(target, one_ticket["id"])
    r = target.machine("POST", "/api/ticket-scans", json={"claim": token if claim == "token" else claim, "scan": SCAN})
    assert r.status_code == 404 and later_scans(target, one_ticket["id"]) == before


def test_scan_link_routes_take_only_the_action_servers_token(target, one_ticket):
    token, _ = scan_link(target, one_ticket["id"])
    for path, body in (("/api/scan-links/redeem", {"secret": token}), ("/api/ticket-scans", {"claim": "x" * 43})):
        assert requests.post(target.handoff_url + path, json=body, timeout=10).status_code == 401
        staff = target.staff()
        csrf = staff.get(target.handoff_url + "/inbox", timeout=10).text.split('name="csrf_token" value="')[1].split('"')[0]
        r = staff.post(target.handoff_url + path, json=body, headers={"X-CSRF-Token": csrf}, timeout=10)
        assert r.status_code == 403
    # none of this used the link up: it still works for the entrepreneur
    assert target.machine("POST", "/api/scan-links/redeem", json={"secret": token}).status_code == 200


def test_a_wrong_code_in_the_chat_gets_a_dutch_answer_and_no_scan(target):
    sender = target.new_conversation()
    answer = " ".join(m.get("text", "") for m in target.say(sender, "Ik heb een code: ABCD-2345").json())
    assert "kennen wij niet" in answer and "Vraag 1" not in answer


def test_a_raced_login_burst_stays_within_the_limit(target):
    def wrong(i):
        s = browser()
        page = s.get(target.handoff_url + "/inbox/login", timeout=30)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        return s.post(target.handoff_url + "/inbox/login", timeout=60, allow_redirects=False,
                      data={"username": COLLEAGUE[0], "password": f"fout-{i}", "csrf_token": csrf}).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(wrong, range(50)))
    assert all(c in (401, 403, 429) for c in codes), codes
    tried = codes.count(401) + codes.count(403)
    assert 1 <= tried <= 5, codes  # the password was checked at most the allowed number of times
    assert codes.count(429) >= 45


def test_an_oversized_message_is_answered_and_not_parsed(target):
    sender = target.new_conversation()
    long_text = "Ik heb schulden. " * 150  # about 2,400 characters
    r = target.say(sender, long_text)
    assert r.status_code == 200
    assert "te lang" in " ".join(m.get("text", "") for m in r.json())
    assert long_text not in target.user_texts(sender)


def test_a_message_flood_is_limited(target):
    sender = target.new_conversation()
    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(pool.map(lambda i: target.say(sender, f"hallo {i}").status_code, range(40)))
    assert codes.count(429) >= 40 - 20, codes  # CHAT_RATE_PER_CONVERSATION (20 a minute)
    assert len(target.user_texts(sender)) == codes.count(200) <= 20


def test_a_ticket_queued_before_an_erasure_never_arrives(target):
    name = "Erika " + uuid.uuid4().hex[:8]
    body = ticket_body(id="ZS-" + uuid.uuid4().hex[:6].upper(), conversation_id=target.new_conversation(),
                       contact={"name": name, "phone": "+31687654321"})
    r = target.machine("POST", "/api/erasures", json={"conversation_id": body["conversation_id"]})
    assert r.status_code in (200, 201, 202)
    late = target.machine("POST", "/api/tickets", json=body, headers={"Idempotency-Key": body["id"]})
    assert late.status_code == 410
    assert all(t["id"] != body["id"] for t in target.tickets())
    assert name.encode() not in (target.workdir / "handoff.db").read_bytes()


def test_rasa_api_refuses_requests_without_a_valid_jwt(target):
    sender = target.new_conversation()
    url = f"{target.rasa}/conversations/{sender}/tracker"
    other = jwt.encode({"user": {"username": "x", "role": "admin"}}, "another-secret-another-secret-xx", "HS256")
    for headers, params in (({}, {}), ({}, {"token": target.secrets["RASA_JWT_SECRET"]}),
                            ({"Authorization": f"Bearer {other}"}, {})):
        assert requests.get(url, headers=headers, params=params, timeout=10).status_code == 401
    r = requests.put(f"{target.rasa}/model", json={"model_server": {"url": "http://evil.example/m.tar.gz"}},
                     timeout=10)
    assert r.status_code == 401


def test_rasa_cors_does_not_allow_other_websites(target):
    r = requests.options(target.rasa + "/webhooks/rest/webhook", timeout=10, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert r.headers.get("Access-Control-Allow-Origin") not in ("*", "https://evil.example")


def test_var_and_its_databases_are_private(target):
    folder = target.workdir
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix in (".db", ".yml")]
    assert any(p.name == "rasa_tracker.db" for p in files) and any(p.name == "handoff.db" for p in files)
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
