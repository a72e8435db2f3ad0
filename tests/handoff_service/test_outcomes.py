"""Ticket outcome and first contact: the configured outcomes, the date of the first
contact, and overdue tickets (no contact within the promised working days) at the top
of the inbox, marked in words."""
import time
from datetime import date, timedelta

from handoff import tickets
from handoff.settings import Settings
from handoff.tickets import local_today
from tests.handoff_service.conftest import csrf_of, logged_in, machine_get, post_ticket, ticket_body


def test_working_days_skip_the_weekend():
    friday = date(2026, 11, 27)
    assert tickets.add_working_days(friday, 1) == date(2026, 11, 30)  # Monday
    assert tickets.add_working_days(friday, 5) == date(2026, 12, 4)
    assert tickets.working_days_between(friday, date(2026, 11, 30)) == 1
    assert tickets.working_days_between(friday, friday) == 0
    assert tickets.working_days_between(date(2026, 11, 30), date(2026, 12, 7)) == 5
    days = {"urgent": 1, "hoog": 2, "other": 5}
    assert tickets.promised_days(True, "laag", days) == 1
    assert tickets.promised_days(False, "hoog", days) == 2
    assert tickets.promised_days(False, "verhoogd", days) == 5


def test_outcomes_come_from_the_gemeente_configuration():
    settings = Settings()
    assert list(settings.outcomes) == ["bbz_aangevraagd", "bbz_toegekend", "ioaz_aangevraagd", "schuldhulp_gestart",
                                       "doorverwezen", "geen_hulp_nodig", "niet_bereikt"]
    assert settings.outcomes["doorverwezen"].partner and not settings.outcomes["niet_bereikt"].contact
    assert "schuldhulpverlening" in settings.partner_names
    assert settings.response_days == {"urgent": 1, "hoog": 2, "other": 5}


def test_overdue_tickets_come_first_and_are_marked_in_words(service):
    old = ticket_body(made_at=time.time() - 20 * 24 * 3600, contact={"name": "Ans Oud", "phone": "+31611111111"})
    assert post_ticket(service, old).status_code == 201
    fresh = ticket_body(urgent=True, risk_level="hoog")
    assert post_ticket(service, fresh).status_code == 201

    items = machine_get(service, "/api/tickets").json()["tickets"]
    assert items[0]["id"] == old["id"] and items[0]["overdue"] is True
    by_id = {t["id"]: t for t in items}
    assert by_id[fresh["id"]]["overdue"] is False and by_id[fresh["id"]]["first_contact_at"] is None
    assert by_id[fresh["id"]]["outcome"] is None
    due = date.fromisoformat(by_id[fresh["id"]]["contact_due"])
    assert tickets.working_days_between(local_today(), due) == 1  # urgent: one working day

    only = machine_get(service, "/api/tickets?overdue=1").json()["tickets"]
    assert old["id"] in [t["id"] for t in only] and all(t["overdue"] for t in only)

    s, _ = logged_in(service)
    page = s.get(service.url + "/inbox", timeout=10).text
    row = page.split(old["id"] + "</a>")[1].split("</tr>")[0]
    assert "Te laat" in row
    assert page.index(old["id"]) < page.index(fresh["id"])
    assert "Te laat: " in page and "Te laat: 0" not in page
    filtered = s.get(service.url + "/inbox?overdue=1", timeout=10).text
    assert old["id"] in filtered and fresh["id"] not in filtered

    # the first contact ends "te laat"
    csrf = csrf_of(s, service)
    r = s.post(service.url + f"/inbox/tickets/{old['id']}/contact",
               data={"first_contact_at": local_today().isoformat(), "csrf_token": csrf}, timeout=10)
    assert r.status_code == 200 and "Opgeslagen." in r.text
    got = machine_get(service, f"/api/tickets/{old['id']}").json()
    assert got["overdue"] is False and got["first_contact_at"] == local_today().isoformat()


def test_closing_needs_an_outcome_and_a_referral_names_the_partner(service):
    body = ticket_body()
    post_ticket(service, body)
    s, _ = logged_in(service)
    csrf = csrf_of(s, service)
    base = service.url + f"/inbox/tickets/{body['id']}"

    r = s.post(base + "/status", data={"status": "afgesloten", "csrf_token": csrf}, timeout=10)
    assert "Kies eerst een uitkomst" in r.text
    assert machine_get(service, f"/api/tickets/{body['id']}").json()["status"] == "nieuw"

    r = s.post(base + "/close", data={"outcome": "doorverwezen", "partner": "", "csrf_token": csrf}, timeout=10)
    assert "Kies naar welke partner" in r.text
    r = s.post(base + "/close", data={"outcome": "bestaat_niet", "csrf_token": csrf}, timeout=10)
    assert "Kies eerst een uitkomst" in r.text
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    r = s.post(base + "/close", data={"outcome": "geen_hulp_nodig", "first_contact_at": tomorrow, "csrf_token": csrf},
               timeout=10)
    assert "niet in de toekomst" in r.text
    r = s.post(base + "/close", data={"outcome": "geen_hulp_nodig", "csrf_token": csrf}, timeout=10)
    assert "Vul de datum van het eerste contact in" in r.text
    assert machine_get(service, f"/api/tickets/{body['id']}").json()["status"] == "nieuw"

    today = local_today().isoformat()
    r = s.post(base + "/close", data={"outcome": "doorverwezen", "partner": "over_rood", "first_contact_at": today,
                                      "csrf_token": csrf}, timeout=10)
    assert "Opgeslagen." in r.text and "Doorverwezen naar partner" in r.text and "Over Rood" in r.text
    got = machine_get(service, f"/api/tickets/{body['id']}").json()
    assert (got["status"], got["outcome"], got["outcome_partner"], got["first_contact_at"]) == (
        "afgesloten", "doorverwezen", "over_rood", today)

    # "niet bereikt" needs no date; the JSON API does the same for staff
    other = ticket_body()
    post_ticket(service, other)
    r = s.post(service.url + f"/api/tickets/{other['id']}/outcome", json={"outcome": "niet_bereikt"},
               headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 200
    got = machine_get(service, f"/api/tickets/{other['id']}").json()
    assert got["outcome"] == "niet_bereikt" and got["first_contact_at"] is None and got["status"] == "afgesloten"
    r = s.post(service.url + f"/api/tickets/{other['id']}/outcome", json={"outcome": "x"},
               headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 422
