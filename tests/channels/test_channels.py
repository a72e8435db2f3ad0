"""Each channel's real inbound webhook payload goes to the running Rasa server; the answer
leaves through that channel's own client code and is captured at a local stand-in for
the platform (never the internet)."""
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.channels.standin import StandIn
from tests.e2e.servers import Stack

pytestmark = pytest.mark.e2e

APP_ID = "11111111-2222-3333-4444-555555555555"
SLACK_SECRET = "slack-signing-secret"
TWILIO_SID = "AC" + "1" * 32


@pytest.fixture(scope="module")
def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="test-key", use="sig", alg="RS256")
    return key, {"keys": [jwk]}


@pytest.fixture(scope="module")
def channels(tmp_path_factory, rsa_key):
    standin = StandIn(rsa_key[1]).start()
    workdir = tmp_path_factory.mktemp("channels")
    credentials = workdir / "credentials.yml"
    credentials.write_text(f"""
rest:
zelfscan_channels.telegram_channel.ZelfscanTelegramInput:
  access_token: "123456:TEST"
  verify: zelfscan_bot
  webhook_url: "https://zelfscan.example.nl/webhooks/telegram/webhook"
  api_base: "{standin.url}"
zelfscan_channels.sms_whatsapp.NumberedTwilioInput:
  account_sid: "{TWILIO_SID}"
  auth_token: "twilio-token"
  twilio_number: "whatsapp:+14155238886"
  api_base: "{standin.url}"
zelfscan_channels.slack_channel.ZelfscanSlackInput:
  slack_token: "xoxb-test"
  slack_signing_secret: "{SLACK_SECRET}"
  api_base: "{standin.url}"
zelfscan_channels.teams.ZelfscanBotFrameworkInput:
  app_id: "{APP_ID}"
  app_password: "secret"
  openid_url: "{standin.url}/openid"
  token_url: "{standin.url}/token"
""")
    stack = Stack(workdir, credentials=credentials)
    stack.env["CHANNEL_OPTIONS_DB"] = str(workdir / "options.db")
    try:
        stack.start_handoff()
        stack.start_actions()
        stack.start_rasa()
        yield stack, standin
    finally:
        stack.stop()
        standin.stop()


def rasa(stack, path):
    return f"http://127.0.0.1:{stack.rasa_port}/webhooks/{path}"


def wait_for(fn, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        result = fn()
        if result:
            return result
        time.sleep(0.2)
    return fn()


def test_telegram(channels):
    stack, standin = channels
    since = time.time()
    update = {"update_id": 1001, "message": {
        "message_id": 5, "date": int(time.time()), "text": "hallo",
        "from": {"id": 123, "is_bot": False, "first_name": "Jan", "language_code": "nl"},
        "chat": {"id": 123, "type": "private", "first_name": "Jan"}}}
    r = requests.post(rasa(stack, "telegram/webhook"), json=update, timeout=60)
    assert r.status_code == 200
    sent = wait_for(lambda: standin.sent("/sendMessage", since))
    form = StandIn.form(sent[0])
    assert form["chat_id"] == "123" and form["text"].startswith("Hallo! Ik ben de digitale assistent")
    keyboard = json.loads(form["reply_markup"])  # buttons as a Telegram keyboard
    assert "Ja, start de scan" in json.dumps(keyboard)


def test_twilio_whatsapp_numbered_options_and_number_answer(channels):
    stack, standin = channels
    user = "whatsapp:+316" + str(uuid.uuid4().int)[:8]
    since = time.time()
    r = requests.post(rasa(stack, "twilio/webhook"), timeout=60, data={
        "From": user, "To": "whatsapp:+14155238886", "Body": "hallo", "MessageSid": "SM1", "AccountSid": TWILIO_SID,
        "NumMedia": "0"})
    assert r.status_code == 204
    first = wait_for(lambda: standin.sent("/Messages.json", since))
    bodies = [StandIn.form(e)["Body"] for e in first]
    assert StandIn.form(first[0])["To"] == user
    greeting = "\n".join(bodies)
    assert "1. Ja, start de scan" in greeting and "Antwoord met 1, 2 of 3." in greeting
    assert "/start_scan" not in greeting  # payloads are never shown

    since = time.time()
    requests.post(rasa(stack, "twilio/webhook"), timeout=60, data={"From": user, "Body": "1", "MessageSid": "SM2"})
    reply = wait_for(lambda: [e for e in standin.sent("/Messages.json", since) if "Vraag 1 van" in StandIn.form(e)["Body"]])
    text = StandIn.form(reply[0])["Body"]
    assert "1. Ja" in text and "2. Nee" in text and all(len(StandIn.form(e)["Body"]) <= 1600 for e in reply)


def test_slack(channels):
    stack, standin = channels
    body = json.dumps({
        "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "Ev" + uuid.uuid4().hex[:8],
        "event_time": int(time.time()),
        "event": {"type": "message", "channel": "D1", "user": "U1", "text": "hallo", "ts": f"{time.time():.6f}",
                  "channel_type": "im", "event_ts": f"{time.time():.6f}"}})
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SLACK_SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    since = time.time()
    r = requests.post(rasa(stack, "slack/webhook"), data=body, timeout=60, headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})
    assert r.status_code == 200
    sent = wait_for(lambda: standin.sent("/chat.postMessage", since))
    payload = " ".join(e["raw"].decode() for e in sent)
    assert "D1" in payload and "Hallo! Ik ben de digitale assistent" in payload and "Ja, start de scan" in payload

    # a request with a wrong signature is refused
    r = requests.post(rasa(stack, "slack/webhook"), data=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=bad"})
    assert r.status_code in (400, 401, 403)


def test_teams_botframework(channels, rsa_key):
    stack, standin = channels
    key, _ = rsa_key
    token = jwt.encode({"aud": APP_ID, "iss": "https://api.botframework.com", "exp": int(time.time()) + 600,
                        "nbf": int(time.time()) - 10}, key, algorithm="RS256", headers={"kid": "test-key"})
    activity = {"type": "message", "id": "act-1", "timestamp": "2026-11-27T10:00:00.000Z",
                "serviceUrl": standin.url + "/", "channelId": "msteams",
                "from": {"id": "29:user-1", "name": "Jan"}, "conversation": {"id": "conv-teams-1"},
                "recipient": {"id": "28:bot", "name": "Zelfscan"}, "text": "hallo", "locale": "nl-NL"}
    since = time.time()
    r = requests.post(rasa(stack, "botframework/webhook"), json=activity, timeout=60,
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    sent = wait_for(lambda: standin.sent("/v3/conversations/conv-teams-1/activities", since))
    payload = " ".join(e["raw"].decode() for e in sent)
    assert "Hallo! Ik ben de digitale assistent" in payload
    assert sent[0]["headers"].get("Authorization") == "Bearer bf-token"
    # without a valid token nothing is answered
    r = requests.post(rasa(stack, "botframework/webhook"), json=activity, timeout=30)
    assert r.status_code == 401
