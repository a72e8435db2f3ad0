"""The one home of what the actions say, and the one way to say it.

The texts live in ``actions/texts.yml`` (written with "u", ``{placeholders}`` filled by
the code). :func:`render` is pure: a key and its values give the "u" text. A
:class:`Speaker` sends texts in the gemeente's form of address ("u", or "je" through
``actions.address.to_je``); every action sends through one, never through
``dispatcher.utter_message`` directly (``tests/test_texts.py`` checks the code for that).

Question texts live in the catalogue, reasons of the weights in ``scoring.yml``; the
replies Rasa sends itself are the domain's responses, whose "je" variations Rasa picks by
the ``address_form`` slot (see ``scripts/address_variants.py``).
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence

import yaml

from actions import gemeente as gemeente_module
from actions.address import address_message

TEXTS_FILE = Path(__file__).with_name("texts.yml")

Button = Dict[str, str]


class TextsError(ValueError):
    """texts.yml is wrong, or code asks for a text that is not there."""


@dataclass(frozen=True)
class Texts:
    texts: Mapping[str, str]
    buttons: Mapping[str, Sequence[Button]]


def placeholders_of(text: str) -> FrozenSet[str]:
    """The names a text needs: 'Bel {gemeente.loket.phone} {when}' -> {'gemeente', 'when'}."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is None:
            continue
        name = field.split(".")[0].split("[")[0]
        if not name.isidentifier():
            raise TextsError(f"placeholder '{{{field}}}' needs a name, as in '{{reference}}'")
        names.add(name)
    return frozenset(names)


def _flatten(node: Any, prefix: str, out: Dict[str, str], problems: List[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out, problems)
    elif isinstance(node, str) and node.strip():
        out[prefix] = node.strip()
    else:
        problems.append(f"'{prefix}' must be a text")


def parse(data: Any) -> Texts:
    """Check and flatten the YAML of texts.yml; every problem is named at once."""
    problems: List[str] = []
    if not isinstance(data, dict) or set(data) != {"texts", "buttons"}:
        raise TextsError("texts.yml must have exactly two parts: 'texts' and 'buttons'")
    flat: Dict[str, str] = {}
    _flatten(data["texts"], "", flat, problems)
    for key, text in flat.items():
        try:
            placeholders_of(text)
        except (TextsError, ValueError) as exc:
            problems.append(f"'{key}': {exc}")
    buttons: Dict[str, List[Button]] = {}
    for name, items in (data["buttons"] or {}).items():
        ok = isinstance(items, list) and items and all(
            isinstance(b, dict) and set(b) == {"title", "payload"}
            and all(isinstance(v, str) and v for v in b.values()) for b in items)
        if not ok:
            problems.append(f"button set '{name}' must be a list of {{title, payload}}")
            continue
        buttons[name] = [dict(b) for b in items]
    if problems:
        raise TextsError("actions/texts.yml: " + "; ".join(problems))
    return Texts(flat, buttons)


@lru_cache(maxsize=1)
def load() -> Texts:
    return parse(yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8")))


def needs(key: str) -> FrozenSet[str]:
    """The placeholder names of the text ``key``."""
    texts = load().texts
    if key not in texts:
        raise TextsError(f"no text '{key}' in actions/texts.yml")
    return placeholders_of(texts[key])


def render(key: str, **values: Any) -> str:
    """The text ``key`` with exactly its placeholders filled, in the "u" form."""
    needed = needs(key)
    if set(values) != needed:
        raise TextsError(f"text '{key}' needs {sorted(needed)}, got {sorted(values)}")
    return load().texts[key].format(**values)


def addressed(key: str, gemeente_id: Optional[str] = None, **values: Any) -> str:
    """The text ``key`` outside a conversation's actions (the chat channels' limits), in
    the form of address of ``gemeente_id`` (the message's gemeente, when the page or the
    channel's number or bot says it), else of the deployment's first gemeente."""
    with gemeente_module.using(gemeente_id):
        form = gemeente_module.gemeente().address_form
    return address_message({"text": render(key, **values)}, form)["text"]


def buttons(*names: str) -> List[Button]:
    """The button sets ``names`` from texts.yml, one after the other (fresh copies)."""
    sets = load().buttons
    found: List[Button] = []
    for name in names:
        if name not in sets:
            raise TextsError(f"no button set '{name}' in actions/texts.yml")
        found += [dict(b) for b in sets[name]]
    return found


def within_days(days: int) -> str:
    """'binnen één werkdag' or 'binnen 3 werkdagen'."""
    return render("handoff.within_one_day") if days == 1 else render("handoff.within_days", days=days)


class Speaker:
    """Sends what an action says, in the configured form of address.

    ``say`` sends a text from texts.yml (``{gemeente...}`` placeholders are filled from
    the configuration); ``send`` sends a text built elsewhere (a catalogue question, the
    outcome); ``respond`` sends one of the domain's responses, which Rasa renders in the
    right form from the ``address_form`` slot."""

    def __init__(self, dispatcher: Any, form: Optional[str] = None,
                 config: Optional[gemeente_module.GemeenteConfig] = None) -> None:
        self.dispatcher = dispatcher
        self.config = config or gemeente_module.gemeente()
        self.form = form or self.config.address_form

    def say(self, key: str, buttons: Optional[Sequence[Button]] = None, **values: Any) -> None:
        if "gemeente" in needs(key) and "gemeente" not in values:
            values["gemeente"] = self.config
        self.send(render(key, **values), buttons)

    def text_of(self, key: str, **values: Any) -> str:
        """The text ``say(key)`` sends, as the user reads it."""
        if "gemeente" in needs(key) and "gemeente" not in values:
            values["gemeente"] = self.config
        return str(address_message({"text": render(key, **values)}, self.form)["text"])

    def send(self, text: str, buttons: Optional[Sequence[Button]] = None) -> None:
        message = address_message({"text": text, "buttons": list(buttons or [])}, self.form)
        self.dispatcher.utter_message(text=message["text"], buttons=message["buttons"])

    def respond(self, response: str) -> None:
        self.dispatcher.utter_message(response=response)
