"""The anonymous statistics record of a scan: built from the conversation, sent by the
outcome action, stored by the real handoff service without any personal data."""
import asyncio
import sqlite3
import time

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff_client as hc
from actions import scan_record
from actions.catalogue import catalogue
from actions.outcome_action import ActionScanOutcome
from tests.handoff_service.service import API_TOKEN, HandoffService
from tests.profiles import ACUTE

KEY = "k" * 40


def ev(kind, at, **fields):
    return {"event": kind, "timestamp": at, **fields}


SCAN = [
    ev("user", 1.0, text="ik wil de zelfscan doen"),
    ev("active_loop", 2.0, name="scan_form"),
    ev("slot", 2.1, name="requested_slot", value="acute_measures"),
    ev("slot", 3.0, name="acute_measures", value=False),
    ev("slot", 3.1, name="requested_slot", value="business_form"),
]


def test_the_latest_scan_start_names_the_record():
    again = SCAN + [ev("active_loop", 9.0, name=None), ev("active_loop", 10.0, name="scan_form")]
    assert scan_record.scan_started_at(SCAN) == 2.0
    assert scan_record.scan_started_at(again) == 10.0
    assert scan_record.scan_started_at([ev("user", 1.0)]) is None


def test_the_record_id_is_stable_unlinkable_and_per_scan():
    first = scan_record.record_id("whatsapp:+31612345678", 2.0, KEY)
    assert first == scan_record.record_id("whatsapp:+31612345678", 2.0, KEY)  # outcome, stop and ticket agree
    assert first != scan_record.record_id("whatsapp:+31612345678", 10.0, KEY)  # a second scan: a new record
    assert first != scan_record.record_id("whatsapp:+31612345679", 2.0, KEY)
    assert first != scan_record.record_id("whatsapp:+31612345678", 2.0, "x" * 40)  # keyed
    assert len(first) == 32 and "3161" not in first


def test_week_not_date():
    assert scan_record.iso_week(time.mktime((2026, 11, 30, 12, 0, 0, 0, 0, -1))) == "2026-W49"
    assert scan_record.iso_week(time.mktime((2027, 1, 1, 12, 0, 0, 0, 0, -1))) == "2026-W53"


def test_an_open_scan_is_found_and_a_finished_or_stopped_one_is_not():
    found = scan_record.open_scan(SCAN)
    assert found == {"started_at": 2.0, "question": "business_form", "at": 3.1}
    assert scan_record.open_scan(SCAN + [ev("slot", 4.0, name="risk_level", value="laag")]) is None
    assert scan_record.open_scan(SCAN + [ev("action", 4.0, name="action_stop_scan")]) is None
    assert scan_record.open_scan([ev("user", 1.0, text="hallo")]) is None
    # a new scan after a stopped one is open again
    restarted = SCAN + [ev("action", 4.0, name="action_stop_scan"), ev("active_loop", 5.0, name="scan_form"),
                        ev("slot", 5.1, name="requested_slot", value="acute_measures")]
    assert scan_record.open_scan(restarted)["question"] == "acute_measures"


def test_records_hold_only_the_anonymous_fields():
    slots = {"risk_level": "hoog", "urgent": True, "indications": ["schuldhulp"], "referrals": ["schuldhulpverlening"],
             "risk_score": 80, "risk_drivers": ["acute_measures"]}
    done = scan_record.finished("a" * 32, "socketio", 1764500000.0, slots)
    assert set(done) == {"id", "week", "channel", "stopped_at", "risk_level", "urgent", "indications", "referrals",
                         "contact_asked"}
    assert done["stopped_at"] == "klaar" and done["channel"] == "socketio"
    left = scan_record.abandoned("b" * 32, "some-new-channel", 1764500000.0, "total_debt")
    assert left["channel"] == "onbekend" and left["stopped_at"] == "total_debt" and "risk_level" not in left
    assert left["stopped_at"] in catalogue().ids()


@pytest.fixture
def service(tmp_path, monkeypatch):
    svc = HandoffService(tmp_path).start()
    monkeypatch.setattr(hc, "_client", hc.HandoffClient(svc.url, API_TOKEN, tmp_path / "outbox.db"))
    monkeypatch.setenv("ACTION_SERVER_TOKEN", KEY)
    yield svc
    svc.stop()


async def stored(svc, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if await hc.client().pending_count() == 0:
            break
        await asyncio.sleep(0.1)
    with sqlite3.connect(svc.database_url.replace("sqlite:///", "")) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM scan_records")]


@pytest.mark.asyncio
async def test_the_outcome_action_leaves_one_anonymous_record(service):
    slots = {qid: None for qid in catalogue().ids()}
    slots.update(ACUTE)
    tracker = Tracker(sender_id="whatsapp:+31687654321", slots=slots, latest_message={"text": "nee"},
                      events=SCAN, paused=False, followup_action=None, active_loop={},
                      latest_action_name="action_listen")
    await ActionScanOutcome().run(CollectingDispatcher(), tracker, {})
    await ActionScanOutcome().run(CollectingDispatcher(), tracker, {})  # the same scan again: still one record
    records = await stored(service)
    assert len(records) == 1
    record = records[0]
    assert record["id"] == scan_record.record_id("whatsapp:+31687654321", 2.0, KEY)
    assert record["stopped_at"] == "klaar" and record["risk_level"] == "hoog"
    for value in record.values():
        assert "31687654321" not in str(value) and "whatsapp" not in str(value)


@pytest.mark.asyncio
async def test_a_stopped_scan_is_recorded_where_it_stopped_and_a_later_finish_upgrades_it(service):
    from actions.conversation import ActionSessionStart, ActionStopScan

    def at(events):
        slots = {qid: None for qid in catalogue().ids()}
        slots.update(ACUTE)
        return Tracker(sender_id="telegram:4242", slots=slots, latest_message={"text": "ja"}, events=events,
                       paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen")

    await ActionStopScan().run(CollectingDispatcher(), at(SCAN), {})
    records = await stored(service)
    assert [(r["stopped_at"], r["risk_level"]) for r in records] == [("business_form", None)]

    # a scan left in the last session is recorded when the next one starts ...
    other = [dict(e) for e in SCAN]
    other[1]["timestamp"] = 50.0
    await ActionSessionStart().run(CollectingDispatcher(), at(other), {})
    # ... and becomes the finished record when the entrepreneur comes back and finishes it
    await ActionScanOutcome().run(CollectingDispatcher(), at(other), {})
    records = {r["id"]: r for r in await stored(service)}
    left = records[scan_record.record_id("telegram:4242", 50.0, KEY)]
    assert left["stopped_at"] == "klaar" and left["risk_level"] == "hoog"
    assert records[scan_record.record_id("telegram:4242", 2.0, KEY)]["stopped_at"] == "business_form"
