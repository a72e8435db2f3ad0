"""zelfscan_runtime/rasa_patches.py: the cached validator refuses what Rasa refuses,
accepts what Rasa accepts, and the Rasa launcher applies the patches before Rasa loads."""
import inspect
import os

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

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


def test_apply_is_idempotent(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    monkeypatch.setattr(rasa_patches, "_applied", False)
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    rasa_patches.apply()
    rasa_patches.apply()
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result
