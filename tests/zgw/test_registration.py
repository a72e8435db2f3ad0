"""Registration of a ticket in the case system (handoff/zgw.py) against the ZGW stand-in:
a real server process that checks every request and answer against the official Zaken,
Documenten and Catalogi specifications, with the real handoff database."""
import base64
import threading
import time
from datetime import timedelta

import jwt
import pytest
import requests

from handoff import tickets, zgw, zgw_store
from handoff.db import utcnow
from handoff.settings import DEFAULT_OUTCOMES
from handoff.zgw_store import Store, ticket_state
from tests.zgw.conftest import CLIENT_ID, RSIN, SECRET, StandInProcess, make_ticket

pytestmark = pytest.mark.service  # starts a server process (make service-test)

# the calls one new ticket makes, in order (method, API path)
REGISTRATION_CALLS = [
    ("POST", "/zaken"),
    ("POST", "/enkelvoudiginformatieobjecten"),
    ("POST", "/zaakinformatieobjecten"),
    ("GET", "/roltypen"),
    ("POST", "/rollen"),
    ("GET", "/statustypen"),
    ("POST", "/statussen"),
]
LATER = timedelta(days=1)  # a moment after any backoff


def all_valid(calls):
    bad = [c for c in calls if not (c["request_valid"] and c["response_valid"])]
    assert not bad, bad


def test_a_ticket_is_registered_with_exactly_these_calls_all_valid(zgw_server, handoff_db):
    ticket = make_ticket(handoff_db)
    config, store = zgw_server.config(), Store(handoff_db)
    start = zgw_server.last_call_id()
    assert zgw.register(ticket, config, store, requests.Session()) == "done"

    calls = zgw_server.calls(start)
    held = zgw_server.of_ticket(ticket["id"])
    assert [(c["method"], c["path"]) for c in calls] == REGISTRATION_CALLS
    all_valid(calls)
    assert [c["status"] for c in calls] == [201, 201, 201, 200, 201, 200, 201]
    assert calls[3]["query"] == {"zaaktype": config.zaaktype, "omschrijvingGeneriek": "initiator"}
    assert calls[5]["query"] == {"zaaktype": config.zaaktype}

    [zaak] = held["zaak"]
    assert zaak["identificatie"] == ticket["id"]
    assert zaak["bronorganisatie"] == zaak["verantwoordelijkeOrganisatie"] == RSIN
    assert zaak["zaaktype"] == config.zaaktype
    assert zaak["startdatum"] == tickets.local_date(utcnow()).isoformat()
    assert zaak["vertrouwelijkheidaanduiding"] == "vertrouwelijk"

    [document] = held["document"]
    assert document["identificatie"] == ticket["id"] and document["taal"] == "nld"
    assert document["informatieobjecttype"] == config.informatieobjecttype
    assert document["auteur"] == "Ondernemersloket Voorbeeldstad"
    [content] = held["inhoud"]
    pdf = base64.b64decode(content["inhoud"])
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and document["bestandsomvang"] == len(pdf)
    assert b"DejaVu" in pdf  # the Unicode font: ë, é and the euro sign are real characters

    [link] = held["zio"]
    assert (link["zaak"], link["informatieobject"]) == (zaak["url"], document["url"])

    [rol] = held["rol"]
    assert rol["zaak"] == zaak["url"] and rol["omschrijvingGeneriek"] == "initiator"
    assert rol["roltype"] == zgw_server.urls["roltypen"]["initiator"]
    assert rol["betrokkeneType"] == "natuurlijk_persoon"
    assert rol["betrokkeneIdentificatie"] == {"geslachtsnaam": "Jan Jänssen-de Vries"}
    assert rol["contactpersoonRol"] == {"naam": "Jan Jänssen-de Vries", "emailadres": "jan@example.nl",
                                        "telefoonnummer": "+31612345678"}

    [status] = held["status"]
    assert status["zaak"] == zaak["url"] and status["statustype"] == zgw_server.urls["statustypen"][1]

    steps = store.steps(ticket["id"])
    assert {name: row.url for name, row in steps.items()} == {
        "zaak": zaak["url"], "document": document["url"], "zaakinformatieobject": link["url"], "rol": rol["url"],
        "status": status["url"]}
    assert all(row.attempts == 1 and row.last_error is None for row in steps.values())
    with handoff_db.session() as s:
        state = ticket_state(s, ticket["id"])
    assert state["identificatie"] == ticket["id"] and state["url"] == zaak["url"] and state["complete"]
    assert state["error"] is None

    # nothing left to do: a second run makes no call
    before = zgw_server.last_call_id()
    assert zgw.register(ticket, config, store, requests.Session()) == "done"
    assert zgw_server.calls(before) == []
    assert zgw.due_tickets(handoff_db, config, store) == []


def test_the_token_carries_the_claims_open_zaak_expects(zgw_server):
    config = zgw_server.config()
    claims = jwt.decode(zgw.token(config), SECRET, algorithms=["HS256"])
    assert claims["iss"] == claims["client_id"] == CLIENT_ID
    assert claims["user_id"] == "zelfscan" and claims["user_representation"] == "Zelfscan Ondernemers"
    assert abs(claims["iat"] - time.time()) < 60
    assert jwt.get_unverified_header(zgw.token(config))["alg"] == "HS256"


def test_a_known_establishment_becomes_a_vestiging_rol(zgw_server, handoff_db):
    ticket = make_ticket(handoff_db, name="Bakkerij De Zon", phone="0201234567", vestigingsnummer="000012345678",
                         kvk_nummer="12345678")
    start = zgw_server.last_call_id()
    assert zgw.register(ticket, zgw_server.config(), Store(handoff_db), requests.Session()) == "done"
    all_valid(zgw_server.calls(start))
    [rol] = zgw_server.of_ticket(ticket["id"])["rol"]
    assert rol["betrokkeneType"] == "vestiging"
    assert rol["betrokkeneIdentificatie"] == {"vestigingsNummer": "000012345678", "kvkNummer": "12345678"}
    assert rol["contactpersoonRol"] == {"naam": "Bakkerij De Zon", "telefoonnummer": "0201234567"}


def test_a_signal_ticket_is_registered_as_a_signal_not_as_a_scan(zgw_server, handoff_db):
    ticket = dict(make_ticket(handoff_db, name="Bea Bakker"), kind="signaal",
                  source="Woningcorporatie Voorbeeldstad Wonen")
    start = zgw_server.last_call_id()
    assert zgw.register(ticket, zgw_server.config(), Store(handoff_db), requests.Session()) == "done"
    all_valid(zgw_server.calls(start))
    held = zgw_server.of_ticket(ticket["id"])
    [zaak], [rol] = held["zaak"], held["rol"]
    assert zaak["omschrijving"].startswith("Signaal over ondernemer")
    assert "Woningcorporatie Voorbeeldstad Wonen" in zaak["toelichting"] and "nog niet gedaan" in zaak["toelichting"]
    assert "Zelfscan" not in zaak["toelichting"] and "signaal" in rol["roltoelichting"]


def test_the_standin_refuses_requests_that_break_the_specification(zgw_server, handoff_db):
    """The validator bites: each of these requests breaks one rule of the official
    specification; each gets 400, is noted as invalid, and stores nothing."""
    config = zgw_server.config()

    def headers(**extra):
        return dict({"Authorization": f"Bearer {zgw.token(config)}", "Content-Type": "application/json"}, **extra)

    zaken = config.zaken_api
    crs = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}
    good_zaak = {"bronorganisatie": RSIN, "verantwoordelijkeOrganisatie": RSIN, "zaaktype": config.zaaktype,
                 "startdatum": "2026-11-30"}
    wrong = [
        ("POST", f"{zaken}/zaken", dict(good_zaak), headers()),  # Accept-Crs/Content-Crs missing
        ("POST", f"{zaken}/zaken", dict(good_zaak, startdatum="gisteren"), headers(**crs)),  # not a date
        ("POST", f"{zaken}/zaken", dict(good_zaak, vertrouwelijkheidaanduiding="heel_geheim"), headers(**crs)),
        ("POST", f"{zaken}/zaken", {k: v for k, v in good_zaak.items() if k != "zaaktype"}, headers(**crs)),
        ("POST", f"{zaken}/rollen", {"zaak": f"{zaken}/zaken/1", "roltype": zgw_server.urls["roltypen"]["initiator"],
                                     "betrokkeneType": "natuurlijk_persoon", "roltoelichting": "x",
                                     "betrokkeneIdentificatie": {"geslachtsnaam": "x" * 201}}, headers()),
        ("POST", f"{config.documenten_api}/enkelvoudiginformatieobjecten",
         {"bronorganisatie": RSIN, "creatiedatum": "2026-11-30", "titel": "t", "auteur": "a", "taal": "nederlands",
          "informatieobjecttype": config.informatieobjecttype, "inhoud": "JVBERi0="}, headers()),  # taal: 3 letters
    ]
    stored = {kind: len(zgw_server.objects(kind)) for kind in ("zaak", "rol", "document")}
    for method, url, body, hdrs in wrong:
        before = zgw_server.last_call_id()
        response = requests.request(method, url, json=body, headers=hdrs, timeout=10)
        assert response.status_code == 400, (url, body, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["invalidParams"], response.json()
        [call] = zgw_server.calls(before)
        assert call["status"] == 400 and not call["request_valid"] and call["response_valid"], call
    assert {kind: len(zgw_server.objects(kind)) for kind in ("zaak", "rol", "document")} == stored
    # the same zaak with the headers the specification requires is accepted
    ok = requests.post(f"{zaken}/zaken", json=good_zaak, headers=headers(**crs), timeout=10)
    assert ok.status_code == 201, ok.text
    # and without a valid token nothing happens
    forged = jwt.encode({"iss": CLIENT_ID, "iat": int(time.time()), "client_id": CLIENT_ID, "user_id": "x",
                         "user_representation": "x"}, "another-secret-of-enough-length-0000", algorithm="HS256")
    refused = requests.post(f"{zaken}/zaken", json=dict(good_zaak, identificatie="X-1"), timeout=10,
                            headers=dict(headers(**crs), Authorization=f"Bearer {forged}"))
    assert refused.status_code == 403
    assert len(zgw_server.objects("zaak")) == stored["zaak"] + 1
    assert len(zgw_server.objects("rol")) == stored["rol"] and len(zgw_server.objects("document")) == stored["document"]


def test_a_refusal_is_recorded_shown_and_not_retried(zgw_server, handoff_db):
    ticket = make_ticket(handoff_db)
    store = Store(handoff_db)
    unknown_type = zgw_server.urls["informatieobjecttype"].replace("9f2a", "0000")
    config = zgw_server.config(informatieobjecttype=unknown_type)
    assert zgw.register(ticket, config, store, requests.Session()) == "failed"
    row = store.steps(ticket["id"])["document"]
    assert row.final_error and row.attempts == 1 and row.next_attempt_at is None
    assert "informatieobjecttype" in row.last_error and "HTTP 400" in row.last_error
    with handoff_db.session() as s:
        state = ticket_state(s, ticket["id"])
    assert state["identificatie"] == ticket["id"]  # the zaak itself was made
    assert state["error_final"] and state["error_step"] == "document" and not state["complete"]

    before = zgw_server.last_call_id()
    assert zgw.register(ticket, config, store, requests.Session(), now=utcnow() + LATER) == "blocked"
    assert zgw.due_tickets(handoff_db, config, store, now=utcnow() + LATER) == []
    assert zgw_server.calls(before) == []

    # the setting is put right and staff press "Opnieuw proberen"
    assert zgw_store.retry_refused(handoff_db, ticket["id"], "medewerker")
    assert not zgw_store.retry_refused(handoff_db, "ZS-BESTAATNIET", "medewerker")
    fixed = zgw_server.config()
    assert zgw.register(ticket, fixed, store, requests.Session()) == "done"
    calls = zgw_server.calls(before)
    assert [(c["method"], c["path"]) for c in calls[:2]] == [("GET", "/enkelvoudiginformatieobjecten"),
                                                             ("POST", "/enkelvoudiginformatieobjecten")]
    all_valid(calls)
    assert [len(v) for k, v in zgw_server.of_ticket(ticket["id"]).items() if k != "inhoud"] == [1, 1, 1, 1, 1]


def test_a_refusal_quoting_personal_data_stays_out_of_the_log(zgw_server, handoff_db, caplog):
    ticket = make_ticket(handoff_db, name="Piet Privé", email="piet-zonder-apenstaartje")
    store = Store(handoff_db)
    with caplog.at_level("INFO"):
        assert zgw.register(ticket, zgw_server.config(), store, requests.Session()) == "failed"
    row = store.steps(ticket["id"])["rol"]
    assert row.final_error and "emailadres" in row.last_error  # staff see what was wrong
    assert "rol failed (HTTP 400)" in caplog.text
    for value in ("piet-zonder-apenstaartje", "Piet Priv"):
        assert value not in caplog.text


def test_no_answer_is_retried_with_backoff(tmp_path, handoff_db):
    server = StandInProcess(tmp_path)  # not started: nothing listens on its port
    ticket = make_ticket(handoff_db)
    store = Store(handoff_db, retry_base_seconds=60)
    config = server.config(timeout_seconds=2)
    assert zgw.register(ticket, config, store, requests.Session()) == "failed"
    row = store.steps(ticket["id"])["zaak"]
    assert not row.final_error and row.attempts == 1 and "geen antwoord" in row.last_error
    wait = (row.next_attempt_at - utcnow()).total_seconds()
    assert 50 < wait <= 60
    assert zgw.register(ticket, config, store, requests.Session()) == "waiting"
    assert zgw.due_tickets(handoff_db, config, store) == []
    assert [t["id"] for t, _ in zgw.due_tickets(handoff_db, config, store, now=utcnow() + LATER)] == [ticket["id"]]
    assert zgw.register(ticket, config, store, requests.Session(), now=utcnow() + LATER) == "failed"
    second = store.steps(ticket["id"])["zaak"]
    assert second.attempts == 2 and 110 < (second.next_attempt_at - utcnow()).total_seconds() <= 120


@pytest.mark.parametrize("hang_after", ["POST /zaken", "POST /enkelvoudiginformatieobjecten",
                                        "POST /zaakinformatieobjecten", "POST /rollen", "POST /statussen"])
def test_killed_after_storing_before_answering_loses_nothing_and_makes_no_duplicate(tmp_path, handoff_db, hang_after):
    server = StandInProcess(tmp_path).start(hang_after=hang_after)
    try:
        ticket = make_ticket(handoff_db)
        config, store = server.config(timeout_seconds=60), Store(handoff_db)
        result = {}
        worker = threading.Thread(target=lambda: result.update(
            state=zgw.register(ticket, config, store, requests.Session())))
        worker.start()
        kind = {"POST /zaken": "zaak", "POST /enkelvoudiginformatieobjecten": "document",
                "POST /zaakinformatieobjecten": "zio", "POST /rollen": "rol", "POST /statussen": "status"}[hang_after]
        deadline = time.time() + 60
        while not server.objects(kind):  # stored: the stand-in now holds the answer back
            assert time.time() < deadline, "the stand-in never stored the object"
            time.sleep(0.05)
        server.kill()
        worker.join(timeout=60)
        assert result["state"] == "failed"
        step = {"zio": "zaakinformatieobject"}.get(kind, kind)
        row = store.steps(ticket["id"])[step]
        assert not row.done and not row.final_error and row.attempts == 1

        server.start()  # same port, same database
        before = server.last_call_id()
        assert zgw.register(ticket, config, store, requests.Session(), now=utcnow() + LATER) == "done"
        after = server.calls(before)
        all_valid(server.calls())
        # the retry looked first, found what the killed server had stored, and went on
        look = {"zaak": ("GET", "/zaken"), "document": ("GET", "/enkelvoudiginformatieobjecten"),
                "zio": ("GET", "/zaakinformatieobjecten"), "rol": ("GET", "/rollen"),
                "status": ("GET", "/statussen")}[kind]
        # (the first status: its statustype comes from the Catalogi API before the look)
        first = after[1] if kind == "status" else after[0]
        assert (first["method"], first["path"], first["status"]) == look + (200,)
        for name in ("zaak", "document", "zio", "rol", "status"):
            assert len(server.objects(name)) == 1, name
        zaak = server.objects("zaak")[0]
        assert zaak["identificatie"] == ticket["id"]
        steps = store.steps(ticket["id"])
        assert steps["zaak"].url == zaak["url"] and steps[step].attempts == 2
        assert all(row.done for row in steps.values())
    finally:
        server.stop()


def test_a_status_change_in_the_inbox_posts_a_new_status(zgw_server, handoff_db):
    ticket = make_ticket(handoff_db)
    config, store = zgw_server.config(), Store(handoff_db)
    assert zgw.register(ticket, config, store, requests.Session()) == "done"
    zaak = zgw_server.of_ticket(ticket["id"])["zaak"][0]["url"]

    assert tickets.set_status(handoff_db, ticket["id"], "in_behandeling", "medewerker")
    due = zgw.due_tickets(handoff_db, config, store)
    assert [(t["id"], own) for t, own in due] == [(ticket["id"], config)]
    before = zgw_server.last_call_id()
    assert zgw.register(due[0][0], config, store, requests.Session()) == "done"
    calls = zgw_server.calls(before)
    # in_behandeling is mapped to volgnummer 2: looked up in the Catalogi API
    assert [(c["method"], c["path"]) for c in calls] == [("GET", "/statustypen"), ("POST", "/statussen")]
    all_valid(calls)
    statussen = zgw_server.of_ticket(ticket["id"])["status"]
    assert len(statussen) == 2
    assert statussen[1]["zaak"] == zaak and statussen[1]["statustype"] == zgw_server.urls["statustypen"][2]
    assert "In behandeling" in statussen[1]["statustoelichting"]

    # closing with an outcome: first the resultaat (its type mapped from the outcome), then
    # the eindstatus, which is mapped to a statustype URL (no lookup needed)
    outcomes = {o.id: o for o in DEFAULT_OUTCOMES}
    assert tickets.close_ticket(handoff_db, ticket["id"], "niet_bereikt", None, None, "medewerker", outcomes, {})
    before = zgw_server.last_call_id()
    closing = zgw_server.config(result_types={"niet_bereikt": zgw_server.urls["resultaattypen"][0]})
    zgw.process_due(handoff_db, closing, requests.Session)
    calls = zgw_server.calls(before)
    assert [(c["method"], c["path"]) for c in calls] == [("POST", "/resultaten"), ("POST", "/statussen")]
    all_valid(calls)
    held = zgw_server.of_ticket(ticket["id"])
    assert held["status"][2]["statustype"] == zgw_server.urls["statustypen"][3]
    [resultaat] = [r for r in zgw_server.objects("resultaat") if r["zaak"] == zaak]
    assert resultaat["resultaattype"] == zgw_server.urls["resultaattypen"][0]
    steps = store.steps(ticket["id"])
    assert steps["status:3"].target == "afgesloten" and steps["resultaat"].target == "niet_bereikt"

    # nothing changed: nothing sent
    before = zgw_server.last_call_id()
    assert zgw.process_due(handoff_db, closing, requests.Session) == 0
    assert zgw_server.calls(before) == []


def test_closing_without_a_resultaat_is_refused_and_shown(zgw_server, handoff_db):
    """A case system closes a zaak only with a resultaat: an outcome without a
    resultaattype in result_types gets the case system's refusal on the ticket page."""
    ticket = make_ticket(handoff_db)
    config, store = zgw_server.config(), Store(handoff_db)
    assert zgw.register(ticket, config, store, requests.Session()) == "done"
    outcomes = {o.id: o for o in DEFAULT_OUTCOMES}
    assert tickets.close_ticket(handoff_db, ticket["id"], "niet_bereikt", None, None, "medewerker", outcomes, {})
    before = zgw_server.last_call_id()
    zgw.process_due(handoff_db, config, requests.Session)
    [call] = zgw_server.calls(before)
    assert (call["method"], call["path"], call["status"]) == ("POST", "/statussen", 400)
    with handoff_db.session() as s:
        state = ticket_state(s, ticket["id"])
    assert state["error_final"] and "resultaat" in state["error"] and state["error_step_label"] == "een statuswijziging"
    assert state["reported_status"] == "nieuw"


def test_off_by_default_makes_no_call(zgw_server, handoff_db):
    import yaml

    from handoff.settings import ROOT

    example = yaml.safe_load((ROOT / "gemeente" / "config.yml").read_text(encoding="utf-8"))
    assert zgw.parse_config(example.get("zgw"), {}) is None  # the example ships with ZGW off
    make_ticket(handoff_db)
    opened = []
    before = zgw_server.last_call_id()
    assert zgw.process_due(handoff_db, None, lambda: opened.append(1)) == 0
    assert opened == [] and zgw_server.calls(before) == []
    with handoff_db.session() as s:
        assert s.execute(__import__("sqlalchemy").text("SELECT COUNT(*) FROM zgw_registrations")).scalar() == 0


def test_erased_tickets_are_not_registered(zgw_server, handoff_db):
    ticket = make_ticket(handoff_db)
    config, store = zgw_server.config(), Store(handoff_db)
    with handoff_db.session() as s:
        from handoff.db import Ticket

        s.get(Ticket, ticket["id"]).erased_at = utcnow()
    before = zgw_server.last_call_id()
    assert zgw.due_tickets(handoff_db, config, store) == []
    assert zgw.process_due(handoff_db, config, requests.Session) == 0
    assert zgw_server.calls(before) == []
