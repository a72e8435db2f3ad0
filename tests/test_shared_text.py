"""One normaliser and one option-number reader, shared by the answers, the crisis
patterns and the channels without buttons: the same words mean the same everywhere."""
import pytest

from actions.catalogue import catalogue, interpret
from actions.facts import facts_in
from zelfscan_channels import options
from zelfscan_nlu.patterns import is_crisis
from zelfscan_nlu.text import normalize, option_number


@pytest.mark.parametrize("text, expected", [
    ("Ik ZIE het niet méér zitten!", "ik zie het niet meer zitten"),
    ("Beëindigen…", "beeindigen..."),
    ("m’n zaak: €300", "m'n zaak euro 300"),
    ("  12.500,-  ", "12.500,-"),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_without_apostrophes_reads_words_only():
    assert normalize("m'n zaak", apostrophes=False) == "m n zaak"


@pytest.mark.parametrize("text", [
    "Ik zie het niet méér zitten!!", "ik wil er een éind aan maken…", "Zelfmoord.", "SUÏCIDAAL",
    "Ik zie het niet meer zitten, echt.",
])
def test_crisis_wording_is_found_whatever_the_case_accents_or_punctuation(text):
    assert is_crisis(text)


@pytest.mark.parametrize("text, count, expected", [
    ("2", 3, 1), (" 3. ", 3, 2), ("2)", 3, 1), ("optie 1", 3, 0), ("Keuze 2!", 3, 1), ("antwoord 3", 3, 2),
    ("nummer 10", 12, 9), ("4", 3, None), ("0", 3, None), ("2 jaar", 3, None), ("twee", 3, None), ("", 3, None),
])
def test_option_number(text, count, expected):
    assert option_number(text, count) == expected


@pytest.mark.parametrize("text", ["2", " 2.", "2)", "optie 2", "Keuze 2!", "antwoord 2", "4", "2 jaar"])
def test_the_scan_and_the_channel_read_an_option_number_alike(text, tmp_path, monkeypatch):
    question = catalogue()["outlook"]
    buttons = [{"title": c.label, "payload": c.value} for c in question.choices]
    monkeypatch.setenv("CHANNEL_OPTIONS_DB", str(tmp_path / "options.db"))
    options.remember("sms:+31612345678", buttons)
    by_channel = options.payload_for("sms:+31612345678", text)
    result = interpret(question, text)
    by_scan = result.value if result.ok else None
    assert by_scan == by_channel


def test_facts_read_words_with_apostrophes_as_before():
    found = {f.question.id: f.value for f in facts_in("m'n zaak loopt slecht, ik ben 61", {})}
    assert found.get("age") == 61
