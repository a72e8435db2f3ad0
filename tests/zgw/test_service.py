"""The real handoff service with ZGW switched on in its gemeente configuration: a ticket
from the action server's API becomes a zaak through the background loop, the ticket page
names the zaak, a status change in the inbox reaches the case system, and a case system
that is down (killed) is caught up when it is back."""
import time

import pytest
import requests

from tests.handoff_service.conftest import logged_in, post_ticket, ticket_body
from tests.zgw.conftest import service_with_zgw, wait_until

pytestmark = pytest.mark.service  # starts the handoff service and the stand-in (make service-test)


def page_saying(staff, url, text, what):
    """The ticket page once it says ``text`` (the background loop works in its own time)."""
    return wait_until(lambda: (lambda p: p if text in p else None)(staff.get(url, timeout=10).text), what=what)


def registered(zgw_server, ticket_id, what, seconds=60.0):
    """What the case system holds for the ticket once its registration reached a status;
    exactly one zaak, document, link, rol and status: nothing lost, nothing twice."""
    held = wait_until(lambda: (lambda h: h if h["status"] else None)(zgw_server.of_ticket(ticket_id)),
                      seconds=seconds, what=what)
    assert [len(held[k]) for k in ("zaak", "document", "zio", "rol", "status")] == [1, 1, 1, 1, 1]
    return held


def test_a_ticket_becomes_a_zaak_and_a_status_change_follows(zgw_server, zgw_service):
    start = zgw_server.last_call_id()
    body = ticket_body()
    assert post_ticket(zgw_service, body).status_code == 201
    held = registered(zgw_server, body["id"], what="the first status of the zaak")
    # the stand-in logs a call after it has answered, so the last one can lag behind its status
    calls = wait_until(lambda: (lambda c: c if len(c) >= 7 else None)(zgw_server.calls(start)),
                       what="the seven calls in the stand-in's log")
    assert [(c["method"], c["path"]) for c in calls] == [
        ("POST", "/zaken"), ("POST", "/enkelvoudiginformatieobjecten"), ("POST", "/zaakinformatieobjecten"),
        ("GET", "/roltypen"), ("POST", "/rollen"), ("GET", "/statustypen"), ("POST", "/statussen")]
    assert all(c["request_valid"] and c["response_valid"] for c in calls), calls

    staff, _ = logged_in(zgw_service)
    page = staff.get(f"{zgw_service.url}/inbox/tickets/{body['id']}", timeout=10).text
    assert f"als zaak <strong>{body['id']}</strong>" in page
    assert held["zaak"][0]["url"] in page

    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    changed = staff.post(f"{zgw_service.url}/inbox/tickets/{body['id']}/status",
                         data={"status": "in_behandeling", "csrf_token": csrf}, timeout=10, allow_redirects=False)
    assert changed.status_code in (302, 303)
    statussen = wait_until(lambda: (lambda s: s if len(s) == 2 else None)(zgw_server.of_ticket(body["id"])["status"]),
                           what="the second status")
    assert statussen[1]["statustype"] == zgw_server.urls["statustypen"][2]
    page = page_saying(staff, f"{zgw_service.url}/inbox/tickets/{body['id']}",
                       "Laatst doorgegeven status: In behandeling", what="the page to show it")
    zaak = zgw_service.staff_get(f"/api/tickets/{body['id']}").json()["zaak"]
    assert zaak["identificatie"] == body["id"] and zaak["url"] == held["zaak"][0]["url"]
    assert zaak["complete"] and zaak["reported_status"] == "in_behandeling" and zaak["error"] is None
    assert all(c["request_valid"] and c["response_valid"] for c in zgw_server.calls(start))


def test_a_case_system_that_is_down_is_caught_up_without_duplicates(zgw_server, zgw_service):
    zgw_server.kill()
    try:
        body = ticket_body()
        assert post_ticket(zgw_service, body).status_code == 201
        staff, _ = logged_in(zgw_service)
        url = f"{zgw_service.url}/inbox/tickets/{body['id']}"
        page = page_saying(staff, url, "Nog niet gelukt", what="the page to say it did not work yet")
        assert "Het systeem probeert het later vanzelf opnieuw." in page
    finally:
        zgw_server.start()
    registered(zgw_server, body["id"], what="the registration after the restart", seconds=90)
    page = staff.get(url, timeout=10).text
    assert f"als zaak <strong>{body['id']}</strong>" in page and "Nog niet gelukt" not in page


def test_a_refusal_is_shown_and_staff_try_again_once_it_is_put_right(zgw_server, zgw_service):
    zgw_server.kill()
    zgw_server.start(refuse="POST /rollen")  # a case system whose catalogue refuses the rol
    try:
        body = ticket_body()
        assert post_ticket(zgw_service, body).status_code == 201
        staff, _ = logged_in(zgw_service)
        url = f"{zgw_service.url}/inbox/tickets/{body['id']}"
        page = page_saying(staff, url, "Niet gelukt", what="the refusal on the page")
        assert "het zaaksysteem weigert de gegevens van de ondernemer" in page
        assert "Geweigerd door de testschakelaar van de stand-in." in page
        assert f"als zaak <strong>{body['id']}</strong>" in page  # the zaak itself was made
    finally:
        zgw_server.kill()
        zgw_server.start()  # put right
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    again = staff.post(f"{url}/zaaksysteem", data={"csrf_token": csrf}, timeout=10, allow_redirects=False)
    assert again.status_code in (302, 303) and again.headers["Location"].endswith("?m=opgeslagen")
    registered(zgw_server, body["id"], what="the registration after 'Opnieuw proberen'")
    page = staff.get(url, timeout=10).text
    assert "Niet gelukt" not in page and "Opnieuw proberen" not in page
    # without a session the button does nothing
    anonymous = requests.post(f"{url}/zaaksysteem", timeout=10, allow_redirects=False)
    assert anonymous.status_code in (302, 303) and anonymous.headers["Location"].startswith("/inbox/login")


def test_erasure_in_the_inbox_tells_staff_about_the_zaak(zgw_server, zgw_service):
    from tests.handoff_service.service import API_TOKEN

    body = ticket_body()
    assert post_ticket(zgw_service, body).status_code == 201
    wait_until(lambda: zgw_server.of_ticket(body["id"])["status"], what="the registration")
    erased = requests.post(f"{zgw_service.url}/api/erasures", json={"conversation_id": body["conversation_id"]},
                           headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)
    assert erased.status_code == 200 and erased.json()["tickets_erased"] == 1
    staff, _ = logged_in(zgw_service)
    page = staff.get(f"{zgw_service.url}/inbox/tickets/{body['id']}", timeout=10).text
    assert "de gegevens zijn hier gewist, maar niet in het zaaksysteem" in page
    assert body["contact"]["name"] not in page  # erased here
    # the case system keeps its own copy: nothing was sent to it, nothing deleted there
    assert zgw_server.of_ticket(body["id"])["rol"][0]["contactpersoonRol"]["naam"] == body["contact"]["name"]


def test_the_ticket_api_is_unchanged_for_the_action_token(zgw_service):
    # registration runs in the background: creating a ticket answers at once, as before
    started = time.time()
    response = post_ticket(zgw_service, ticket_body())
    assert response.status_code == 201 and time.time() - started < 5
    assert requests.get(f"{zgw_service.url}/health", timeout=5).json() == {"status": "ok"}


def test_a_wrong_zgw_section_stops_the_start_with_one_line(tmp_path, zgw_server):
    svc = service_with_zgw(tmp_path, zgw_server)
    path = tmp_path / "gemeente.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("'002220647'", "'123456789'"), encoding="utf-8")
    with pytest.raises(RuntimeError) as stopped:
        svc.start()
    assert "'zgw.rsin' must be the gemeente's RSIN" in str(stopped.value)
    assert "Traceback" not in svc.log
    assert svc.proc.returncode == 2
