"""A regional service end to end: one Rasa server, action server and handoff service for
two gemeenten (a region file in GEMEENTE_CONFIG). The page says its gemeente with the
widget's data-gemeente (sent as message metadata); without it the scan asks first. Each
conversation then gets its own gemeente's name and form of address."""
import json
import os
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.servers import Stack

pytestmark = pytest.mark.e2e
CONFIG = Path(__file__).resolve().parents[2] / "gemeente" / "config.yml"


@pytest.fixture(scope="module")
def regional(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regio")
    (folder / "buurdorp.yml").write_text(f"extends: {CONFIG}\nname: Buurdorp\naddress_form: je\n", encoding="utf-8")
    (folder / "regio.yml").write_text(
        f"name: Regio Voorbeeld\ngemeenten:\n  voorbeeldstad: {CONFIG}\n  buurdorp: buurdorp.yml\n", encoding="utf-8")
    before = os.environ.get("GEMEENTE_CONFIG")
    os.environ["GEMEENTE_CONFIG"] = str(folder / "regio.yml")  # the handoff service takes os.environ
    (folder / "stack").mkdir()
    stack = Stack(folder / "stack", extra_env={"GEMEENTE_CONFIG": str(folder / "regio.yml")})
    try:
        stack.start_handoff()
        stack.start_actions()
        stack.start_rasa()
        yield stack
    finally:
        stack.stop()
        if before is None:
            os.environ.pop("GEMEENTE_CONFIG", None)
        else:
            os.environ["GEMEENTE_CONFIG"] = before


def say(stack, sender, text, metadata=None):
    body = json.dumps({"sender": sender, "message": text, "metadata": metadata or {}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook", data=body,
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


def texts(answer):
    return " ".join(m.get("text") or "" for m in answer)


def test_the_page_says_the_gemeente_and_the_bot_speaks_for_it(regional):
    dorp = regional.new_conversation_id()
    greeting = texts(say(regional, dorp, "hallo", {"gemeente": "buurdorp"}))
    assert "gemeente Buurdorp" in greeting
    slots = regional.tracker(dorp)["slots"]
    assert slots["gemeente"] == "buurdorp" and slots["address_form"] == "je"
    first = texts(say(regional, dorp, "ik wil de zelfscan doen"))
    assert "In welke gemeente" not in first  # known from the page: not asked

    stad = regional.new_conversation_id()
    greeting = texts(say(regional, stad, "hallo", {"gemeente": "voorbeeldstad"}))
    assert "gemeente Voorbeeldstad" in greeting
    assert regional.tracker(stad)["slots"]["address_form"] == "u"


def test_without_a_gemeente_the_scan_asks_it_first(regional):
    sender = regional.new_conversation_id()
    say(regional, sender, "hallo")
    asked = say(regional, sender, "ik wil de zelfscan doen")
    question = asked[-1]
    assert "In welke gemeente woont u?" in question["text"]
    assert [b["title"] for b in question["buttons"]][:3] == ["Voorbeeldstad", "Buurdorp", "Een andere gemeente"]
    after = say(regional, sender, "ik woon in Buurdorp")
    slots = regional.tracker(sender)["slots"]
    assert slots["gemeente"] == "buurdorp" and slots["lives_in_municipality"] is True
    assert slots["requested_slot"] == "acute_measures" and "Vraag" in texts(after)
