"""Is a message written in English? A municipal assistant in Dutch still owes an
English-speaking entrepreneur one line they can read: where to get help in English.

A pure word count, no model: common English function words against common Dutch ones.
Short Dutch answers ("ok", "top", "bv") and Dutch with an English word in it ("ik heb
een webshop en mijn sales dalen") stay Dutch.
"""
from __future__ import annotations

import re

_ENGLISH = frozenset({
    "the", "i", "i'm", "im", "my", "you", "your", "is", "are", "am", "was", "have", "has", "had", "can", "can't",
    "cannot", "do", "does", "don't", "dont", "not", "and", "or", "to", "of", "for", "with", "what", "how", "why",
    "please", "help", "speak", "english", "hello", "hi", "thanks", "thank", "money", "debt", "debts", "pay",
    "business", "company", "a", "an", "it", "it's", "this", "that", "there", "need", "want", "would", "could",
    "should", "about", "from", "me", "we", "our", "they", "be", "will", "if", "any", "no", "yes", "sorry",
})
_DUTCH = frozenset({
    "de", "het", "een", "ik", "mijn", "je", "jij", "u", "uw", "is", "zijn", "ben", "heb", "hebben", "kan", "kun",
    "niet", "en", "of", "te", "van", "voor", "met", "wat", "hoe", "waarom", "graag", "hulp", "spreek", "hallo",
    "hoi", "dank", "bedankt", "geld", "schuld", "schulden", "betalen", "bedrijf", "zaak", "dit", "dat", "er",
    "nodig", "wil", "wel", "over", "naar", "we", "wij", "ons", "onze", "als", "nee", "ja", "maar", "ook", "nog",
})
# words both languages have ("is", "we") count for neither
_SHARED = _ENGLISH & _DUTCH


def looks_english(text: str) -> bool:
    """True for a message that is mostly English: at least three English words and
    more than twice as many as Dutch ones."""
    words = re.findall(r"[a-z']+", (text or "").lower())
    english = sum(1 for w in words if w in _ENGLISH and w not in _SHARED)
    dutch = sum(1 for w in words if w in _DUTCH and w not in _SHARED)
    return english >= 3 and english > 2 * dutch
