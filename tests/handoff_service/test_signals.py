"""Signals from colleagues and partners (handoff/signals.py), against the real service
process and its database: the inbox form and the partner API make tickets of kind
"signaal" with their source; a signal without consent or legal ground is refused and
leaves nothing behind; a partner token can do nothing but send signals; the inbox filters
by kind and source; every ticket says how the entrepreneur came, and the statistics
count the routes."""
import email
import email.policy
import re
import time
import uuid

import pytest
import requests
import sqlalchemy

from handoff.tickets import local_today
from tests.handoff_service.conftest import API_TOKEN, post_ticket, ticket_body
from tests.handoff_service.service import ADMIN

NO_BASIS = "Geef aan op welke grond u het mag doorgeven"


def unique(prefix):
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def csrf_from(page_text):
    return page_text.split('name="csrf_token" value="')[1].split('"')[0]


def ticket_rows(service):
    engine = sqlalchemy.create_engine(service.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sqlalchemy.text("SELECT COUNT(*) FROM tickets")).scalar()
    finally:
        engine.dispose()


def stored_anywhere(service, text):
    """The text in the SQLite file or its write-ahead log (PostgreSQL: a LIKE over every
    text column of the tickets and the audit log)."""
    if service.database_url.startswith("sqlite"):
        path = service.database_url.removeprefix("sqlite:///")
        blobs = b""
        for suffix in ("", "-wal"):
            try:
                with open(path + suffix, "rb") as f:
                    blobs += f.read()
            except FileNotFoundError:
                pass
        return text.encode() in blobs
    engine = sqlalchemy.create_engine(service.database_url)
    try:
        with engine.connect() as conn:
            for table in ("tickets", "audit_log"):
                rows = conn.execute(sqlalchemy.text(f"SELECT * FROM {table}")).all()
                if any(text in str(row) for row in rows):
                    return True
        return False
    finally:
        engine.dispose()


@pytest.fixture
def staff(service):
    """A fresh staff session per test (no keep-alive connection idles past the server's timeout)."""
    return service.login(*ADMIN)


@pytest.fixture(scope="module")
def partner(service):
    organisation = unique("Woningcorporatie")
    made = service.cli("partner-token", "create", organisation)
    assert made.returncode == 0, made.stderr
    token = [line for line in made.stdout.splitlines() if line.startswith("zsp_")]
    assert len(token) == 1
    return organisation, token[0]


def form_data(staff, service, **overrides):
    page = staff.get(service.url + "/inbox/signalen", timeout=10)
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.text), "organisation": "Wmo-loket en sociaal wijkteam Voorbeeldstad",
            "contact_name": "Petra de Wit", "contact_phone": "06 12345678", "contact_email": "",
            "entrepreneur_name": unique("Karel"), "entrepreneur_business": "Fietsenmaker Karel",
            "entrepreneur_phone": "", "entrepreneur_email": "karel@example.nl",
            "seen": ["mantelzorg", "schulden"], "explanation": "Zorgt voor zijn moeder, de zaak loopt terug.",
            "basis": "toestemming"}
    data.update(overrides)
    return data


def api_signal(service, token, body, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(service.url + "/api/signals", json=body, headers=headers, timeout=10)


def signal_body(**overrides):
    body = {"signaller": {"name": "Anna Jansen", "phone": "010-1234567", "email": "anna@woningcorporatie.example"},
            "entrepreneur": {"name": unique("Bea"), "business": "Bakkerij Bea", "phone": "0612345678"},
            "seen": ["huurachterstand"], "explanation": "Drie maanden huur niet betaald.",
            "legal_ground": "wgs_vroegsignalering"}
    body.update(overrides)
    return body


# ------------------------------------------------------------------ the form


def test_a_signal_from_the_form_becomes_a_signal_ticket(service, staff, smtp):
    data = form_data(staff, service)
    r = staff.post(service.url + "/inbox/signalen", data=data, timeout=10, allow_redirects=False)
    assert r.status_code in (302, 303), r.text[-500:]
    location = r.headers["location"]
    assert location.startswith("/inbox/tickets/ZS-") and location.endswith("?m=signaal")
    reference = location.split("/")[-1].split("?")[0]

    ticket = service.staff_get(f"/api/tickets/{reference}").json()
    assert ticket["kind"] == "signaal" and ticket["route"] == "signaal"
    assert ticket["source"] == "Wmo-loket en sociaal wijkteam Voorbeeldstad"
    assert ticket["route_label"] == "Signaal van Wmo-loket en sociaal wijkteam Voorbeeldstad"
    assert ticket["risk_level"] == "onbekend" and ticket["risk_score"] is None
    assert ticket["risk_label"] == "Risico nog niet bekend"
    assert ticket["contact"] == {"name": data["entrepreneur_name"], "business": "Fietsenmaker Karel",
                                 "email": "karel@example.nl"}
    assert ticket["signal_seen"] == ["mantelzorg", "schulden"] and ticket["signal_basis"] == "toestemming"
    assert ticket["signal"]["contact_name"] == "Petra de Wit" and ticket["signal"]["contact_phone"] == "06 12345678"
    assert ticket["answers"] == {} and ticket["indications"] == []

    page = staff.get(service.url + location, timeout=10).text
    assert "Het signaal is opgeslagen als aanmelding" in page
    assert "Risico nog niet bekend" in page and "score" not in page.split("Risico nog niet bekend")[1][:40]
    assert "Mantelzorger met een eigen bedrijf" in page and "toestemming van de ondernemer" in page
    assert "Signaal van Wmo-loket en sociaal wijkteam Voorbeeldstad" in page

    # the accountmanagers' e-mail names the reference and the organisation, never the entrepreneur
    _, box = smtp
    deadline_ok = wait_for_mail(box, reference)
    assert deadline_ok, "no e-mail for the signal"
    mail = [m for m in box.messages if reference.encode() in m.content][0].content.decode(errors="replace")
    assert "Nieuw signaal" in mail and data["entrepreneur_name"] not in mail


def wait_for_mail(box, reference, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if any(reference.encode() in m.content for m in box.messages):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("change, message", [
    ({"basis": ""}, NO_BASIS),
    ({"basis": "verzonnen_grondslag"}, "Deze grondslag staat niet in de lijst"),
])
def test_the_form_refuses_a_signal_without_consent_or_legal_ground_and_stores_nothing(service, staff, change,
                                                                                        message):
    before = ticket_rows(service)
    data = form_data(staff, service, **change)
    r = staff.post(service.url + "/inbox/signalen", data=data, timeout=10, allow_redirects=False)
    assert r.status_code == 422
    assert "Het signaal is niet opgeslagen." in r.text and message in r.text
    assert f'value="{data["entrepreneur_name"]}"' in r.text  # the colleague's input is kept in the form
    assert ticket_rows(service) == before
    assert not stored_anywhere(service, data["entrepreneur_name"])


def test_the_form_names_every_missing_part(service, staff):
    before = ticket_rows(service)
    data = form_data(staff, service, contact_name="", contact_phone="", entrepreneur_name="",
                     entrepreneur_business="", seen=["anders"], explanation="", entrepreneur_email="geen-adres")
    r = staff.post(service.url + "/inbox/signalen", data=data, timeout=10, allow_redirects=False)
    assert r.status_code == 422
    for text in ("naam in van de contactpersoon", "telefoonnummer of e-mailadres van de contactpersoon",
                 "naam van de ondernemer of de naam van het bedrijf", "Schrijf in de toelichting",
                 "e-mailadres van de ondernemer klopt niet"):
        assert text in r.text, text
    assert 'aria-invalid="true"' in r.text
    assert ticket_rows(service) == before


@pytest.mark.parametrize("choice", ["anders", ""])  # "Een andere organisatie", or only the text field
def test_the_form_takes_a_legal_ground_and_another_organisation(service, staff, choice):
    data = form_data(staff, service, organisation=choice, organisation_other="Voedselbank Voorbeeldstad",
                     basis="taak_algemeen_belang_bbz", seen=["uitkeringsaanvraag"])
    r = staff.post(service.url + "/inbox/signalen", data=data, timeout=10, allow_redirects=False)
    assert r.status_code in (302, 303)
    reference = r.headers["location"].split("/")[-1].split("?")[0]
    ticket = service.staff_get(f"/api/tickets/{reference}").json()
    assert ticket["source"] == "Voedselbank Voorbeeldstad" and ticket["signal_basis"] == "taak_algemeen_belang_bbz"
    page = staff.get(service.url + f"/inbox/tickets/{reference}", timeout=10).text
    assert "Taak van algemeen belang: hulp aan zelfstandigen met geldzorgen (Bbz)" in page
    assert "AVG artikel 6 lid 1 sub e" in page


def test_the_form_takes_a_staff_session_and_its_csrf_token(service, staff):
    data = form_data(staff, service)
    before = ticket_rows(service)
    anonymous = requests.post(service.url + "/inbox/signalen", data=data, timeout=10, allow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/inbox/login" in anonymous.headers["location"]
    forged = staff.post(service.url + "/inbox/signalen", data={**data, "csrf_token": "x"}, timeout=10,
                        allow_redirects=False)
    assert forged.status_code == 403
    assert ticket_rows(service) == before


# ------------------------------------------------------------------ the partner API


def test_a_partner_signal_becomes_a_signal_ticket_once(service, partner):
    organisation, token = partner
    body = signal_body()
    key = uuid.uuid4().hex
    first = api_signal(service, token, body, key)
    assert first.status_code == 201, first.text
    answer = first.json()
    assert answer["kind"] == "signaal" and answer["source"] == organisation and answer["created"] is True
    assert set(answer) == {"id", "kind", "source", "created"}  # the partner reads nothing back
    again = api_signal(service, token, body, key)
    assert again.status_code == 200 and again.json()["id"] == answer["id"] and again.json()["created"] is False

    ticket = service.staff_get(f"/api/tickets/{answer['id']}").json()
    assert ticket["channel"] == "partner" and ticket["source"] == organisation
    assert ticket["signal_basis"] == "wgs_vroegsignalering" and ticket["signal_seen"] == ["huurachterstand"]
    assert ticket["contact"]["name"] == body["entrepreneur"]["name"]
    assert ticket["signal"]["contact_email"] == "anna@woningcorporatie.example"


def test_a_partner_cannot_choose_another_organisation(service, partner):
    organisation, token = partner
    body = signal_body(signaller={"organisation": "Gemeente Voorbeeldstad", "name": "Anna", "phone": "0101234567"})
    r = api_signal(service, token, body)
    assert r.status_code == 201 and r.json()["source"] == organisation


@pytest.mark.parametrize("change, code", [
    ({"legal_ground": None}, "no_basis"),
    ({"legal_ground": None, "consent": False}, "no_basis"),
    ({"legal_ground": "bestaat_niet"}, "unknown_legal_ground"),
    ({"legal_ground": None, "consent": "ja"}, "no_basis"),  # "ja" is no consent: true or false
])
def test_the_api_refuses_a_signal_without_basis_and_stores_nothing(service, partner, change, code):
    _, token = partner
    before = ticket_rows(service)
    body = signal_body(**change)
    r = api_signal(service, token, body, uuid.uuid4().hex)
    assert r.status_code == 422
    assert r.json()["code"] == code and r.json()["error"]
    assert ticket_rows(service) == before
    assert not stored_anywhere(service, body["entrepreneur"]["name"])


@pytest.mark.parametrize("change, code", [
    ({"seen": []}, "seen_required"),
    ({"seen": ["brand"]}, "unknown_seen"),
    ({"seen": ["anders"], "explanation": ""}, "explanation_required"),
    ({"entrepreneur": {"phone": "0612345678"}}, "entrepreneur_required"),
    ({"signaller": {"name": "Anna"}}, "contact_required"),
    ({"signaller": {"name": "Anna", "email": "geen adres"}}, "invalid_email"),
    ({"extra": "x"}, "invalid"),
])
def test_the_api_names_what_is_wrong(service, partner, change, code):
    _, token = partner
    before = ticket_rows(service)
    r = api_signal(service, token, signal_body(**change))
    assert r.status_code == 422
    assert code in [p["code"] for p in r.json()["problems"]]
    assert ticket_rows(service) == before


def test_a_body_that_is_no_json_object_is_refused(service, partner):
    _, token = partner
    r = requests.post(service.url + "/api/signals", data="geen json", timeout=10,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "invalid"


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/tickets"), ("GET", "/api/tickets/{id}"), ("POST", "/api/tickets"), ("POST", "/api/erasures"),
    ("POST", "/api/scan-records"), ("POST", "/api/tickets/{id}/status"), ("POST", "/api/tickets/{id}/outcome"),
    ("GET", "/inbox"), ("GET", "/inbox/tickets/{id}"), ("GET", "/inbox/signalen"), ("POST", "/inbox/signalen"),
    ("GET", "/inbox/dashboard"), ("GET", "/api/signals"),
])
def test_a_partner_token_can_do_nothing_else(service, partner, method, path):
    _, token = partner
    made = api_signal(service, token, signal_body())
    reference = made.json()["id"]
    before = service.staff_get(f"/api/tickets/{reference}").json()
    rows = ticket_rows(service)
    body = ticket_body() if path == "/api/tickets" else {"status": "afgesloten", "outcome": "geen_hulp_nodig",
                                                          "conversation_id": "x"}
    r = requests.request(method, service.url + path.format(id=reference), json=body, timeout=10,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
                         allow_redirects=False)
    assert r.status_code in (302, 303, 401, 403, 404, 405), (r.status_code, r.text[:200])
    if r.status_code in (302, 303):
        assert "/inbox/login" in r.headers["location"]
    assert before["contact"]["name"] not in r.text
    assert ticket_rows(service) == rows
    after = service.staff_get(f"/api/tickets/{reference}").json()
    assert (after["status"], after["outcome"]) == (before["status"], before["outcome"])


def test_only_partner_tokens_send_signals_through_the_api(service, staff):
    before = ticket_rows(service)
    action_server = requests.post(service.url + "/api/signals", json=signal_body(), timeout=10,
                                  headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert action_server.status_code == 403
    csrf = csrf_from(staff.get(service.url + "/inbox", timeout=10).text)
    colleague = staff.post(service.url + "/api/signals", json=signal_body(), headers={"X-CSRF-Token": csrf},
                           timeout=10)
    assert colleague.status_code == 403 and "formulier" in colleague.json()["error"]
    for token in ("zsp_" + "A" * 43, "zsp_", "niet-een-token"):
        assert api_signal(service, token, signal_body()).status_code == 401
    assert ticket_rows(service) == before


def test_a_revoked_partner_token_stops_working(service):
    made = service.cli("partner-token", "create", unique("Bank"))
    token = [line for line in made.stdout.splitlines() if line.startswith("zsp_")][0]
    token_id = made.stdout.split()[1]
    assert api_signal(service, token, signal_body()).status_code == 201
    listed = service.cli("partner-token", "list").stdout
    assert f"{token_id}:" in listed and token not in listed and "werkt" in listed
    revoked = service.cli("partner-token", "revoke", token_id)
    assert revoked.returncode == 0
    before = ticket_rows(service)
    assert api_signal(service, token, signal_body()).status_code == 401
    assert ticket_rows(service) == before
    assert "ingetrokken" in service.cli("partner-token", "list").stdout
    assert service.cli("partner-token", "revoke", "99999").returncode == 1


def test_the_token_is_stored_only_as_a_hash(service):
    made = service.cli("partner-token", "create", unique("Adviseur"))
    token = [line for line in made.stdout.splitlines() if line.startswith("zsp_")][0]
    if service.database_url.startswith("sqlite"):
        assert not stored_anywhere(service, token)
        assert not stored_anywhere(service, token[4:])


# ------------------------------------------------------------------ inbox, routes, statistics


def test_the_inbox_filters_by_kind_and_source(service, staff, partner):
    organisation, token = partner
    signal = api_signal(service, token, signal_body()).json()["id"]
    scan = ticket_body()
    assert post_ticket(service, scan).status_code == 201

    def ids(query):
        return [t["id"] for t in service.staff_get("/api/tickets" + query).json()["tickets"]]

    signals_only = ids("?kind=signaal")
    assert signal in signals_only and scan["id"] not in signals_only
    scans_only = ids("?kind=zelfscan")
    assert scan["id"] in scans_only and signal not in scans_only
    from_partner = service.staff_get("/api/tickets?source=" + requests.utils.quote(organisation)).json()["tickets"]
    assert signal in [t["id"] for t in from_partner] and {t["source"] for t in from_partner} == {organisation}
    assert signal in ids("?risk_level=onbekend") and scan["id"] not in ids("?risk_level=onbekend")

    page = staff.get(service.url + "/inbox", params={"kind": "signaal", "source": organisation}, timeout=10).text
    assert signal in page and scan["id"] not in page
    assert f'<option value="{organisation}" selected>' in page
    assert "Risico nog niet bekend" in page
    everything = staff.get(service.url + "/inbox", timeout=10).text
    assert signal in everything and scan["id"] in everything and "Signaal doorgeven" in everything


def test_every_ticket_says_how_the_entrepreneur_came(service, staff):
    self_made = ticket_body()
    referred = ticket_body(referred_by="Over Rood")
    for body in (self_made, referred):
        assert post_ticket(service, body).status_code == 201
    mine = service.staff_get(f"/api/tickets/{self_made['id']}").json()
    assert (mine["kind"], mine["route"], mine["source"], mine["route_label"]) == ("zelfscan", "zelf", None, "Zelf")
    other = service.staff_get(f"/api/tickets/{referred['id']}").json()
    assert (other["kind"], other["route"], other["source"]) == ("zelfscan", "doorverwezen", "Over Rood")
    page = staff.get(service.url + f"/inbox/tickets/{referred['id']}", timeout=10).text
    assert "Doorverwezen door partner Over Rood" in page
    assert post_ticket(service, ticket_body(referred_by="x" * 121)).status_code == 422


def test_the_statistics_count_each_route(service, staff):
    """Six signals from one organisation (five with a first contact) and two referrals
    by a partner: the table 'herkomst' counts them, small counts hidden as elsewhere."""
    made = service.cli("partner-token", "create", unique("Stats-corporatie"))
    organisation = made.stdout.split("'")[1]
    token = [line for line in made.stdout.splitlines() if line.startswith("zsp_")][0]
    references = [api_signal(service, token, signal_body()).json()["id"] for _ in range(6)]
    csrf = csrf_from(staff.get(service.url + "/inbox", timeout=10).text)
    today = local_today().isoformat()
    for reference in references[:5]:
        r = staff.post(service.url + f"/api/tickets/{reference}/outcome", json={"first_contact_at": today},
                       headers={"X-CSRF-Token": csrf}, timeout=10)
        assert r.status_code == 200, r.text
    partner_name = unique("Partner")
    for _ in range(2):
        assert post_ticket(service, ticket_body(referred_by=partner_name)).status_code == 201

    csv = staff.get(service.url + "/inbox/dashboard.csv", params={"tabel": "herkomst"}, timeout=10)
    assert csv.status_code == 200
    rows = {line.split(";")[0].lstrip("\ufeff"): line.split(";")[1:] for line in csv.text.strip().splitlines()}
    assert rows["Hoe"] == ["Aanmeldingen", "Uitgenodigd", "Scan gedaan na uitnodiging", "Eerste contact gehad",
                           "Deel met eerste contact", "Afgesloten met uitkomst"]
    assert rows[f"Na signaal van {organisation}"] == ["6", "0", "0", "5", "83%", "0"]
    assert rows[f"Doorverwezen door partner {partner_name}"] == ["<5", "–", "–", "0", "verborgen", "0"]
    assert int(rows["Totaal"][0]) >= 8  # every ticket of these weeks, ours among them
    dashboard = staff.get(service.url + "/inbox/dashboard", timeout=10).text
    assert "Hoe kwamen ondernemers binnen?" in dashboard and f"Na signaal van {organisation}" in dashboard
    report = service.cli("report", "--from", today, "--to", today)
    assert report.returncode == 0 and f"Na signaal van {organisation}" in report.stdout


# ------------------------------------------------------------------ invitations


def machine(service, path, body):
    return requests.post(service.url + path, json=body, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"})


def invited_mails(box, address):
    return [m for m in box.messages if address in m.rcpt_tos]


def scan_through(service, secret, level="hoog", score=58, urgent=True):
    """What the action server does with a link or code: redeem it, then attach the scan."""
    claim = machine(service, "/api/scan-links/redeem", {"secret": secret})
    assert claim.status_code == 200, claim.text
    scan = {"risk_level": level, "risk_score": score, "urgent": urgent, "indications": ["schuldhulp"],
            "indication_details": [{"id": "schuldhulp", "rule": "R8", "met": ["schulden"], "missing": []}],
            "answers_readable": [{"id": "rent_arrears", "question": "Heeft u een achterstand met de huur?",
                                  "answer": "Ja, drie maanden"}],
            "answers": {"rent_arrears": "ja"}, "summary": "Situatie: huurachterstand."}
    attached = machine(service, "/api/ticket-scans", {"claim": claim.json()["claim"], "scan": scan})
    assert attached.status_code == 201, attached.text


def new_signal(service, token, **entrepreneur):
    body = signal_body(entrepreneur={"name": unique("Bea"), "business": "Bakkerij Bea", **entrepreneur})
    r = api_signal(service, token, body)
    assert r.status_code == 201
    return r.json()["id"], body


def test_an_invitation_by_email_brings_the_scan_to_the_signal_ticket(service, staff, partner, smtp):
    organisation, token = partner
    _, box = smtp
    address = f"bea-{uuid.uuid4().hex[:6]}@example.nl"
    reference, body = new_signal(service, token, email=address)
    page = staff.get(service.url + f"/inbox/tickets/{reference}", timeout=10).text
    assert f"Uitnodiging e-mailen naar {address}" in page
    r = staff.post(service.url + f"/inbox/tickets/{reference}/uitnodiging-email", timeout=10,
                   data={"csrf_token": csrf_from(page)}, allow_redirects=False)
    assert r.status_code in (302, 303) and "m=uitnodiging_verstuurd" in r.headers["location"]
    assert invited_mails(box, address), "the invitation was not sent"
    mail = email.message_from_bytes(invited_mails(box, address)[0].content, policy=email.policy.default)
    text = mail.get_content()
    assert mail["Subject"] == "Een gratis zelfscan voor uw bedrijf"
    assert f"Beste {body['entrepreneur']['name']}," in text and "Ik heb een code:" in text
    assert organisation not in text and "Anna" not in text  # it never says who signalled
    url = re.search(r"\?scan=([A-Za-z0-9_-]+)", text)
    assert url, text

    ticket = service.staff_get(f"/api/tickets/{reference}").json()
    assert ticket["invited_at"] and ticket["route_label"] == f"Uitgenodigd na signaal van {organisation}"
    page = staff.get(service.url + r.headers["location"], timeout=10).text
    assert "De uitnodiging voor de scan is per e-mail verstuurd." in page
    assert f"Uitgenodigd na signaal van {organisation}" in page and "Verstuurd, nog niet gebruikt" in page

    scan_through(service, url.group(1))
    ticket = service.staff_get(f"/api/tickets/{reference}").json()
    assert ticket["invited_scan_at"] and ticket["risk_level"] == "hoog" and ticket["urgent"] is True
    assert ticket["risk_score"] == 58 and ticket["indications"] == ["schuldhulp"] and ticket["kind"] == "signaal"
    page = staff.get(service.url + f"/inbox/tickets/{reference}", timeout=10).text
    assert "Scan na uitnodiging van" in page and "Ja, drie maanden" in page and "Gebruikt" in page
    assert "gestegen" not in page  # nothing to compare with: there was no first scan
    listed = [t for t in service.staff_get("/api/tickets?kind=signaal&risk_level=hoog").json()["tickets"]
              if t["id"] == reference]
    assert listed and listed[0]["urgent"] is True


def test_a_letter_has_the_short_code_and_the_web_address(service, staff, partner):
    organisation, token = partner
    reference, body = new_signal(service, token, address="Dorpsstraat 1\n1234 AB Voorbeeldstad")
    page = staff.get(service.url + f"/inbox/tickets/{reference}", timeout=10).text
    assert "Er is geen e-mailadres van de ondernemer bekend" in page and "uitnodiging-email" not in page
    r = staff.post(service.url + f"/inbox/tickets/{reference}/uitnodiging-brief", timeout=10,
                   data={"csrf_token": csrf_from(page)})
    assert r.status_code == 200
    letter = r.text
    code = re.search(r"<strong>([2-9A-Z]{4}-[2-9A-Z]{4})</strong>", letter)
    assert code, letter[-1500:]
    assert "Dorpsstraat 1\n1234 AB Voorbeeldstad" in letter and body["entrepreneur"]["name"] in letter
    assert "Ik heb een code: " + code.group(1) in letter and "Zo doet u de scan" in letter
    assert "/static/letter.css" in letter and "/static/letter.js" in letter and "<script>" not in letter
    assert organisation not in letter and "Anna" not in letter
    assert r.headers["cache-control"] == "no-store"
    assert "@media print" in requests.get(service.url + "/static/letter.css", timeout=10).text

    assert service.staff_get(f"/api/tickets/{reference}").json()["invited_at"]
    assert "(brief)" in staff.get(service.url + f"/inbox/tickets/{reference}", timeout=10).text
    scan_through(service, code.group(1).lower().replace("-", " "), level="laag", score=10, urgent=False)
    assert service.staff_get(f"/api/tickets/{reference}").json()["risk_level"] == "laag"
    assert machine(service, "/api/scan-links/redeem", {"secret": code.group(1)}).status_code == 409


def test_only_a_signal_ticket_gets_an_invitation(service, staff):
    scan = ticket_body(contact={"name": "Jan", "email": "jan@example.nl"})
    assert post_ticket(service, scan).status_code == 201
    page = staff.get(service.url + f"/inbox/tickets/{scan['id']}", timeout=10).text
    assert "Uitnodigen voor de scan" not in page
    for how in ("email", "brief"):
        r = staff.post(service.url + f"/inbox/tickets/{scan['id']}/uitnodiging-{how}", timeout=10,
                       data={"csrf_token": csrf_from(page)}, allow_redirects=False)
        assert r.status_code in (302, 303) and "m=geen_signaal" in r.headers["location"]
    assert service.staff_get(f"/api/tickets/{scan['id']}").json()["invited_at"] is None


def test_the_statistics_count_invitations_and_their_scans(service, staff):
    made = service.cli("partner-token", "create", unique("Uitnodig-corporatie"))
    organisation = made.stdout.split("'")[1]
    token = [line for line in made.stdout.splitlines() if line.startswith("zsp_")][0]
    references = [new_signal(service, token)[0] for _ in range(6)]
    csrf = csrf_from(staff.get(service.url + "/inbox", timeout=10).text)
    codes = []
    for reference in references[:5]:
        r = staff.post(service.url + f"/inbox/tickets/{reference}/uitnodiging-brief", data={"csrf_token": csrf},
                       timeout=10)
        codes.append(re.search(r"<strong>([2-9A-Z]{4}-[2-9A-Z]{4})</strong>", r.text).group(1))
    for code in codes:
        scan_through(service, code, level="verhoogd", score=30, urgent=False)
    csv = staff.get(service.url + "/inbox/dashboard.csv", params={"tabel": "herkomst"}, timeout=10).text
    row = [line for line in csv.splitlines() if line.startswith(f"Na signaal van {organisation};")]
    assert row == [f"Na signaal van {organisation};6;5;5;0;0%;0"]


def test_the_purge_erases_the_signaller_and_keeps_the_route(service, partner):
    organisation, token = partner
    reference, body = new_signal(service, token, email="oud@example.nl")
    engine = sqlalchemy.create_engine(service.database_url)
    try:
        with engine.begin() as conn:  # a signal from long ago
            conn.execute(sqlalchemy.text("UPDATE tickets SET created_at = '2020-01-06 10:00:00' WHERE id = :id"),
                         {"id": reference})
    finally:
        engine.dispose()
    assert service.cli("purge").returncode == 0
    ticket = service.staff_get(f"/api/tickets/{reference}").json()
    assert ticket["erased"] and ticket["signal"] is None and ticket["contact"] is None
    assert (ticket["kind"], ticket["route"], ticket["source"]) == ("signaal", "signaal", organisation)
    assert ticket["signal_seen"] == ["huurachterstand"] and ticket["signal_basis"] == "wgs_vroegsignalering"


def test_the_minute_limit_counts_per_key_and_forgets_after_a_minute():
    from handoff.routes.signals import PerMinute

    limit = PerMinute()
    assert [limit.allow("a", 2, now=t) for t in (0, 1, 2)] == [True, True, False]
    assert limit.allow("b", 2, now=2)  # another partner has its own count
    assert limit.allow("a", 2, now=60.5)  # the first one is more than a minute old


def test_a_partner_sending_too_many_signals_gets_429_and_nothing_is_stored(tmp_path):
    from tests.handoff_service.service import HandoffService

    svc = HandoffService(tmp_path, extra_env={"HANDOFF_SIGNALS_PER_MINUTE": "2"}).start()
    try:
        made = svc.cli("partner-token", "create", "Bank (zakelijk)")
        token = next(line for line in made.stdout.splitlines() if line.startswith("zsp_"))
        answers = [api_signal(svc, token, signal_body()) for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[2].json()["code"] == "too_many" and answers[2].headers["Retry-After"] == "60"
        assert len(svc.staff_get("/api/tickets?kind=signaal").json()["tickets"]) == 2
    finally:
        svc.stop()
