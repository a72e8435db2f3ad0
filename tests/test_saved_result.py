"""'Bewaar uw uitkomst': the result document in the link's fragment (what it holds, what
it never holds, how long the link gets) and the outcome action that offers it."""
import json
import re
from dataclasses import replace

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.address import to_je
from actions.catalogue import catalogue
from actions.gemeente import dutch_today, gemeente
from actions.outcome.result import build_outcome
from actions.outcome.saved_result import (
    MAX_LINK_CHARS,
    ONE_MESSAGE,
    build_document,
    decode,
    encode,
    max_link_chars,
    result_link,
    save_message,
)
from actions.outcome.scoring import weights
from actions.outcome.staff_summary import SENSITIVE_CAUSES
from actions.outcome_action import ActionScanOutcome
from tests.e2e.servers import ROOT
from tests.helpers import make_tracker
from tests.profiles import ACUTE, BV_GROWTH, HEALTHY, STARTER_FROM_BIJSTAND, STOPPING_AT_58, profile
from zelfscan_channels.text import LIMITS, split_message

ON = dutch_today()
CONFIG = gemeente()
URL = "https://chat.voorbeeldstad.nl"
PROFILES = {"healthy": HEALTHY, "acute": ACUTE, "starter": STARTER_FROM_BIJSTAND, "stopping_58": STOPPING_AT_58,
            "bv_growth": BV_GROWTH}
# a cause that is special-category data, with nothing else weighing: it is the heaviest answer
SICK = profile(main_cause=["ziekte", "scheiding"])
SENSITIVE_LABELS = [c.label for c in catalogue()["main_cause"].choices if c.sensitive]


def outcome(answers, distress=False, config=CONFIG):
    return build_outcome(answers, config, ON, distress)


def document(answers, distress=False, special_consent=False, config=CONFIG):
    return build_document(answers, outcome(answers, distress, config), config, special_consent)


def as_text(doc):
    return json.dumps(doc, ensure_ascii=False)


@pytest.mark.parametrize("name", PROFILES)
def test_the_document_holds_date_result_answers_indications_and_contact(name):
    answers = PROFILES[name]
    result = outcome(answers)
    doc = document(answers)
    assert doc["d"] == ON.isoformat()
    assert doc["l"] == result.score.level and doc["s"] == result.score.score
    assert doc["m"].startswith("Uw uitkomst: ")
    assert [w["q"] for w in doc["zw"]] == [q for q in result.score.drivers if answers.get(q) != "onbekend"][:3]
    for w in doc["zw"]:
        assert w["r"] == weights()[w["q"]].reason
    assert [i["id"] for i in doc["i"]] == [i.id for i in result.indications]
    for shown, ind in zip(doc["i"], result.indications, strict=True):
        assert shown["y"] == list(ind.reasons[:4]) and shown["c"].endswith("De gemeente beslist pas na een aanvraag.")
    loket = CONFIG.loket
    assert doc["c"] == {"n": loket.name, "f": loket.phone, "e": loket.email, "h": loket.hours, "w": loket.web}
    assert [p["n"] for p in doc["p"]] == [p.name for p in result.partners]
    assert decode(encode(doc)) == doc


def test_a_health_or_family_cause_is_left_out_without_the_separate_consent():
    result = outcome(SICK)
    assert result.score.drivers[0] == "main_cause"  # it weighed most
    assert "zorg_gezin" in result.situations
    doc = document(SICK)
    text = as_text(doc)
    assert "main_cause" not in [w["q"] for w in doc["zw"]]
    assert weights()["main_cause"].reason not in text
    for label in SENSITIVE_LABELS + sorted(SENSITIVE_CAUSES):
        assert label.lower() not in text.lower()
    wmo = [p for p in CONFIG.partners if "zorg_gezin" in p.fits]
    assert wmo and not {p.name for p in wmo} & {p["n"] for p in doc["p"]}  # the partner would reveal the cause


def test_with_the_separate_consent_the_cause_is_kept():
    doc = document(SICK, special_consent=True)
    assert doc["zw"][0]["q"] == "main_cause"
    assert "ziekte of ongeval" in doc["zw"][0]["a"]


def test_distress_is_never_on_the_page():
    result = outcome(ACUTE, distress=True)
    assert any("crisis" in p.fits for p in result.partners)  # the chat gave the crisis line
    text = as_text(document(ACUTE, distress=True, special_consent=True))
    assert CONFIG.crisis_phone not in text and CONFIG.crisis_name not in text
    assert "zwaar" not in text


def test_someone_who_lives_elsewhere_gets_the_elsewhere_text_and_no_indications():
    doc = document(profile(lives_in_municipality=False, monthly_income=300))
    assert doc["i"] == [] and doc["x"].startswith("Woont u in een andere gemeente?")


def test_unknown_answers_are_named_not_listed_as_weighing():
    doc = document(profile(total_debt="onbekend", buffer_months="onbekend"))
    assert doc["k"].startswith("U wist niet alles.")
    assert "total_debt" not in [w["q"] for w in doc["zw"]]


def test_the_informal_form_when_the_gemeente_chooses_je():
    je = replace(CONFIG, address_form="je")
    doc = document(ACUTE, config=je)
    assert doc["j"] == 1
    assert doc["m"] == to_je(document(ACUTE)["m"]) and doc["m"].startswith("Je uitkomst")
    assert doc["c"]["w"] == CONFIG.loket.web and doc["c"]["e"] == CONFIG.loket.email  # addresses untouched
    text = as_text({k: v for k, v in doc.items() if k not in ("c", "p")})
    assert " uw " not in text and " u " not in text


def test_to_je_leaves_links_alone():
    link = "https://chat.example.nl/uitkomst#v1.ab-u-uw-u.cd_u"
    assert to_je(f"Heeft u dit?\n{link}") == f"Heb je dit?\n{link}"


# ---- the link: fragment only, and a length every channel takes -----------------------

def test_the_result_is_in_the_fragment_so_the_server_never_gets_it():
    link = result_link(URL, ACUTE, outcome(ACUTE), CONFIG)
    page, fragment = link.split("#", 1)
    assert page == URL + "/uitkomst"
    assert fragment.startswith("v1.") and set(fragment[3:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode(fragment) == document(ACUTE)


@pytest.mark.parametrize("channel", [None, "socketio", "rest", "telegram", "slack", "botframework", "twilio"])
@pytest.mark.parametrize("name", PROFILES)
def test_every_link_fits_its_channel(name, channel):
    answers = PROFILES[name]
    link = result_link(URL, answers, outcome(answers, distress=True), CONFIG,
                       max_chars=max_link_chars(channel))
    assert link is not None and len(link) <= max_link_chars(channel)
    message = save_message(link)
    limit = LIMITS.get(channel or "", 4096)
    parts = split_message(message, limit)
    assert len(parts) == 1 and parts[0].endswith(link)  # one message, the link whole
    doc = decode(link.split("#", 1)[1])
    assert doc["d"] and doc["m"] and doc["c"]["f"] == CONFIG.loket.phone  # shedding keeps the essentials


def test_typical_link_lengths():
    """The figures for the README: full documents, no shedding needed on the web."""
    lengths = {name: len(result_link(URL, a, outcome(a), CONFIG)) for name, a in PROFILES.items()}
    full = {name: len(URL + "/uitkomst#" + encode(document(a))) for name, a in PROFILES.items()}
    assert lengths == full  # under 2,000: nothing was left out
    assert max(lengths.values()) < MAX_LINK_CHARS
    print("link lengths:", lengths)


def test_a_long_document_sheds_detail_before_it_gets_too_long():
    doc = document(ACUTE)
    full = len(URL + "/uitkomst#" + encode(doc))
    limit = full - 200
    link = result_link(URL, ACUTE, outcome(ACUTE), CONFIG, max_chars=limit)
    assert len(link) <= limit
    short = decode(link.split("#", 1)[1])
    assert short["d"] == doc["d"] and short["m"] == doc["m"] and short["c"] == doc["c"]
    assert [i["id"] for i in short["i"]] == [i["id"] for i in doc["i"]]  # every indication stays
    assert all(i["y"] for i in short["i"])  # each with at least one reason
    assert result_link(URL, ACUTE, outcome(ACUTE), CONFIG, max_chars=300) is None  # never a broken link


@pytest.mark.parametrize("broken", ["", "v1.", "v2.abc", "v1.!!!", "v1." + encode({"v": 1})[3:],
                                    encode(document(HEALTHY))[:-20]])
def test_a_broken_link_is_refused(broken):
    with pytest.raises(ValueError):
        decode(broken)  # an incomplete document is not a result either


def test_on_sms_the_link_and_its_message_fit_in_one_message():
    assert ONE_MESSAGE["twilio"] == LIMITS["twilio"]
    assert max_link_chars("twilio") + len(save_message("")) == LIMITS["twilio"]
    assert max_link_chars("twilio") > 1000  # a result still fits


# ---- the action ------------------------------------------------------------------------

def tracker_on(channel, answers, slots=None):
    base = make_tracker(answers, form_active=False, extra_slots=slots)
    events = [{"event": "user", "text": "klaar", "input_channel": channel, "parse_data": {}}]
    return Tracker(base.sender_id, base.slots, base.latest_message, events, False, None, {}, "action_listen")


async def run_outcome(tracker):
    dispatcher = CollectingDispatcher()
    await ActionScanOutcome().run(dispatcher, tracker, {})
    return [m["text"] for m in dispatcher.messages]


@pytest.mark.asyncio
async def test_the_outcome_offers_the_link_before_the_contact_question(monkeypatch):
    monkeypatch.setenv("HANDOFF_PUBLIC_URL", URL + "/")
    texts = await run_outcome(tracker_on("socketio", STOPPING_AT_58))
    save = [t for t in texts if "Bewaar uw uitkomst: " in t]
    assert len(save) == 1 and texts.index(save[0]) == len(texts) - 2  # then the contact offer
    line = save[0].splitlines()[-1]
    assert line.startswith(f"Bewaar uw uitkomst: {URL}/uitkomst#v1.")
    doc = decode(line.split("#", 1)[1])
    assert doc["l"] == outcome(STOPPING_AT_58).score.level


@pytest.mark.asyncio
async def test_no_contact_details_of_the_entrepreneur_in_the_link(monkeypatch):
    monkeypatch.setenv("HANDOFF_PUBLIC_URL", URL)
    contact = {"contact_name": "Jan de Vries", "contact_phone": "0612345678", "contact_email": "jan@example.nl",
               "contact_preference": "ochtend"}
    texts = await run_outcome(tracker_on("socketio", SICK, contact))
    link = next(t for t in texts if "/uitkomst#" in t).splitlines()[-1].split(": ", 1)[1]
    text = as_text(decode(link.split("#", 1)[1]))
    for value in list(contact.values()) + SENSITIVE_LABELS:
        assert value not in text


@pytest.mark.asyncio
async def test_sms_gets_the_link_in_one_message(monkeypatch):
    monkeypatch.setenv("HANDOFF_PUBLIC_URL", URL)
    texts = await run_outcome(tracker_on("twilio", ACUTE, {"distress_reported": True}))
    save = next(t for t in texts if "/uitkomst#" in t)
    assert len(save) <= LIMITS["twilio"] and split_message(save, LIMITS["twilio"]) == [save]


# web/src/widget.js: SAVE_LINE_RE, the last line "label: link" of a bot message
WIDGET_SAVE_LINE = re.compile(r"\n([^\n:]{1,60}): (https?://[^\s#]+/uitkomst#v1\.[A-Za-z0-9_-]+)\s*$")


@pytest.mark.parametrize("form", ["u", "je"])
def test_the_widget_finds_the_label_and_the_link_on_the_last_line(form):
    link = result_link(URL, ACUTE, outcome(ACUTE), CONFIG)
    message = save_message(link) if form == "u" else to_je(save_message(link))
    found = WIDGET_SAVE_LINE.search(message)
    assert found and found.group(2) == link
    assert found.group(1) == ("Bewaar uw uitkomst" if form == "u" else "Bewaar je uitkomst")
    widget = (ROOT / "web" / "src" / "widget.js").read_text()
    assert WIDGET_SAVE_LINE.pattern.replace("/", "\\/") in widget  # the same expression


def test_a_ticket_transcript_keeps_no_result_from_the_link():
    from actions.handoff_form import transcript

    link = result_link(URL, ACUTE, outcome(ACUTE), CONFIG)
    base = make_tracker(ACUTE, form_active=False)
    events = [{"event": "bot", "text": save_message(link)}, {"event": "user", "text": "nee"}]
    tracker = Tracker(base.sender_id, base.slots, base.latest_message, events, False, None, {}, "action_listen")
    lines = transcript(tracker)
    assert lines[0]["text"].endswith(f"Bewaar uw uitkomst: {URL}/uitkomst")
    assert link.split("#", 1)[1] not in json.dumps(lines) and "#v1." not in json.dumps(lines)
    assert lines[1] == {"who": "user", "text": "nee"}
