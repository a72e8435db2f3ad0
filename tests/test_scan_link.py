"""The action server's side of personal scan links and the follow-up consent: the code or
the widget's token is checked with the real handoff service, the scan started through it
is attached to the same ticket, and the handoff form asks the follow-up separately."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff_client as hc
from actions.catalogue import catalogue
from actions.gemeente import gemeente
from actions.handoff_form import (
    FOLLOW_UP_SLOT,
    SPECIAL_SLOT,
    ActionAskFollowUpConsent,
    ActionCreateTicket,
    ValidateHandoffForm,
    required_contact_slots,
)
from actions.outcome_action import ActionScanOutcome
from actions.scan_link import CLAIM_SLOT, OK_SLOT, ActionRedeemScanLink, code_in, secret_of
from handoff import scan_links
from handoff.db import Database
from tests.e2e.servers import free_port
from tests.handoff_service.service import API_TOKEN, HandoffService
from tests.helpers import slot_events
from tests.profiles import ACUTE, HEALTHY

KEY = "scan-link-action-test-" + "0123456789abcdef"


def tracker(answers=None, text="", intent="inform", events=None, channel="rest", requested=None, **slots):
    values = {q: None for q in catalogue().ids()}
    values.update(answers or {})
    values.update({"consent_contact": None, SPECIAL_SLOT: None, "contact_name": None, "contact_phone": None,
                   "contact_email": None, "contact_preference": None, FOLLOW_UP_SLOT: None,
                   "handoff_reference": None, "distress_reported": None, CLAIM_SLOT: None, OK_SLOT: None,
                   "session_started_metadata": None})
    values.update(slots)
    values["requested_slot"] = requested
    events = events if events is not None else [{"event": "user", "text": text, "input_channel": channel}]
    return Tracker("conv-" + str(free_port()), values,
                   {"text": text, "intent": {"name": intent}, "entities": []}, events, False, None,
                   {}, "action_listen")


@pytest.mark.parametrize("text, code", [
    ("Ik heb een code: K7F3-9QXM", "K7F3-9QXM"), ("mijn code is k7f3 9qxm", "K7F3-9QXM"),
    ("code K7F39QXM graag", "K7F3-9QXM"), ("ik heb geen code", None), ("HEEFT-GEEN", None),
    ("bel 0612-3456", None),  # 0 and 1 are not in the codes' alphabet
])
def test_the_short_code_is_found_in_a_sentence(text, code):
    assert code_in(text) == code


def test_the_widgets_token_comes_from_the_message_metadata():
    token = "t" * 43
    events = [{"event": "user", "text": "/scan_code", "metadata": {"scan_link": token}}]
    assert secret_of(tracker(text="/scan_code", events=events)) == token
    assert secret_of(tracker(text="/scan_code", events=[{"event": "user", "text": "/scan_code"}])) is None


def test_the_follow_up_is_asked_only_when_the_message_can_reach_them():
    assert gemeente().follow_up_weeks > 0
    with_email = tracker(HEALTHY, consent_contact=True, contact_email="a@voorbeeld.nl")
    assert required_contact_slots(with_email)[-1] == FOLLOW_UP_SLOT
    phone_only = tracker(HEALTHY, consent_contact=True, contact_phone="+31612345678", contact_email="")
    assert FOLLOW_UP_SLOT not in required_contact_slots(phone_only)
    telegram = tracker(HEALTHY, consent_contact=True, contact_phone="+31612345678", contact_email="",
                       channel="telegram")
    assert required_contact_slots(telegram)[-1] == FOLLOW_UP_SLOT
    assert required_contact_slots(tracker(HEALTHY, consent_contact=False)) == ["consent_contact"]


@pytest.mark.asyncio
async def test_the_follow_up_question_says_when_and_how_and_takes_yes_or_no():
    d = CollectingDispatcher()
    await ActionAskFollowUpConsent().run(d, tracker(HEALTHY, contact_email="a@voorbeeld.nl"), {})
    text = d.messages[0]["text"]
    assert f"over {gemeente().follow_up_weeks} weken één bericht" in text and "per e-mail" in text
    assert "scan opnieuw" in text and "dan sturen we niets" in text
    answered = tracker(HEALTHY, "nee, liever niet", "deny", requested=FOLLOW_UP_SLOT, consent_contact=True,
                       contact_name="An", contact_phone="", contact_email="a@voorbeeld.nl", contact_preference="mail")
    events = slot_events(await ValidateHandoffForm().run(CollectingDispatcher(), answered, {}))
    assert events[FOLLOW_UP_SLOT] is False and events["requested_slot"] is None


@pytest.fixture
def live(tmp_path, monkeypatch):
    monkeypatch.setenv("CHANNEL_OPTIONS_DB", str(tmp_path / "channel_options.db"))
    svc = HandoffService(tmp_path, extra_env={"HANDOFF_ERASURE_KEY": KEY}).start()
    monkeypatch.setattr(hc, "_client", hc.HandoffClient(svc.url, API_TOKEN, tmp_path / "outbox.db"))
    monkeypatch.setenv("HANDOFF_URL", svc.url)
    monkeypatch.setenv("HANDOFF_API_TOKEN", API_TOKEN)
    yield svc
    svc.stop()


async def make_ticket(follow_up):
    t = tracker(ACUTE, consent_contact=True, special_category_consent=False, contact_name="Jan Jansen",
                contact_phone="+31612345678", contact_email="jan@voorbeeld.nl", contact_preference="mail",
                follow_up_consent=follow_up)
    return slot_events(await ActionCreateTicket().run(CollectingDispatcher(), t, {}))["handoff_reference"]


@pytest.mark.asyncio
async def test_consent_is_stored_on_the_ticket_and_without_it_nothing_is_planned(live):
    yes, no = await make_ticket(True), await make_ticket(False)
    first = live.staff_get(f"/api/tickets/{yes}").json()
    assert first["follow_up_consent"] is True and first["follow_up_due"] and first["answer_points"]
    second = live.staff_get(f"/api/tickets/{no}").json()
    assert second["follow_up_consent"] is False and second["follow_up_due"] is None


@pytest.mark.asyncio
async def test_a_scan_through_the_link_is_attached_to_the_same_ticket_once(live):
    reference = await make_ticket(True)
    token, code = scan_links.issue(Database(live.database_url, KEY), reference, "vervolg", 30)

    # the widget sends /scan_code with the token; the bot learns only that it works
    d = CollectingDispatcher()
    events = [{"event": "user", "text": "/scan_code", "metadata": {"scan_link": token}}]
    slots = slot_events(await ActionRedeemScanLink().run(d, tracker(text="/scan_code", intent="scan_code",
                                                                    events=events), {}))
    assert slots[OK_SLOT] is True and slots[CLAIM_SLOT] and slots[CLAIM_SLOT] != token
    assert "persoonlijke link" in d.messages[0]["text"]

    # the scan finishes: its outcome goes to the ticket, the claim is forgotten
    d = CollectingDispatcher()
    done = slot_events(await ActionScanOutcome().run(d, tracker(HEALTHY, **{CLAIM_SLOT: slots[CLAIM_SLOT]}), {}))
    assert done[CLAIM_SLOT] is None
    assert any("Uw nieuwe antwoorden zijn bij de gemeente" in m.get("text", "") for m in d.messages)
    page = live.staff_get(f"/inbox/tickets/{reference}").text
    assert "Het risico is gedaald (beter): van hoog naar laag." in page and "Gebruikt" in page

    # the code from the same message works no more: a clear Dutch answer, no scan
    d = CollectingDispatcher()
    again = slot_events(await ActionRedeemScanLink().run(d, tracker(text=f"Ik heb een code: {code}",
                                                                    intent="scan_code"), {}))
    assert again[OK_SLOT] is False and CLAIM_SLOT not in again
    assert "al gebruikt" in d.messages[0]["text"] and "zelfscan" in d.messages[0]["text"]


@pytest.mark.asyncio
async def test_an_unknown_code_gets_a_clear_answer(live):
    d = CollectingDispatcher()
    events = slot_events(await ActionRedeemScanLink().run(d, tracker(text="mijn code is ABCD-2345",
                                                                     intent="scan_code"), {}))
    assert events[OK_SLOT] is False and "kennen wij niet" in d.messages[0]["text"]
    d = CollectingDispatcher()
    await ActionRedeemScanLink().run(d, tracker(text="ik heb een code", intent="scan_code"), {})
    assert "Een code ziet er zo uit" in d.messages[0]["text"]
