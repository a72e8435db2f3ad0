"""zelfscan_runtime/rasa_patches.py: the cached validator refuses what Rasa refuses,
accepts what Rasa accepts, and the Rasa launcher applies the patches before Rasa loads."""
import asyncio
import inspect
import os

import jsonschema
import pytest
import rasa.core.tracker_store as tracker_store
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

from zelfscan_runtime import rasa_patches

VALID = [
    {"events": [{"event": "slot", "timestamp": None, "name": "business_form", "value": "eenmanszaak"},
                {"event": "slot", "name": "requested_slot", "value": "years_in_business"}],
     "responses": [{"text": "Vraag 3 van 22. Hoe lang bent u al ondernemer?",
                    "buttons": [{"title": "Weet ik niet", "payload": '/inform{"answer":"onbekend"}'}]}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}],
     "responses": []},
    {},
    {"events": []},
]
INVALID = [
    {"events": [{"event": "slot", "value": "x"}]},          # a slot event without a name
    {"events": [{"event": "no_such_event"}]},               # an unknown event
    {"events": "slot"},                                     # events must be a list
    {"events": [], "responses": ["plain text"]},            # responses must be objects
    {"events": [{"event": "user", "text": 5}]},             # user text must be a string
    ["not", "an", "object"],
]


@pytest.fixture()
def restore(monkeypatch):
    """Whatever a patch changes in Rasa or SQLAlchemy is undone after the test."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(tracker_store, "create_engine_kwargs", tracker_store.create_engine_kwargs)
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    monkeypatch.setattr(rasa_patches, "_applied", False)
    yield
    if event.contains(Engine, "connect", rasa_patches._sqlite_write_ahead):
        event.remove(Engine, "connect", rasa_patches._sqlite_write_ahead)


@pytest.fixture()
def patched(monkeypatch):
    """RemoteAction with the cached validator (undone after the test)."""
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    rasa_patches.cached_action_validator()
    return RemoteAction("action_test", None)


def rasa_accepts(result) -> bool:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return True
    except ValidationError:
        return False


@pytest.mark.parametrize("result", VALID)
def test_a_valid_response_passes(patched, result):
    assert rasa_accepts(result)
    assert patched._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_response_is_still_refused(patched, result):
    assert not rasa_accepts(result)
    with pytest.raises(ValidationError) as refused:
        patched._validate_action_result(result)
    assert "Failed to validate Action server response" in refused.value.message


def test_the_error_is_the_one_jsonschema_validate_raises(patched):
    bad = {"events": [{"event": "slot", "value": "x"}]}
    with pytest.raises(ValidationError) as original:
        jsonschema.validate(bad, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError) as ours:
        patched._validate_action_result(bad)
    assert ours.value.message.startswith(original.value.message)
    assert list(ours.value.path) == list(original.value.path)


def test_the_validator_is_built_once(patched):
    assert rasa_patches.action_response_validator() is rasa_patches.action_response_validator()
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result


def test_one_openmp_thread_unless_the_environment_says_otherwise():
    env = {}
    rasa_patches.single_openmp_thread(env)
    assert env == {"OMP_NUM_THREADS": "1"}
    env = {"OMP_NUM_THREADS": "4"}
    rasa_patches.single_openmp_thread(env)
    assert env == {"OMP_NUM_THREADS": "4"}


def test_the_rasa_launcher_applies_the_patches_before_rasa_is_imported():
    from zelfscan_runtime import __main__ as launcher

    source = inspect.getsource(launcher._rasa)
    assert "apply()" in source
    assert source.index("rasa_patches") < source.index("from rasa.__main__ import main")


def test_apply_is_idempotent(restore, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    rasa_patches.apply()
    rasa_patches.apply()
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result


def test_the_sqlite_tracker_store_keeps_connections_and_writes_ahead(restore, tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy.pool import QueuePool

    rasa_patches.sqlite_tracker_store()
    domain = Domain.from_yaml("version: '3.1'\nslots:\n  age:\n    type: any\n    mappings: []\n")
    store = tracker_store.SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert isinstance(store.engine.pool, QueuePool)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL

    tracker = DialogueStateTracker.from_events("web-1", [ActionExecuted("action_listen"), UserUttered("hallo"),
                                                         SlotSet("age", 45)], domain.slots)
    asyncio.run(store.save(tracker))
    tracker.update(SlotSet("age", 46))
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("web-1"))
    assert again.get_slot("age") == 46
    assert [e.type_name for e in again.events] == [e.type_name for e in tracker.events]


def test_other_databases_keep_rasa_s_engine_arguments():
    from sqlalchemy.engine.url import make_url

    def rasa_kwargs(url):
        return {"pool_size": 50}

    postgres = make_url("postgresql://u:p@localhost/rasa")
    assert rasa_patches.sqlite_engine_kwargs(postgres, rasa_kwargs) == {"pool_size": 50}
    memory = make_url("sqlite://")
    assert rasa_patches.sqlite_engine_kwargs(memory, rasa_kwargs) == {"pool_size": 50}


def test_event_classes_resolve_as_in_rasa(restore):
    from rasa.shared.core.events import SlotSet, UserUttered

    names = ["user", "bot", "slot", "action", "active_loop", "followup", "session_started", "restart"]
    before = {n: Event.resolve_by_type(n) for n in names}
    rasa_patches.event_classes_once()
    assert {n: Event.resolve_by_type(n) for n in names} == before
    assert Event.resolve_by_type("slot") is SlotSet and Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.from_parameters({"event": "slot", "name": "age", "value": 3}) == SlotSet("age", 3)


def test_patches_can_be_left_out_to_measure_them(restore):
    assert rasa_patches.apply({"ZELFSCAN_RASA_PATCHES_OFF": "all"}) == []
    rasa_patches._applied = False
    with pytest.raises(ValueError):
        rasa_patches.apply({"ZELFSCAN_RASA_PATCHES_OFF": "no_such_patch"})
