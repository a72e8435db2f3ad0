"""Conversation actions: distress, a human mid-scan, and the outbox restart at session start."""
import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff_client as handoff_client
from actions import texts
from actions.conversation import ActionDistress, ActionOfferHuman, ActionSessionStart
from actions.handoff_client import HandoffClient, new_reference
from tests.e2e.servers import free_port
from tests.handoff_service.conftest import machine_get, ticket_body
from tests.handoff_service.service import API_TOKEN, HandoffService
from tests.helpers import make_tracker


def texts_of(dispatcher):
    return [m["text"] for m in dispatcher.messages]


@pytest.mark.asyncio
async def test_distress_in_the_scan_says_the_questions_wait():
    dispatcher = CollectingDispatcher()
    await ActionDistress().run(dispatcher, make_tracker(requested="total_debt"), {})
    assert texts.DISTRESS_RESUME in texts_of(dispatcher)


@pytest.mark.asyncio
async def test_distress_while_giving_contact_details_does_not_talk_about_the_scan():
    tracker = make_tracker(requested="contact_phone", form_active=False)
    tracker.active_loop = {"name": "handoff_form"}
    dispatcher = CollectingDispatcher()
    events = await ActionDistress().run(dispatcher, tracker, {})
    assert texts.DISTRESS_RESUME not in texts_of(dispatcher)
    assert "113" in texts_of(dispatcher)[0]
    assert {"event": "slot", "timestamp": None, "name": "distress_reported", "value": True} in events


@pytest.mark.asyncio
async def test_a_human_asked_mid_scan_gets_contact_details_and_no_question_it_does_not_wait_for():
    dispatcher = CollectingDispatcher()
    await ActionOfferHuman().run(dispatcher, make_tracker(requested="total_debt"), {})
    contact, follow_up = texts_of(dispatcher)
    assert "Bel " in contact
    assert "?" not in follow_up  # the form asks its next question right after this


@pytest.mark.asyncio
async def test_session_start_delivers_tickets_queued_before_a_restart(tmp_path, monkeypatch):
    service = HandoffService(tmp_path, port=free_port())
    try:
        # a ticket was queued while the service was down, then the action server restarted
        queued = HandoffClient(base_url=service.url, token=API_TOKEN, outbox_path=tmp_path / "outbox.db", attempts=1)
        reference = new_reference()
        assert await queued.create_ticket(ticket_body(id=reference)) == "queued"
        queued._worker.cancel()
        service.start()
        restarted = HandoffClient(base_url=service.url, token=API_TOKEN, outbox_path=tmp_path / "outbox.db",
                                  retry_interval=0.2)
        monkeypatch.setattr(handoff_client, "_client", restarted)

        await ActionSessionStart().run(CollectingDispatcher(), make_tracker(form_active=False), {})
        for _ in range(60):
            if await restarted.pending_count() == 0:
                break
            await asyncio.sleep(0.25)
        assert await restarted.pending_count() == 0
        assert [t["id"] for t in machine_get(service, "/api/tickets").json()["tickets"]] == [reference]
    finally:
        service.stop()


@pytest.mark.asyncio
async def test_a_refused_erasure_is_told_honestly_and_the_answers_are_still_forgotten(monkeypatch):
    from actions.handoff_form import ActionDeleteMyData

    class RefusingClient:
        async def request_erasure(self, conversation_id):
            raise handoff_client.Refused("refused")

    monkeypatch.setattr("actions.handoff_form.client", lambda: RefusingClient())
    dispatcher = CollectingDispatcher()
    events = await ActionDeleteMyData().run(dispatcher, make_tracker(answers={"total_debt": 30000}), {})
    (message,) = texts_of(dispatcher)
    assert message.startswith(texts.ERASE_FAILED) and "Bel " in message
    assert events[0]["event"] == "reset_slots"
