"""A stand-in for a gemeente's ZGW case system (Zaken, Documenten and Catalogi API) for
the tests: a real HTTP server (aiohttp) that keeps its state in SQLite and checks every
request AND every response it sends against the official OpenAPI files of VNG-Realisatie
(tests/zgw/specs, with openapi-core). A request that does not match its specification
gets 400 (ValidatieFout) and is not carried out; a response that would not match is
replaced by a 500 and noted, so a test sees it. Every call is written to the table
``calls`` with both verdicts.

It implements what a registration needs, with the rules Open Zaak applies to them
(identificatie unique per bronorganisatie, RSIN 11-proef, known zaaktype, roltype,
statustype and informatieobjecttype, existing zaak and document), and checks the JWT
(HS256, the claims Open Zaak expects) with ZGW_STANDIN_SECRET for ZGW_STANDIN_CLIENT_ID.

Test switches: ZGW_STANDIN_HANG_AFTER="POST /zaken" makes the server store the first such
request's object and then never answer, so a test can kill it (SIGKILL) between storing
and answering. ZGW_STANDIN_REFUSE="POST /rollen" refuses every such request with 400 (as
a case system with a wrong catalogue would), until the server is started without it.

    python -m tests.zgw.standin --port 8123 --db /tmp/zgw.db
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import hashlib
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import jwt
import yaml
from aiohttp import web
from openapi_core import Spec, V30RequestValidator, V30ResponseValidator, validate_request, validate_response
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.schemas import oas30_read_schema_validators_factory, oas30_write_schema_validators_factory

SPECS = Path(__file__).resolve().parent / "specs"
SPEC_FILES = {"zaken": "zaken-1.5.1.yaml", "documenten": "documenten-1.5.0.yaml", "catalogi": "catalogi-1.3.1.yaml"}
API_VERSIONS = {"zaken": "1.5.1", "documenten": "1.5.0", "catalogi": "1.3.1"}
ZAAKTYPE = "0119dd4e-7be9-477e-bccf-75023b1453c1"
INFORMATIEOBJECTTYPE = "9f2a4b1e-3c5d-4e6f-8a7b-1c2d3e4f5a6b"
CATALOGUS = "d1f6c0a4-7e1b-4a55-9b0e-2f3a4b5c6d7e"
ROLTYPEN = [("5a1b2c3d-0000-4000-8000-000000000001", "Aanvrager", "initiator"),
            ("5a1b2c3d-0000-4000-8000-000000000002", "Accountmanager", "behandelaar")]
STATUSTYPEN = [("6b1c2d3e-0000-4000-8000-000000000001", 1, "Ontvangen", False),
               ("6b1c2d3e-0000-4000-8000-000000000002", 2, "In behandeling", False),
               ("6b1c2d3e-0000-4000-8000-000000000003", 3, "Afgehandeld", True)]
RESULTAATTYPEN = ["7c1d2e3f-0000-4000-8000-000000000001", "7c1d2e3f-0000-4000-8000-000000000002"]
ZAAKTYPE_IDENTIFICATIE = "ZELFSCAN-ONDERNEMER"


def load_spec(path: Path) -> Dict[str, Any]:
    """The YAML file as data; parsed once and kept as JSON in the temporary folder (keyed
    by the file's hash), because parsing 1.3 MB of YAML takes seconds at every start."""
    raw = path.read_bytes()
    cache = Path(tempfile.gettempdir()) / f"zelfscan-zgw-spec-{hashlib.sha256(raw).hexdigest()[:24]}.json"
    if cache.exists():
        try:
            return json.loads(cache.read_text(encoding="utf-8"))
        except ValueError:
            pass
    data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    partial = cache.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, cache)
    return data


def catalogue_urls(base: str) -> Dict[str, Any]:
    cat = f"{base}/catalogi/api/v1"
    return {
        "zaaktype": f"{cat}/zaaktypen/{ZAAKTYPE}",
        "informatieobjecttype": f"{cat}/informatieobjecttypen/{INFORMATIEOBJECTTYPE}",
        "catalogus": f"{cat}/catalogussen/{CATALOGUS}",
        "roltypen": {generic: f"{cat}/roltypen/{u}" for u, _, generic in ROLTYPEN},
        "statustypen": {nr: f"{cat}/statustypen/{u}" for u, nr, _, _ in STATUSTYPEN},
        "resultaattypen": [f"{cat}/resultaattypen/{u}" for u in RESULTAATTYPEN],
    }


def valid_rsin(value: str) -> bool:
    if not re.fullmatch(r"\d{9}", value or ""):
        return False
    return (sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])) % 11 == 0


def is_uri(value: Any) -> bool:
    """format: uri (jsonschema checks it only with the optional rfc3987 package): an
    absolute http(s) address without spaces."""
    if not isinstance(value, str):
        return True
    if value == "":
        return True  # the APIs use "" for "no link" (e.g. betrokkene), as Open Zaak answers
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", value)


def is_base64(value: Any) -> bool:
    """format: byte (base64, RFC 4648)."""
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


FORMATS = {"uri": is_uri, "byte": is_base64}
# what openapi-core needs besides the specification: checks for the two formats above,
# and the problem+json answers read as JSON like application/json. (Its validator
# classes only validate; its default unmarshalling would decode base64 as UTF-8 text.)
VALIDATION: Dict[str, Any] = {
    "extra_format_validators": FORMATS,
    "extra_media_type_deserializers": {"application/problem+json": json.loads},
}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class Invalid(Exception):
    """A request that the API refuses (400 ValidatieFout)."""

    def __init__(self, name: str, code: str, reason: str):
        super().__init__(reason)
        self.name, self.code, self.reason = name, code, reason


class StandIn:
    def __init__(self, base: str, db_path: Path, secret: str, client_id: str, hang_after: str = "",
                 refuse: str = ""):
        self.base, self.secret, self.client_id, self.hang_after = base, secret, client_id, hang_after
        self.refuse = refuse
        self.urls = catalogue_urls(base)
        self.specs: Dict[str, Spec] = {}
        for api, name in SPEC_FILES.items():
            data = load_spec(SPECS / name)
            data["servers"] = [{"url": f"{base}/{api}/api/v1"}]  # the only change: where the API lives
            self.specs[api] = Spec.from_dict(data, validator=None)
        self.db = sqlite3.connect(str(db_path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS objects (url TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                        "data TEXT NOT NULL, created REAL NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS calls (id INTEGER PRIMARY KEY, method TEXT, path TEXT, "
                        "query TEXT, status INTEGER, request_valid INTEGER, response_valid INTEGER, error TEXT)")

    # ------------------------------------------------------------------ storage

    def store(self, kind: str, data: Dict[str, Any]) -> None:
        self.db.execute("INSERT INTO objects (url, kind, data, created) VALUES (?, ?, ?, ?)",
                        (data["url"], kind, json.dumps(data), time.time()))

    def objects(self, kind: str) -> List[Dict[str, Any]]:
        rows = self.db.execute("SELECT data FROM objects WHERE kind = ? ORDER BY created", (kind,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get(self, kind: str, url: str) -> Optional[Dict[str, Any]]:
        row = self.db.execute("SELECT data FROM objects WHERE kind = ? AND url = ?", (kind, url)).fetchone()
        return json.loads(row[0]) if row else None

    def new_url(self, api: str, collection: str) -> Tuple[str, str]:
        key = str(uuid.uuid4())
        return f"{self.base}/{api}/api/v1/{collection}/{key}", key

    # ----------------------------------------------------------- the catalogue

    def roltypen(self) -> List[Dict[str, Any]]:
        return [{"url": self.urls["roltypen"][generic], "zaaktype": self.urls["zaaktype"],
                 "zaaktypeIdentificatie": ZAAKTYPE_IDENTIFICATIE, "omschrijving": name,
                 "omschrijvingGeneriek": generic, "catalogus": self.urls["catalogus"],
                 "beginGeldigheid": "2026-01-01", "eindeGeldigheid": None}
                for _, name, generic in ROLTYPEN]

    def statustypen(self) -> List[Dict[str, Any]]:
        return [{"url": self.urls["statustypen"][nr], "omschrijving": name, "omschrijvingGeneriek": name,
                 "statustekst": "", "zaaktype": self.urls["zaaktype"],
                 "zaaktypeIdentificatie": ZAAKTYPE_IDENTIFICATIE, "catalogus": self.urls["catalogus"],
                 "volgnummer": nr, "isEindstatus": end, "informeren": False, "doorlooptijd": None,
                 "toelichting": None, "checklistitemStatustype": [], "eigenschappen": [],
                 "zaakobjecttypen": [], "beginGeldigheid": "2026-01-01", "eindeGeldigheid": None,
                 "zaakobjecttype": ""}
                for _, nr, name, end in STATUSTYPEN]

    # --------------------------------------------------------------- handlers

    def auth(self, header: str) -> Optional[str]:
        """None when the JWT is right, else why not."""
        if not header.startswith("Bearer "):
            return "geen Bearer-token"
        try:
            claims = jwt.decode(header[7:], self.secret, algorithms=["HS256"],
                                options={"require": ["iss", "iat", "client_id"]})
        except jwt.PyJWTError as exc:
            return f"token klopt niet ({type(exc).__name__})"
        if claims.get("client_id") != self.client_id or claims.get("iss") != self.client_id:
            return "onbekende client_id"
        if not claims.get("user_id") or not claims.get("user_representation"):
            return "user_id en user_representation ontbreken"
        if abs(time.time() - float(claims["iat"])) > 3600:
            return "token is te oud"
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        match = re.match(r"^/(zaken|documenten|catalogi)/api/v1(/.*)$", path)
        if not match:
            return web.json_response({"detail": "onbekend pad"}, status=404)
        api, rest = match.group(1), match.group(2)
        body_text = await request.text()
        query = {k: v for k, v in request.query.items()}
        spec = self.specs[api]
        mock = MockRequest(self.base, request.method.lower(), path, args=query, headers=dict(request.headers),
                           data=body_text or None, mimetype=request.content_type or "application/json")
        request_error = None
        try:
            validate_request(mock, spec=spec, cls=V30RequestValidator, **VALIDATION)
            if request.method == "POST" and api == "zaken" and rest == "/rollen":
                self.discriminated(api, "Rol", json.loads(body_text), write=True)
        except Exception as exc:  # noqa: BLE001 - every validation failure is a 400
            request_error = _describe(exc)
        status, payload, headers, content_type = 500, {}, {}, "application/json"
        if request_error is not None:
            status, content_type = 400, "application/problem+json"
            payload = self.fout(400, path, "invalid", "De request past niet bij de specificatie.",
                                [{"name": "nonFieldErrors", "code": "invalid", "reason": request_error[:300]}])
        else:
            why = self.auth(request.headers.get("Authorization", ""))
            if why is not None:
                status, content_type = 403, "application/problem+json"
                payload = self.fout(403, path, "permission_denied", why)
            else:
                try:
                    body = json.loads(body_text) if body_text else None
                    status, payload = self.route(request.method, api, rest, query, body)
                    if status in (200, 201) and api == "zaken" and rest.startswith("/zaken"):
                        headers["Content-Crs"] = "EPSG:4326"
                    if status == 201:
                        headers["Location"] = payload["url"]
                except Invalid as exc:
                    status, content_type = 400, "application/problem+json"
                    payload = self.fout(400, path, "invalid", "Invalid input.",
                                        [{"name": exc.name, "code": exc.code, "reason": exc.reason}])
        headers["API-version"] = API_VERSIONS[api]
        data = json.dumps(payload)
        response_error = None
        try:
            if api == "zaken" and rest == "/rollen" and status in (200, 201):
                for item in payload["results"] if status == 200 else [payload]:
                    self.discriminated(api, "Rol", item, write=False)
            validate_response(mock, MockResponse(data, status, headers, content_type), spec=spec,
                              cls=V30ResponseValidator, **VALIDATION)
        except Exception as exc:  # noqa: BLE001
            response_error = _describe(exc)
        self.db.execute("INSERT INTO calls (method, path, query, status, request_valid, response_valid, error) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (request.method, rest, json.dumps(query, sort_keys=True), status, int(request_error is None),
                         int(response_error is None), request_error or response_error))
        if response_error is not None:
            return web.json_response({"detail": "stand-in sent an invalid response: " + response_error}, status=500)
        if self.hang_after and f"{request.method} {rest}" == self.hang_after and status == 201:
            self.hang_after = ""
            await asyncio.Event().wait()  # stored, never answered: the test kills the process now
        return web.Response(text=data, status=status, headers=headers, content_type=content_type)

    def discriminated(self, api: str, name: str, value: Any, write: bool) -> None:
        """openapi-core applies a discriminator only inside oneOf/anyOf, but the Zaken API
        puts it on the base schema (Rol: betrokkeneType -> natuurlijk_persoon_Rol, ...):
        the mapped schema, with betrokkeneIdentificatie, is checked here. Raises when the
        value does not match it."""
        schemas = self.specs[api] / "components" / "schemas"
        with (schemas / name).open() as schema:
            discriminator = dict(schema.get("discriminator") or {})
        if not isinstance(value, dict) or not discriminator:
            return
        target = (discriminator.get("mapping") or {}).get(value.get(discriminator["propertyName"]))
        if target is None:
            return  # the enum of the base schema already refused an unknown value
        factory = oas30_write_schema_validators_factory if write else oas30_read_schema_validators_factory
        factory.create(schemas / target.split("/")[-1], extra_format_validators=FORMATS).validate(value)

    def fout(self, status: int, instance: str, code: str, title: str,
             invalid: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
        body = {"type": f"https://standin.invalid/fouten/{code}", "code": code, "title": title, "status": status,
                "detail": title, "instance": instance}
        if invalid is not None:
            body["invalidParams"] = invalid
        return body

    @staticmethod
    def page(items: List[Dict[str, Any]]) -> Dict[str, Any]:
        return {"count": len(items), "next": None, "previous": None, "results": items}

    def route(self, method: str, api: str, rest: str, query: Dict[str, str],
              body: Any) -> Tuple[int, Any]:
        key = f"{method} {api}{rest}"
        if self.refuse and f"{method} {rest}" == self.refuse:
            raise Invalid("nonFieldErrors", "refused", "Geweigerd door de testschakelaar van de stand-in.")
        if key == "GET catalogi/roltypen":
            found = [r for r in self.roltypen() if r["zaaktype"] == query.get("zaaktype", r["zaaktype"])
                     and r["omschrijvingGeneriek"] == query.get("omschrijvingGeneriek", r["omschrijvingGeneriek"])]
            return 200, self.page(found)
        if key == "GET catalogi/statustypen":
            return 200, self.page([s for s in self.statustypen()
                                   if s["zaaktype"] == query.get("zaaktype", s["zaaktype"])])
        if key == "POST zaken/zaken":
            return 201, self.create_zaak(body)
        if key == "GET zaken/zaken":
            return 200, self.page([z for z in self.objects("zaak") if _matches(z, query, (
                "identificatie", "bronorganisatie"))])
        if key == "POST documenten/enkelvoudiginformatieobjecten":
            return 201, self.create_document(body)
        if key == "GET documenten/enkelvoudiginformatieobjecten":
            return 200, self.page([d for d in self.objects("document") if _matches(d, query, (
                "identificatie", "bronorganisatie"))])
        if key == "POST zaken/zaakinformatieobjecten":
            return 201, self.create_zio(body)
        if key == "GET zaken/zaakinformatieobjecten":
            return 200, [z for z in self.objects("zio") if _matches(z, query, ("zaak", "informatieobject"))]
        if key == "POST zaken/rollen":
            return 201, self.create_rol(body)
        if key == "GET zaken/rollen":
            return 200, self.page([r for r in self.objects("rol") if _matches(r, query, (
                "zaak", "omschrijvingGeneriek", "betrokkeneType"))])
        if key == "POST zaken/resultaten":
            return 201, self.create_resultaat(body)
        if key == "GET zaken/resultaten":
            return 200, self.page([r for r in self.objects("resultaat") if _matches(r, query, ("zaak", "resultaattype"))])
        if key == "POST zaken/statussen":
            return 201, self.create_status(body)
        if key == "GET zaken/statussen":
            return 200, self.page([s for s in self.objects("status") if _matches(s, query, ("zaak", "statustype"))])
        raise Invalid("nonFieldErrors", "not-implemented", f"de stand-in kent {method} {api}{rest} niet")

    def create_zaak(self, body: Dict[str, Any]) -> Dict[str, Any]:
        for field_ in ("bronorganisatie", "verantwoordelijkeOrganisatie"):
            if not valid_rsin(body[field_]):
                raise Invalid(field_, "invalid", "Onjuist RSIN formaat, moet 9 cijfers zijn en de 11-proef doorstaan.")
        if body["zaaktype"] != self.urls["zaaktype"]:
            raise Invalid("zaaktype", "bad-url", "Het zaaktype is niet bekend.")
        ident = body.get("identificatie") or f"ZAAK-{uuid.uuid4().hex[:8]}"
        if any(z["identificatie"] == ident and z["bronorganisatie"] == body["bronorganisatie"]
               for z in self.objects("zaak")):
            raise Invalid("identificatie", "identificatie-niet-uniek",
                          "Deze identificatie bestaat al voor deze bronorganisatie")
        url, key = self.new_url("zaken", "zaken")
        zaak = {
            "url": url, "uuid": key, "identificatie": ident, "bronorganisatie": body["bronorganisatie"],
            "omschrijving": body.get("omschrijving", ""), "toelichting": body.get("toelichting", ""),
            "zaaktype": body["zaaktype"], "registratiedatum": body.get("registratiedatum") or date.today().isoformat(),
            "verantwoordelijkeOrganisatie": body["verantwoordelijkeOrganisatie"], "startdatum": body["startdatum"],
            "einddatum": None, "einddatumGepland": None, "uiterlijkeEinddatumAfdoening": None,
            "publicatiedatum": None, "communicatiekanaal": "", "productenOfDiensten": [],
            "vertrouwelijkheidaanduiding": body.get("vertrouwelijkheidaanduiding", "zaakvertrouwelijk"),
            "betalingsindicatie": "", "betalingsindicatieWeergave": "", "laatsteBetaaldatum": None,
            "verlenging": None, "opschorting": {"indicatie": False, "reden": ""},
            "selectielijstklasse": "", "hoofdzaak": None, "deelzaken": [], "relevanteAndereZaken": [],
            "eigenschappen": [], "rollen": [], "status": None, "zaakinformatieobjecten": [], "zaakobjecten": [],
            "kenmerken": [], "archiefnominatie": None, "archiefstatus": "nog_te_archiveren",
            "archiefactiedatum": None, "resultaat": None, "opdrachtgevendeOrganisatie": "",
        }
        self.store("zaak", zaak)
        return zaak

    def create_document(self, body: Dict[str, Any]) -> Dict[str, Any]:
        if not valid_rsin(body["bronorganisatie"]):
            raise Invalid("bronorganisatie", "invalid", "Onjuist RSIN formaat.")
        if body["informatieobjecttype"] != self.urls["informatieobjecttype"]:
            raise Invalid("informatieobjecttype", "bad-url", "Het informatieobjecttype is niet bekend.")
        try:
            content = base64.b64decode(body.get("inhoud") or "", validate=True)
        except (binascii.Error, ValueError):
            raise Invalid("inhoud", "invalid", "De inhoud is geen geldige base64.") from None
        ident = body.get("identificatie") or f"DOCUMENT-{uuid.uuid4().hex[:8]}"
        if any(d["identificatie"] == ident and d["bronorganisatie"] == body["bronorganisatie"]
               for d in self.objects("document")):
            raise Invalid("identificatie", "identificatie-niet-uniek", "Deze identificatie bestaat al.")
        url, key = self.new_url("documenten", "enkelvoudiginformatieobjecten")
        document = {
            "url": url, "identificatie": ident, "bronorganisatie": body["bronorganisatie"],
            "creatiedatum": body["creatiedatum"], "titel": body["titel"],
            "vertrouwelijkheidaanduiding": body.get("vertrouwelijkheidaanduiding", "openbaar"),
            "auteur": body["auteur"], "status": body.get("status", ""), "formaat": body.get("formaat", ""),
            "taal": body["taal"], "versie": 1, "beginRegistratie": now_iso(),
            "bestandsnaam": body.get("bestandsnaam", ""), "inhoud": f"{url}/download?versie=1",
            "bestandsomvang": len(content), "link": "", "beschrijving": body.get("beschrijving", ""),
            "ontvangstdatum": None, "verzenddatum": None, "indicatieGebruiksrecht": None,
            "verschijningsvorm": "", "ondertekening": None, "integriteit": None,
            "informatieobjecttype": body["informatieobjecttype"], "locked": False, "bestandsdelen": [],
            "trefwoorden": [], "inhoudIsVervallen": False,
        }
        self.store("document", document)
        # the content itself, for the tests (not part of the API's answer)
        self.db.execute("INSERT INTO objects (url, kind, data, created) VALUES (?, 'inhoud', ?, ?)",
                        (url + "#inhoud", json.dumps({"url": url, "inhoud": body.get("inhoud")}), time.time()))
        return document

    def _zaak(self, url: str) -> Dict[str, Any]:
        zaak = self.get("zaak", url)
        if zaak is None:
            raise Invalid("zaak", "does_not_exist", "De zaak bestaat niet.")
        return zaak

    def create_zio(self, body: Dict[str, Any]) -> Dict[str, Any]:
        self._zaak(body["zaak"])
        if self.get("document", body["informatieobject"]) is None:
            raise Invalid("informatieobject", "does_not_exist", "Het informatieobject bestaat niet.")
        if any(z["zaak"] == body["zaak"] and z["informatieobject"] == body["informatieobject"]
               for z in self.objects("zio")):
            raise Invalid("nonFieldErrors", "unique", "Dit informatieobject hoort al bij deze zaak.")
        url, key = self.new_url("zaken", "zaakinformatieobjecten")
        zio = {"url": url, "uuid": key, "informatieobject": body["informatieobject"], "zaak": body["zaak"],
               "aardRelatieWeergave": "Hoort bij, omgekeerd: kent", "titel": body.get("titel", ""),
               "beschrijving": body.get("beschrijving", ""), "registratiedatum": now_iso(),
               "vernietigingsdatum": None, "status": None}
        self.store("zio", zio)
        return zio

    def create_rol(self, body: Dict[str, Any]) -> Dict[str, Any]:
        self._zaak(body["zaak"])
        roltype = next((r for r in self.roltypen() if r["url"] == body.get("roltype")), None)
        if roltype is None:
            raise Invalid("roltype", "bad-url", "Het roltype is niet bekend.")
        if not body.get("betrokkene") and not body.get("betrokkeneIdentificatie"):
            raise Invalid("nonFieldErrors", "invalid-betrokkene",
                          "betrokkene of betrokkeneIdentificatie moet gegeven zijn.")
        url, key = self.new_url("zaken", "rollen")
        rol = {"url": url, "uuid": key, "zaak": body["zaak"], "betrokkene": body.get("betrokkene", ""),
               "betrokkeneType": body["betrokkeneType"],
               "afwijkendeNaamBetrokkene": body.get("afwijkendeNaamBetrokkene", ""),
               "roltype": roltype["url"], "omschrijving": roltype["omschrijving"],
               "omschrijvingGeneriek": roltype["omschrijvingGeneriek"], "roltoelichting": body["roltoelichting"],
               "registratiedatum": now_iso(), "indicatieMachtiging": "",
               "contactpersoonRol": body.get("contactpersoonRol"), "statussen": [],
               "betrokkeneIdentificatie": body.get("betrokkeneIdentificatie")}
        self.store("rol", rol)
        return rol

    def create_resultaat(self, body: Dict[str, Any]) -> Dict[str, Any]:
        self._zaak(body["zaak"])
        if body["resultaattype"] not in self.urls["resultaattypen"]:
            raise Invalid("resultaattype", "bad-url", "Het resultaattype is niet bekend.")
        if any(r["zaak"] == body["zaak"] for r in self.objects("resultaat")):
            raise Invalid("zaak", "unique", "Deze zaak heeft al een resultaat.")
        url, key = self.new_url("zaken", "resultaten")
        resultaat = {"url": url, "uuid": key, "zaak": body["zaak"], "resultaattype": body["resultaattype"],
                     "toelichting": body.get("toelichting", "")}
        self.store("resultaat", resultaat)
        return resultaat

    def create_status(self, body: Dict[str, Any]) -> Dict[str, Any]:
        self._zaak(body["zaak"])
        if body["statustype"] not in self.urls["statustypen"].values():
            raise Invalid("statustype", "bad-url", "Het statustype is niet bekend.")
        final = any(self.urls["statustypen"][nr] == body["statustype"] and end for _, nr, _, end in STATUSTYPEN)
        if final and not any(r["zaak"] == body["zaak"] for r in self.objects("resultaat")):
            # as Open Zaak: a zaak is closed (eindstatus) only when it has a resultaat
            raise Invalid("nonFieldErrors", "resultaat-does-not-exist",
                          "De zaak kan niet afgesloten worden zonder resultaat.")
        url, key = self.new_url("zaken", "statussen")
        status = {"url": url, "uuid": key, "zaak": body["zaak"], "statustype": body["statustype"],
                  "datumStatusGezet": body["datumStatusGezet"], "statustoelichting": body.get("statustoelichting", ""),
                  "indicatieLaatstGezetteStatus": True, "gezetdoor": "", "zaakinformatieobjecten": []}
        self.store("status", status)
        return status


def _matches(item: Dict[str, Any], query: Dict[str, str], fields: Tuple[str, ...]) -> bool:
    return all(str(item.get(f)) == query[f] for f in fields if f in query)


def _describe(exc: Exception) -> str:
    """The validator's verdict: where and what (openapi-core wraps the schema errors)."""
    cause = exc.__cause__ or exc.__context__
    errors = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None) or []
    parts = [f"{'/'.join(str(p) for p in getattr(e, 'path', []))}: {str(getattr(e, 'message', e))[:200]}"
             for e in errors]
    if not parts:
        parts.append(f"{type(exc).__name__}: {str(exc)[:200]}")
        if cause is not None:
            parts.append(f"{type(cause).__name__}: {str(cause)[:300]}")
    return "; ".join(parts)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{args.port}"
    standin = StandIn(base, Path(args.db), os.environ["ZGW_STANDIN_SECRET"],
                      os.environ.get("ZGW_STANDIN_CLIENT_ID", "zelfscan"), os.environ.get("ZGW_STANDIN_HANG_AFTER", ""),
                      os.environ.get("ZGW_STANDIN_REFUSE", ""))
    app = web.Application(client_max_size=20 * 1024 * 1024)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/_standin/health", health)
    app.router.add_route("*", "/{tail:.*}", standin.handle)
    print(f"ZGW stand-in on {base}", file=sys.stderr, flush=True)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
