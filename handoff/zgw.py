"""Registration of tickets in the gemeente's case system through the VNG ZGW APIs (Zaken
API 1.5, Documenten API 1.5, Catalogi API 1.3), as Open Formulieren does. Optional: the
``zgw`` section of the gemeente configuration, off by default.

A ticket becomes, step by step (STEPS):
  zaak                  POST {zaken}/zaken (identificatie = the ticket reference)
  document              POST {documenten}/enkelvoudiginformatieobjecten (the staff summary as a PDF)
  zaakinformatieobject  POST {zaken}/zaakinformatieobjecten (the document linked to the zaak)
  rol                   GET {catalogi}/roltypen (initiator), POST {zaken}/rollen
  status                GET {catalogi}/statustypen, POST {zaken}/statussen (lowest volgnummer)
and each later status change in the inbox becomes a step ``status:<n>`` (POST /statussen
with the statustype mapped in the configuration). Closing a ticket with an outcome that
has a resultaattype in ``result_types`` first records the resultaat (POST /resultaten,
step ``resultaat``): a case system closes a zaak with its eindstatus only when the zaak
has a resultaat.

Each step is written down before its request goes out and again when it is done
(zgw_store). A step that was tried before first looks for what an earlier try may have
made (GET with our own identificatie, or by zaak and type), so a retry never makes a
duplicate. A 4xx answer that says the request is wrong is kept as a final error, shown
on the ticket page, and not retried; anything else is retried with backoff.

Authentication: a JWT (HS256) per request, with the claims Open Zaak expects (iss, iat,
client_id, user_id, user_representation), signed with the client secret from the
environment (never from the configuration file).
"""
from __future__ import annotations

import base64
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import jwt

from handoff import tickets, zgw_pdf
from handoff.db import Database, Ticket, utcnow
from handoff.zgw_store import StepRow, Store
from zelfscan_runtime import region as region_file

logger = logging.getLogger(__name__)

STEPS = ("zaak", "document", "zaakinformatieobject", "rol", "status")
# the answers that say "this request is wrong": retrying the same request cannot help
FINAL_STATUSES = {400, 404, 405, 406, 409, 410, 412, 413, 415, 422}
VERTROUWELIJKHEID = ("openbaar", "beperkt_openbaar", "intern", "zaakvertrouwelijk", "vertrouwelijk",
                     "confidentieel", "geheim", "zeer_geheim")
KNOWN_KEYS = {"enabled", "zaken_api", "documenten_api", "catalogi_api", "client_id", "client_secret_env", "rsin",
              "zaaktype", "informatieobjecttype", "vertrouwelijkheidaanduiding", "auteur", "user_id",
              "user_representation", "status_types", "result_types", "register_from", "timeout_seconds"}
DEFAULT_SECRET_ENV = "ZGW_CLIENT_SECRET"
DEFAULT_GEMEENTE_FILE = Path(__file__).resolve().parent.parent / "gemeente" / "config.yml"
# the outcomes when the gemeente configuration has no ticket_outcomes (handoff/settings.py)
DEFAULT_OUTCOME_IDS = ("bbz_aangevraagd", "bbz_toegekend", "ioaz_aangevraagd", "schuldhulp_gestart", "doorverwezen",
                       "geen_hulp_nodig", "niet_bereikt")
CRS = "EPSG:4326"


class ZgwConfigError(ValueError):
    """The zgw section of the gemeente configuration is wrong; the message names the field."""


@dataclass(frozen=True)
class ZgwConfig:
    zaken_api: str
    documenten_api: str
    catalogi_api: str
    client_id: str
    client_secret: str = field(repr=False)
    rsin: str
    zaaktype: str
    informatieobjecttype: str
    auteur: str
    vertrouwelijkheidaanduiding: str = "vertrouwelijk"
    user_id: str = "zelfscan"
    user_representation: str = "Zelfscan Ondernemers"
    # inbox status -> statustype: a URL, or the volgnummer within the zaaktype
    status_types: Mapping[str, Any] = field(default_factory=dict)
    # outcome id (ticket_outcomes) -> resultaattype URL: the resultaat when a ticket is closed
    result_types: Mapping[str, str] = field(default_factory=dict)
    register_from: Optional[date] = None
    timeout_seconds: float = 20.0


def valid_rsin(value: str) -> bool:
    """Nine digits that pass the 11-proef (as a BSN/RSIN: the last digit counts -1)."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    return total % 11 == 0 and value != "000000000"


def _url(raw: Mapping[str, Any], key: str, problems: List[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
        problems.append(f"'zgw.{key}' must be an http(s) address, not '{value}'")
        return ""
    return value.rstrip("/") if key.endswith("_api") else value


def parse_config(raw: Any, environ: Mapping[str, str], default_auteur: str = "Gemeente",
                 production: bool = False, outcome_ids: Optional[Sequence[str]] = None) -> Optional[ZgwConfig]:
    """The ``zgw`` section, validated; None when it is missing or ``enabled`` is not true.
    Every problem names its field; the client secret comes from the environment variable
    ``client_secret_env`` (default ZGW_CLIENT_SECRET). In production every address must
    be https (the token and personal data travel over it)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ZgwConfigError("Gemeente configuration: 'zgw' must be a mapping of settings")
    enabled = raw.get("enabled", False)
    if not isinstance(enabled, bool):
        raise ZgwConfigError("Gemeente configuration: 'zgw.enabled' must be true or false")
    problems: List[str] = []
    if "client_secret" in raw:
        problems.append("'zgw.client_secret' may not be in the file: put the secret in the environment variable "
                        f"named by 'zgw.client_secret_env' (default {DEFAULT_SECRET_ENV})")
    for key in sorted(set(raw) - KNOWN_KEYS - {"client_secret"}):
        problems.append(f"'zgw.{key}' is not a known setting (known: {', '.join(sorted(KNOWN_KEYS))})")
    if not enabled:
        if problems:
            raise ZgwConfigError("Gemeente configuration: " + "; ".join(problems))
        return None
    urls = {key: _url(raw, key, problems) for key in ("zaken_api", "documenten_api", "catalogi_api", "zaaktype",
                                                      "informatieobjecttype")}
    if production:
        problems.extend(f"'zgw.{key}' must be an https address in production" for key, value in urls.items()
                        if value and not value.startswith("https://"))
    client_id = raw.get("client_id")
    if not isinstance(client_id, str) or not client_id.strip():
        problems.append("'zgw.client_id' is missing")
        client_id = ""
    secret_env = raw.get("client_secret_env", DEFAULT_SECRET_ENV)
    if not isinstance(secret_env, str) or not re.fullmatch(r"[A-Z][A-Z0-9_]*", secret_env):
        problems.append(f"'zgw.client_secret_env' must be the name of an environment variable, not '{secret_env}'")
        secret_env = DEFAULT_SECRET_ENV
    secret = environ.get(secret_env, "")
    if not secret and "client_secret" not in raw:
        problems.append(f"'zgw.enabled' is true but the environment variable {secret_env} (the client secret "
                        "that Open Zaak gave this application) is not set")
    rsin = str(raw.get("rsin", "")).strip()
    if not valid_rsin(rsin):
        problems.append(f"'zgw.rsin' must be the gemeente's RSIN: 9 digits that pass the 11-proef, not '{rsin}'")
    vertrouwelijk = raw.get("vertrouwelijkheidaanduiding", "vertrouwelijk")
    if vertrouwelijk not in VERTROUWELIJKHEID:
        problems.append(f"'zgw.vertrouwelijkheidaanduiding' must be one of {', '.join(VERTROUWELIJKHEID)}")
    status_types: Dict[str, Any] = {}
    mapping = raw.get("status_types") or {}
    if not isinstance(mapping, Mapping):
        problems.append("'zgw.status_types' must map inbox statuses to a statustype URL or volgnummer")
        mapping = {}
    for status, value in mapping.items():
        if status not in tickets.STATUSES:
            problems.append(f"'zgw.status_types.{status}' is no inbox status ({', '.join(tickets.STATUSES)})")
        elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
            status_types[status] = value
        elif isinstance(value, str) and re.match(r"^https?://\S+$", value):
            status_types[status] = value
        else:
            problems.append(f"'zgw.status_types.{status}' must be a statustype URL or a volgnummer (1 to 9999)")
    result_types: Dict[str, str] = {}
    results = raw.get("result_types") or {}
    if not isinstance(results, Mapping):
        problems.append("'zgw.result_types' must map outcome ids (ticket_outcomes) to a resultaattype URL")
        results = {}
    for outcome, value in results.items():
        if outcome_ids is not None and outcome not in outcome_ids:
            problems.append(f"'zgw.result_types.{outcome}' is no outcome of ticket_outcomes ({', '.join(outcome_ids)})")
        elif not isinstance(value, str) or not re.match(r"^https?://\S+$", value):
            problems.append(f"'zgw.result_types.{outcome}' must be a resultaattype URL")
        else:
            result_types[str(outcome)] = value
    register_from = raw.get("register_from")
    if register_from is not None and not isinstance(register_from, date):
        problems.append("'zgw.register_from' must be a date (YYYY-MM-DD)")
        register_from = None
    timeout = raw.get("timeout_seconds", 20)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 1 <= timeout <= 300:
        problems.append("'zgw.timeout_seconds' must be a number of seconds from 1 to 300")
        timeout = 20
    texts = {}
    for key, default, limit in (("auteur", default_auteur, 200), ("user_id", "zelfscan", 255),
                                ("user_representation", "Zelfscan Ondernemers", 255)):
        value = raw.get(key, default)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            problems.append(f"'zgw.{key}' must be a text of 1 to {limit} characters")
            value = default
        texts[key] = value.strip()
    if problems:
        raise ZgwConfigError("Gemeente configuration: " + "; ".join(problems))
    return ZgwConfig(client_id=client_id.strip(), client_secret=secret, rsin=rsin,
                     vertrouwelijkheidaanduiding=vertrouwelijk, status_types=status_types, result_types=result_types,
                     register_from=register_from, timeout_seconds=float(timeout), **urls, **texts)


def from_gemeente_file(path: Optional[Path] = None, environ: Optional[Mapping[str, str]] = None,
                       production: bool = False) -> Union[None, ZgwConfig, Dict[str, ZgwConfig]]:
    """The ``zgw`` section of the gemeente configuration (GEMEENTE_CONFIG, default
    gemeente/config.yml); None when it is off. A region file (zelfscan_runtime/region.py)
    gives one configuration per gemeente id that has ZGW on (each gemeente's tickets go to
    its own case system; ``client_secret_env`` names each one's secret). Raises
    ZgwConfigError naming the field (and the gemeente, in a region)."""
    environ = os.environ if environ is None else environ
    path = path or Path(environ.get("GEMEENTE_CONFIG") or DEFAULT_GEMEENTE_FILE)
    try:
        found = region_file.parse(path)
    except (OSError, region_file.RegionError):
        return None  # the action server reports an unreadable file; without it ZGW stays off
    if not found.regional:
        return _from_data(found.data(), environ, production)
    configs: Dict[str, ZgwConfig] = {}
    for gemeente_id in found.files:
        try:
            config = _from_data(found.data(gemeente_id), environ, production)
        except ZgwConfigError as exc:
            raise ZgwConfigError(f"{gemeente_id}: {exc}") from exc
        if config is not None:
            configs[gemeente_id] = config
    return configs or None


def _from_data(data: Any, environ: Mapping[str, str], production: bool) -> Optional[ZgwConfig]:
    if not isinstance(data, Mapping):
        return None
    loket = data.get("ondernemersloket") or {}
    auteur = str(loket.get("name") or data.get("name") or "Gemeente") if isinstance(loket, Mapping) else "Gemeente"
    outcomes = data.get("ticket_outcomes")
    outcome_ids = ([str(o.get("id")) for o in outcomes if isinstance(o, Mapping)] if isinstance(outcomes, list)
                   else list(DEFAULT_OUTCOME_IDS))
    return parse_config(data.get("zgw"), environ, auteur, production, outcome_ids)


# ------------------------------------------------------------------ the planner (pure)

@dataclass(frozen=True)
class Step:
    name: str  # a STEPS entry, or "status:<n>" for a later status change
    target: Optional[str] = None  # status steps: the inbox status reported
    tried: bool = False  # an earlier try may have reached the API: look before creating


def next_step(done_or_tried: Mapping[str, StepRow], ticket_status: str, mapped: Mapping[str, Any],
              now: datetime, outcome: Optional[str] = None,
              result_types: Optional[Mapping[str, str]] = None) -> Tuple[Optional[Step], str]:
    """What to do next for one ticket, from the rows of its earlier steps. Returns the
    step (or None) and why: "todo", "waiting" (backoff), "blocked" (a final error),
    "done". Closing ("afgesloten") with an ``outcome`` that has a resultaattype first
    records the resultaat. Pure: no I/O."""
    for name in STEPS:
        row = done_or_tried.get(name)
        if row is not None and row.done:
            continue
        return _attempt(name, row, now, "nieuw" if name == "status" else None)
    changes = sorted((r for n, r in done_or_tried.items() if n.startswith("status:")),
                     key=lambda r: int(r.step.split(":")[1]))
    pending = next((r for r in changes if not r.done and not r.final_error), None)
    if pending is not None:
        target = pending.target
    else:
        last = changes[-1].target if changes else "nieuw"
        if ticket_status == last or ticket_status not in mapped:
            return None, "done"
        target = ticket_status
    if target == "afgesloten" and outcome and outcome in (result_types or {}):
        result = done_or_tried.get("resultaat")
        if result is None or (not result.done and not result.final_error):
            return _attempt("resultaat", result, now, outcome)
    if pending is not None:
        return _attempt(pending.step, pending, now, pending.target)
    number = int(changes[-1].step.split(":")[1]) + 1 if changes else 2
    return Step(f"status:{number}", target), "todo"


def _attempt(name: str, row: Optional[StepRow], now: datetime, target: Optional[str]) -> Tuple[Optional[Step], str]:
    if row is None:
        return Step(name, target), "todo"
    if row.final_error:
        return None, "blocked"
    if row.next_attempt_at is not None and row.next_attempt_at > now:
        return None, "waiting"
    return Step(name, row.target or target, tried=row.attempts > 0), "todo"


# ------------------------------------------------------------------- HTTP to the APIs

class ZgwError(Exception):
    """A step that did not work. ``str()`` is the full text for the ticket page (it may
    quote what the case system said about a field); ``summary`` is what goes to the log
    (an HTTP status or the kind of failure, never a value that could be personal data)."""

    def __init__(self, message: str, final: bool, summary: Optional[str] = None):
        super().__init__(message)
        self.final = final
        self.summary = summary or message


def token(config: ZgwConfig, now: Optional[float] = None) -> str:
    claims = {"iss": config.client_id, "iat": int(now if now is not None else time.time()),
              "client_id": config.client_id, "user_id": config.user_id,
              "user_representation": config.user_representation}
    return jwt.encode(claims, config.client_secret, algorithm="HS256")


def _problem(response: Any) -> str:
    """A short description of an error answer (problem+json: title and the invalid fields)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        parts = [str(body.get("title") or body.get("detail") or "")]
        for item in body.get("invalidParams") or []:
            if isinstance(item, Mapping):
                parts.append(f"{item.get('name')}: {item.get('reason')}")
        text = "; ".join(p for p in parts if p)
    else:
        text = ""
    return f"HTTP {response.status_code}" + (f": {text}" if text else "")


class Client:
    """The calls of one registration; ``http`` is a requests.Session (or anything with
    its ``request`` method)."""

    def __init__(self, config: ZgwConfig, http: Any):
        self.config, self.http = config, http

    def call(self, method: str, url: str, params: Optional[Mapping[str, str]] = None,
             body: Optional[Mapping[str, Any]] = None, crs: bool = False) -> Any:
        headers = {"Authorization": f"Bearer {token(self.config)}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if crs:  # the Zaken API's /zaken endpoints require both headers (geometry)
            headers["Accept-Crs"] = headers["Content-Crs"] = CRS
        try:
            response = self.http.request(method, url, params=params, json=body, headers=headers,
                                         timeout=self.config.timeout_seconds)
        except Exception as exc:  # noqa: BLE001 - no answer at all: try again later
            raise ZgwError(f"geen antwoord ({type(exc).__name__})", final=False) from exc
        if response.status_code >= 400:
            raise ZgwError(_problem(response), final=response.status_code in FINAL_STATUSES,
                           summary=f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise ZgwError(f"HTTP {response.status_code}: geen JSON", final=False) from exc

    def results(self, url: str, params: Mapping[str, str], crs: bool = False) -> List[Dict[str, Any]]:
        """Every item of a list endpoint (paginated {results, next} or a plain array)."""
        found: List[Dict[str, Any]] = []
        page: Optional[str] = url
        query: Optional[Mapping[str, str]] = params
        for _ in range(20):
            if not page:
                break
            data = self.call("GET", page, params=query, crs=crs)
            if isinstance(data, list):
                return found + data
            found += data.get("results") or []
            page, query = data.get("next"), None
        return found


# ------------------------------------------------------------------ the steps

def _local_day(iso: str) -> str:
    """The Dutch calendar day of a ticket time (ISO, UTC)."""
    return tickets.local_date(datetime.fromisoformat(iso.removesuffix("Z")).replace(tzinfo=None)).isoformat()


def _statustypes(client: Client) -> List[Dict[str, Any]]:
    types = client.results(f"{client.config.catalogi_api}/statustypen", {"zaaktype": client.config.zaaktype})
    return sorted(types, key=lambda t: int(t.get("volgnummer") or 0))


def _statustype_for(client: Client, wanted: Any) -> str:
    if isinstance(wanted, str):
        return wanted
    for item in _statustypes(client):
        if item.get("volgnummer") == wanted:
            return str(item["url"])
    raise ZgwError(f"het zaaktype heeft geen statustype met volgnummer {wanted}", final=True)


def _rol_body(ticket: Mapping[str, Any], zaak: str, roltype: str) -> Dict[str, Any]:
    contact = ticket.get("contact") or {}
    name = str(contact.get("name") or "").strip()
    vestiging = str(contact.get("vestigingsnummer") or "").strip()
    kvk = str(contact.get("kvk_nummer") or contact.get("kvk") or "").strip()
    body: Dict[str, Any] = {"zaak": zaak, "roltype": roltype, "roltoelichting": (
        f"De ondernemer over wie {ticket.get('source') or 'een organisatie'} een signaal doorgaf."
        if _is_signal(ticket) else "De ondernemer die de Zelfscan Ondernemers deed en om contact vroeg.")[:1000]}
    if vestiging or kvk:
        identificatie: Dict[str, Any] = {}
        if vestiging:
            identificatie["vestigingsNummer"] = vestiging[:24]
        if kvk:
            identificatie["kvkNummer"] = kvk[:8]
        body.update(betrokkeneType="vestiging", betrokkeneIdentificatie=identificatie)
    else:
        # the scan asks one name field: it is kept as given, not split into parts
        body.update(betrokkeneType="natuurlijk_persoon",
                    betrokkeneIdentificatie={"geslachtsnaam": (name or "onbekend")[:200]})
    if name:
        body["afwijkendeNaamBetrokkene"] = name[:625]
        person: Dict[str, Any] = {"naam": name[:200]}
        if contact.get("email"):
            person["emailadres"] = str(contact["email"])[:254]
        if contact.get("phone"):
            person["telefoonnummer"] = str(contact["phone"])[:20]
        body["contactpersoonRol"] = person
    return body


def _is_signal(ticket: Mapping[str, Any]) -> bool:
    """A ticket made from a signal of a colleague or partner, not from a scan."""
    return ticket.get("kind") == "signaal"


def _change_note(target: str, number: str) -> str:
    return f"Status in de inbox van de Zelfscan: {tickets.STATUS_LABELS.get(target, target)} (wijziging {number})."


def run_step(step: Step, ticket: Mapping[str, Any], done: Mapping[str, str], client: Client) -> str:
    """One step: look for an earlier try's result when it was tried before, else create.
    Returns the URL of what the step made or found."""
    c, ref = client.config, str(ticket["id"])
    zaak = done.get("zaak", "")
    if step.name == "zaak":
        if step.tried:
            found = client.results(f"{c.zaken_api}/zaken", {"identificatie": ref, "bronorganisatie": c.rsin}, crs=True)
            if found:
                return str(found[0]["url"])
        risk = zgw_pdf.LEVEL_TEXT.get(str(ticket.get("risk_level")), "")
        created = client.call("POST", f"{c.zaken_api}/zaken", crs=True, body={
            "identificatie": ref, "bronorganisatie": c.rsin, "verantwoordelijkeOrganisatie": c.rsin,
            "zaaktype": c.zaaktype, "startdatum": _local_day(str(ticket["created_at"])),
            "omschrijving": (f"Signaal over ondernemer met geldzorgen: {ref}" if _is_signal(ticket)
                             else f"Ondernemer met geldzorgen: aanmelding {ref}")[:80],
            "toelichting": ((f"Signaal van {ticket.get('source') or 'een organisatie'}; de ondernemer heeft de "
                             "zelfscan nog niet gedaan." if _is_signal(ticket)
                             else f"Aanmelding via de Zelfscan Ondernemers. {risk}.")
                            + (" Urgent: neem binnen een werkdag contact op." if ticket.get("urgent") else ""))[:1000],
            "vertrouwelijkheidaanduiding": c.vertrouwelijkheidaanduiding,
        })
        return str(created["url"])
    if step.name == "document":
        if step.tried:
            found = client.results(f"{c.documenten_api}/enkelvoudiginformatieobjecten",
                                   {"identificatie": ref, "bronorganisatie": c.rsin})
            if found:
                return str(found[0]["url"])
        content = zgw_pdf.summary_pdf(ticket, c.auteur)
        created = client.call("POST", f"{c.documenten_api}/enkelvoudiginformatieobjecten", body={
            "identificatie": ref, "bronorganisatie": c.rsin, "creatiedatum": _local_day(str(ticket["created_at"])),
            "titel": f"Samenvatting aanmelding {ref}", "auteur": c.auteur, "taal": "nld",
            "vertrouwelijkheidaanduiding": c.vertrouwelijkheidaanduiding, "formaat": "application/pdf",
            "bestandsnaam": f"samenvatting-{ref}.pdf", "bestandsomvang": len(content),
            "inhoud": base64.b64encode(content).decode("ascii"), "informatieobjecttype": c.informatieobjecttype,
            "beschrijving": "Samenvatting van de Zelfscan Ondernemers voor de accountmanager.",
        })
        return str(created["url"])
    if step.name == "zaakinformatieobject":
        document = done["document"]
        if step.tried:
            found = client.results(f"{c.zaken_api}/zaakinformatieobjecten", {"zaak": zaak, "informatieobject": document})
            if found:
                return str(found[0]["url"])
        created = client.call("POST", f"{c.zaken_api}/zaakinformatieobjecten", body={
            "zaak": zaak, "informatieobject": document, "titel": f"Samenvatting aanmelding {ref}",
            "beschrijving": "Samenvatting van de Zelfscan Ondernemers."})
        return str(created["url"])
    if step.name == "rol":
        if step.tried:
            found = client.results(f"{c.zaken_api}/rollen", {"zaak": zaak, "omschrijvingGeneriek": "initiator"})
            if found:
                return str(found[0]["url"])
        roltypen = client.results(f"{c.catalogi_api}/roltypen",
                                  {"zaaktype": c.zaaktype, "omschrijvingGeneriek": "initiator"})
        if not roltypen:
            raise ZgwError("het zaaktype heeft geen roltype met omschrijvingGeneriek 'initiator'", final=True)
        created = client.call("POST", f"{c.zaken_api}/rollen", body=_rol_body(ticket, zaak, str(roltypen[0]["url"])))
        return str(created["url"])
    if step.name == "resultaat":
        if step.tried:
            found = client.results(f"{c.zaken_api}/resultaten", {"zaak": zaak})
            if found:
                return str(found[0]["url"])
        created = client.call("POST", f"{c.zaken_api}/resultaten", body={
            "zaak": zaak, "resultaattype": c.result_types[str(step.target)],
            "toelichting": f"Uitkomst gekozen in de inbox van de Zelfscan: {step.target}."})
        return str(created["url"])
    # status: the first one (lowest volgnummer), or a change made in the inbox
    number = step.name.split(":")[1] if ":" in step.name else "1"
    if step.name == "status":
        types = _statustypes(client)
        if not types:
            raise ZgwError("het zaaktype heeft geen statustypen", final=True)
        statustype, note = str(types[0]["url"]), "Aangemeld via de Zelfscan Ondernemers."
    else:
        statustype = _statustype_for(client, c.status_types[str(step.target)])
        note = _change_note(str(step.target), number)
    if step.tried:
        for item in client.results(f"{c.zaken_api}/statussen", {"zaak": zaak, "statustype": statustype}):
            if item.get("statustoelichting") == note:
                return str(item["url"])
    created = client.call("POST", f"{c.zaken_api}/statussen", body={
        "zaak": zaak, "statustype": statustype, "statustoelichting": note,
        "datumStatusGezet": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")})
    return str(created["url"])


def register(ticket: Mapping[str, Any], config: ZgwConfig, store: Store, http: Any,
             now: Optional[datetime] = None) -> str:
    """Do every step that is due for this ticket, in order, until one fails. Returns the
    state: "done", "waiting", "blocked" or "failed". Blocking; run it in a worker thread."""
    client = Client(config, http)
    ref = str(ticket["id"])
    while True:
        rows = store.steps(ref)
        step, state = next_step(rows, str(ticket.get("status") or "nieuw"), config.status_types, now or utcnow(),
                                ticket.get("outcome"), config.result_types)
        if step is None:
            return state
        done = {name: row.url for name, row in rows.items() if row.done and row.url}
        store.begin(ref, step.name, step.target)
        try:
            url = run_step(step, ticket, done, client)
        except ZgwError as exc:
            store.failed(ref, step.name, str(exc), exc.final, target=step.target)
            logger.warning("ZGW registration of %s: step %s failed (%s)%s", ref, step.name, exc.summary,
                           "" if exc.final else "; will retry")
            return "failed"
        except Exception as exc:  # noqa: BLE001 - a bug or an odd answer: keep it, try again later
            store.failed(ref, step.name, f"onverwachte fout ({type(exc).__name__})", False, target=step.target)
            logger.exception("ZGW registration of %s: step %s failed unexpectedly", ref, step.name)
            return "failed"
        store.succeeded(ref, step.name, url, step.target)


# One configuration for every ticket ({"": config}), or one per gemeente id in a regional
# deployment ({"voorbeeldstad": config, ...}): a ticket's ``gemeente`` picks its own, and a
# gemeente without one is not registered (never in another gemeente's case system).
Configs = Mapping[str, ZgwConfig]


def as_configs(config: Union[None, ZgwConfig, Configs]) -> Dict[str, ZgwConfig]:
    if config is None:
        return {}
    if isinstance(config, ZgwConfig):
        return {"": config}
    return {key: value for key, value in config.items() if value is not None}


def config_for(configs: Configs, ticket: Mapping[str, Any]) -> Optional[ZgwConfig]:
    if "" in configs:
        return configs[""]
    return configs.get(str(ticket.get("gemeente") or ""))


def due_tickets(db: Database, config: Union[ZgwConfig, Configs], store: Store,
                now: Optional[datetime] = None) -> List[Tuple[Dict[str, Any], ZgwConfig]]:
    """Tickets with a step to do now, each with its configuration: not yet (fully)
    registered, or with an inbox status the zaak does not have yet. Erased tickets, and
    tickets made before the configuration's ``register_from``, are left alone."""
    from sqlalchemy import select

    configs, now = as_configs(config), now or utcnow()
    if not configs:
        return []
    rows = store.all_steps()
    found = []
    with db.session() as s:
        for ticket in s.execute(select(Ticket).where(Ticket.erased_at.is_(None))
                                .order_by(Ticket.created_at)).scalars():
            own = config_for(configs, {"gemeente": getattr(ticket, "gemeente", None)})
            if own is None or (own.register_from is not None and ticket.created_at.date() < own.register_from):
                continue
            step, _ = next_step(rows.get(ticket.id, {}), ticket.status, own.status_types, now, ticket.outcome,
                                own.result_types)
            if step is not None:
                found.append((tickets.to_json(ticket), own))
    return found


def process_due(db: Database, config: Union[None, ZgwConfig, Configs], http_factory: Callable[[], Any],
                retry_base_seconds: float = 60.0) -> int:
    """The background loop's part: register every due ticket. Without a configuration
    (ZGW off, the default) it does nothing and makes no call. Returns the tickets tried."""
    if not as_configs(config):
        return 0
    store = Store(db, retry_base_seconds)
    due = due_tickets(db, as_configs(config), store)
    if not due:
        return 0
    http = http_factory()
    try:
        for ticket, own in due:
            register(ticket, own, store, http)
    finally:
        close = getattr(http, "close", None)
        if close:
            close()
    return len(due)


def retry_base_seconds() -> float:
    return float(os.environ.get("ZGW_RETRY_SECONDS") or 60)
