"""A regional service on the action server's side: the region file, the gemeente of a
conversation (page, channel number or bot, or asked), its texts, form of address and
amounts, and the gemeente on the ticket and the anonymous record. No servers."""
from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import gemeente as gemeente_module
from actions import scan_record
from actions.catalogue import catalogue
from actions.conversation import ActionSessionStart, session_gemeente
from actions.gemeente import GemeenteConfigError, gemeente, using
from actions.scan_form import ASK_ACTIONS, ValidateScanForm
from tests.helpers import make_tracker, slot_events
from zelfscan_runtime import region as region_file
from zelfscan_runtime.action_server import activate_gemeente

CONFIG = Path(__file__).resolve().parents[1] / "gemeente" / "config.yml"
DOMAIN = {"forms": {"scan_form": {"required_slots": catalogue().ids()}}}


@pytest.fixture
def regio(tmp_path, monkeypatch):
    (tmp_path / "buurdorp.yml").write_text(
        f"extends: {CONFIG}\nname: Buurdorp\naddress_form: je\n"
        "ondernemersloket:\n  name: Loket Buurdorp\n  phone: '14 0999'\n  email: loket@buurdorp.nl\n"
        "  hours: elke werkdag\n  web: https://www.buurdorp.nl/ondernemers\n", encoding="utf-8")
    (tmp_path / "regio.yml").write_text(
        "name: Ondernemersloket Regio Voorbeeld\n"
        f"gemeenten:\n  voorbeeldstad: {CONFIG}\n  buurdorp: buurdorp.yml\n"
        "routes:\n  telegram: {buurdorp_zelfscan_bot: buurdorp}\n  twilio: {'whatsapp:+3197010000002': buurdorp}\n",
        encoding="utf-8")
    monkeypatch.setenv("GEMEENTE_CONFIG", str(tmp_path / "regio.yml"))
    return tmp_path


# ------------------------------------------------------------------ the region file

def test_one_gemeente_file_is_a_region_of_one():
    found = region_file.parse(CONFIG)
    assert not found.regional
    assert found.names == {"voorbeeldstad": "Voorbeeldstad"}
    assert found.for_channel("telegram", "any_bot") == "voorbeeldstad"


def test_a_region_file_lists_gemeenten_routes_and_extends(regio):
    found = region_file.parse(regio / "regio.yml")
    assert found.regional and list(found.names.items()) == [("voorbeeldstad", "Voorbeeldstad"),
                                                             ("buurdorp", "Buurdorp")]
    assert found.for_channel("telegram", "buurdorp_zelfscan_bot") == "buurdorp"
    assert found.for_channel("twilio", "whatsapp:+3197010000002") == "buurdorp"
    assert found.for_channel("twilio", "+31600000000") is None  # not known: the scan asks
    data = found.data("buurdorp")
    assert data["address_form"] == "je" and data["amounts"] == region_file.read_config(CONFIG)["amounts"]


@pytest.mark.parametrize("text, problem", [
    ("gemeenten: {}\n", "at least one"),
    ("gemeenten:\n  Voorbeeld Stad: config.yml\n", "may only hold"),
    ("gemeenten:\n  stad: config.yml\nroutes:\n  telegram: {bot: dorp}\n", "'dorp' is not in 'gemeenten'"),
    ("gemeenten:\n  stad: ontbreekt.yml\n", "not found"),
])
def test_a_wrong_region_file_is_refused_naming_the_place(tmp_path, text, problem):
    (tmp_path / "config.yml").write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "regio.yml").write_text(text, encoding="utf-8")
    with pytest.raises(region_file.RegionError, match=problem):
        region_file.parse(tmp_path / "regio.yml")


def test_extends_in_a_circle_is_refused(tmp_path):
    (tmp_path / "a.yml").write_text("extends: b.yml\nname: A\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("extends: a.yml\nname: B\n", encoding="utf-8")
    with pytest.raises(region_file.RegionError, match="circle"):
        region_file.read_config(tmp_path / "a.yml")


def test_a_wrong_gemeente_in_a_region_stops_the_start_naming_it(regio):
    (regio / "buurdorp.yml").write_text(f"extends: {CONFIG}\nname: Buurdorp\naddress_form: jij\n", encoding="utf-8")
    with pytest.raises(GemeenteConfigError, match="buurdorp"):
        gemeente_module.configs()


# --------------------------------------------------------- the conversation's gemeente

def test_each_gemeente_has_its_own_texts_contacts_and_form_of_address(regio):
    with using("buurdorp"):
        assert (gemeente().name, gemeente().address_form, gemeente().loket.phone) == ("Buurdorp", "je", "14 0999")
    with using("voorbeeldstad"):
        assert (gemeente().name, gemeente().address_form) == ("Voorbeeldstad", "u")
    with using("elders"):  # not in the region: not known
        assert not gemeente_module.is_known()


@pytest.mark.parametrize("text, found", [
    ("Buurdorp", "buurdorp"), ("ik woon in buurdorp", "buurdorp"), ("VOORBEELDSTAD!", "voorbeeldstad"),
    ("in de stad", None), ("Buurdorpen", None),
])
def test_a_gemeente_is_recognised_by_its_name(regio, text, found):
    assert gemeente_module.match_name(text) == found


def _session_tracker(metadata=None, channel="rest", slots=None):
    return Tracker(sender_id="s", slots={"session_started_metadata": metadata, **(slots or {})},
                   latest_message={}, events=[{"event": "user", "input_channel": channel}], paused=False,
                   followup_action=None, active_loop={}, latest_action_name="action_listen")


def test_the_page_the_channel_or_the_earlier_session_says_the_gemeente(regio):
    assert session_gemeente(_session_tracker({"gemeente": "buurdorp"})) == "buurdorp"
    assert session_gemeente(_session_tracker({"gemeente": "elders"})) is None
    assert session_gemeente(_session_tracker({"channel_address": "buurdorp_zelfscan_bot"}, "telegram")) == "buurdorp"
    assert session_gemeente(_session_tracker({}, slots={"gemeente": "voorbeeldstad"})) == "voorbeeldstad"
    assert session_gemeente(_session_tracker({})) is None


@pytest.mark.asyncio
async def test_session_start_sets_the_gemeente_and_its_form_of_address(regio, monkeypatch):
    from actions import conversation

    monkeypatch.setattr(conversation, "record_open_scan", _nothing)
    monkeypatch.setattr(conversation, "handoff_client", lambda: SimpleNamespace(ensure_worker=lambda: None))
    with using(None):
        events = await ActionSessionStart().run(CollectingDispatcher(), _session_tracker({"gemeente": "buurdorp"}), {})
    slots = slot_events(events)
    assert slots["gemeente"] == "buurdorp" and slots["address_form"] == "je"


async def _nothing(*_args, **_kwargs):
    return None


def test_the_action_server_makes_the_conversations_gemeente_current(regio):
    with using(None):
        activate_gemeente(SimpleNamespace(json={"tracker": {"slots": {"gemeente": "buurdorp"}}}))
        assert gemeente().name == "Buurdorp"
        activate_gemeente(SimpleNamespace(json={"tracker": {"slots": {"gemeente": "nergens"}}}))
        assert not gemeente_module.is_known()
        activate_gemeente(SimpleNamespace(json=["no", "tracker"]))
        assert not gemeente_module.is_known()


# ------------------------------------------------------------- asking the gemeente

@pytest.mark.asyncio
async def test_an_unknown_gemeente_is_asked_first_with_a_button_per_gemeente(regio):
    dispatcher = CollectingDispatcher()
    with using(None):
        events = await ASK_ACTIONS["acute_measures"]().run(dispatcher, make_tracker(requested="acute_measures"), DOMAIN)
    message = dispatcher.messages[0]
    assert "In welke gemeente woont u?" in message["text"]
    titles = [b["title"] for b in message["buttons"]]
    assert titles[:3] == ["Voorbeeldstad", "Buurdorp", "Een andere gemeente"]
    assert slot_events(events) == {"requested_slot": "lives_in_municipality"}


@pytest.mark.asyncio
async def test_a_known_gemeente_is_not_asked_and_the_question_is_the_usual_one(regio):
    dispatcher = CollectingDispatcher()
    with using("buurdorp"):
        await ASK_ACTIONS["lives_in_municipality"]().run(
            dispatcher, make_tracker(requested="lives_in_municipality"), DOMAIN)
    assert "Woon je in de gemeente Buurdorp?" in dispatcher.messages[0]["text"]


async def _answer(text, entities=()):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, requested="lives_in_municipality", entities=entities)
    with using(None):
        events = await ValidateScanForm().run(dispatcher, tracker, DOMAIN)
    return slot_events(events), dispatcher.messages


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["Buurdorp", "ik woon in buurdorp", "2"])
async def test_naming_a_gemeente_of_the_region_chooses_it(regio, text):
    slots, _ = await _answer(text)
    assert slots["gemeente"] == "buurdorp" and slots["lives_in_municipality"] is True
    assert slots["address_form"] == "je"  # from now on Buurdorp's form of address
    assert slots["requested_slot"] == "acute_measures"  # then the scan starts


@pytest.mark.asyncio
async def test_the_button_of_a_gemeente_chooses_it(regio):
    slots, _ = await _answer('/inform{"answer":"voorbeeldstad"}', [{"entity": "answer", "value": "voorbeeldstad"}])
    assert slots["gemeente"] == "voorbeeldstad" and slots["address_form"] == "u"


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["een andere gemeente", "ik woon ergens anders"])
async def test_another_gemeente_means_not_living_in_the_region(regio, text):
    slots, _ = await _answer(text)
    assert slots["lives_in_municipality"] is False and "gemeente" not in slots


@pytest.mark.asyncio
async def test_an_unclear_answer_is_asked_again_with_an_example(regio):
    slots, messages = await _answer("blauw")
    assert slots.get("lives_in_municipality") is None and slots["scan_retry"] == "lives_in_municipality"
    assert "bijvoorbeeld: Voorbeeldstad" in " ".join(m["text"] or "" for m in messages)


# ------------------------------------------------- the gemeente on records and tickets

def test_the_anonymous_record_names_the_gemeente_only_in_a_region(regio, monkeypatch):
    with using("buurdorp"):
        assert scan_record.abandoned("r" * 20, "rest", 0, "age")["gemeente"] == "buurdorp"
    with using(None):  # not known yet: no gemeente
        assert "gemeente" not in scan_record.abandoned("r" * 20, "rest", 0, "age")
    monkeypatch.setenv("GEMEENTE_CONFIG", str(CONFIG))
    assert "gemeente" not in scan_record.abandoned("r" * 20, "rest", 0, "age")


@pytest.mark.asyncio
async def test_each_gemeente_explains_with_its_own_amounts(regio):
    """Two gemeenten side by side: Buurdorp's file sets its own amounts (here a different
    urencriterium, as a gemeente would after a change of law it applies first); the same
    question is explained with each gemeente's figure."""
    import yaml

    from actions.scan_form import ActionExplainQuestion

    amounts = region_file.read_config(CONFIG)["amounts"]
    amounts["urencriterium"] = [{"valid_from": "2000-01-01", "source": "test", "value": 1300}]
    data = yaml.safe_load((regio / "buurdorp.yml").read_text(encoding="utf-8"))
    data["amounts"] = amounts
    (regio / "buurdorp.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    region_file._cached.cache_clear()
    gemeente_module._configs_of.cache_clear()

    async def explained(gemeente_id):
        dispatcher = CollectingDispatcher()
        with using(gemeente_id):
            await ActionExplainQuestion().run(dispatcher, make_tracker(requested="hours_per_week"), DOMAIN)
        return " ".join(m["text"] for m in dispatcher.messages)

    assert "1.300 uur" in await explained("buurdorp") and "1.225" not in await explained("buurdorp")
    assert "1.225 uur" in await explained("voorbeeldstad")


def test_the_start_check_names_what_the_handoff_service_does_not_serve(caplog):
    from actions.handoff_client import missing_gemeenten

    assert missing_gemeenten(["voorbeeldstad", "buurdorp"], ["voorbeeldstad", "buurdorp"]) == []
    assert not caplog.records
    assert missing_gemeenten(["voorbeeldstad", "buurdorp"], ["voorbeeldstad"]) == ["buurdorp"]
    assert "buurdorp" in caplog.records[-1].getMessage() and caplog.records[-1].levelname == "ERROR"
    # one gemeente here, a region there: its tickets all go to the region's first gemeente
    assert missing_gemeenten([], ["voorbeeldstad", "buurdorp"]) == []
    assert caplog.records[-1].levelname == "WARNING" and "every ticket goes to the first, voorbeeldstad" in \
        caplog.records[-1].getMessage()
    assert missing_gemeenten([], ["voorbeeldstad"]) == [] and len(caplog.records) == 2
