"""Building rasa_sdk trackers for action tests."""
from typing import Any, Dict, Iterable, Optional

from rasa_sdk import Tracker

from actions.catalogue import catalogue


def make_tracker(
    answers: Optional[Dict[str, Any]] = None,
    text: str = "",
    intent: str = "inform",
    requested: Optional[str] = None,
    entities: Iterable[Dict[str, Any]] = (),
    extra_slots: Optional[Dict[str, Any]] = None,
    form_active: bool = True,
    confidence: float = 0.9,
) -> Tracker:
    slots: Dict[str, Any] = {qid: None for qid in catalogue().ids()}
    slots.update(answers or {})
    slots.update(extra_slots or {})
    slots["requested_slot"] = requested
    return Tracker(
        sender_id="test-user",
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": list(entities)},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "scan_form"} if form_active else {},
        latest_action_name="action_listen",
    )


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
