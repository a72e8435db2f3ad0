"""Signals from colleagues and partners (VNG handreiking, section 5): a woningcorporatie, the
Wmo-loket, Jeugdzorg, schuldhulpverlening, the sociale dienst, a bank or 155 tells the
accountmanager that an entrepreneur may be in trouble. A signal becomes a ticket of kind
"signaal" with its source (the organisation); the accountmanager can then invite the
entrepreneur to do the scan.

A signal is only stored when it says on which basis it may be shared: the entrepreneur's
consent, or a legal ground from the configured list. Without one, nothing is stored.

- ``SignalConfig``: what was seen, the organisations and the legal grounds
  (``signals`` in the gemeente configuration); pure.
- ``validate``: the input of the form or the partner API -> the fields, or ``SignalRefused``
  with every problem (field, code, Dutch message); pure.
- ``create``: store a valid signal as a ticket (idempotent with a key).
- Partner tokens: made by the command line, shown once, stored as a SHA-256 hash,
  revocable; a partner token may only send signals (handoff/security.py).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from handoff.db import AuditEntry, Database, PartnerToken, Ticket, utcnow

KIND_SCAN, KIND_SIGNAL = "zelfscan", "signaal"
KINDS = {KIND_SCAN: "Zelfscan", KIND_SIGNAL: "Signaal"}
ROUTE_SELF, ROUTE_SIGNAL, ROUTE_REFERRED = "zelf", "signaal", "doorverwezen"
CONSENT = "toestemming"
OTHER = "anders"  # the 'seen' id that needs an explanation
UNKNOWN_LEVEL = "onbekend"  # a signal has no scan yet: no risk level
TOKEN_PREFIX = "zsp_"
# readable over the phone, as the action server's references (no 0/O, 1/I)
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")
PHONE_CHARS_RE = re.compile(r"^\+?[0-9 ()\-.]{6,25}$")
MAX_NAME, MAX_TEXT, MAX_ADDRESS = 120, 2000, 200

DEFAULT_SEEN = (
    ("huurachterstand", "Huurachterstand"), ("mantelzorg", "Mantelzorger met een eigen bedrijf"),
    ("jeugdzorg", "Problemen in het gezin (Jeugdzorg)"), ("schulden", "Schulden of geldzorgen"),
    ("uitkeringsaanvraag", "Aanvraag voor een uitkering"), ("bank", "Signaal van de bank"),
    (OTHER, "Iets anders (licht toe)"),
)
NO_BASIS = ("Dit signaal is niet opgeslagen. Geef aan op welke grond u het mag doorgeven: de ondernemer heeft "
            "toestemming gegeven, of u kiest een wettelijke grondslag uit de lijst.")


@dataclass(frozen=True)
class LegalGround:
    id: str
    label: str
    article: str


@dataclass(frozen=True)
class SignalConfig:
    seen: Tuple[Tuple[str, str], ...] = DEFAULT_SEEN  # (id, label) in the order of the form
    sources: Tuple[str, ...] = ()  # organisations the form offers
    legal_grounds: Tuple[LegalGround, ...] = ()
    invitation_valid_days: int = 30  # how long the personal link of an invitation works

    @classmethod
    def from_data(cls, raw: Any) -> "SignalConfig":
        """``signals`` of the gemeente configuration; what is missing keeps its default
        (the seen list of the handreiking, no sources, no legal grounds: consent only)."""
        if not isinstance(raw, Mapping):
            return cls()
        seen = tuple((str(i["id"]), str(i.get("label") or i["id"])) for i in raw.get("seen") or []
                     if isinstance(i, Mapping) and i.get("id")) or DEFAULT_SEEN
        sources = tuple(dict.fromkeys(str(s).strip() for s in raw.get("sources") or [] if str(s).strip()))
        grounds = tuple(LegalGround(str(g["id"]), str(g.get("label") or g["id"]), str(g.get("article") or ""))
                        for g in raw.get("legal_grounds") or [] if isinstance(g, Mapping) and g.get("id"))
        days = raw.get("invitation_valid_days", 30)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            days = 30
        return cls(seen=seen, sources=sources, legal_grounds=grounds, invitation_valid_days=days)

    @property
    def seen_labels(self) -> Dict[str, str]:
        return dict(self.seen)

    def ground(self, ground_id: Any) -> Optional[LegalGround]:
        return next((g for g in self.legal_grounds if g.id == ground_id), None)


@dataclass
class Problem:
    field: str  # the form field / JSON path it is about
    code: str
    message: str  # Dutch, for the colleague or the partner


class SignalRefused(ValueError):
    """The signal is not stored; ``problems`` says why (the first one's code is the API's)."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(problems[0].message)
        self.problems = list(problems)

    @property
    def code(self) -> str:
        return self.problems[0].code


@dataclass
class Signal:
    """A valid signal, ready to store."""
    organisation: str
    contact_name: str
    contact_phone: str
    contact_email: str
    entrepreneur: Dict[str, str]  # name, business, phone, email, address: what is known
    seen: List[str]
    explanation: str
    basis: str  # CONSENT or a legal ground id
    ground: Optional[LegalGround] = None
    extra: Dict[str, Any] = field(default_factory=dict)


def _text(value: Any, limit: int = MAX_NAME, lines: bool = False) -> Tuple[str, bool]:
    """(clean text, fits): None and non-text become ""; control characters go; without
    ``lines`` every run of white space (a line break too) becomes one space."""
    if value is None:
        return "", True
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return "", False
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", str(value).replace("\r\n", "\n")).strip()
    if not lines:
        text = re.sub(r"\s+", " ", text)
    return text, len(text) <= limit


def valid_phone(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return bool(PHONE_CHARS_RE.match(value)) and 9 <= len(digits) <= 15


def valid_email(value: str) -> bool:
    return len(value) <= 254 and bool(EMAIL_RE.match(value))


API_FIELDS = {"signaller", "entrepreneur", "seen", "explanation", "consent", "legal_ground",
              "gemeente"}  # a regional service: the entrepreneur's gemeente (checked by the route)
PERSON_FIELDS = {"signaller": {"organisation", "name", "phone", "email"},
                 "entrepreneur": {"name", "business", "phone", "email", "address"}}


def validate(data: Any, config: SignalConfig, organisation: Optional[str] = None) -> Signal:
    """Check a signal; every problem is collected so the form can show them all at once.

    ``data`` is the API's JSON object (``signaller``, ``entrepreneur``, ``seen``,
    ``explanation``, ``consent``, ``legal_ground``; see the README). ``organisation``:
    the partner token's organisation, which a partner cannot choose itself."""
    if not isinstance(data, Mapping):
        raise SignalRefused([Problem("", "invalid", "Stuur het signaal als JSON-object.")])
    problems: List[Problem] = []
    unknown = sorted(set(data) - API_FIELDS)
    for part, allowed in PERSON_FIELDS.items():
        value = data.get(part)
        if value is not None and not isinstance(value, Mapping):
            problems.append(Problem(part, "invalid", f"'{part}' moet een object zijn."))
        elif isinstance(value, Mapping):
            unknown += [f"{part}.{k}" for k in sorted(set(value) - allowed)]
    if unknown:
        problems.append(Problem("", "invalid", f"Onbekende velden: {', '.join(unknown)[:200]}."))
    signaller: Mapping[str, Any] = data.get("signaller") or {}
    person: Mapping[str, Any] = data.get("entrepreneur") or {}
    if not isinstance(signaller, Mapping):
        signaller = {}
    if not isinstance(person, Mapping):
        person = {}

    # 1. the basis first: without it nothing else matters
    consent = data.get("consent")
    ground_id = data.get("legal_ground")
    ground = None
    if consent is not None and not isinstance(consent, bool):
        problems.append(Problem("consent", "invalid", "'consent' moet true of false zijn."))
    if ground_id not in (None, ""):
        ground = config.ground(ground_id)
        if ground is None:
            problems.append(Problem("legal_ground", "unknown_legal_ground",
                                    "Deze grondslag staat niet in de lijst van de gemeente. Kies een grondslag uit "
                                    "de lijst, of geef het signaal door met toestemming van de ondernemer."))
    elif consent is not True:
        problems.append(Problem("basis", "no_basis", NO_BASIS))

    # 2. who signals
    if organisation is None:
        organisation, fits = _text(signaller.get("organisation"))
        if not organisation or not fits:
            problems.append(Problem("organisation", "organisation_required",
                                    "Vul in van welke organisatie het signaal komt (hoogstens 120 tekens)."))
    contact_name, fits = _text(signaller.get("name"))
    if not contact_name or not fits:
        problems.append(Problem("contact_name", "contact_required",
                                "Vul de naam in van de contactpersoon die het signaal doorgeeft."))
    contact_phone, _ = _text(signaller.get("phone"), 30)
    contact_email, _ = _text(signaller.get("email"), 254)
    if not contact_phone and not contact_email:
        problems.append(Problem("contact_phone", "contact_required",
                                "Vul een telefoonnummer of e-mailadres van de contactpersoon in, zodat de "
                                "accountmanager u kan terugbellen."))
    if contact_phone and not valid_phone(contact_phone):
        problems.append(Problem("contact_phone", "invalid_phone",
                                "Dit telefoonnummer van de contactpersoon klopt niet. Voorbeeld: 06 12345678."))
    if contact_email and not valid_email(contact_email):
        problems.append(Problem("contact_email", "invalid_email",
                                "Dit e-mailadres van de contactpersoon klopt niet. Voorbeeld: naam@organisatie.nl."))

    # 3. about whom
    entrepreneur: Dict[str, str] = {}
    for key in ("name", "business", "phone", "email", "address"):
        limit = {"email": 254, "address": MAX_ADDRESS}.get(key, MAX_NAME)
        value, fits = _text(person.get(key), limit, lines=key == "address")
        if not fits:
            problems.append(Problem(f"entrepreneur_{key}", "too_long", f"Deze tekst is te lang (hoogstens {limit} tekens)."))
        elif value:
            entrepreneur[key] = value
    if not entrepreneur.get("name") and not entrepreneur.get("business"):
        problems.append(Problem("entrepreneur_name", "entrepreneur_required",
                                "Vul de naam van de ondernemer of de naam van het bedrijf in."))
    if entrepreneur.get("phone") and not valid_phone(entrepreneur["phone"]):
        problems.append(Problem("entrepreneur_phone", "invalid_phone",
                                "Dit telefoonnummer van de ondernemer klopt niet. Voorbeeld: 06 12345678."))
    if entrepreneur.get("email") and not valid_email(entrepreneur["email"]):
        problems.append(Problem("entrepreneur_email", "invalid_email",
                                "Dit e-mailadres van de ondernemer klopt niet. Voorbeeld: naam@bedrijf.nl."))

    # 4. what was seen
    seen = data.get("seen")
    known = config.seen_labels
    if isinstance(seen, str):
        seen = [seen]
    if not isinstance(seen, list) or not seen or not all(isinstance(s, str) for s in seen):
        problems.append(Problem("seen", "seen_required", "Kies wat u heeft gezien (een of meer)."))
        seen = []
    elif any(s not in known for s in seen):
        problems.append(Problem("seen", "unknown_seen",
                                f"Kies wat u heeft gezien uit de lijst: {', '.join(known)}."))
    seen = list(dict.fromkeys(seen))
    explanation, fits = _text(data.get("explanation"), MAX_TEXT, lines=True)
    if not fits:
        problems.append(Problem("explanation", "too_long", f"De toelichting is te lang (hoogstens {MAX_TEXT} tekens)."))
    elif OTHER in seen and not explanation:
        problems.append(Problem("explanation", "explanation_required",
                                "U koos 'iets anders'. Schrijf in de toelichting kort wat u heeft gezien."))

    if problems:
        # the basis problem first: that is the reason a partner system must fix first
        problems.sort(key=lambda p: p.code not in ("no_basis", "unknown_legal_ground"))
        raise SignalRefused(problems)
    return Signal(organisation=organisation or "", contact_name=contact_name, contact_phone=contact_phone,
                  contact_email=contact_email, entrepreneur=entrepreneur, seen=seen, explanation=explanation,
                  basis=CONSENT if consent is True else ground.id if ground else "", ground=ground)


def from_form(form: Mapping[str, Any], seen: Sequence[str]) -> Dict[str, Any]:
    """The inbox form's fields as the API's JSON object (``seen``: the ticked boxes).
    The basis is one choice: 'toestemming', a legal ground id, or nothing."""
    def get(name: str) -> str:
        return str(form.get(name) or "")

    basis = get("basis")
    organisation = get("organisation")
    if organisation in ("", OTHER):  # "Een andere organisatie", or only the text field filled in
        organisation = get("organisation_other")
    return {
        "signaller": {"organisation": organisation, "name": get("contact_name"), "phone": get("contact_phone"),
                      "email": get("contact_email")},
        "entrepreneur": {"name": get("entrepreneur_name"), "business": get("entrepreneur_business"),
                         "phone": get("entrepreneur_phone"), "email": get("entrepreneur_email"),
                         "address": get("entrepreneur_address")},
        "seen": list(seen), "explanation": get("explanation"),
        "consent": basis == CONSENT, "legal_ground": basis if basis and basis != CONSENT else None,
    }


def summary_of(signal: Signal, config: SignalConfig) -> str:
    labels = config.seen_labels
    reach = ", ".join(x for x in (signal.contact_phone, signal.contact_email) if x)
    lines = [f"Signaal van {signal.organisation} (contactpersoon {signal.contact_name}, {reach}).",
             "Gezien: " + "; ".join(labels.get(s, s) for s in signal.seen) + "."]
    if signal.explanation:
        lines.append(f"Toelichting: {signal.explanation}")
    lines.append("Grond om te delen: " + (basis_text(signal.basis, config)))
    lines.append("De ondernemer heeft nog geen scan gedaan: het risico is nog niet bekend.")
    return "\n".join(lines)


def basis_text(basis: Optional[str], config: SignalConfig) -> str:
    if basis == CONSENT:
        return "toestemming van de ondernemer."
    ground = config.ground(basis)
    if ground is None:
        return f"{basis or 'onbekend'}."
    return f"{ground.label} ({ground.article})." if ground.article else f"{ground.label}."


def new_reference() -> str:
    return "ZS-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def gemeente_for(value: Any, allowed: Sequence[str], regional: bool) -> str:
    """The gemeente a signal is about: in a region one of ``allowed`` must be chosen
    (SignalRefused otherwise); with one gemeente, that one."""
    if not regional and allowed:
        return allowed[0]
    if len(allowed) == 1 and value in (None, ""):
        return allowed[0]
    if isinstance(value, str) and value in allowed:
        return value
    raise SignalRefused([Problem("gemeente", "gemeente_required",
                                 "Kies de gemeente waar de ondernemer woont of het bedrijf heeft.")])


def create(db: Database, signal: Signal, config: SignalConfig, actor: str, channel: str,
           idempotency_key: Optional[str] = None,
           response_days: Optional[Mapping[str, int]] = None,
           gemeente: Optional[str] = None) -> Tuple[Dict[str, Any], bool]:
    """Store the signal as a ticket of kind "signaal"; (ticket JSON, created). With a key,
    a repeat returns the first ticket (created False)."""
    from handoff import tickets  # tickets imports this module's constants

    key = idempotency_key or "signal:" + secrets.token_hex(16)
    for _attempt in range(5):
        now = utcnow()
        try:
            with db.session() as s:
                existing = s.execute(select(Ticket).where(Ticket.idempotency_key == key)).scalar_one_or_none()
                if existing is not None:
                    return tickets.to_json(existing), False
                ticket = Ticket(
                    id=new_reference(), idempotency_key=key, created_at=now, conversation_id="", channel=channel,
                    risk_score=0.0, risk_level=UNKNOWN_LEVEL, urgent=False, risk_drivers=[], indications=[],
                    indication_details=[], referrals=[], contact=dict(signal.entrepreneur),
                    summary=summary_of(signal, config), special_category_consent=False,
                    kind=KIND_SIGNAL, route=ROUTE_SIGNAL, source=signal.organisation, signal_seen=list(signal.seen),
                    gemeente=gemeente,
                    signal_basis=signal.basis,
                    signal={"organisation": signal.organisation, "contact_name": signal.contact_name,
                            "contact_phone": signal.contact_phone, "contact_email": signal.contact_email,
                            "explanation": signal.explanation},
                    contact_due=tickets.contact_due(now, False, UNKNOWN_LEVEL,
                                                    response_days or tickets.DEFAULT_RESPONSE_DAYS),
                )
                s.add(ticket)
                s.add(AuditEntry(actor=actor, action="signal", ticket_id=ticket.id, detail=signal.organisation[:255]))
                s.flush()
                return tickets.to_json(ticket), True
        except IntegrityError:  # a reference drawn twice, or the same key in a parallel request
            continue
    raise RuntimeError("could not store the signal")


def route_label(route: Optional[str], source: Optional[str], invited: bool = False) -> str:
    """How the entrepreneur came, in the words staff read (ticket page, statistics)."""
    if route == ROUTE_SIGNAL:
        return f"{'Uitgenodigd na signaal' if invited else 'Signaal'} van {source or 'onbekend'}"
    if route == ROUTE_REFERRED:
        return f"Doorverwezen door partner {source or 'onbekend'}"
    return "Zelf"


# ------------------------------------------------------------------ partner tokens


@dataclass(frozen=True)
class Partner:
    id: int
    organisation: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_partner_token(db: Database, organisation: str, actor: str = "cli") -> Tuple[int, str]:
    """A new token for this organisation: (id, token). The token is not kept."""
    name, fits = _text(organisation)
    if not name or not fits:
        raise ValueError("the organisation needs a name of at most 120 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as s:
        row = PartnerToken(organisation=name, token_hash=token_hash(token), created_at=utcnow())
        s.add(row)
        s.flush()
        s.add(AuditEntry(actor=actor, action="partner_token", detail=f"created {row.id}: {name}"[:255]))
        return row.id, token


def list_partner_tokens(db: Database) -> List[Dict[str, Any]]:
    with db.session() as s:
        return [{"id": r.id, "organisation": r.organisation, "created_at": r.created_at, "revoked_at": r.revoked_at,
                 "last_used_at": r.last_used_at}
                for r in s.execute(select(PartnerToken).order_by(PartnerToken.id)).scalars()]


def revoke_partner_token(db: Database, token_id: int, actor: str = "cli") -> bool:
    with db.session() as s:
        row = s.get(PartnerToken, token_id)
        if row is None:
            return False
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            s.add(AuditEntry(actor=actor, action="partner_token", detail=f"revoked {row.id}: {row.organisation}"[:255]))
        return True


def partner_for_token(db: Database, token: str) -> Optional[Partner]:
    """The partner of a token that works (not revoked), or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with db.session() as s:
        row = s.execute(select(PartnerToken).where(PartnerToken.token_hash == token_hash(token),
                                                   PartnerToken.revoked_at.is_(None))).scalar_one_or_none()
        if row is None:
            return None
        row.last_used_at = utcnow()
        return Partner(row.id, row.organisation)
