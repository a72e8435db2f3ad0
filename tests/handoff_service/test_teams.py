"""Tickets routed to teams: stored, filtered by team and by indication, and a staff user's
own teams first (real server process, real database)."""
import time
import uuid

import requests

from tests.handoff_service.conftest import post_ticket, ticket_body

PASSWORD = "team-wachtwoord-123"


def ids_in(items, wanted):
    return [t["id"] for t in items if t["id"] in wanted]


def test_team_is_stored_and_the_users_teams_come_first(service):
    name = "team-" + uuid.uuid4().hex[:6]
    result = service.cli("add-user", name, "--team", "schuldhulp", env={"INBOX_NEW_PASSWORD": PASSWORD})
    assert result.returncode == 0 and "schuldhulp" in result.stdout
    other_urgent = ticket_body(team="sociale_zaken", urgent=True, risk_level="hoog", indications=["ioaz"])
    mine_old = ticket_body(team="schuldhulp", indications=["schuldhulp"], situations=["acuut", "prive_achterstand"])
    no_team = ticket_body(indications=["bbz_starter", "schuldhulp"])
    for body in (other_urgent, mine_old, no_team):
        assert post_ticket(service, body).status_code == 201
        time.sleep(0.02)
    mine_new = ticket_body(team="schuldhulp", indications=[])
    assert post_ticket(service, mine_new).status_code == 201
    wanted = {b["id"] for b in (other_urgent, mine_old, no_team, mine_new)}

    stored = service.staff_get(f"/api/tickets/{mine_old['id']}").json()
    assert stored["team"] == "schuldhulp" and stored["situations"] == ["acuut", "prive_achterstand"]
    assert service.staff_get(f"/api/tickets/{no_team['id']}").json()["team"] is None

    # the admin has no team: urgent first, then newest
    everyone = ids_in(service.staff_get("/api/tickets").json()["tickets"], wanted)
    assert everyone[0] == other_urgent["id"] and everyone[1:] == [mine_new["id"], no_team["id"], mine_old["id"]]

    # a member of the schuldhulp team: that team's tickets first
    member = service.login(name, PASSWORD)
    listed = ids_in(member.get(service.url + "/api/tickets", timeout=10).json()["tickets"], wanted)
    assert listed == [mine_new["id"], mine_old["id"], other_urgent["id"], no_team["id"]]
    page = member.get(service.url + "/inbox", timeout=10).text
    assert "Eerst de aanmeldingen van uw team (Schuldhulpverlening)" in page
    row = page.split(f">{mine_old['id']}</a>")[1].split("</tr>")[0]
    assert "Schuldhulpverlening" in row
    assert page.index(mine_new["id"]) < page.index(other_urgent["id"])

    # filters: by team, without team, by indication
    def filtered(**params):
        r = member.get(service.url + "/api/tickets", params=params, timeout=10)
        return set(ids_in(r.json()["tickets"], wanted))

    assert filtered(team="sociale_zaken") == {other_urgent["id"]}
    assert filtered(team="-") == {no_team["id"]}
    assert filtered(indication="schuldhulp") == {mine_old["id"], no_team["id"]}
    assert filtered(indication="bbz_starter") == {no_team["id"]}
    assert filtered(indication="%") == set() and filtered(indication="bbz_") == set()
    assert filtered(team="schuldhulp", indication="schuldhulp") == {mine_old["id"]}
    page = member.get(service.url + "/inbox", params={"indication": "bbz_starter"}, timeout=10).text
    assert no_team["id"] in page and mine_old["id"] not in page
    assert '<option value="bbz_starter" selected>Bbz starter</option>' in page
    detail = member.get(service.url + f"/inbox/tickets/{mine_old['id']}", timeout=10).text
    assert "team Schuldhulpverlening" in detail

    # no teams any more: back to urgent first
    assert service.cli("set-teams", name).returncode == 0
    listed = ids_in(member.get(service.url + "/api/tickets", timeout=10).json()["tickets"], wanted)
    assert listed[0] == other_urgent["id"]
    assert service.cli("set-teams", "niemand-" + uuid.uuid4().hex[:4], "schuldhulp").returncode == 1
    assert service.cli("set-teams", name, "Geen Geldig Id!").returncode == 1


def test_team_must_be_a_short_text(service):
    r = post_ticket(service, ticket_body(team=["schuldhulp"]))
    assert r.status_code == 422 and "'team'" in r.json()["error"]
    r = post_ticket(service, ticket_body(situations="acuut"))
    assert r.status_code == 422 and "'situations'" in r.json()["error"]
    body = ticket_body()
    del body["indications"]
    assert post_ticket(service, body).status_code == 201  # team, situations and indications stay optional
    assert requests.get(service.url + "/health", timeout=10).status_code == 200
