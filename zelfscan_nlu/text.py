"""The one way user text is normalised, and the one reader of option numbers.

Shared by the action server (answer parsing, facts, the answer rule), the crisis
patterns of the NLU pipeline and the channels without buttons. Pure functions, no Rasa
imports, so every side can use them without loading the other.

(The sentence encoder prepares its input on its own, in ``sentence_encoder.normalise``:
that is part of the trained model, not of reading answers.)
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional


def normalize(text: str, apostrophes: bool = True) -> str:
    """Lowercase, strip accents, turn punctuation (except digits' . , and %) into spaces.

    ``apostrophes=False`` turns apostrophes into spaces too ("m'n" -> "m n"), for
    patterns that read words only."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("\u2019", "'").replace("\u20ac", " euro ")
    text = re.sub(r"[^\w\s.,%'\-+]" if apostrophes else r"[^\w\s.,%\-+]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def contains_phrase(norm_text: str, phrase: str) -> bool:
    """Whole-word phrase match on normalised text ("bij" does not match "bijstand")."""
    phrase = normalize(phrase)
    if not phrase:
        return False
    return re.search(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])", norm_text) is not None


_OPTION_NUMBER = re.compile(r"(?:optie|nummer|keuze|antwoord)?\s*(\d{1,2})\s*\.?")


def option_number(text: str, count: int) -> Optional[int]:
    """The index of the option a person chose by its number: '2', ' 2.', '2)', 'optie 2',
    'Keuze 2!' -> 1, when there are at least that many options; else None ('2 jaar')."""
    m = _OPTION_NUMBER.fullmatch(normalize(text))
    if m and 1 <= int(m.group(1)) <= count:
        return int(m.group(1)) - 1
    return None
