"""Questions people ask about the help itself, recognised by their words.

The intent classifier knows "wat is de Bbz?" (``ask_bbz``), but a Bbz question that it
takes for another intent ("wat is de Bbz eigenlijk?" reads like 'what does that mean'),
and the questions after it ("moet ik dat terugbetalen?", "hoeveel kan ik krijgen?"),
would get the general "what I can do" answer. These patterns find them; pure functions,
the actions say the answer.
"""
from __future__ import annotations

import re
from typing import Optional

from zelfscan_nlu.text import normalize

_BBZ_RE = re.compile(r"(?<![a-z])bbz(?![a-z])")
# most specific first: "moet ik de Bbz terugbetalen?" is about paying back
_QUESTIONS = (
    ("repay", re.compile(r"terug ?(?:te )?betal|terugbetaal|terug ?geven|af ?lossen|is (?:het|dat|dit) een lening"
                         r"|(?:een )?lening of (?:een )?gift|krijg ik (?:het|dat) cadeau")),
    ("how_much", re.compile(r"hoeveel (?:[a-z]+ ){0,4}(?:krijg|krijgen|ontvang|ontvangen)(?![a-z])"
                            r"|hoe hoog is (?:de|het|die|mijn) (?:uitkering|bbz|bedrag|bijstand|aanvulling)"
                            r"|hoeveel (?:is|bedraagt) (?:de|het|die) (?:bbz|bijstand|uitkering|aanvulling)")),
    ("ioaz", re.compile(r"(?<![a-z])ioaz(?![a-z])")),
    ("bbz", _BBZ_RE),
)
# paying back a debt of one's own is no question about the Bbz ("moet ik de belasting terugbetalen?")
_OTHER_DEBT_RE = re.compile(r"belasting|schuld|bank|lening bij|leverancier|huur|boete|toeslag|qredits|krediet")
_ABOUT_THE_HELP_RE = re.compile(r"(?<![a-z])(?:bbz|ioaz|uitkering|bijstand|steun|aanvulling|hulp|dat|het|dit|die)(?![a-z])")


def common_question(text: str) -> Optional[str]:
    """'repay', 'how_much', 'ioaz' or 'bbz' for a question about the help, else None."""
    norm = normalize(text or "")
    key = next((key for key, pattern in _QUESTIONS if pattern.search(norm)), None)
    if key == "repay" and (_OTHER_DEBT_RE.search(norm) or not _ABOUT_THE_HELP_RE.search(norm)):
        return "bbz" if _BBZ_RE.search(norm) else None
    return key
