"""Pure text helpers for channels: splitting long messages and numbered options (the
number a person types back is read by ``zelfscan_nlu.text.option_number``)."""
from __future__ import annotations

import re
from typing import Dict, List, Sequence

# Platform limits in characters (one message)
LIMITS = {"twilio": 1600, "telegram": 4096, "slack": 3000, "botframework": 20000}


def split_message(text: str, limit: int) -> List[str]:
    """Split ``text`` into parts of at most ``limit`` characters: at blank lines first,
    then at line ends, then after sentences, then between words. Never loses text."""
    text = (text or "").strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: List[str] = []
    for separator in ("\n\n", "\n", r"(?<=[.!?])\s+", " "):
        pieces = re.split(separator, text) if separator.startswith("(") else text.split(separator)
        if len(pieces) == 1:
            continue
        joiner = " " if separator.startswith("(") else separator
        current = ""
        for piece in pieces:
            candidate = f"{current}{joiner}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                parts.append(current)
            if len(piece) > limit:
                parts.extend(split_message(piece, limit))
                current = ""
            else:
                current = piece
        if current:
            parts.append(current)
        return [p.strip() for p in parts if p.strip()]
    # one long word: cut it
    return [text[i:i + limit] for i in range(0, len(text), limit)]


def numbered(text: str, buttons: Sequence[Dict[str, str]]) -> str:
    """The question with its options as a numbered list, for channels without buttons."""
    lines = [text.strip(), ""] + [f"{n}. {b['title']}" for n, b in enumerate(buttons, start=1)]
    count = len(buttons)
    if count == 1:
        how = "Antwoord met 1."
    else:
        how = "Antwoord met " + ", ".join(str(n) for n in range(1, count)) + f" of {count}."
    return "\n".join(lines + ["", how])
