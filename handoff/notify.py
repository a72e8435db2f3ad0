"""New-ticket notifications: e-mail over SMTP and an optional webhook (Teams, Slack, a case
system). They carry only the reference, the risk level and a link: details stay in the inbox."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any, Dict

import aiohttp

from handoff.settings import Settings

logger = logging.getLogger(__name__)


def email_message(ticket: Dict[str, Any], settings: Settings) -> EmailMessage:
    urgent = ticket["urgent"]
    msg = EmailMessage()
    signal = ticket.get("kind") == "signaal"
    if signal:  # the source is an organisation, not a person
        msg["Subject"] = f"Nieuw signaal {ticket['id']} van {ticket.get('source')}"
    else:
        msg["Subject"] = (f"{'[URGENT] ' if urgent else ''}Nieuwe aanmelding {ticket['id']} "
                          f"(risico {ticket['risk_level']})")
    msg["From"] = settings.mail_from
    msg["To"] = settings.notify_email
    lines = [
        f"Er is een nieuw signaal van {ticket.get('source')}." if signal
        else "Er is een nieuwe aanmelding via de Zelfscan Ondernemers.",
        "",
        f"Referentie: {ticket['id']}",
        "Risico: nog niet bekend (nog geen scan gedaan)" if signal else f"Risico: {ticket['risk_level']}",
        f"Urgent: {'ja, neem binnen een werkdag contact op' if urgent else 'nee'}",
        "",
        f"Bekijk de aanmelding in de inbox: {settings.public_url}/inbox/tickets/{ticket['id']}",
        "",
        "Deze e-mail bevat bewust geen persoonsgegevens.",
    ]
    msg.set_content("\n".join(lines))
    return msg


def send_email(ticket: Dict[str, Any], settings: Settings) -> None:
    """Blocking SMTP exchange; run it in a worker thread."""
    send_mail(email_message(ticket, settings), settings)


def send_mail(msg: EmailMessage, settings: Settings) -> None:
    """Send one e-mail through the configured SMTP server (STARTTLS and login when set);
    blocking, so callers run it in a worker thread. Every e-mail of the service goes here."""
    with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(msg)


async def post_webhook(ticket: Dict[str, Any], settings: Settings) -> None:
    body = {
        "text": f"Nieuwe aanmelding {ticket['id']}: risico {ticket['risk_level']}{', URGENT' if ticket['urgent'] else ''}.",
        "reference": ticket["id"],
        "risk_level": ticket["risk_level"],
        "urgent": ticket["urgent"],
        "url": f"{settings.public_url}/inbox/tickets/{ticket['id']}",
    }
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.post(settings.webhook_url or "", json=body) as response:
            if response.status >= 300:
                raise RuntimeError(f"webhook answered {response.status}")
