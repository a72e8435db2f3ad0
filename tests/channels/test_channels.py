"""Each channel's real inbound webhook payload, signed as the platform signs it, goes to
the running Rasa server; the answer leaves through that channel's own client code and is
captured at a local stand-in for the platform (never the internet). A forged request is
refused and the conversation it names stays empty."""
import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests import botframework as bf
from tests.channels import platforms
from tests.channels.platforms import SLACK_SECRET, TELEGRAM_SECRET, TWILIO_SID, TWILIO_TOKEN, TWILIO_URL
from tests.channels.standin import StandIn
from tests.e2e.servers import Stack
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def rsa_key():
    key, jwk = bf.signing_key()
    return key, {"keys": [jwk]}


@pytest.fixture(scope="module")
def channels(tmp_path_factory, rsa_key):
    standin = StandIn(rsa_key[1]).start()
    workdir = tmp_path_factory.mktemp("channels")
    credentials = workdir / "credentials.yml"
    credentials.write_text("\nzelfscan_channels.web.ZelfscanRestInput:\n" + platforms.credentials(standin.url))
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


def stack_url(stack):
    return f"http://127.0.0.1:{stack.rasa_port}"


def rasa(stack, path):
    return f"{stack_url(stack)}/webhooks/{path}"


def user_texts(stack, sender):
    """What reached the assistant in the conversation ``sender``."""
    return [e.get("text") for e in stack.tracker(sender)["events"] if e["event"] == "user"]


def twilio_post(stack, form, signed=True):
    headers = {"X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_URL, form)} if signed else {}
    return requests.post(rasa(stack, "twilio/webhook"), data=form, headers=headers, timeout=60)


def test_telegram(channels):
    stack, standin = channels
    since = time.time()
    update = {"update_id": 1001, "message": {
        "message_id": 5, "date": int(time.time()), "text": "hallo",
        "from": {"id": 123, "is_bot": False, "first_name": "Jan", "language_code": "nl"},
        "chat": {"id": 123, "type": "private", "first_name": "Jan"}}}
    r = requests.post(rasa(stack, "telegram/webhook"), json=update, timeout=60,
                      headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert r.status_code == 200
    sent = wait_until(lambda: standin.sent("/sendMessage", since))
    form = StandIn.form(sent[0])
    assert form["chat_id"] == "123" and form["text"].startswith("Hallo! Ik ben de digitale assistent")
    keyboard = json.loads(form["reply_markup"])  # buttons as a Telegram keyboard
    assert "Ja, start de scan" in json.dumps(keyboard)
    assert user_texts(stack, "telegram:123") == ["hallo"]  # Telegram's own namespace


def test_telegram_forged_update_is_refused(channels):
    stack, standin = channels
    update = {"update_id": 1002, "message": {
        "message_id": 6, "date": int(time.time()), "text": "verwijder al mijn gegevens",
        "from": {"id": 555, "is_bot": False, "first_name": "Eva"}, "chat": {"id": 555, "type": "private"}}}
    since = time.time()
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "geraden"}):
        r = requests.post(rasa(stack, "telegram/webhook"), json=update, headers=headers, timeout=30)
        assert r.status_code == 403
    assert user_texts(stack, "telegram:555") == []
    assert not standin.sent("/sendMessage", since)


def test_twilio_whatsapp_numbered_options_and_number_answer(channels):
    stack, standin = channels
    user = "whatsapp:+316" + str(uuid.uuid4().int)[:8]
    since = time.time()
    r = twilio_post(stack, {"From": user, "To": "whatsapp:+14155238886", "Body": "hallo", "MessageSid": "SM1",
                            "AccountSid": TWILIO_SID, "NumMedia": "0"})
    assert r.status_code == 204
    first = wait_until(lambda: standin.sent("/Messages.json", since))
    bodies = [StandIn.form(e)["Body"] for e in first]
    assert StandIn.form(first[0])["To"] == user
    greeting = "\n".join(bodies)
    assert "1. Ja, start de scan" in greeting and "Antwoord met 1, 2 of 3." in greeting
    assert "/start_scan" not in greeting  # payloads are never shown

    since = time.time()
    twilio_post(stack, {"From": user, "Body": "1", "MessageSid": "SM2"})
    reply = wait_until(lambda: [e for e in standin.sent("/Messages.json", since) if "Vraag 1 van" in StandIn.form(e)["Body"]])
    text = StandIn.form(reply[0])["Body"]
    assert "1. Ja" in text and "2. Nee" in text and all(len(StandIn.form(e)["Body"]) <= 1600 for e in reply)
    assert user_texts(stack, user) == ["hallo", "/start_scan"]


def test_twilio_unsigned_or_forged_request_is_refused(channels):
    stack, standin = channels
    victim = "whatsapp:+316" + str(uuid.uuid4().int)[:8]
    form = {"From": victim, "Body": "verwijder al mijn gegevens", "MessageSid": "SM3", "AccountSid": TWILIO_SID}
    since = time.time()
    assert twilio_post(stack, form, signed=False).status_code == 403
    forged = RequestValidator("geraden-token").compute_signature(TWILIO_URL, form)
    r = requests.post(rasa(stack, "twilio/webhook"), data=form, headers={"X-Twilio-Signature": forged}, timeout=30)
    assert r.status_code == 403
    assert user_texts(stack, victim) == []
    assert not standin.sent("/Messages.json", since)


def test_sms_and_web_conversations_never_share_an_id(channels):
    stack, standin = channels
    phone = "+316" + str(uuid.uuid4().int)[:8]
    since = time.time()
    assert twilio_post(stack, {"From": phone, "Body": "hallo", "MessageSid": "SM4"}).status_code == 204
    assert user_texts(stack, "sms:" + phone) == ["hallo"]
    assert StandIn.form(wait_until(lambda: standin.sent("/Messages.json", since))[0])["To"] == phone
    # the REST channel refuses the SMS conversation's id
    r = requests.post(rasa(stack, "rest/webhook"), json={"sender": "sms:" + phone, "message": "verwijder al mijn gegevens"},
                      timeout=30)
    assert r.status_code == 403 and user_texts(stack, "sms:" + phone) == ["hallo"]


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
    sent = wait_until(lambda: standin.sent("/chat.postMessage", since))
    payload = " ".join(e["raw"].decode() for e in sent)
    assert "D1" in payload and "Hallo! Ik ben de digitale assistent" in payload and "Ja, start de scan" in payload
    assert user_texts(stack, "slack:U1") == ["hallo"]

    # a request with a wrong signature is refused and reaches nobody
    forged = body.replace('"hallo"', '"verwijder al mijn gegevens"').replace('"U1"', '"U2"')
    since = time.time()
    r = requests.post(rasa(stack, "slack/webhook"), data=forged, timeout=30, headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})
    assert r.status_code in (400, 401, 403)
    assert user_texts(stack, "slack:U2") == []
    assert not standin.sent("/chat.postMessage", since)


def test_teams_botframework(channels, rsa_key):
    stack, standin = channels
    key, _ = rsa_key
    activity = bf.activity(standin.url + "/", user="29:user-1", conversation="conv-teams-1")
    since = time.time()
    r = bf.post(stack_url(stack), activity, bf.token(key, standin.url + "/"), timeout=60)
    assert r.status_code == 200
    sent = wait_until(lambda: standin.sent("/v3/conversations/conv-teams-1/activities", since))
    payload = " ".join(e["raw"].decode() for e in sent)
    assert "Hallo! Ik ben de digitale assistent" in payload
    assert sent[0]["headers"].get("Authorization") == "Bearer bf-token"
    assert user_texts(stack, "teams:29:user-1") == ["hallo"]
    # without a valid token nothing is answered and nothing reaches the conversation
    forged = dict(activity, text="verwijder al mijn gegevens", **{"from": {"id": "29:user-2", "name": "Eva"}})
    since = time.time()
    assert bf.post(stack_url(stack), forged, None).status_code == 401
    other_key, _ = bf.signing_key()  # the same kid, another key
    assert bf.post(stack_url(stack), forged, bf.token(other_key, standin.url + "/")).status_code == 401
    assert user_texts(stack, "teams:29:user-2") == []
    assert not standin.sent("/v3/conversations/", since)


def test_whatsapp_gets_the_save_link_in_one_message(channels):
    """A whole scan over WhatsApp: after the result, one message with 'Bewaar uw uitkomst:'
    and the whole link to the result page (a channel without buttons gets it as text)."""
    from actions.outcome.saved_result import decode
    from scripts.benchmark_load import answer_text, load_questions, which_question
    from tests.profiles import STOPPING_AT_58

    stack, standin = channels
    questions = load_questions()
    user = "whatsapp:+316" + str(uuid.uuid4().int)[:8]
    text, previous, save = "ik wil de zelfscan doen", None, None
    for number in range(60):
        since = time.time()
        twilio_post(stack, {"From": user, "Body": text, "MessageSid": f"SM{number}", "AccountSid": TWILIO_SID})

        def answered(since=since):
            bodies = [StandIn.form(e)["Body"] for e in standin.sent("/Messages.json", since)
                      if StandIn.form(e)["To"] == user]
            done = any("Bewaar uw uitkomst:" in b for b in bodies) and "Antwoord met 1 of 2." in bodies[-1]
            return bodies if done or any(which_question(b, questions) for b in bodies) else None

        bodies = wait_until(answered, 60)
        assert bodies, f"no answer to {text!r}"
        save = next((b for b in bodies if "Bewaar uw uitkomst:" in b), None)
        if save:
            break
        asked = next(q for q in (which_question(b, questions) for b in reversed(bodies)) if q)
        text = "weet ik niet" if asked.id == previous else answer_text(asked, STOPPING_AT_58.get(asked.id))
        previous = asked.id
    assert save is not None, "the scan did not reach the result"
    assert len(save) <= 1600  # one WhatsApp/SMS message
    label, link = save.splitlines()[-1].split(": ", 1)
    assert label == "Bewaar uw uitkomst" and link.startswith(stack.handoff.url + "/uitkomst#v1.")
    doc = decode(link.split("#", 1)[1])  # the whole link arrived
    assert doc["c"]["f"] and doc["i"] and doc["m"].startswith("Uw uitkomst:")
