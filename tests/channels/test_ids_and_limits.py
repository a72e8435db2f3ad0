"""Conversation ids, chat limits and the channel-options record, without servers."""
import os
import stat

import pytest

from zelfscan_channels import ids
from zelfscan_channels.limits import ChatLimits, SlidingWindow
from zelfscan_runtime import secrets

KEY = b"k" * 16 + b"0123456789abcdef"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_web_ids_are_issued_signed_and_never_look_like_another_channel():
    issued = {ids.issue_web_id(KEY) for _ in range(200)}
    assert len(issued) == 200
    for value in issued:
        assert value.startswith("web-") and ":" not in value and len(value) == 69
        assert ids.is_web_id(value, KEY)
    value = issued.pop()
    assert not ids.is_web_id(value, b"another secret of the same length!")  # other server
    tampered = value[:-1] + ("0" if value[-1] != "0" else "1")
    assert not ids.is_web_id(tampered, KEY)
    for forged in ("whatsapp:+31612345678", "sms:+31612345678", "telegram:123", "slack:U1", "teams:29:x",
                   "web-" + "0" * 32 + "-" + "0" * 32, "0" * 32, value.upper(), value + "\n", " " + value,
                   value.replace("web-", "web:"), "", None, 42, ["web-"]):
        assert not ids.is_web_id(forged, KEY), forged


def test_the_id_secret_comes_from_the_runtime_secrets(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVERSATION_ID_SECRET", raising=False)
    monkeypatch.setenv("ZELFSCAN_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("ZELFSCAN_ENV", raising=False)
    value = ids.issue_web_id()
    assert ids.is_web_id(value)
    assert (tmp_path / "secrets" / "CONVERSATION_ID_SECRET").exists()  # development: generated once
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "x" * 8 + "0123456789abcdefghijklmnopqrstuv")
    assert not ids.is_web_id(value)  # another secret: the old ids are not valid any more


def test_each_messaging_channel_has_its_own_prefix():
    assert ids.twilio_id("whatsapp:+31612345678") == "whatsapp:+31612345678"
    assert ids.twilio_id("+31612345678") == "sms:+31612345678"
    assert ids.with_prefix("telegram:", 123) == "telegram:123"
    assert ids.without_prefix("telegram:", "telegram:123") == "123"
    assert ids.without_prefix("sms:", "whatsapp:+316") == "whatsapp:+316"
    prefixes = list(ids.PREFIXES.values()) + [ids.WEB_PREFIX]
    assert len(set(prefixes)) == len(prefixes)
    assert not any(a != b and a.startswith(b) for a in prefixes for b in prefixes)


def test_sliding_window_counts_per_key_and_forgets_old_events():
    clock = Clock()
    window = SlidingWindow(3, 60, clock)
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]
    assert window.allow("b")  # another key has its own budget
    assert window.retry_after("a") == 60
    clock.now += 59.5
    assert not window.allow("a") and window.retry_after("a") == 1
    clock.now += 0.5
    assert window.allow("a") and window.retry_after("b") == 0


def test_sliding_window_keeps_a_bounded_number_of_keys():
    window = SlidingWindow(1, 60, Clock(), max_keys=10)
    for n in range(1000):
        window.allow(f"key-{n}")
    assert len(window._events) == 10


def test_chat_limits_per_conversation_and_per_ip_from_the_environment():
    clock = Clock()
    limits = ChatLimits({"CHAT_RATE_PER_CONVERSATION": "2", "CHAT_RATE_PER_IP": "3", "CHAT_RATE_WINDOW_SECONDS": "10",
                         "CHAT_MAX_MESSAGE_CHARS": "5"}, clock)
    assert limits.too_long("123456") and not limits.too_long("12345")
    assert limits.allow("c1", "1.2.3.4") and limits.allow("c1", "1.2.3.4")
    assert not limits.allow("c1", "1.2.3.4")  # conversation full
    assert limits.allow("c2", "1.2.3.4")  # IP: 3rd message
    assert not limits.allow("c3", "1.2.3.4")  # IP full, whatever the conversation
    assert limits.allow("c3", "5.6.7.8")
    assert limits.retry_after("c3", "1.2.3.4") == 10
    assert limits.notify("c1") and not limits.notify("c1")  # one notice per window
    clock.now += 10
    assert limits.allow("c1", "1.2.3.4")


def test_chat_limit_defaults():
    limits = ChatLimits({})
    assert limits.max_chars == 2000
    assert limits.per_conversation.limit == 20 and limits.per_ip.limit == 60 and limits.per_ip.window == 60
    assert ChatLimits({"CHAT_RATE_PER_IP": "nonsense"}).per_ip.limit == 60


def test_channel_options_file_is_private_and_forget_erases_one_sender(tmp_path, monkeypatch):
    from zelfscan_channels import options

    db = tmp_path / "new-dir" / "options.db"
    monkeypatch.setenv("CHANNEL_OPTIONS_DB", str(db))
    buttons = [{"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"}]
    options.remember("sms:+31612345678", buttons)
    options.remember("whatsapp:+31687654321", buttons)
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(db.parent).st_mode) == 0o700
    assert options.forget("sms:+31612345678") is True
    assert options.offered("sms:+31612345678") == []
    assert options.forget("sms:+31612345678") is False
    assert options.offered("whatsapp:+31687654321") == buttons  # the other sender is untouched
    assert options.payload_for("whatsapp:+31687654321", "2") == "/deny"


def test_channel_options_older_than_a_day_mean_nothing(tmp_path, monkeypatch):
    from zelfscan_channels import options

    monkeypatch.setenv("CHANNEL_OPTIONS_DB", str(tmp_path / "o.db"))
    monkeypatch.setattr(options.time, "time", lambda: 1_000_000.0)
    options.remember("sms:+1", [{"title": "Ja", "payload": "/affirm"}])
    monkeypatch.setattr(options.time, "time", lambda: 1_000_000.0 + options.MAX_AGE_SECONDS + 1)
    assert options.offered("sms:+1") == []
    options.remember("sms:+2", [{"title": "Ja", "payload": "/affirm"}])  # the old row is dropped
    import sqlite3

    assert [r[0] for r in sqlite3.connect(tmp_path / "o.db").execute("SELECT sender FROM options")] == ["sms:+2"]


@pytest.mark.parametrize("path,credentials,variable", [
    ("zelfscan_channels.telegram_channel.ZelfscanTelegramInput",
     {"access_token": "1:x", "verify": "bot", "webhook_url": "https://x/webhooks/telegram/webhook",
      "webhook_secret": "short"}, "TELEGRAM_WEBHOOK_SECRET"),
    ("zelfscan_channels.telegram_channel.ZelfscanTelegramInput",
     {"access_token": "1:x", "verify": "bot", "webhook_url": "https://x/webhooks/telegram/webhook"},
     "TELEGRAM_WEBHOOK_SECRET"),
    ("zelfscan_channels.sms_whatsapp.NumberedTwilioInput",
     {"account_sid": "AC1", "auth_token": "change-me", "twilio_number": "+31", "webhook_url": "https://x/w"},
     "TWILIO_AUTH_TOKEN"),
    ("zelfscan_channels.sms_whatsapp.NumberedTwilioInput",
     {"account_sid": "AC1", "auth_token": "0123456789abcdef0123456789abcdef", "twilio_number": "+31"},
     "TWILIO_WEBHOOK_URL"),
    ("zelfscan_channels.slack_channel.ZelfscanSlackInput",
     {"slack_token": "xoxb", "slack_signing_secret": "secret"}, "SLACK_SIGNING_SECRET"),
    ("zelfscan_channels.teams.ZelfscanBotFrameworkInput",
     {"app_id": "id", "app_password": "pw"}, "BOTFRAMEWORK_APP_PASSWORD"),
    ("zelfscan_channels.web.ZelfscanRestInput", None, "CONVERSATION_ID_SECRET"),
    ("zelfscan_channels.web.ZelfscanSocketIOInput", {}, "CONVERSATION_ID_SECRET"),
])
def test_production_mode_refuses_a_channel_with_a_weak_or_missing_secret(monkeypatch, path, credentials, variable):
    from rasa.shared.utils.common import class_from_module_path

    monkeypatch.setenv("ZELFSCAN_ENV", "production")
    monkeypatch.delenv("CONVERSATION_ID_SECRET", raising=False)
    with pytest.raises(secrets.SecretError) as refused:
        class_from_module_path(path).from_credentials(credentials)
    assert variable in refused.value.line
