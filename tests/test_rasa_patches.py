"""zelfscan_runtime/rasa_patches.py: the cached validator refuses what Rasa refuses,
accepts what Rasa accepts, and the Rasa launcher applies the patches before Rasa loads."""
import asyncio
import inspect
import os
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import rasa.core.tracker_store as tracker_store
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from zelfscan_nlu import sentence_encoder
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
    monkeypatch.setattr(DialogueStateTracker, "applied_events", DialogueStateTracker.applied_events)
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    monkeypatch.setattr(tracker_store.SQLTrackerStore, "_retrieve", tracker_store.SQLTrackerStore._retrieve)
    monkeypatch.setattr(tracker_store.SQLTrackerStore, "_additional_events",
                        tracker_store.SQLTrackerStore._additional_events)
    monkeypatch.setattr(rasa_patches, "_applied", False)
    monkeypatch.setattr(rasa_patches, "_sqlite_synchronous", rasa_patches._sqlite_synchronous)
    yield
    sentence_encoder.disable_cache()
    rasa_patches.forget_trackers()
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


SCHEMA = RemoteAction.action_response_format_spec()
EVENT_TYPES = [b["properties"]["event"]["const"] for b in SCHEMA["properties"]["events"]["items"]["oneOf"]]
KEYS = sorted({k for b in SCHEMA["properties"]["events"]["items"]["oneOf"] for k in b.get("properties", {})}
              | {"timestamp", "metadata", "extra"})
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
                   st.text(max_size=4), st.lists(st.integers(0, 2), max_size=2),
                   st.dictionaries(st.sampled_from(["name", "text", "value", "entity"]), st.text(max_size=3), max_size=2))
WELL_FORMED = st.sampled_from([
    {"event": "slot", "name": "risk_level", "value": "hoog", "timestamp": None},
    {"event": "bot", "text": "Vraag 3 van 22.", "data": {"buttons": []}, "metadata": {}},
    {"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0},
    {"event": "active_loop", "name": "scan_form"}, {"event": "followup", "name": "utter_greet"},
    {"event": "reset_slots"}, {"event": "restart"}, {"event": "session_started", "timestamp": 1.5},
    {"event": "user", "text": "ja", "parse_data": {"intent": {"name": "affirm", "confidence": 0.9},
                                                   "entities": [{"entity": "amount", "value": 5}]}},
    {"event": "reminder", "intent": "x", "date_time": "2026-11-30T10:00:00", "entities": None},
    {"event": "form", "name": None}, {"event": "pause"}, {"event": "resume"}, {"event": "undo"},
])
EVENTS = st.one_of(
    WELL_FORMED, WELL_FORMED,
    st.builds(lambda e, k, v: dict(e, **{k: v}), WELL_FORMED, st.sampled_from(KEYS), VALUES),
    st.fixed_dictionaries({"event": st.sampled_from(EVENT_TYPES + ["no_such_event"])},
                          optional={k: VALUES for k in KEYS if k != "event"}),
    VALUES)
RESPONSES = st.one_of(
    st.fixed_dictionaries({"events": st.lists(st.one_of(WELL_FORMED, WELL_FORMED, WELL_FORMED, EVENTS), max_size=5),
                           "responses": st.lists(st.fixed_dictionaries({"text": st.text(max_size=5)}), max_size=2)}),
    st.fixed_dictionaries({}, optional={"events": st.one_of(st.lists(EVENTS, max_size=4), VALUES),
                                        "responses": st.one_of(st.lists(VALUES, max_size=2), VALUES)}),
    VALUES)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RESPONSES)
@example({"events": [{"event": [], "name": "risk_level", "value": "hoog", "timestamp": None}], "responses": []})
@example({"events": [{"event": {"a": 1}}]})
def test_the_fast_check_accepts_only_what_the_full_schema_accepts(result):
    """Random responses of every event type with right and wrong field types: the
    validator's verdict, and its error, are those of jsonschema.validate."""
    validator = rasa_patches.action_response_validator()
    error = validator.best_error(result)
    assert (error is None) == rasa_accepts(result)
    if error is not None:
        with pytest.raises(ValidationError) as original:
            jsonschema.validate(result, SCHEMA)
        assert error.message == original.value.message


@pytest.mark.parametrize("result", VALID)
def test_a_valid_response_takes_the_fast_check(result):
    validator = rasa_patches.ActionResponseValidator(SCHEMA)
    assert validator.best_error(result) is None
    assert validator.fast_checks == 1


def test_a_schema_of_another_shape_gets_the_full_validator_only():
    schema = {"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object"}}}}
    validator = rasa_patches.ActionResponseValidator(schema)
    assert validator.best_error({"events": [{"event": "x"}]}) is None
    assert validator.fast_checks == 0
    assert validator.best_error({"events": ["x"]}) is not None


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


KILLED_WRITER = """
import asyncio, os, signal, sys
import rasa.core.tracker_store as tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from zelfscan_runtime import rasa_patches

rasa_patches.sqlite_tracker_store()
rasa_patches.sqlite_sync_at_checkpoints()
domain = Domain.from_yaml("version: '3.1'\\nslots:\\n  age:\\n    type: any\\n    mappings: []\\n")
store = tracker_store.SQLTrackerStore(domain, dialect="sqlite", db=sys.argv[1])
with store.engine.connect() as connection:
    print(connection.exec_driver_sql("PRAGMA synchronous").scalar(), flush=True)
tracker = DialogueStateTracker.from_events("web-k", [ActionExecuted("action_listen")], domain.slots)
for age in range(20, 60):
    tracker.update(SlotSet("age", age))
    asyncio.run(store.save(tracker))
print("saved", flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no clean shutdown, no checkpoint
"""


def test_with_sync_at_checkpoints_a_killed_rasa_loses_no_answered_message(restore, tmp_path):
    import subprocess
    import sys

    db = tmp_path / "tracker.db"
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(db)], capture_output=True, text=True,
                          timeout=300, cwd=str(Path(__file__).resolve().parent.parent))
    assert done.returncode == -9, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "saved"]  # synchronous=NORMAL was in force
    rasa_patches.sqlite_tracker_store()
    store = tracker_store.SQLTrackerStore(tracker_domain(), dialect="sqlite", db=str(db))
    assert asyncio.run(store.retrieve("web-k")).get_slot("age") == 59


def test_sync_at_checkpoints_needs_the_write_ahead_log(restore, tmp_path):
    rasa_patches.sqlite_sync_at_checkpoints()  # without the sqlite patch: Rasa's SQLite as it is
    store = tracker_store.SQLTrackerStore(tracker_domain(), dialect="sqlite", db=str(tmp_path / "a.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2


def test_patches_can_be_left_out_to_measure_them(restore):
    assert rasa_patches.apply({"ZELFSCAN_RASA_PATCHES_OFF": "all"}) == []
    rasa_patches._applied = False
    with pytest.raises(ValueError):
        rasa_patches.apply({"ZELFSCAN_RASA_PATCHES_OFF": "no_such_patch"})


# --- applied events: kept and extended, always what Rasa computes -------------------------------------


def rasa_applied_events(tracker):
    """What Rasa 3.6 itself returns for this tracker (its unpatched method)."""
    return RASA_APPLIED_EVENTS(tracker)


RASA_APPLIED_EVENTS = DialogueStateTracker.applied_events


def project_trackers():
    """The trackers Rasa trains on: every rule and story of data/."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.core.training_data.structures import StoryGraph

    domain = Domain.load("domain.yml")
    steps = []
    for path in sorted(Path("data").rglob("*.yml")):
        steps += YAMLStoryReader(domain).read_from_file(str(path))
    trackers = TrainingDataGenerator(StoryGraph(steps), domain, remove_duplicates=False,
                                     augmentation_factor=0).generate()
    return domain, trackers


def synthetic_events():
    """Reverts, restarts, session starts, a loop's unhappy path and a loop name that
    appears only late in the conversation."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionExecutionRejected,
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )

    listen = ActionExecuted("action_listen")
    return [
        ActionExecuted("action_session_start"), SessionStarted(), listen, UserUttered("hoi", {"name": "greet"}),
        ActionExecuted("scan_form"), ActiveLoop("scan_form"), SlotSet("requested_slot", "age"), listen,
        UserUttered("45", {"name": "inform"}), ActionExecuted("scan_form"), SlotSet("age", 45), listen,
        UserUttered("waarom?", {"name": "explain_question"}), ActionExecutionRejected("scan_form"),
        ActionExecuted("action_explain_question"), ActionExecuted("scan_form"), listen,
        UserUttered("nee", {"name": "deny"}), ActionExecuted("utter_x"), ActionReverted(), listen,
        UserUttered("foo", {"name": "nlu_fallback"}), UserUtteranceReverted(), listen,
        UserUttered("ja", {"name": "affirm"}), ActionExecuted("scan_form"), ActiveLoop(None),
        ActionExecuted("handoff_form"), listen, UserUttered("ja", {"name": "affirm"}),
        ActionExecuted("handoff_form"), ActiveLoop("handoff_form"), listen, UserUttered("stop", {"name": "stop"}),
        Restarted(), ActionExecuted("action_session_start"), SessionStarted(), listen,
        UserUttered("hoi", {"name": "greet"}), ActionExecuted("scan_form"), ActiveLoop("scan_form"), listen,
    ]


def test_applied_events_equal_rasa_s_for_every_project_tracker_as_it_grows(restore):
    """Each tracker is built event by event, as Rasa does while serving, and asked for its
    applied events after every event (and twice): always Rasa's own answer."""
    domain, trackers = project_trackers()
    assert len(trackers) > 50
    rasa_patches.applied_events_once()
    checked = 0
    for source in trackers + [DialogueStateTracker.from_events("s", synthetic_events(), domain.slots)]:
        growing = DialogueStateTracker("t", domain.slots)
        for event in source.events:
            growing.update(event)
            expected = rasa_applied_events(growing)
            assert growing.applied_events() == expected
            again = growing.applied_events()
            assert again == expected
            again.append("changed by a caller")
            assert growing.applied_events() == expected  # every caller gets its own list
            checked += 1
    assert checked > 500


def test_applied_events_start_again_when_the_events_are_not_just_appended(restore):
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered

    rasa_patches.applied_events_once()
    events = synthetic_events()
    tracker = DialogueStateTracker.from_events("s", events[:12], [])
    assert tracker.applied_events() == rasa_applied_events(tracker)
    # a loop name that appears only now changes how earlier events count
    tracker.update(ActiveLoop("action_explain_question"))
    assert tracker.applied_events() == rasa_applied_events(tracker)
    # the deque replaced (as a copy of the tracker gets its own)
    copy = tracker.copy()
    copy.update(UserUttered("x", {"name": "inform"}))
    assert copy.applied_events() == rasa_applied_events(copy)
    assert tracker.applied_events() == rasa_applied_events(tracker)
    # a bounded history drops the first event: computed from the start
    bounded = DialogueStateTracker.from_events("b", events[:8], [], max_event_history=8)
    assert bounded.applied_events() == rasa_applied_events(bounded)
    bounded.update(ActionExecuted("scan_form"))
    assert bounded.applied_events() == rasa_applied_events(bounded)


# --- remembered sentence encodings -------------------------------------------------------------------


def test_a_remembered_encoding_is_the_encoding(restore):
    cache = sentence_encoder.enable_cache(size=2)
    first = cache.encode(["e5", "use"], "Ik heb schulden")
    assert (cache.hits, cache.misses) == (0, 1)
    assert np.array_equal(first, sentence_encoder.encode(["e5", "use"], ["Ik heb schulden"]))
    again = cache.encode(["e5", "use"], "  ik HEB schulden ")  # the same normalised text
    assert again is first and (cache.hits, cache.misses) == (1, 1)
    assert not first.flags.writeable  # shared between messages, so nobody may change it
    assert not np.array_equal(cache.encode(["use"], "Ik heb schulden"), first[:, :512])  # other encoders
    cache.encode(["e5", "use"], "nee")
    assert len(cache) == 2  # the least recently used text went
    cache.encode(["e5", "use"], "Ik heb schulden")
    assert cache.misses == 4


def test_the_featurizer_gives_the_same_features_with_remembered_encodings(restore):
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    featurizer = sentence_encoder.SentenceEncoderFeaturizer(
        {**sentence_encoder.SentenceEncoderFeaturizer.get_default_config()}, "enc")
    texts = ["ja", "Mijn omzet is gehalveerd", "ja"]
    plain = [Message(data={TEXT: t}) for t in texts]
    for message in plain:
        featurizer.process([message])
    rasa_patches.remembered_encodings()
    cache = sentence_encoder.cache()
    remembered = [Message(data={TEXT: t}) for t in texts]
    for message in remembered:
        featurizer.process([message])
    assert cache.hits == 1
    for a, b in zip(plain, remembered, strict=True):
        assert np.array_equal(a.features[0].features, b.features[0].features)
    # training (many messages at once) never uses the remembered encodings
    batch = [Message(data={TEXT: "iets nieuws"}), Message(data={TEXT: "nog iets"})]
    featurizer.process(batch)
    assert len(cache) == 2 and all(m.features for m in batch)


# --- one kept connection to the action server -------------------------------------------------------


class ActionServer:
    """A real HTTP server on loopback that answers like an action server and records
    which client connection (remote port) each call came over, and its headers."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    async def __aenter__(self):
        from aiohttp import web

        async def webhook(request):
            self.calls.append({"peer": request.transport.get_extra_info("peername")[1],
                               "token": request.headers.get("X-Zelfscan-Action-Token"),
                               "body": await request.json()})
            status, body = self.answer(len(self.calls))
            return web.json_response(body, status=status)

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()


def awkward_events():
    """Events whose JSON is easy to get wrong: accents, slashes, a lone surrogate, a euro
    sign, floats that do not round-trip in a short form, nested metadata."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    return [ActionExecuted("action_listen", timestamp=1.0),
            UserUttered("één/twee \ud800 € 1/3 \"quote\"", {"name": "inform", "confidence": 0.1 + 0.2},
                        metadata={"via": "https://x.nl/a?b=1", "n": [1, 2.5e-300]}, timestamp=2.123456789),
            BotUttered("Vraag 2 van 22.\nHoeveel?", {"buttons": [{"title": "€ 0", "payload": "/inform"}],
                                                     "custom": {"revenue": 12345.678901234567}},
                       timestamp=4.0)]


def run_action(url, name="action_test", calls=3, events=()):
    """``calls`` calls of one RemoteAction through one endpoint, as Rasa makes them;
    each result is the events, or the exception the call raised."""
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig

    endpoint = EndpointConfig(url, headers={"X-Zelfscan-Action-Token": "geheim"})
    domain = Domain.empty()
    tracker = DialogueStateTracker.from_events("c-1", list(events), [])

    async def go():
        results = []
        for _ in range(calls):
            try:
                results.append(await RemoteAction(name, endpoint).run(
                    CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain))
            except Exception as exc:  # noqa: BLE001 - the test looks at which one
                results.append(exc)
        for kept in endpoint.__dict__.get("_zelfscan_sessions", {}).values():
            await kept.close()
        return results

    return asyncio.run(go())


GOOD = {"events": [{"event": "slot", "name": "requested_slot", "value": "age"}],
        "responses": [{"text": "Vraag 1 van 22. Hoe oud bent u?"}]}


async def calls_with(answer, calls=3, events=()):
    async with ActionServer(answer) as server:
        results = await asyncio.get_running_loop().run_in_executor(None, run_action, server.url, "action_test",
                                                                   calls, events)
        return server, results


def test_action_calls_reuse_one_connection_and_answer_as_before(restore):
    server, unpatched = asyncio.run(calls_with(lambda n: (200, GOOD)))
    assert not any(isinstance(r, Exception) for r in unpatched)
    assert len({c["peer"] for c in server.calls}) == 3  # Rasa: a new connection per call
    rasa_patches.kept_action_connection()
    server, patched = asyncio.run(calls_with(lambda n: (200, GOOD)))
    assert len({c["peer"] for c in server.calls}) == 1  # one connection for all three
    assert patched == unpatched  # the same events and utterances
    assert all(c["token"] == "geheim" for c in server.calls)
    assert server.calls[0]["body"]["next_action"] == "action_test"
    assert server.calls[0]["body"]["tracker"]["sender_id"] == "c-1"


def test_the_action_server_reads_the_same_request_as_without_the_patch(restore):
    """The kept session encodes the body with ujson: what the action server parses is
    exactly what Rasa's own json.dumps body gives, for awkward text and numbers too."""
    rasa_before, _ = asyncio.run(calls_with(lambda n: (200, GOOD), calls=1, events=awkward_events()))
    rasa_patches.kept_action_connection()
    patched, results = asyncio.run(calls_with(lambda n: (200, GOOD), calls=1, events=awkward_events()))
    assert not any(isinstance(r, Exception) for r in results)
    assert patched.calls[0]["body"] == rasa_before.calls[0]["body"]
    user = [e for e in patched.calls[0]["body"]["tracker"]["events"] if e["event"] == "user"][0]
    assert user["text"] == "één/twee \ud800 € 1/3 \"quote\""
    assert user["metadata"]["n"] == [1, 2.5e-300]


def test_request_json_is_the_standard_library_s_json_or_falls_back_to_it():
    import json

    for value in [{"a": "x/y é \ud800", "b": [0.1 + 0.2, 1e300, -0.0, 10**20]}, {1: "int key"}, {"n": None}]:
        assert json.loads(rasa_patches.request_json(value)) == json.loads(json.dumps(value))
    with pytest.raises(TypeError):  # what neither encodes is refused as Rasa refuses it
        rasa_patches.request_json({"b": b"bytes"})


def test_with_a_kept_connection_refusals_and_errors_are_rasa_s(restore):
    from rasa.core.actions.action import ActionExecutionRejection
    from rasa.shared.exceptions import RasaException

    rasa_patches.kept_action_connection()
    rasa_patches.cached_action_validator()
    answers = {1: (200, {"events": [{"event": "slot", "value": "x"}]}),  # invalid: refused
               2: (400, {"action_name": "action_test", "error": "nee"}),  # the form rejects
               3: (500, {"error": "internal error"}),
               4: (200, GOOD)}
    server, results = asyncio.run(calls_with(lambda n: answers[n], calls=4))
    assert isinstance(results[0], ValidationError)
    assert isinstance(results[1], ActionExecutionRejection) and results[1].action_name == "action_test"
    assert isinstance(results[2], RasaException) and "Failed to execute custom action" in str(results[2])
    assert not isinstance(results[3], Exception)  # after the errors the kept session still works
    assert len({c["peer"] for c in server.calls}) == 1


# --- tracker rows read as text --------------------------------------------------------------------------


def two_session_conversation():
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

    first = [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=2.0),
             ActionExecuted("action_listen", timestamp=2.5), UserUttered("hoi", {"name": "greet", "confidence": 0.9}, timestamp=3.0),
             BotUttered("Dag!", timestamp=4.0), SlotSet("age", 45, timestamp=5.0)]
    second = [ActionExecuted("action_session_start", timestamp=10.0), SessionStarted(timestamp=11.0),
              SlotSet("age", 45, timestamp=11.5), ActionExecuted("action_listen", timestamp=12.0),
              UserUttered("ik ben 46", {"name": "inform", "confidence": 0.8}, timestamp=13.0),
              SlotSet("age", 46, timestamp=14.0)]
    return first, second


def store_and_read(store, domain):
    """Saves a conversation of two sessions in three steps; returns what each read gives."""
    first, second = two_session_conversation()
    tracker = DialogueStateTracker.from_events("web-2", first, domain.slots)
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("web-2"))  # as Rasa does for the next message
    for event in second:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("web-2"))
    asyncio.run(store.save(tracker))  # nothing new: nothing written twice
    latest = asyncio.run(store.retrieve("web-2"))
    full = asyncio.run(store.retrieve_full_tracker("web-2"))
    return {"latest": [e.as_dict() for e in latest.events], "slots": latest.current_slot_values(),
            "full": [e.as_dict() for e in full.events], "missing": asyncio.run(store.retrieve("nobody")),
            "rows": asyncio.run(store.keys())}


def tracker_domain():
    from rasa.shared.core.domain import Domain

    return Domain.from_yaml("version: '3.1'\nslots:\n  age:\n    type: any\n    mappings: []\n")


def test_tracker_rows_read_as_text_give_rasa_s_trackers_on_sqlite(restore, tmp_path):
    domain = tracker_domain()
    before = store_and_read(tracker_store.SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "a.db")), domain)
    rasa_patches.tracker_rows_as_text()
    after = store_and_read(tracker_store.SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "b.db")), domain)
    assert after == before
    assert len(before["full"]) == 12 and len(before["latest"]) == 5  # the last session only
    assert before["slots"]["age"] == 46 and before["missing"] is None


def test_tracker_rows_read_as_text_give_rasa_s_trackers_on_postgresql(restore):
    from tests.cluster import topology

    try:
        binaries = topology.tools()
    except topology.MissingTool as missing:
        pytest.skip(str(missing))
    server = topology.Postgres(binaries).start(["before", "after"])
    try:
        from sqlalchemy.engine.url import make_url

        domain = tracker_domain()

        def store(name):
            url = make_url(server.url(name))
            return tracker_store.SQLTrackerStore(domain, dialect="postgresql", host=url.host, port=url.port,
                                                 db=name, username=url.username, password=url.password)

        before = store_and_read(store("before"), domain)
        rasa_patches.tracker_rows_as_text()
        assert store_and_read(store("after"), domain) == before
    finally:
        server.stop()


# --- conversations kept between messages ---------------------------------------------------------------


def state(tracker):
    """Everything of a tracker that Rasa and the action server use."""
    from rasa.shared.core.trackers import EventVerbosity

    return {"state": tracker.current_state(EventVerbosity.ALL), "slots": tracker.current_slot_values(),
            "applied": [e.as_dict() for e in tracker.applied_events()], "loop": tracker.active_loop,
            "latest_action": tracker.latest_action, "followup": tracker.followup_action,
            "paused": tracker.is_paused(),
            # the empty message of a tracker without one is made with the time it was made
            "latest_message": {k: v for k, v in tracker.latest_message.as_dict().items()
                               if tracker.latest_message.text is not None or k != "timestamp"},
            "featurize_text": [getattr(e, "use_text_for_featurization", None) for e in tracker.events]}


def turns(events):
    """A conversation cut into messages: each turn starts at an action_listen."""
    from rasa.shared.core.events import ActionExecuted

    cuts = [i for i, e in enumerate(events) if isinstance(e, ActionExecuted) and e.action_name == "action_listen"]
    bounds = [0] + [c + 1 for c in cuts] + [len(events)]
    return [events[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def served(store, sender, events):
    """Serves a conversation message by message as Rasa's processor does: get the
    tracker (or a new one), append the turn's events, save. Returns the tracker after each."""
    after = []
    for turn in turns(events):
        tracker = asyncio.run(store.get_or_create_tracker(sender, append_action_listen=False))
        for event in turn:
            tracker.update(event)
        asyncio.run(store.save(tracker))
        after.append(state(tracker))
    return after


def stamped(events):
    """The events with rising timestamps, as Rasa gives them while serving."""
    import copy

    fresh = [copy.deepcopy(e) for e in events]
    for i, event in enumerate(fresh):
        event.timestamp = 1000.0 + i
    return fresh


def test_kept_conversations_are_the_conversations_rasa_reads(restore, tmp_path):
    """Every rule and story of data/ and a conversation with reverts, loops and a new
    session, served message by message: with kept trackers each message sees exactly
    the tracker Rasa reads from the database, and the database holds the same rows."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    domain, trackers = project_trackers()
    start = [ActionExecuted("action_session_start"), SessionStarted()]
    conversations = [stamped(start + list(t.events)) for t in trackers] + [stamped(synthetic_events())]
    rasa_patches.tracker_rows_as_text()
    plain = tracker_store.SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "plain.db"))
    expected = [served(plain, f"c-{i}", events) for i, events in enumerate(conversations)]
    rasa_patches.kept_trackers({})
    kept = tracker_store.SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "kept.db"))
    cache = rasa_patches.tracker_cache()
    for i, events in enumerate(conversations):
        assert served(kept, f"c-{i}", events) == expected[i]
        # and the next message would see what the database gives
        fresh = asyncio.run(rasa_patches._RASA_SQL["retrieve"](kept, f"c-{i}"))
        again = asyncio.run(kept.retrieve(f"c-{i}"))
        assert (again is None) == (fresh is None)
        if fresh is not None:
            assert state(again) == state(fresh)
            asyncio.run(kept.save(again))
    assert cache.hits > 50 and cache.appending_saves == cache.hits
    rows = "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
    with plain.engine.connect() as a, kept.engine.connect() as b:
        assert a.exec_driver_sql(rows).all() == b.exec_driver_sql(rows).all()


def kept_conversation(tmp_path):
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered

    domain = tracker_domain()
    rasa_patches.tracker_rows_as_text()
    rasa_patches.kept_trackers({})
    store = tracker_store.SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    events = stamped([SessionStarted(), ActionExecuted("action_listen"), UserUttered("ik ben 45", {"name": "inform"}),
                      SlotSet("age", 45), ActionExecuted("action_listen")])
    tracker = DialogueStateTracker.from_events("web-3", events, domain.slots)
    asyncio.run(store.save(tracker))
    assert len(rasa_patches.tracker_cache()) == 1
    return store, tracker


def test_an_erased_conversation_is_not_given_back(restore, tmp_path):
    store, tracker = kept_conversation(tmp_path)
    with store.engine.begin() as connection:  # the handoff service erases it (its own connection)
        connection.exec_driver_sql("DELETE FROM events WHERE sender_id = 'web-3'")
    assert asyncio.run(store.retrieve("web-3")) is None
    assert len(rasa_patches.tracker_cache()) == 0


def test_rows_written_by_another_process_are_read(restore, tmp_path):
    from rasa.shared.core.events import SlotSet

    store, tracker = kept_conversation(tmp_path)
    # another process: Rasa's own read and save, on the same database, its own connections
    other = tracker_store.SQLTrackerStore(tracker_domain(), dialect="sqlite", db=str(tmp_path / "t.db"))
    theirs = asyncio.run(rasa_patches._RASA_SQL["retrieve"](other, "web-3"))
    theirs.update(SlotSet("age", 50))
    asyncio.run(rasa_patches._RASA_SQL["save"](other, theirs))
    read = asyncio.run(store.retrieve("web-3"))
    assert read is not tracker and read.get_slot("age") == 50


def test_a_tracker_changed_after_its_save_is_read_again(restore, tmp_path):
    from rasa.shared.core.events import SlotSet

    store, tracker = kept_conversation(tmp_path)
    tracker.update(SlotSet("age", 99))  # a message that failed before Rasa saved it
    read = asyncio.run(store.retrieve("web-3"))
    assert read is not tracker and read.get_slot("age") == 45


def test_an_erasure_while_a_message_is_served_is_seen_by_the_next_read(restore, tmp_path):
    from rasa.shared.core.events import SlotSet

    store, tracker = kept_conversation(tmp_path)
    assert asyncio.run(store.retrieve("web-3")) is tracker
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM events WHERE sender_id = 'web-3'")
    tracker.update(SlotSet("age", 47))
    asyncio.run(store.save(tracker))
    read = asyncio.run(store.retrieve("web-3"))
    from_database = asyncio.run(rasa_patches._RASA_SQL["retrieve"](store, "web-3"))
    assert read is not tracker and state(read) == state(from_database)


def test_a_message_that_failed_half_way_is_saved_as_rasa_saves_it(restore, tmp_path):
    """A tracker handed out, changed and not saved (the message failed), then a fresh read
    of the same conversation saved: Rasa's own count decides what is new."""
    from rasa.shared.core.events import SlotSet

    store, tracker = kept_conversation(tmp_path)
    failed = asyncio.run(store.retrieve("web-3"))
    assert failed is tracker
    failed.update(SlotSet("age", 99))  # never saved
    again = asyncio.run(rasa_patches._RASA_SQL["retrieve"](store, "web-3"))
    again.update(SlotSet("age", 46))
    asyncio.run(store.save(again))
    assert rasa_patches.tracker_cache().appending_saves == 0
    stored = asyncio.run(rasa_patches._RASA_SQL["retrieve"](store, "web-3"))
    assert stored.get_slot("age") == 46 and len(stored.events) == len(tracker.events)
    # the failed tracker, saved late after all, is not taken for the one handed out
    asyncio.run(store.save(failed))
    assert rasa_patches.tracker_cache().appending_saves == 0


def test_a_kept_tracker_is_handed_out_once(restore, tmp_path):
    store, tracker = kept_conversation(tmp_path)
    assert asyncio.run(store.retrieve("web-3")) is tracker
    second = asyncio.run(store.retrieve("web-3"))  # e.g. while the first is being worked on
    assert second is not tracker and state(second) == state(tracker)


def test_trackers_are_kept_only_in_a_single_rasa_process(restore):
    assert rasa_patches.single_process({})
    assert not rasa_patches.single_process({"LOCK_STORE_URL": "redis://127.0.0.1:6379/1"})
    assert not rasa_patches.single_process({"SANIC_WORKERS": "2"})
    rasa_patches.kept_trackers({"LOCK_STORE_URL": "redis://127.0.0.1:6379/1"})
    assert rasa_patches.tracker_cache() is None
    assert tracker_store.SQLTrackerStore.retrieve is not rasa_patches._retrieve_kept


def test_at_most_the_configured_number_of_conversations_is_kept(restore, tmp_path):
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    rasa_patches.kept_trackers({}, size=2)
    store = tracker_store.SQLTrackerStore(tracker_domain(), dialect="sqlite", db=str(tmp_path / "n.db"))
    for n in range(3):
        tracker = DialogueStateTracker.from_events(f"c-{n}", stamped([SessionStarted(), ActionExecuted("action_listen")]),
                                                   [])
        asyncio.run(store.save(tracker))
    assert len(rasa_patches.tracker_cache()) == 2 and "c-0" not in rasa_patches.tracker_cache()._kept
