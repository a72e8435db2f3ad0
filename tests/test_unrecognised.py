"""Capturing messages the assistant did not understand (actions/unrecognised.py), from the
real actions through the real outbox to the real handoff service: only fallbacks and
messages that were neither an answer nor an intent are kept, never a readable answer in
the form, never in the contact form; what is stored is stripped and holds nothing of the
conversation, and the unstripped text is in no log and not in the outbox."""
import asyncio
import logging
import sqlite3
import time

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff_client as hc
from actions import unrecognised
from actions.catalogue import catalogue
from actions.conversation import ActionAcknowledgeSituation, ActionCoreFallback
from actions.scan_form import ValidateScanForm
from tests.handoff_service.service import API_TOKEN, HandoffService

SENDER = "whatsapp:+31687654321"


def message(text, intent="nlu_fallback", confidence=0.45, guess=("ask_bbz", 0.31)):
    ranking = [{"name": intent, "confidence": confidence}]
    if guess:
        ranking.append({"name": guess[0], "confidence": guess[1]})
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking,
            "entities": []}


def tracker(latest, requested=None, loop=None, slots=None):
    values = {qid: None for qid in catalogue().ids()}
    values.update({"requested_slot": requested, **(slots or {})})
    events = [{"event": "user", "timestamp": time.time(), "text": latest.get("text"),
               "input_channel": "socketio", "parse_data": latest}]
    return Tracker(sender_id=SENDER, slots=values, latest_message=latest, events=events, paused=False,
                   followup_action=None, active_loop={"name": loop} if loop else {},
                   latest_action_name="action_listen")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = HandoffService(tmp_path_factory.mktemp("learning")).start()
    yield svc
    svc.stop()


@pytest.fixture
def outbox(service, tmp_path, monkeypatch):
    client = hc.HandoffClient(service.url, API_TOKEN, tmp_path / "outbox.db", retry_interval=0.2)
    monkeypatch.setattr(hc, "_client", client)
    return client


def stored(service):
    with sqlite3.connect(service.database_url.replace("sqlite:///", "")) as conn:
        conn.row_factory = sqlite3.Row
        return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM unrecognised_messages")}


async def new_rows(service, before, client, seconds=20):
    """The rows that arrived since ``before``, once everything queued is delivered."""
    await unrecognised.wait_queued()
    deadline = time.time() + seconds
    while time.time() < deadline and await client.pending_count():
        await asyncio.sleep(0.05)
    assert await client.pending_count() == 0
    return [r for i, r in stored(service).items() if i not in before]


async def validate(latest, requested):
    return await ValidateScanForm().run(CollectingDispatcher(), tracker(latest, requested, "scan_form"), {})


@pytest.mark.asyncio
async def test_in_the_scan_only_a_message_that_is_neither_answer_nor_intent_is_kept(service, outbox):
    before = stored(service)
    # readable answers are never kept, however unsure the classifier was
    await validate(message("zo'n 45 jaartjes"), "age")
    await validate(message("ongeveer 2 mille per maand"), "monthly_income")
    await validate(message("eh, een stuk of 40 uurtjes", confidence=0.2), "hours_per_week")
    await validate(message("eenmanszaak denk ik"), "business_form")
    # understood but impossible: asked again, but not kept
    await validate(message("300 jaar"), "age")
    # not an answer, but the classifier was sure of the intent: not kept
    await validate(message("blauwe fietsen", intent="inform", confidence=0.93, guess=None), "business_form")
    assert await new_rows(service, before, outbox) == []

    await validate(message("mijn kat Minoes eet mijn administratie op"), "business_form")
    rows = await new_rows(service, before, outbox)
    assert len(rows) == 1
    row = rows[0]
    assert row["text"] == "mijn kat [naam] eet mijn administratie op"
    assert row["question"] == "business_form" and row["intent"] == "ask_bbz" and row["confidence"] == 0.31
    assert row["channel"] == "socketio" and row["reviewed_intent"] is None


@pytest.mark.asyncio
async def test_the_fallback_answers_are_kept_but_not_buttons_or_the_contact_form(service, outbox):
    before = stored(service)
    await ActionCoreFallback().run(CollectingDispatcher(), tracker(message("/greet")), {})
    await ActionCoreFallback().run(CollectingDispatcher(), tracker(message("Ik heet Jan, bel 0612345678"),
                                                                   loop="handoff_form"), {})
    await ActionAcknowledgeSituation().run(CollectingDispatcher(), tracker(
        message("goedemorgen", intent="greet", confidence=0.97, guess=None)), {})
    assert await new_rows(service, before, outbox) == []

    await ActionCoreFallback().run(CollectingDispatcher(), tracker(message("wat is jullie lievelingskleur")), {})
    await ActionAcknowledgeSituation().run(CollectingDispatcher(), tracker(message("hoe laat gaan jullie dicht")), {})
    texts = sorted(r["text"] for r in await new_rows(service, before, outbox))
    assert texts == ["hoe laat gaan jullie dicht", "wat is jullie lievelingskleur"]


@pytest.mark.asyncio
async def test_nothing_of_the_person_or_the_conversation_is_kept_or_logged(service, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    before = stored(service)
    raw = "Ik ben Jan Jansen, bel 06-12345678 of jan@jansen.nl over mijn rekening NL91ABNA0417164300"
    latest = message(raw)
    await ActionCoreFallback().run(CollectingDispatcher(), tracker(latest, slots={"contact_name": "Jan Jansen"}), {})
    rows = await new_rows(service, before, outbox)
    assert len(rows) == 1
    text = rows[0]["text"]
    assert text == "Ik ben [naam], bel [telefoon] of [e-mail] over mijn rekening [iban]"
    for value in rows[0].values():
        for secret in ("Jansen", "12345678", "jansen.nl", "31687654321", "whatsapp", "NL91"):
            assert secret not in str(value)
    # the outbox file never held the unstripped text, and no log line has it
    data = (outbox.outbox_path).read_bytes() + b"".join(
        p.read_bytes() for p in outbox.outbox_path.parent.glob("outbox.db-*"))
    for secret in (b"Jansen", b"12345678", b"NL91", b"31687654321"):
        assert secret not in data
    for record in caplog.records:
        line = record.getMessage()
        assert "Jansen" not in line and "12345678" not in line


def test_the_threshold_comes_from_config_yml():
    import yaml

    config = yaml.safe_load(open("config.yml", encoding="utf-8"))
    fallback = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    assert unrecognised.fallback_threshold() == fallback["threshold"]
    assert unrecognised.unsure({"intent": {"name": "inform", "confidence": fallback["threshold"] - 0.01}})
    assert not unrecognised.unsure({"intent": {"name": "inform", "confidence": fallback["threshold"] + 0.01}})
    assert unrecognised.unsure({"intent": {"name": "nlu_fallback", "confidence": 0.9}})
    assert unrecognised.predicted(message("x")) == ("ask_bbz", 0.31)
    assert unrecognised.payload(message("113 0800-0113"), "rest", time.time()) is None  # only placeholders
    assert unrecognised.payload(message("ik zie het niet meer zitten"), "rest", time.time()) is None  # crisis
