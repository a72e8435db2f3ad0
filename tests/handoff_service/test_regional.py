"""A regional service: one handoff service for two gemeenten. Each ticket and scan record
belongs to one gemeente; staff see only the gemeenten assigned to them, in the list, on
the ticket page, in the API, in the figures and in the CSV export; a ticket of another
gemeente answers 404 as if it did not exist."""
import uuid

import pytest
import requests

from handoff.tickets import local_today
from tests.handoff_service.conftest import csrf_of, logged_in, post_ticket, ticket_body
from tests.handoff_service.service import ADMIN, API_TOKEN, HandoffService

ROOT_CONFIG = __import__("pathlib").Path(__file__).resolve().parents[2] / "gemeente" / "config.yml"
STAD_USER = ("stadmedewerker", "wachtwoord-van-de-stad-1")
DORP_USER = ("dorpmedewerker", "wachtwoord-van-het-dorp-1")


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regio")
    (folder / "buurdorp.yml").write_text(
        f"extends: {ROOT_CONFIG}\nname: Buurdorp\naddress_form: je\n"
        "response_days: {urgent: 1, hoog: 3, other: 10}\nfollow_up_weeks: 4\n", encoding="utf-8")
    (folder / "regio.yml").write_text(
        "name: Ondernemersloket Regio Voorbeeld\n"
        f"gemeenten:\n  voorbeeldstad: {ROOT_CONFIG}\n  buurdorp: buurdorp.yml\n", encoding="utf-8")
    svc = HandoffService(folder, extra_env={"GEMEENTE_CONFIG": str(folder / "regio.yml"),
                                            "HANDOFF_ERASURE_KEY": "regio-erasure-key-" + "7c1d9e2f4a6b8053"}).start()
    for user, gemeenten in ((STAD_USER, ["voorbeeldstad"]), (DORP_USER, ["buurdorp"])):
        made = svc.cli("add-user", user[0], env={"INBOX_NEW_PASSWORD": user[1]})
        assert made.returncode == 0, made.stderr
        assigned = svc.cli("set-gemeenten", user[0], *gemeenten)
        assert assigned.returncode == 0, assigned.stderr
    yield svc
    svc.stop()


def make_ticket(svc, gemeente=None, name="Jan Jansen"):
    body = ticket_body(contact={"name": name, "phone": "+31612345678"})
    if gemeente:
        body["gemeente"] = gemeente
    response = post_ticket(svc, body)
    assert response.status_code == 201, response.text
    return response.json()


def test_each_ticket_belongs_to_the_gemeente_it_was_sent_for(region):
    stad = make_ticket(region, "voorbeeldstad")
    dorp = make_ticket(region, "buurdorp")
    old_style = make_ticket(region)  # an action server that does not send one: the first gemeente
    assert (stad["gemeente"], dorp["gemeente"], old_style["gemeente"]) == ("voorbeeldstad", "buurdorp",
                                                                          "voorbeeldstad")


def test_each_ticket_keeps_what_its_own_gemeente_promised(region):
    """Buurdorp promises contact within 10 working days and a follow-up after 4 weeks,
    Voorbeeldstad within 5 and after 8 (what each one's action server tells the
    entrepreneur): the overdue day and the follow-up of each ticket are its gemeente's."""
    from datetime import datetime, timedelta

    from handoff.tickets import add_working_days, local_date

    due = {}
    for gemeente in ("voorbeeldstad", "buurdorp"):
        body = ticket_body(gemeente=gemeente, risk_level="verhoogd", follow_up_consent=True,
                           contact={"name": "Jan Jansen", "email": "jan@example.nl"})
        assert post_ticket(region, body).status_code == 201
        (created, contact_due, follow_up_due), = region.sql(
            "SELECT created_at, contact_due, follow_up_due FROM tickets WHERE id = :id", id=body["id"])
        created = created if isinstance(created, datetime) else datetime.fromisoformat(str(created))
        follow_up_due = follow_up_due if isinstance(follow_up_due, datetime) else datetime.fromisoformat(
            str(follow_up_due))
        due[gemeente] = (str(contact_due)[:10], round((follow_up_due - created) / timedelta(weeks=1)))
        assert due[gemeente][0] == str(add_working_days(local_date(created), 5 if gemeente == "voorbeeldstad" else 10))
    assert due["voorbeeldstad"][1] == 8 and due["buurdorp"][1] == 4


def test_a_gemeente_the_service_does_not_serve_is_refused(region):
    body = ticket_body(gemeente="elders")
    response = post_ticket(region, body)
    assert response.status_code == 422
    assert "gemeente" in response.json()["error"]


def test_staff_see_only_their_gemeente_in_the_list_page_and_api(region):
    stad = make_ticket(region, "voorbeeldstad", name="Stad Persoon")
    dorp = make_ticket(region, "buurdorp", name="Dorp Persoon")
    stad_session, _ = logged_in(region, STAD_USER)
    dorp_session, _ = logged_in(region, DORP_USER)

    stad_list = stad_session.get(region.url + "/inbox", timeout=10).text
    assert stad["id"] in stad_list and dorp["id"] not in stad_list
    dorp_list = dorp_session.get(region.url + "/inbox", timeout=10).text
    assert dorp["id"] in dorp_list and stad["id"] not in dorp_list

    api_ids = {t["id"] for t in dorp_session.get(region.url + "/api/tickets", timeout=10).json()["tickets"]}
    assert dorp["id"] in api_ids and stad["id"] not in api_ids
    assert {t["gemeente"] for t in stad_session.get(region.url + "/api/tickets", timeout=10).json()["tickets"]} == {
        "voorbeeldstad"}

    # another gemeente's ticket: 404 for the page and the API, and its name never shows
    page = dorp_session.get(region.url + f"/inbox/tickets/{stad['id']}", timeout=10)
    assert page.status_code == 404 and "Stad Persoon" not in page.text
    assert dorp_session.get(region.url + f"/api/tickets/{stad['id']}", timeout=10).status_code == 404
    own = dorp_session.get(region.url + f"/inbox/tickets/{dorp['id']}", timeout=10)
    assert own.status_code == 200 and "Dorp Persoon" in own.text and "Buurdorp" in own.text


def test_staff_cannot_change_another_gemeentes_ticket(region):
    stad = make_ticket(region, "voorbeeldstad")
    dorp_session, _ = logged_in(region, DORP_USER)
    csrf = csrf_of(dorp_session, region)
    for action, data in (("status", {"status": "in_behandeling"}), ("notes", {"note": "mag niet"}),
                         ("assign", {"assignee": DORP_USER[0]})):
        response = dorp_session.post(region.url + f"/inbox/tickets/{stad['id']}/{action}",
                                     data={**data, "csrf_token": csrf}, timeout=10, allow_redirects=False)
        assert response.status_code == 404, (action, response.status_code)
    response = dorp_session.post(region.url + f"/api/tickets/{stad['id']}/status", json={"status": "afgesloten"},
                                 headers={"X-CSRF-Token": csrf}, timeout=10)
    assert response.status_code == 404
    seen = region.staff_get(f"/api/tickets/{stad['id']}").json()  # the admin sees every gemeente
    assert seen["status"] == "nieuw" and seen["assigned_to"] is None
    assert all(n["text"] != "mag niet" for n in seen.get("notes", []))


def test_the_admin_sees_every_gemeente_and_can_narrow_the_list(region):
    stad = make_ticket(region, "voorbeeldstad")
    dorp = make_ticket(region, "buurdorp")
    admin, _ = logged_in(region, ADMIN)
    everything = admin.get(region.url + "/inbox", timeout=10).text
    assert stad["id"] in everything and dorp["id"] in everything
    assert 'id="gemeente"' in everything and "Buurdorp" in everything
    only_dorp = admin.get(region.url + "/inbox?gemeente=buurdorp", timeout=10).text
    assert dorp["id"] in only_dorp and stad["id"] not in only_dorp
    # a gemeente the user does not have is ignored, not a way in
    dorp_session, _ = logged_in(region, DORP_USER)
    sneaky = dorp_session.get(region.url + "/inbox?gemeente=voorbeeldstad", timeout=10).text
    assert stad["id"] not in sneaky


def test_a_user_without_a_gemeente_sees_nothing_and_is_told_why(region):
    made = region.cli("add-user", "nieuwkomer", env={"INBOX_NEW_PASSWORD": "nog-geen-gemeente-12"})
    assert made.returncode == 0, made.stderr
    make_ticket(region, "voorbeeldstad")
    session, _ = logged_in(region, ("nieuwkomer", "nog-geen-gemeente-12"))
    page = session.get(region.url + "/inbox", timeout=10).text
    assert "aan geen gemeente toegewezen" in page
    assert session.get(region.url + "/api/tickets", timeout=10).json()["tickets"] == []


def test_set_gemeenten_refuses_an_unknown_gemeente(region):
    result = region.cli("set-gemeenten", STAD_USER[0], "elders")
    assert result.returncode == 1 and "elders" in result.stderr


def _record(gemeente):
    return {"id": uuid.uuid4().hex, "channel": "rest", "stopped_at": "klaar", "contact_asked": False,
            "risk_level": "laag", "indications": [], "referrals": [], "gemeente": gemeente}


def test_figures_per_gemeente_and_together(region):
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    for gemeente, n in (("voorbeeldstad", 6), ("buurdorp", 7)):
        for _ in range(n):
            response = requests.post(region.url + "/api/scan-records", json=_record(gemeente), headers=headers,
                                     timeout=10)
            assert response.status_code == 201, response.text
    wrong = requests.post(region.url + "/api/scan-records", json=_record("elders"), headers=headers, timeout=10)
    assert wrong.status_code == 422

    def started(session, query=""):
        csv = session.get(region.url + "/inbox/dashboard.csv?tabel=overzicht" + query, timeout=10)
        assert csv.status_code == 200, csv.status_code
        row = next(line for line in csv.text.splitlines() if line.startswith("Scans begonnen"))
        return row.split(";")[1]

    dorp_session, _ = logged_in(region, DORP_USER)
    admin, _ = logged_in(region, ADMIN)
    assert started(admin) == "13"  # together
    assert started(admin, "&gemeente=voorbeeldstad") == "6"
    assert started(admin, "&gemeente=buurdorp") == "7"
    assert started(dorp_session) == "7"
    assert started(dorp_session, "&gemeente=voorbeeldstad") == "7"  # not hers: her own figures
    page = dorp_session.get(region.url + "/inbox/dashboard", timeout=10).text
    assert 'id="gemeente"' not in page  # one gemeente: nothing to choose


def test_report_per_gemeente(region):
    from datetime import timedelta
    today = local_today()
    start, end = (today - timedelta(days=7)).isoformat(), today.isoformat()
    mine = region.cli("report", "--from", start, "--to", end, "--gemeente", "buurdorp")
    assert mine.returncode == 0, mine.stderr
    unknown = region.cli("report", "--from", start, "--to", end, "--gemeente", "elders")
    assert unknown.returncode == 1 and "elders" in unknown.stderr


def test_a_personal_link_tells_the_scan_its_tickets_gemeente(region):
    from handoff import scan_links
    from handoff.db import Database

    dorp = make_ticket(region, "buurdorp")
    token, _code = scan_links.issue(Database(region.database_url, region.env["HANDOFF_ERASURE_KEY"]), dorp["id"],
                                    "vervolg", 30)
    answer = requests.post(region.url + "/api/scan-links/redeem", json={"secret": token}, timeout=10,
                           headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert answer.status_code == 200 and answer.json()["gemeente"] == "buurdorp"


# ------------------------------------------------------------------ signals in a region

def test_a_partner_signal_names_its_gemeente_or_is_refused(region):
    from tests.handoff_service.test_signals import api_signal, signal_body

    made = region.cli("partner-token", "create", "Woningcorporatie Regio")
    token = next(line for line in made.stdout.splitlines() if line.startswith("zsp_"))
    before = len(region.staff_get("/api/tickets").json()["tickets"])
    refused = api_signal(region, token, signal_body())
    assert refused.status_code == 422 and refused.json()["code"] == "gemeente_required"
    assert len(region.staff_get("/api/tickets").json()["tickets"]) == before  # nothing stored
    made = api_signal(region, token, signal_body(gemeente="buurdorp"))
    assert made.status_code == 201, made.text
    reference = made.json()["id"]
    dorp_session, _ = logged_in(region, DORP_USER)
    stad_session, _ = logged_in(region, STAD_USER)
    assert dorp_session.get(region.url + f"/api/tickets/{reference}", timeout=10).json()["gemeente"] == "buurdorp"
    assert stad_session.get(region.url + f"/api/tickets/{reference}", timeout=10).status_code == 404


def test_a_colleague_of_one_gemeente_signals_for_it_without_choosing(region):
    from tests.handoff_service.test_signals import form_data

    stad_session, _ = logged_in(region, STAD_USER)
    page = stad_session.get(region.url + "/inbox/signalen", timeout=10).text
    assert 'id="gemeente"' not in page  # one gemeente: nothing to choose
    sent = stad_session.post(region.url + "/inbox/signalen", data=form_data(stad_session, region), timeout=10,
                             allow_redirects=False)
    assert sent.status_code in (302, 303), sent.text[-300:]
    reference = sent.headers["location"].split("/")[-1].split("?")[0]
    assert stad_session.get(region.url + f"/api/tickets/{reference}", timeout=10).json()["gemeente"] == "voorbeeldstad"


def test_a_colleague_of_several_gemeenten_must_choose_one(region):
    from tests.handoff_service.test_signals import form_data

    admin, _ = logged_in(region, ADMIN)
    page = admin.get(region.url + "/inbox/signalen", timeout=10).text
    assert 'id="gemeente"' in page and "Buurdorp" in page
    refused = admin.post(region.url + "/inbox/signalen", data=form_data(admin, region), timeout=10,
                         allow_redirects=False)
    assert refused.status_code == 422 and "Kies de gemeente" in refused.text
    chosen = admin.post(region.url + "/inbox/signalen", data=form_data(admin, region, gemeente="buurdorp"),
                        timeout=10, allow_redirects=False)
    assert chosen.status_code in (302, 303)
    reference = chosen.headers["location"].split("/")[-1].split("?")[0]
    assert admin.get(region.url + f"/api/tickets/{reference}", timeout=10).json()["gemeente"] == "buurdorp"


def test_the_demo_page_shows_the_chosen_gemeente_with_its_form_of_address(region):
    """?gemeente=buurdorp: Buurdorp's name, its "je", and the widget tells the assistant the
    gemeente; an unknown id or none: the first gemeente, no data-gemeente."""
    dorp = requests.get(region.url + "/?gemeente=buurdorp", timeout=10).text
    assert "Gemeente Buurdorp" in dorp and 'data-address-form="je"' in dorp and 'data-gemeente="buurdorp"' in dorp
    for page in (requests.get(region.url + "/", timeout=10).text,
                 requests.get(region.url + "/?gemeente=%22%3E%3Cscript%3E", timeout=10).text):
        assert "Gemeente Voorbeeldstad" in page and 'data-address-form="u"' in page
        assert "data-gemeente" not in page and "<script>" not in page.split("</header>")[0]
