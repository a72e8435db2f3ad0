"""The follow-up message: some weeks after a ticket whose entrepreneur said yes to it
(``follow_up_consent``), ONE message with a personal link to do the scan again
(handoff/scan_links.py), by e-mail, or on Telegram when the ticket came from Telegram.

Without consent nothing is sent and no link is made. A ticket is claimed with one
conditional UPDATE before its message goes out, so two loops (or two service processes)
never both send it; when sending fails the claim and the link are undone and the next
round tries again.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, List, Optional

from sqlalchemy import and_, delete, select, update

from handoff import notify, scan_links
from handoff.db import Database, ScanLink, Ticket
from handoff.settings import Settings

logger = logging.getLogger(__name__)
TELEGRAM_PREFIX = "telegram:"


@dataclass
class Target:
    """Where one follow-up goes (read when the ticket was claimed)."""
    ticket_id: str
    via: str  # email, telegram, or none
    name: str
    address: str  # e-mail address or Telegram chat id


def telegram_token() -> Optional[str]:
    return os.environ.get("TELEGRAM_TOKEN") or None


def due(db: Database, now: datetime) -> List[str]:
    """Tickets whose follow-up is due and not yet sent."""
    with db.session() as s:
        return list(s.execute(select(Ticket.id).where(and_(
            Ticket.follow_up_consent.is_(True), Ticket.follow_up_sent_at.is_(None), Ticket.erased_at.is_(None),
            Ticket.follow_up_due.isnot(None), Ticket.follow_up_due <= now))).scalars())


def claim(db: Database, ticket_id: str, now: datetime, telegram: bool) -> Optional[Target]:
    """Take this ticket's follow-up (None when another round took it first)."""
    with db.session() as s:
        taken = s.execute(update(Ticket).where(and_(
            Ticket.id == ticket_id, Ticket.follow_up_consent.is_(True), Ticket.follow_up_sent_at.is_(None),
            Ticket.erased_at.is_(None))).values(follow_up_sent_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            return None
        ticket = s.get(Ticket, ticket_id)
        contact = ticket.contact or {}
        name = str(contact.get("name") or "")
        conversation = ticket.conversation_id or ""
        if telegram and ticket.channel == "telegram" and conversation.startswith(TELEGRAM_PREFIX):
            return Target(ticket_id, "telegram", name, conversation[len(TELEGRAM_PREFIX):])
        if contact.get("email"):
            return Target(ticket_id, "email", name, str(contact["email"]))
        ticket.follow_up_via = "none"  # no way to reach them: nothing is sent, no link made
        return Target(ticket_id, "none", name, "")


def release(db: Database, ticket_id: str) -> None:
    """Sending failed: the next round tries again, and the unsent link is removed."""
    with db.session() as s:
        s.execute(update(Ticket).where(Ticket.id == ticket_id).values(follow_up_sent_at=None)
                  .execution_options(synchronize_session=False))
        s.execute(delete(ScanLink).where(and_(ScanLink.ticket_id == ticket_id, ScanLink.purpose == "vervolg",
                                              ScanLink.sent_at.is_(None))))


def record_sent(db: Database, target: Target, token: str, now: datetime) -> None:
    scan_links.mark_sent(db, token, target.via, now)
    with db.session() as s:
        s.execute(update(Ticket).where(Ticket.id == target.ticket_id).values(follow_up_via=target.via)
                  .execution_options(synchronize_session=False))


def message_text(target: Target, url: str, code: str, valid_until: datetime, settings: Settings) -> str:
    """The message in B1 Dutch (the same for e-mail and Telegram)."""
    greeting = f"Beste {target.name}," if target.name else "Beste ondernemer,"
    where = f"de gemeente {settings.gemeente_name}" if settings.gemeente_name else "de gemeente"
    return "\n".join([
        greeting,
        "",
        f"Een tijd geleden deed u de zelfscan voor ondernemers van {where}. U vond het toen goed "
        "dat wij u één keer een bericht sturen om de scan opnieuw te doen.",
        "",
        "Wilt u de scan nog een keer doen? Dan ziet uw contactpersoon bij de gemeente wat er beter of slechter is "
        "geworden. De scan duurt ongeveer 5 minuten.",
        "",
        f"Uw persoonlijke link: {url}",
        f"Of typ in de chat: Ik heb een code: {code}",
        "",
        f"De link werkt één keer, tot en met {valid_until:%d-%m-%Y}. Wilt u de scan niet doen? Dan hoeft u niets "
        "te doen. U krijgt hierover geen bericht meer.",
        "",
        "Met vriendelijke groet,",
        settings.loket_name,
    ])


def send_email(target: Target, text: str, settings: Settings) -> None:
    """Blocking SMTP exchange; run it in a worker thread."""
    msg = EmailMessage()
    msg["Subject"] = "Hoe gaat het nu met uw bedrijf? Doe de zelfscan opnieuw"
    msg["From"] = settings.mail_from
    msg["To"] = target.address
    msg.set_content(text)
    notify.send_mail(msg, settings)


async def send_telegram(target: Target, text: str, settings: Settings) -> None:
    """Through aiogram, the Telegram client Rasa's channel uses (TELEGRAM_API_BASE points it
    at a local stand-in in tests; production leaves it out)."""
    from aiogram import Bot
    from aiogram.bot.api import TelegramAPIServer

    base = os.environ.get("TELEGRAM_API_BASE")
    bot = Bot(telegram_token() or "", server=TelegramAPIServer.from_base(base.rstrip("/"))) if base \
        else Bot(telegram_token() or "")
    try:
        await bot.send_message(target.address, text, disable_web_page_preview=True)
    finally:
        await bot.close()


def link_for(db: Database, target: Target, settings: Settings, now: datetime) -> Any:
    token, code = scan_links.issue(db, target.ticket_id, "vervolg", settings.follow_up_valid_days, now)
    valid_until = now + timedelta(days=settings.follow_up_valid_days)
    return token, message_text(target, scan_links.url_for(settings, token), code, valid_until, settings)
