"""The invitation to do the scan, sent from a signal ticket (handoff/signals.py) with a
personal link of handoff/scan_links.py (purpose "uitnodiging"): by e-mail, or as a letter
staff print, with the short code and the web address. The scan done through the link is
attached to the ticket by scan_links.attach_scan.

The texts are B1 Dutch with "u". They never say who passed on the signal: the
entrepreneur hears it from the accountmanager, who can explain it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any, Dict, List, Mapping

from sqlalchemy import update

from handoff import notify, scan_links
from handoff.db import AuditEntry, Database, Ticket, utcnow
from handoff.settings import Settings
from handoff.tickets import local_date

PURPOSE = "uitnodiging"
SUBJECT = "Een gratis zelfscan voor uw bedrijf"


class InvitationError(ValueError):
    """The invitation cannot be made; ``code`` is the ticket page's message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Invitation:
    ticket_id: str
    name: str  # the entrepreneur's name, or the business's, or ""
    business: str
    address: str
    email: str
    url: str  # the personal link
    code: str  # the short code, "K7F3-9QXM"
    scan_page: str  # the web address to type (without the token)
    valid_until: date  # the last local day on which the link works
    token: str = field(default="", repr=False)  # only to record that the link went out


def scan_page(settings: Settings) -> str:
    """The address a person types from a letter: the scan page without ``?scan=``."""
    page = getattr(settings, "scan_page_url", "") or settings.public_url.rstrip("/") + "/"
    return page.split("?")[0]


def make(db: Database, settings: Settings, ticket: Mapping[str, Any], via: str) -> Invitation:
    """Issue a personal link for this signal ticket and record that it goes out ``via``
    ("email" or "brief"). The token and code exist only in the returned Invitation."""
    if ticket.get("kind") != "signaal":
        raise InvitationError("geen_signaal")
    if ticket.get("erased"):
        raise InvitationError("gewist")
    contact = ticket.get("contact") or {}
    if via == "email" and not contact.get("email"):
        raise InvitationError("geen_email")
    days = settings.signals.invitation_valid_days
    now = utcnow()
    token, code = scan_links.issue(db, ticket["id"], PURPOSE, days, now=now)
    invitation = Invitation(
        ticket_id=ticket["id"], name=str(contact.get("name") or ""), business=str(contact.get("business") or ""),
        address=str(contact.get("address") or ""), email=str(contact.get("email") or ""),
        url=scan_links.url_for(settings, token), code=code, scan_page=scan_page(settings),
        valid_until=local_date(now + timedelta(days=days)), token=token)
    return invitation


def mark_sent(db: Database, invitation: Invitation, via: str, actor: str) -> None:
    """The link went out: on the link (scan_links), on the ticket (its first invitation,
    anonymous, for the statistics) and in the audit log."""
    now = utcnow()
    scan_links.mark_sent(db, invitation.token, via, now)
    with db.session() as s:
        s.execute(update(Ticket).where(Ticket.id == invitation.ticket_id, Ticket.invited_at.is_(None))
                  .values(invited_at=now).execution_options(synchronize_session=False))
        s.add(AuditEntry(actor=actor, action="invitation", ticket_id=invitation.ticket_id, detail=via))


def greeting(invitation: Invitation) -> str:
    return f"Beste {invitation.name}," if invitation.name else "Beste ondernemer,"


def body_lines(invitation: Invitation, settings: Settings, with_link: bool) -> List[str]:
    """The invitation's text in paragraphs (e-mail and letter share it)."""
    loket = settings.loket
    where = f"de gemeente {settings.gemeente_name}" if settings.gemeente_name else "de gemeente"
    how = ([f"Klik op uw persoonlijke link: {invitation.url}",
            f"Of ga naar {invitation.scan_page}, open de chat en typ: Ik heb een code: {invitation.code}"]
           if with_link else
           [f"Ga naar de website: {invitation.scan_page}", f"Open de chat en typ: Ik heb een code: {invitation.code}"])
    reach = " of ".join(x for x in (f"bellen naar {loket['phone']}" if loket.get("phone") else "",
                                    f"mailen naar {loket['email']}" if loket.get("email") else "") if x)
    return [
        f"Soms hebben ondernemers het moeilijk met geld. {where[0].upper() + where[1:]} helpt ondernemers graag, "
        "en liefst op tijd. Daarom nodigen wij u uit om de zelfscan voor ondernemers te doen.",
        "De zelfscan duurt ongeveer 5 minuten en is gratis. U beantwoordt korte vragen over uw bedrijf en uw "
        "inkomen. Daarna ziet u hoe uw bedrijf ervoor staat en welke hulp er is.",
        "Zo doet u de scan:",
        *how,
        f"Uw code werkt één keer, tot en met {invitation.valid_until:%d-%m-%Y}. Doet u de scan met deze code? Dan "
        "ziet de accountmanager van de gemeente uw uitkomst. Die kan u dan beter helpen.",
        "U hoeft niets te doen als u dat niet wilt." + (f" Heeft u vragen? Dan kunt u {reach}"
                                                       f"{' (' + loket['hours'] + ')' if loket.get('hours') else ''}."
                                                       if reach else ""),
    ]


def email_message(invitation: Invitation, settings: Settings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = SUBJECT
    msg["From"] = settings.mail_from
    msg["To"] = invitation.email
    lines = [greeting(invitation), ""]
    for paragraph in body_lines(invitation, settings, with_link=True):
        lines += [paragraph, ""]
    lines += ["Met vriendelijke groet,", settings.loket.get("name") or settings.loket_name,
              "", f"Referentie: {invitation.ticket_id}"]
    msg.set_content("\n".join(lines))
    return msg


def send_email(invitation: Invitation, settings: Settings) -> None:
    """Blocking SMTP exchange; run it in a worker thread."""
    notify.send_mail(email_message(invitation, settings), settings)


def letter(invitation: Invitation, settings: Settings, today: date) -> Dict[str, Any]:
    """What the letter page shows."""
    place = settings.gemeente_name or ""
    return {"greeting": greeting(invitation), "paragraphs": body_lines(invitation, settings, with_link=False),
            "date_line": f"{place + ', ' if place else ''}{today:%d-%m-%Y}", "subject": SUBJECT,
            "sender": settings.loket.get("name") or settings.loket_name, "invitation": invitation}
