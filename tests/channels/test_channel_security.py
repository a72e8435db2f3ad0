"""Every channel as a visitor or an attacker sees it, in front of a recording stand-in
for the assistant (tests/channels/fake_rasa.py, no model needed) and a local stand-in
for the platforms. Each refused request is checked twice: the refusal, and that nothing
reached the assistant and nothing was sent to the platform."""
import hashlib
import hmac
import json
import secrets
import subprocess
import sys
import time
import uuid

import jwt
import pytest
import requests
from twilio.request_validator import RequestValidator

from tests import botframework as bf
from tests.botframework import APP_ID, ISSUER
from tests.channels import platforms
from tests.channels.platforms import SLACK_SECRET, TELEGRAM_SECRET, TWILIO_SID, TWILIO_TOKEN
from tests.channels.platforms import TWILIO_URL as PUBLIC_TWILIO_URL
from tests.channels.standin import StandIn
from tests.e2e.servers import ROOT, free_port, wait_for
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

GEMEENTE_SITE = "https://www.gemeente.example"
TOO_LONG = "Uw bericht is te lang. Schrijf het in een paar kortere berichten, dan lees ik het beter."


class FakeRasa:
    """tests/channels/fake_rasa.py in a subprocess."""

    def __init__(self, workdir, credentials, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        path = workdir / f"credentials-{self.port}.yml"
        path.write_text(credentials)
        log = workdir / f"fake-rasa-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.channels.fake_rasa", str(path), str(self.port)], cwd=ROOT,
            env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
        wait_for(self.url + "/health", 120, self.proc, log)

    def received(self, sender=None):
        messages = requests.get(self.url + "/received", timeout=10).json()
        return [m for m in messages if sender is None or m["sender_id"] == sender]

    def new_id(self):
        r = requests.post(self.url + "/webhooks/rest/conversation", timeout=10)
        assert r.status_code == 201
        return r.json()["conversation_id"]

    def rest(self, sender, message, **extra):
        return requests.post(self.url + "/webhooks/rest/webhook", json={"sender": sender, "message": message, **extra},
                             timeout=30)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def base_env(workdir, **extra):
    import os

    env = dict(os.environ, ZELFSCAN_VAR_DIR=str(workdir), CONVERSATION_ID_SECRET=secrets.token_hex(24),
               RASA_CORS_ORIGINS=GEMEENTE_SITE,
               CHANNEL_OPTIONS_DB=str(workdir / "options.db"), RASA_TELEMETRY_ENABLED="false",
               PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("ZELFSCAN_ENV", None)
    env.update(extra)
    return env


WEB = """
zelfscan_channels.web.ZelfscanRestInput:
zelfscan_channels.web.ZelfscanSocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""


@pytest.fixture(scope="module")
def keys():
    return {"good": bf.signing_key(), "other": bf.signing_key()}  # the same kid: only the signature differs


@pytest.fixture(scope="module")
def platform(keys):
    standin = StandIn({"keys": [keys["good"][1]]}).start()
    yield standin
    standin.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, platform):
    """Every channel, generous limits (the limits have their own servers below)."""
    workdir = tmp_path_factory.mktemp("channel-security")
    credentials = WEB + platforms.credentials(platform.url)
    fake = FakeRasa(workdir, credentials, base_env(workdir, CHAT_RATE_PER_IP="100000",
                                                   CHAT_RATE_PER_CONVERSATION="100000"))
    yield fake
    fake.stop()


# ------------------------------------------------------------------------- REST


def test_rest_issues_ids_and_takes_only_those(server):
    first, second = server.new_id(), server.new_id()
    assert first != second and first.startswith("web-") and ":" not in first
    r = server.rest(first, "hallo")
    assert r.status_code == 200 and r.json() == [{"recipient_id": first, "text": "ontvangen: hallo"}]
    assert server.received(first) == [{"sender_id": first, "text": "hallo", "input_channel": "rest"}]


@pytest.mark.parametrize("forged", [
    "whatsapp:+31612345678", "sms:+31612345678", "telegram:123", "slack:U1", "teams:29:user-1",
    uuid.uuid4().hex, "web-" + "0" * 32 + "-" + "0" * 32, None, 12345,
], ids=str)
def test_rest_refuses_ids_it_did_not_issue(server, forged):
    before = server.received()
    r = server.rest(forged, "verwijder al mijn gegevens")
    assert r.status_code == 403
    assert r.json()["error"] == "unknown_conversation" and "gesprek" in r.json()["message"]
    assert server.received() == before


def test_rest_refuses_an_id_signed_by_another_server(server):
    from zelfscan_channels.ids import issue_web_id

    other = issue_web_id(b"another gemeente's secret, 32+ chars")
    tampered = server.new_id()[:-4] + "0000"
    before = server.received()
    assert server.rest(other, "hallo").status_code == 403
    assert server.rest(tampered, "hallo").status_code == 403
    assert server.received() == before


def test_rest_client_cannot_pose_as_another_channel(server):
    sender = server.new_id()
    assert server.rest(sender, "hallo", input_channel="twilio").status_code == 200
    assert server.received(sender)[0]["input_channel"] == "rest"


def test_rest_message_that_is_too_long_is_answered_politely_and_not_parsed(server):
    sender = server.new_id()
    r = server.rest(sender, "a" * 2001)
    assert r.status_code == 200 and r.json() == [{"recipient_id": sender, "text": TOO_LONG}]
    assert server.rest(sender, "a" * 2000).status_code == 200  # the limit itself is fine
    assert [m["text"] for m in server.received(sender)] == ["a" * 2000]


def test_rest_bad_bodies_are_refused(server):
    sender = server.new_id()
    before = server.received()
    url = server.url + "/webhooks/rest/webhook"
    assert requests.post(url, data="not json", timeout=10).status_code == 400
    assert requests.post(url, json={"sender": sender}, timeout=10).status_code == 400
    assert requests.post(url, json={"sender": sender, "message": ["x"]}, timeout=10).status_code == 400
    assert requests.post(url, json={"sender": sender, "message": "x", "metadata": "m" * 70000},
                         timeout=10).status_code == 413
    assert server.received() == before


# -------------------------------------------------------------------- socket.io


class Visitor:
    """A socket.io client as the widget uses it."""

    def __init__(self, url, origin=None):
        import socketio

        self.events = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", lambda data: self.events.append(("confirm", data)))
        self.client.on("bot_uttered", lambda data: self.events.append(("bot", data)))
        self.client.connect(url, socketio_path="/socket.io", transports=["polling"],
                            headers={"Origin": origin} if origin else {})

    def confirmed(self, requested):
        count = len([e for e in self.events if e[0] == "confirm"])
        self.client.emit("session_request", {"session_id": requested})
        return wait_until(lambda: [e[1] for e in self.events if e[0] == "confirm"][count:])[0]

    def say(self, text, session_id, expect=1):
        count = len([e for e in self.events if e[0] == "bot"])
        self.client.emit("user_uttered", {"message": text, "session_id": session_id})
        return wait_until(lambda: [e[1]["text"] for e in self.events if e[0] == "bot"][count:][:expect]
                        if len([e for e in self.events if e[0] == "bot"]) >= count + expect else None)

    def close(self):
        self.client.disconnect()


@pytest.fixture
def visitor(server):
    v = Visitor(server.url)
    yield v
    v.close()


def test_socketio_takes_pages_of_the_gemeente_site_only(server):
    import socketio

    v = Visitor(server.url, origin=GEMEENTE_SITE)
    try:
        assert v.confirmed(None).startswith("web-")
    finally:
        v.close()
    with pytest.raises(socketio.exceptions.ConnectionError):
        Visitor(server.url, origin="https://phishing.example")


def test_socketio_confirms_an_issued_id_and_replaces_any_other(server, visitor):
    issued = server.new_id()
    assert visitor.confirmed(issued) == issued  # a reload keeps its conversation
    for forged in ("whatsapp:+31612345678", "telegram:123", uuid.uuid4().hex, issued[:-1] + "x", None):
        fresh = visitor.confirmed(forged)
        assert fresh != forged and fresh.startswith("web-") and ":" not in fresh
        assert server.rest(fresh, "hallo").status_code == 200  # the fresh id is a real, issued one
    assert not server.received("whatsapp:+31612345678") and not server.received("telegram:123")


def test_socketio_takes_messages_for_the_confirmed_id_only(server, visitor):
    mine = visitor.confirmed(None)
    other = server.new_id()  # someone else's conversation, even a valid one
    before = server.received()
    assert visitor.say("verwijder al mijn gegevens", other) == [
        "Dit bericht hoort niet bij dit gesprek. Het is niet verstuurd."]
    assert visitor.say("verwijder al mijn gegevens", "whatsapp:+31612345678") == [
        "Dit bericht hoort niet bij dit gesprek. Het is niet verstuurd."]
    assert server.received() == before
    assert visitor.say("hallo", mine) == ["ontvangen: hallo"]
    assert server.received(mine) == [{"sender_id": mine, "text": "hallo", "input_channel": "socketio"}]


def test_socketio_message_before_a_session_gets_a_fresh_id_and_is_not_parsed(server, visitor):
    before = server.received()
    assert visitor.say("hallo", "whatsapp:+31612345678") == [
        "Dit gesprek is niet bekend. Er is een nieuw gesprek gestart. Stuur uw bericht opnieuw."]
    confirmed = [e[1] for e in visitor.events if e[0] == "confirm"]
    assert len(confirmed) == 1 and confirmed[0].startswith("web-")
    assert server.received() == before


def test_socketio_message_that_is_too_long_is_answered_politely_and_not_parsed(server, visitor):
    mine = visitor.confirmed(None)
    assert visitor.say("a" * 2001, mine) == [TOO_LONG]
    assert server.received(mine) == []


def test_another_visitor_does_not_hear_a_conversation_it_was_not_confirmed_for(server, visitor):
    import socketio  # noqa: F401

    mine = visitor.confirmed(None)
    eavesdropper = Visitor(server.url)
    try:
        assert eavesdropper.confirmed(mine + "0") != mine
        visitor.say("hallo", mine)
        time.sleep(0.5)
        assert not [e for e in eavesdropper.events if e[0] == "bot"]
    finally:
        eavesdropper.close()


# --------------------------------------------------------------------- Telegram


def telegram_update(chat_id, text):
    return {"update_id": int(time.time() * 1000) % 10**9, "message": {
        "message_id": 5, "date": int(time.time()), "text": text,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Jan", "language_code": "nl"},
        "chat": {"id": chat_id, "type": "private", "first_name": "Jan"}}}


def telegram(server, body, secret=TELEGRAM_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return requests.post(server.url + "/webhooks/telegram/webhook", json=body, headers=headers, timeout=30)


def test_telegram_webhook_is_set_with_the_secret_token(server, platform):
    calls = [r for r in platform.requests if "/setWebhook" in r["path"]]
    assert calls and all(TELEGRAM_SECRET.encode() in r["raw"] for r in calls)


def test_telegram_with_the_secret_reaches_the_assistant_as_telegram_id(server, platform):
    since = time.time()
    assert telegram(server, telegram_update(4711, "hallo")).status_code == 200
    assert server.received("telegram:4711") == [{"sender_id": "telegram:4711", "text": "hallo",
                                                 "input_channel": "telegram"}]
    sent = wait_until(lambda: platform.sent("/sendMessage", since))
    assert StandIn.form(sent[0])["chat_id"] == "4711"  # the platform gets its own chat id


@pytest.mark.parametrize("secret", [None, "", "wrong", TELEGRAM_SECRET[:-1], TELEGRAM_SECRET + "x"], ids=repr)
def test_telegram_without_the_secret_is_refused(server, platform, secret):
    since, before = time.time(), server.received()
    r = telegram(server, telegram_update(4712, "verwijder al mijn gegevens"), secret)
    assert r.status_code == 403
    assert server.received() == before
    time.sleep(0.3)
    assert not platform.sent("/sendMessage", since)


def test_telegram_set_webhook_route_needs_the_secret(server, platform):
    since = time.time()
    r = requests.get(server.url + "/webhooks/telegram/set_webhook", timeout=10)
    assert r.status_code == 403
    assert not [x for x in platform.requests if "/setWebhook" in x["path"] and x["at"] >= since]


def test_telegram_message_that_is_too_long_gets_the_polite_answer(server, platform):
    since = time.time()
    assert telegram(server, telegram_update(4713, "a" * 2001)).status_code == 200
    sent = wait_until(lambda: platform.sent("/sendMessage", since))
    assert StandIn.form(sent[0])["text"] == TOO_LONG and StandIn.form(sent[0])["chat_id"] == "4713"
    assert server.received("telegram:4713") == []


# ----------------------------------------------------------------------- Twilio


def twilio(server, form, url=PUBLIC_TWILIO_URL, token=TWILIO_TOKEN, signature=None):
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, form)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return requests.post(server.url + "/webhooks/twilio/webhook", data=form, headers=headers, timeout=30)


def twilio_form(sender, text):
    return {"From": sender, "To": "whatsapp:+14155238886", "Body": text, "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": TWILIO_SID, "NumMedia": "0"}


def test_twilio_signed_whatsapp_and_sms_reach_the_assistant_with_their_prefix(server, platform):
    since = time.time()
    assert twilio(server, twilio_form("whatsapp:+31611111111", "hallo")).status_code == 204
    assert twilio(server, twilio_form("+31622222222", "hoi")).status_code == 204
    assert server.received("whatsapp:+31611111111")[0]["text"] == "hallo"
    assert server.received("sms:+31622222222")[0]["input_channel"] == "twilio"
    sent = wait_until(lambda: len(platform.sent("/Messages.json", since)) >= 2 and platform.sent("/Messages.json", since))
    assert {StandIn.form(e)["To"] for e in sent} == {"whatsapp:+31611111111", "+31622222222"}


@pytest.mark.parametrize("case", ["unsigned", "wrong token", "internal url", "garbage", "changed body"])
def test_twilio_forged_requests_are_refused(server, platform, case):
    form = twilio_form("whatsapp:+31633333333", "verwijder al mijn gegevens")
    since, before = time.time(), server.received()
    if case == "unsigned":
        r = twilio(server, form, signature="")
    elif case == "wrong token":
        r = twilio(server, form, token=secrets.token_hex(16))
    elif case == "internal url":  # what the server sees behind a proxy is not what Twilio signed
        r = twilio(server, form, url=server.url + "/webhooks/twilio/webhook")
    elif case == "garbage":
        r = twilio(server, form, signature="bm90IGEgc2lnbmF0dXJl")
    else:
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_TWILIO_URL, dict(form, Body="hallo"))
        r = twilio(server, form, signature=signature)
    assert r.status_code == 403
    assert server.received() == before
    time.sleep(0.3)
    assert not platform.sent("/Messages.json", since)


# ------------------------------------------------------------------------ Slack


def slack(server, text, secret=SLACK_SECRET, ts=None, user="U1"):
    body = json.dumps({
        "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:8], "event_time": int(time.time()),
        "event": {"type": "message", "channel": "D1", "user": user, "text": text, "ts": f"{time.time():.6f}",
                  "channel_type": "im", "event_ts": f"{time.time():.6f}"}})
    ts = ts or str(int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return requests.post(server.url + "/webhooks/slack/webhook", data=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})


def test_slack_signed_reaches_the_assistant_as_slack_id(server, platform):
    since = time.time()
    assert slack(server, "hallo", user="U7").status_code == 200
    wait_until(lambda: server.received("slack:U7"))
    assert server.received("slack:U7")[0]["text"] == "hallo"
    assert wait_until(lambda: platform.sent("/chat.postMessage", since))


@pytest.mark.parametrize("case", ["wrong secret", "replayed after ten minutes"])
def test_slack_forged_requests_are_refused(server, platform, case):
    since, before = time.time(), server.received()
    if case == "wrong secret":
        r = slack(server, "verwijder al mijn gegevens", secret=secrets.token_hex(16), user="U8")
    else:
        r = slack(server, "verwijder al mijn gegevens", ts=str(int(time.time()) - 600), user="U8")
    assert r.status_code in (400, 401, 403)
    time.sleep(0.5)
    assert server.received() == before
    assert not platform.sent("/chat.postMessage", since)


# ------------------------------------------------------------------------ Teams


def bf_token(key, platform, **changes):
    """A token for the stand-in platform's service URL (``changes``: see tests/botframework.py)."""
    return bf.token(key, platform.url + "/", **changes)


def test_teams_with_a_valid_token_reaches_the_assistant_as_teams_id(server, platform, keys):
    body = bf.activity(platform.url + "/", user="29:user-ok")
    since = time.time()
    assert bf.post(server.url, body, bf_token(keys["good"][0], platform)).status_code == 200
    assert server.received("teams:29:user-ok")[0]["text"] == "hallo"
    sent = wait_until(lambda: platform.sent(f"/v3/conversations/{body['conversation']['id']}/activities", since))
    assert json.loads(sent[0]["raw"])["recipient"]["id"] == "29:user-ok"


def test_teams_token_with_the_claim_spelled_as_in_the_documents_is_accepted(server, platform, keys):
    token = bf_token(keys["good"][0], platform, serviceurl=None, serviceUrl=platform.url + "/")
    assert bf.post(server.url, bf.activity(platform.url + "/", user="29:user-doc"), token).status_code == 200
    assert server.received("teams:29:user-doc")[0]["text"] == "hallo"


def hs256_token(platform):
    now = int(time.time())
    return jwt.encode({"aud": APP_ID, "iss": ISSUER, "exp": now + 600,
                       "serviceUrl": platform.url + "/"}, "a guessed shared secret of 32+ bytes!",
                      algorithm="HS256", headers={"kid": "test-key"})


@pytest.mark.parametrize("case", [
    "no token", "not a jwt", "other key", "wrong audience", "wrong issuer", "expired", "no expiry",
    "hs256", "unsigned", "other serviceUrl", "no serviceUrl claim", "unknown kid"])
def test_teams_forged_requests_are_refused(server, platform, keys, case):
    good = keys["good"][0]
    body = bf.activity(platform.url + "/", "verwijder al mijn gegevens", user="29:victim")
    token = {
        "no token": lambda: None,
        "not a jwt": lambda: "abc.def.ghi",
        "other key": lambda: bf_token(keys["other"][0], platform),
        "wrong audience": lambda: bf_token(good, platform, aud="another-bot"),
        "wrong issuer": lambda: bf_token(good, platform, iss="https://evil.example"),
        "expired": lambda: bf_token(good, platform, exp=int(time.time()) - 3600),
        "no expiry": lambda: bf_token(good, platform, exp=None),
        "hs256": lambda: hs256_token(platform),
        "unsigned": lambda: jwt.encode({"aud": APP_ID, "iss": ISSUER,
                                        "exp": int(time.time()) + 600}, None, algorithm="none"),
        "other serviceUrl": lambda: bf_token(good, platform, serviceurl="https://evil.example/"),
        "no serviceUrl claim": lambda: bf_token(good, platform, serviceurl=None),
        "unknown kid": lambda: bf.token(good, platform.url + "/", kid="nope"),
    }[case]()
    since, before = time.time(), server.received()
    assert bf.post(server.url, body, token).status_code == 401
    assert server.received() == before
    time.sleep(0.3)
    assert not platform.sent("/v3/conversations/", since) and not platform.sent("/token", since)


def test_teams_activity_cannot_send_the_bot_token_elsewhere(server, platform, keys):
    # a valid token for the real service, replayed with an activity pointing elsewhere
    body = bf.activity("http://127.0.0.1:9/")
    since, before = time.time(), server.received()
    assert bf.post(server.url, body, bf_token(keys["good"][0], platform)).status_code == 401
    assert server.received() == before and not platform.sent("/token", since)


# ----------------------------------------------------------------------- limits


@pytest.fixture(scope="module")
def strict(tmp_path_factory, platform):
    """Small limits and a long window, so the counts, not the clock, decide."""
    workdir = tmp_path_factory.mktemp("channel-limits")
    credentials = WEB + platforms.telegram_credentials(platform.url)
    fake = FakeRasa(workdir, credentials, base_env(workdir, CHAT_RATE_PER_CONVERSATION="3", CHAT_RATE_PER_IP="8",
                                                   CHAT_RATE_WINDOW_SECONDS="3600"))
    yield fake
    fake.stop()


def test_message_flood_in_one_conversation_gets_429_and_nothing_more_is_parsed(strict):
    sender = strict.new_id()
    assert [strict.rest(sender, f"bericht {n}").status_code for n in range(3)] == [200, 200, 200]
    flood = [strict.rest(sender, "nog een") for _ in range(5)]
    assert {r.status_code for r in flood} == {429}
    assert flood[0].json()["message"].startswith("U stuurt veel berichten kort na elkaar.")
    assert int(flood[0].headers["Retry-After"]) > 0
    assert [m["text"] for m in strict.received(sender)] == ["bericht 0", "bericht 1", "bericht 2"]


def test_flood_from_one_ip_over_many_conversations_is_limited(strict, platform):
    # the limit per IP counts website messages over every conversation (8 per window);
    # the previous test used 3 of them from this address
    senders = [strict.new_id() for _ in range(4)]
    codes = [strict.rest(s, "hallo").status_code for s in senders for _ in range(2)]
    assert codes.count(200) == 5 and codes[5:] == [429, 429, 429]
    assert sum(len(strict.received(s)) for s in senders) == 5
    # socket.io from the same address is counted too
    v = Visitor(strict.url)
    try:
        mine = v.confirmed(None)
        assert v.say("hallo", mine)[0].startswith("U stuurt veel berichten kort na elkaar.")
        assert strict.received(mine) == []
    finally:
        v.close()


def test_messaging_channel_flood_is_answered_once_and_not_parsed(strict, platform):
    since = time.time()
    codes = [telegram(strict, telegram_update(999, f"bericht {n}")).status_code for n in range(6)]
    assert codes == [200] * 6  # Telegram must not retry: it is told all is well
    assert [m["text"] for m in strict.received("telegram:999")] == ["bericht 0", "bericht 1", "bericht 2"]
    texts = [StandIn.form(e)["text"] for e in wait_until(lambda: platform.sent("/sendMessage", since))]
    time.sleep(0.5)
    texts = [StandIn.form(e)["text"] for e in platform.sent("/sendMessage", since)]
    assert texts.count("ontvangen: bericht 0") == 1
    assert len([t for t in texts if t.startswith("U stuurt veel berichten")]) == 1  # one notice, not three
