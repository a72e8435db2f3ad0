"""Splitting long messages and numbered options for channels without buttons."""
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from zelfscan_channels.text import numbered, split_message
from zelfscan_nlu.text import option_number as chosen_option


def test_short_text_is_one_part():
    assert split_message("Hallo.", 1600) == ["Hallo."]


def test_paragraphs_are_kept_together_when_they_fit():
    text = "Eerste alinea.\n\nTweede alinea.\n\n" + "Derde " * 10
    parts = split_message(text, 40)
    assert parts[0] == "Eerste alinea.\n\nTweede alinea."
    assert all(len(p) <= 40 for p in parts)


@given(st.text(alphabet=st.sampled_from(list("abc de.\n!?")), max_size=3000), st.integers(min_value=20, max_value=400))
def test_split_respects_the_limit_and_loses_no_words(text, limit):
    parts = split_message(text, limit)
    assert all(len(p) <= limit for p in parts)
    assert "".join(text.split()) == "".join("".join(parts).split())


def test_numbered_options():
    text = numbered("Wilt u de scan doen?", [{"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"},
                                             {"title": "Weet ik niet", "payload": "/dont_know"}])
    assert text.endswith("1. Ja\n2. Nee\n3. Weet ik niet\n\nAntwoord met 1, 2 of 3.")
    assert "/affirm" not in text


def test_chosen_option():
    assert chosen_option("2", 3) == 1
    assert chosen_option(" 3. ", 3) == 2
    assert chosen_option("optie 1", 3) == 0
    assert chosen_option("4", 3) is None
    assert chosen_option("2 jaar", 3) is None


def test_the_channels_limit_messages_come_from_the_text_home_in_the_form_of_address(monkeypatch):
    from dataclasses import replace

    from actions import gemeente as gemeente_module
    from actions.texts import load
    from zelfscan_channels.limits import BAD_REQUEST, TOO_FAST, TOO_LONG, channel_text

    assert channel_text(TOO_LONG) == load().texts[TOO_LONG] and channel_text(TOO_LONG).startswith("Uw bericht")
    informal = replace(gemeente_module.gemeente(), address_form="je")
    monkeypatch.setattr(gemeente_module, "gemeente", lambda: informal)
    assert channel_text(TOO_LONG).startswith("Je bericht is te lang")
    assert channel_text(TOO_FAST).startswith("Je stuurt veel berichten") and "Je gesprek" in channel_text(TOO_FAST)
    assert channel_text(BAD_REQUEST) == "Dit bericht kan ik niet lezen. Stuur alleen tekst."


def test_in_a_region_the_limit_messages_use_the_form_of_address_of_the_messages_gemeente(tmp_path, monkeypatch):
    """Buurdorp says "je", Voorbeeldstad "u": the page's gemeente (widget metadata) or the
    channel's bot (the region's routes) chooses; a message that says neither gets the
    first gemeente's form. Also through the chat guard the messaging channels use."""
    import asyncio

    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from zelfscan_channels.guard import limited
    from zelfscan_channels.limits import TOO_LONG, ChatLimits, channel_text

    config = Path(__file__).resolve().parents[1] / "gemeente" / "config.yml"
    (tmp_path / "buurdorp.yml").write_text(f"extends: {config}\nname: Buurdorp\naddress_form: je\n", encoding="utf-8")
    (tmp_path / "regio.yml").write_text(
        f"name: Regio\ngemeenten:\n  voorbeeldstad: {config}\n  buurdorp: buurdorp.yml\n"
        "routes:\n  telegram: {buurdorp_zelfscan_bot: buurdorp}\n", encoding="utf-8")
    monkeypatch.setenv("GEMEENTE_CONFIG", str(tmp_path / "regio.yml"))
    assert channel_text(TOO_LONG, {"gemeente": "buurdorp"}, "socketio").startswith("Je bericht")
    assert channel_text(TOO_LONG, {"gemeente": "voorbeeldstad"}, "socketio").startswith("Uw bericht")
    assert channel_text(TOO_LONG, {"channel_address": "buurdorp_zelfscan_bot"}, "telegram").startswith("Je bericht")
    assert channel_text(TOO_LONG, {"gemeente": "elders"}, "rest").startswith("Uw bericht")  # unknown: the first
    assert channel_text(TOO_LONG).startswith("Uw bericht")

    async def never(message):
        raise AssertionError("a message over the limit must not reach the assistant")

    out = CollectingOutputChannel()
    guard = limited(never, ChatLimits({"CHAT_MAX_MESSAGE_CHARS": "20"}), lambda m: m.sender_id)
    asyncio.run(guard(UserMessage("x" * 50, out, "telegram-1", input_channel="telegram",
                                  metadata={"channel_address": "buurdorp_zelfscan_bot"})))
    assert out.messages[0]["text"].startswith("Je bericht is te lang")
