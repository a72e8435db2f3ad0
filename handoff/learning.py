"""Learning from real messages: what the assistant did not understand, reviewed by staff.

The action server sends each such message already stripped of numbers, e-mail addresses,
phone numbers and names (actions/redact.py) to ``POST /api/unrecognised`` (create-only,
no conversation id). Staff with the role "leren" or "beheer" see them grouped by
similarity, say which intent each one meant (or "weglaten": leave it out), and export the
reviewed ones as a Rasa NLU file like ``data/nlu/reviewed.yml`` for the next training.
Messages are deleted ``HANDOFF_UNRECOGNISED_DAYS`` (90) days after they came in.

Pure functions for validation, grouping and the export; the database work is small.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import delete, func, select

from handoff.db import AuditEntry, Database, UnrecognisedMessage
from handoff.stats import CHANNELS, iso_week, monday_of, strict_body, week_monday
from handoff.tickets import RECORD_ID_RE, local_today

ROOT = Path(__file__).resolve().parent.parent
LEAVE_OUT = "weglaten"
FALLBACK_INTENT = "nlu_fallback"
FIELDS = {"id", "text", "intent", "confidence", "channel", "week", "question"}
MAX_TEXT = 500
MAX_GROUPED = 1000  # the newest unreviewed messages that are grouped on one page
GROUP_DISTANCE = 0.6  # cosine distance under which two messages fall in one group (average linkage)
PLACEHOLDER_RE = re.compile(r"\[(link|e-mail|iban|telefoon|kvk|postcode|datum|jaar|bedrag|getal|naam)\]")
# Values put in place of the placeholders in the export, so the training data reads like
# real messages (the assistant then learns that a number or a name can stand there).
EXAMPLE_VALUES = {"link": "www.voorbeeld.nl", "e-mail": "info@voorbeeld.nl", "iban": "NL00BANK0123456789",
                  "telefoon": "06-12345678", "kvk": "12345678", "postcode": "1234 AB", "datum": "1 maart",
                  "jaar": "2020", "bedrag": "5000 euro", "getal": "12", "naam": "Jansen"}
# B1 descriptions of the domain's intents for the review page (the id is shown too; an
# intent added to domain.yml later shows its id until it gets a line here)
INTENT_LABELS = {
    "greet": "Groet (hallo)", "goodbye": "Afscheid (dag)", "affirm": "Ja", "deny": "Nee", "thank": "Bedankt",
    "start_scan": "Wil de scan doen", "ask_bbz": "Vraag over de Bbz", "ask_ioaz": "Vraag over de IOAZ",
    "ask_help_options": "Vraagt welke hulp er is", "request_human": "Wil een medewerker spreken",
    "ask_privacy": "Vraag over privacy", "delete_my_data": "Wil zijn gegevens laten wissen",
    "stop_scan": "Wil stoppen met de scan", "dont_know": "Weet het niet",
    "explain_question": "Vraagt waarom een vraag gesteld wordt", "bot_challenge": "Vraagt of dit een robot is",
    "distress": "Zit er erg doorheen (nood)", "inform": "Geeft een antwoord of een feit",
    "out_of_scope": "Gaat over iets anders", "describe_situation": "Vertelt over de situatie van de zaak",
    "scan_code": "Geeft de code van een persoonlijke link naar de scan",
}


class MessageError(ValueError):
    pass


def domain_intents(path: Optional[Path] = None) -> Tuple[str, ...]:
    """The intents of domain.yml, in its order, without the fallback."""
    data = yaml.safe_load((path or ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    found = []
    for item in data.get("intents") or []:
        name = next(iter(item)) if isinstance(item, dict) else item
        if isinstance(name, str) and name != FALLBACK_INTENT and name not in found:
            found.append(name)
    return tuple(found)


def intent_label(intent: str) -> str:
    if intent == LEAVE_OUT:
        return "Weglaten (niet gebruiken)"
    label = INTENT_LABELS.get(intent)
    return f"{label} ({intent})" if label else intent


# ------------------------------------------------------------------ the API's input


def validate(payload: Any, intents: Sequence[str], questions: Sequence[str],
             today: Optional[date] = None) -> Dict[str, Any]:
    """The message's fields, or MessageError. Strict: unknown fields are refused, and a
    text with a digit or an "@" in it is refused (the action server strips those; this is
    the second check)."""
    payload, message_id = strict_body(payload, FIELDS, MessageError)
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise MessageError(f"'text' must be a text of 1 to {MAX_TEXT} characters")
    if any(c.isnumeric() or c.isdigit() for c in text) or "@" in text:
        raise MessageError("'text' must be stripped of numbers and e-mail addresses")
    intent = payload.get("intent")
    if intent is not None and intent not in intents:
        raise MessageError("'intent' must be an intent of the domain or null")
    confidence = payload.get("confidence")
    if confidence is not None and (isinstance(confidence, bool) or not isinstance(confidence, (int, float))
                                   or not 0 <= confidence <= 1):
        raise MessageError("'confidence' must be a number from 0 to 1")
    channel = payload.get("channel")
    if channel not in CHANNELS:
        raise MessageError(f"'channel' must be one of {', '.join(CHANNELS)}")
    this_week = iso_week(today or local_today())
    week = payload.get("week", this_week)
    monday = monday_of(week)
    if monday is None or monday > week_monday(this_week):
        raise MessageError("'week' must be an ISO year-week like 2026-W07, not in the future")
    question = payload.get("question")
    if question is not None and question not in questions:
        raise MessageError("'question' must be a question id of the catalogue")
    return {"id": message_id, "text": " ".join(text.split()), "intent": intent,
            "confidence": None if confidence is None else float(confidence), "channel": channel, "week": week,
            "question": question}


def create(db: Database, payload: Any, intents: Sequence[str], questions: Sequence[str]) -> bool:
    """Store a message; False when one with this id exists (a retry changes nothing).
    No audit entry: its exact time would sit next to the message."""
    fields = validate(payload, intents, questions)
    with db.session() as s:
        if s.get(UnrecognisedMessage, fields["id"]) is not None:
            return False
        s.add(UnrecognisedMessage(**fields, received_on=local_today()))
        return True


# --------------------------------------------------------------------- reviewing


@dataclass(frozen=True)
class Message:
    id: str
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    channel: str
    week: str
    question: Optional[str]
    reviewed_intent: Optional[str]


def _message(row: UnrecognisedMessage) -> Message:
    return Message(row.id, row.text, row.intent, row.confidence, row.channel, row.week, row.question,
                   row.reviewed_intent)


def unreviewed(db: Database, limit: int = MAX_GROUPED) -> Tuple[List[Message], int]:
    """The newest unreviewed messages (at most ``limit``) and how many there are in all."""
    M = UnrecognisedMessage
    with db.session() as s:
        total = s.execute(select(func.count()).select_from(M).where(M.reviewed_intent.is_(None))).scalar() or 0
        rows = s.execute(select(M).where(M.reviewed_intent.is_(None))
                         .order_by(M.received_on.desc(), M.id).limit(limit)).scalars().all()
        return [_message(r) for r in rows], total


def reviewed(db: Database) -> List[Message]:
    M = UnrecognisedMessage
    with db.session() as s:
        rows = s.execute(select(M).where(M.reviewed_intent.isnot(None))
                         .order_by(M.reviewed_intent, M.text, M.id)).scalars().all()
        return [_message(r) for r in rows]


def review(db: Database, ids: Sequence[str], intent: str, intents: Sequence[str], actor: str) -> int:
    """Say what messages meant (an intent of the domain, or "weglaten"); "" puts them back
    as not reviewed. Returns how many changed; MessageError for an unknown intent."""
    if intent and intent != LEAVE_OUT and intent not in intents:
        raise MessageError("unknown intent")
    clean = sorted({i for i in ids if isinstance(i, str) and RECORD_ID_RE.match(i)})
    if not clean:
        return 0
    with db.session() as s:
        rows = s.execute(select(UnrecognisedMessage).where(UnrecognisedMessage.id.in_(clean))).scalars().all()
        for row in rows:
            row.reviewed_intent = intent or None
        s.add(AuditEntry(actor=actor, action="learning_review",
                         detail=f"{len(rows)} bericht(en): {intent or 'terug naar niet nagekeken'}"[:255]))
        return len(rows)


def purge(db: Database, days: int, today: Optional[date] = None) -> int:
    """Delete messages that came in more than ``days`` days ago (reviewed or not)."""
    cutoff = (today or local_today()) - timedelta(days=days)
    with db.session() as s:
        result = s.execute(delete(UnrecognisedMessage).where(UnrecognisedMessage.received_on < cutoff))
        count = result.rowcount or 0
        if count:
            s.add(AuditEntry(actor="system", action="purge", detail=f"{count} niet begrepen bericht(en), {days} dagen"))
        return count


# ---------------------------------------------------------------------- grouping


def _for_grouping(text: str) -> str:
    return " " + PLACEHOLDER_RE.sub(" ", text.lower()) + " "


def group(messages: Sequence[Message], distance: float = GROUP_DISTANCE) -> List[List[Message]]:
    """Messages that say much the same thing, together: TF-IDF over character n-grams of
    2 to 4 letters (word-bound, so typos and compounds still match), then average-linkage
    clustering on the cosine distance, cut at ``distance``. Deterministic: the input is
    sorted first; groups come largest first, then alphabetically."""
    ordered = sorted(messages, key=lambda m: (m.text.lower(), m.id))
    if len(ordered) <= 1:
        return [ordered] if ordered else []
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering  # only when the page is opened: it is big
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit_transform(
        [_for_grouping(m.text) for m in ordered])  # sparse, rows of length 1 (or 0: placeholders only)
    # cosine distances between the messages (n x n, small), not the wide n-gram matrix itself
    distances = np.clip(1.0 - (vectors @ vectors.T).toarray(), 0.0, 1.0)
    np.fill_diagonal(distances, 0.0)
    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=distance, affinity="precomputed",
                                     linkage="average").fit_predict(distances)
    groups: Dict[int, List[Message]] = {}
    for label, message in zip(labels, ordered, strict=True):
        groups.setdefault(int(label), []).append(message)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0].text.lower(), g[0].id))


# ------------------------------------------------------------------------ export


def training_text(text: str) -> str:
    """A reviewed text as a training example: placeholders become example values, and
    brackets go (Rasa reads "[..](..)" as an entity)."""
    text = PLACEHOLDER_RE.sub(lambda m: EXAMPLE_VALUES[m.group(1)], text)
    text = re.sub(r"[\[\]{}]", " ", text)
    return " ".join(text.split())


def export_yaml(messages: Sequence[Message], today: Optional[date] = None) -> str:
    """The reviewed messages (not the left-out ones) in Rasa's NLU YAML format, one block
    per intent, sorted; a text that staff gave two different intents is left out."""
    by_text: Dict[str, set] = {}
    shown: Dict[str, str] = {}
    for m in messages:
        if not m.reviewed_intent or m.reviewed_intent == LEAVE_OUT:
            continue
        example = training_text(m.text)
        if not example:
            continue
        key = example.lower()
        by_text.setdefault(key, set()).add(m.reviewed_intent)
        shown.setdefault(key, example)
    per_intent: Dict[str, List[str]] = {}
    conflicts = 0
    for key, intents in sorted(by_text.items()):
        if len(intents) > 1:
            conflicts += 1
            continue
        per_intent.setdefault(next(iter(intents)), []).append(shown[key])
    lines = ['version: "3.1"',
             f"# Messages the assistant did not understand, reviewed by staff ({(today or local_today()).isoformat()}).",
             "# Placeholders for stripped details ([getal], [naam], ...) are replaced by example values."]
    if conflicts:
        lines.append(f"# {conflicts} text(s) left out: staff gave them different intents.")
    if not per_intent:
        lines.append("nlu: []")
        return "\n".join(lines) + "\n"
    lines.append("nlu:")
    for intent in sorted(per_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in per_intent[intent]]
    return "\n".join(lines) + "\n"
