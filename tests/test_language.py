"""Which messages count as English (actions/language.py)."""
import pytest

from actions.language import looks_english


@pytest.mark.parametrize("text", [
    "Hello, I have a small business and I cannot pay my bills", "do you speak english?",
    "I need help with my debts please", "can you help me", "we have a bv and it is not going well",
])
def test_english(text):
    assert looks_english(text)


@pytest.mark.parametrize("text", [
    "hi", "ok", "top", "help", "thanks", "bv", "ik heb een webshop en mijn sales dalen",
    "mijn bedrijf is failliet", "ik wil de scan doen", "is goed", "we hebben een vof", "the end",
    "ik ben zzp'er in de IT, mijn business loopt niet",
])
def test_dutch_or_too_short_to_tell(text):
    assert not looks_english(text)
