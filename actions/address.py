"""Formal "u" or informal "je", as the gemeente configures (``address_form``).

Every text is written once, with "u". For gemeenten that choose "je", ``to_je`` turns
it into the informal form (pure functions; ``actions.texts.Speaker`` applies them to what
the actions send, ``scripts/address_variants.py`` to the domain's responses): "Heeft u ..." -> "Heb je ...", "u heeft" -> "je hebt",
"uw bedrijf" -> "je bedrijf", "dat u zich" -> "dat je je". The tests run it over every
text of the bot and check that no "u" is left and that known sentences come out right.

Writing rule for the "u" texts: when "u" is the subject and the verb does not follow it
directly, write "hebt" ("als u een uitkering hebt"), which is correct formal Dutch and
stays correct for "je".
"""
from __future__ import annotations

import re
from typing import Any, Dict, List

# Verb before "u" (inversion) -> the form before "je" (the stem: no -t).
INVERSION = {
    "heeft": "heb", "hebt": "heb", "bent": "ben", "kunt": "kun", "wilt": "wil", "houdt": "hou", "ziet": "zie",
    "kiest": "kies", "krijgt": "krijg", "opent": "open", "woont": "woon", "denkt": "denk", "geeft": "geef",
    "kijkt": "kijk", "leest": "lees", "vraagt": "vraag", "werkt": "werk", "gaat": "ga", "komt": "kom",
    "staat": "sta", "doet": "doe", "zoekt": "zoek", "wordt": "word", "typt": "typ", "belt": "bel",
    "noemt": "noem", "vindt": "vind", "zegt": "zeg", "mag": "mag", "weet": "weet", "moet": "moet", "zou": "zou",
    "hoeft": "hoef", "betaalt": "betaal",
    "wist": "wist", "zei": "zei", "noemde": "noemde", "kon": "kon", "wilde": "wilde", "had": "had", "was": "was",
}
_INVERSION_RE = re.compile(r"\b(" + "|".join(INVERSION) + r") u\b", re.IGNORECASE)


def _keep_case(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


_URL_RE = re.compile(r"(https?://\S+)")


def to_je(text: str) -> str:
    """The informal version of a text written with "u". Web addresses stay as they are
    (a link's path or fragment can hold "u" or "uw" between dashes)."""
    if not text:
        return text
    if "://" in text:
        return "".join(part if _URL_RE.fullmatch(part) else to_je(part) for part in _URL_RE.split(text))
    text = _INVERSION_RE.sub(lambda m: _keep_case(m.group(1), INVERSION[m.group(1).lower()]) + " je", text)
    text = re.sub(r"\b([uU]) heeft\b", lambda m: _keep_case(m.group(1), "je") + " hebt", text)
    text = re.sub(r"\b([uU]) zich\b", lambda m: _keep_case(m.group(1), "je") + " je", text)
    text = re.sub(r"\b([uU])zelf\b", lambda m: _keep_case(m.group(1), "je") + "zelf", text)
    text = re.sub(r"\b([uU])w\b", lambda m: _keep_case(m.group(1), "je"), text)
    text = re.sub(r"\b([uU])\b(?![.\-]\w)", lambda m: _keep_case(m.group(1), "je"), text)
    return text


def address_message(message: Dict[str, Any], form: str) -> Dict[str, Any]:
    """A bot message (text and button titles) in the configured form."""
    if form != "je":
        return message
    converted = dict(message)
    if converted.get("text"):
        converted["text"] = to_je(converted["text"])
    buttons: List[Dict[str, Any]] = converted.get("buttons") or []
    converted["buttons"] = [dict(b, title=to_je(b.get("title", ""))) for b in buttons]
    return converted
