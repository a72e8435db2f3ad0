"""Generated anonymous scan records and tickets for the statistics tests and the dashboard
screenshot: written straight into the handoff database, with tickets made in the past
(so that first contacts can be late) and their outcomes recorded by staff."""
import random
import uuid
from datetime import date, datetime, timedelta
from typing import Dict, List, Optional

from sqlalchemy import update

from handoff import stats, tickets
from handoff.db import Database, Ticket
from handoff.settings import Settings

QUESTIONS = [q for q, _ in stats.catalogue_questions()]
RESPONSE_DAYS = {"urgent": 1, "hoog": 2, "other": 5}
SETTINGS = Settings()  # the gemeente configuration: outcomes and partners


def record_id() -> str:
    return uuid.uuid4().hex


def add_record(db: Database, week: str, stopped_at: str = "klaar", level: Optional[str] = "laag",
               channel: str = "socketio", indications=(), referrals=(), contact_asked: bool = False,
               urgent: bool = False) -> str:
    rid = record_id()
    finished = stopped_at == "klaar"
    body = {"id": rid, "week": week, "channel": channel, "stopped_at": stopped_at,
            "risk_level": level if finished else None, "urgent": urgent,
            "indications": list(indications) if finished else [], "referrals": list(referrals) if finished else [],
            "contact_asked": contact_asked}
    assert stats.create_record(db, body, QUESTIONS, tuple(SETTINGS.partner_names))
    return rid


def add_ticket(db: Database, record: str, made: datetime, level: str = "laag", urgent: bool = False,
               first_contact: Optional[date] = None, outcome: Optional[str] = None, partner: Optional[str] = None,
               contact: Optional[Dict[str, str]] = None, conversation_id: Optional[str] = None) -> str:
    """A ticket that points to ``record``, made at ``made`` (naive UTC), with staff's follow-up."""
    reference = "ZS-" + uuid.uuid4().hex[:8].upper()
    body = {"id": reference, "conversation_id": conversation_id or uuid.uuid4().hex, "channel": "socketio",
            "risk_score": 50 if level == "hoog" else 10, "risk_level": level, "urgent": urgent,
            "contact": contact or {"name": "Test Persoon", "phone": "+31612345678"}, "summary": "Situatie.",
            "scan_record": record, "made_at": made.isoformat() + "Z"}
    tickets.create_ticket(db, body, reference, 3, RESPONSE_DAYS)
    with db.session() as s:  # as if it arrived then
        s.execute(update(Ticket).where(Ticket.id == reference).values(created_at=made))
    if outcome:
        tickets.close_ticket(db, reference, outcome, partner, first_contact, "tester", SETTINGS.outcomes,
                             SETTINGS.partner_names)
    elif first_contact:
        tickets.set_first_contact(db, reference, first_contact, "tester")
    return reference


def generate(db: Database, weeks: int = 13, seed: int = 7, today: Optional[date] = None) -> List[str]:
    """About 40 scans a week over ``weeks`` weeks up to ``today``: abandoned ones spread
    over the questions (more early on), finished ones with levels, indications,
    referrals, contact asked, and tickets with first contact and outcome."""
    rng = random.Random(seed)
    today = today or tickets.local_today()
    partners = ["schuldhulpverlening", "help_een_bedrijf_155", "ondernemersklankbord", "over_rood", "kvk"]
    outcomes = ["bbz_aangevraagd", "schuldhulp_gestart", "doorverwezen", "geen_hulp_nodig", "niet_bereikt"]
    made: List[str] = []
    for back in range(weeks - 1, -1, -1):
        monday = today - timedelta(days=today.weekday(), weeks=back)
        week = stats.iso_week(monday)
        for _ in range(rng.randint(30, 50)):
            if rng.random() < 0.35:
                stop = QUESTIONS[min(int(rng.expovariate(0.25)), len(QUESTIONS) - 1)]
                made.append(add_record(db, week, stop, channel=rng.choice(["socketio", "rest", "twilio"]),
                                       contact_asked=rng.random() < 0.05))
                continue
            level = rng.choices(["laag", "verhoogd", "hoog"], [5, 3, 2])[0]
            indications = [i for i, p in (("schuldhulp", 0.4 if level != "laag" else 0.05),
                                          ("bbz_gevestigd_inkomen", 0.25), ("ioaz", 0.08)) if rng.random() < p]
            referrals = rng.sample(partners, rng.randint(0, 2))
            asked = rng.random() < (0.6 if level == "hoog" else 0.3 if level == "verhoogd" else 0.1)
            urgent = level == "hoog" and rng.random() < 0.3
            rid = add_record(db, week, "klaar", level, rng.choice(["socketio", "rest", "twilio"]), indications,
                             referrals, asked, urgent)
            made.append(rid)
            if asked:
                day = monday + timedelta(days=rng.randint(0, 4))
                when = datetime(day.year, day.month, day.day, 10, 0)
                if when.date() >= today:
                    continue
                lag = rng.choice([0, 1, 1, 2, 3, 4, 6, 8])
                first = min(today, tickets.add_working_days(day, lag))
                outcome = rng.choice(outcomes) if first < today - timedelta(days=7) else None
                if outcome == "niet_bereikt":
                    first = None
                add_ticket(db, rid, when, level, urgent, first, outcome,
                           "over_rood" if outcome == "doorverwezen" else None)
    return made
