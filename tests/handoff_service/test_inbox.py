"""The staff inbox in the browser's place: local times, expired forms and sessions, and the
fixed Dutch texts on the ticket page (real server process, real database)."""
import re
from urllib.parse import parse_qs, urlparse

import requests
import sqlalchemy

from handoff.web import LOGIN_CSRF_COOKIE
from tests.handoff_service.conftest import csrf_of, logged_in, machine_get, post_ticket, ticket_body
from tests.handoff_service.service import ADMIN


def form_token(html):
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def login_next(response):
    assert response.status_code in (302, 303), response.status_code
    location = urlparse(response.headers["location"])
    assert location.path == "/inbox/login"
    return parse_qs(location.query)["next"][0]


def test_times_are_shown_in_dutch_local_time(service):
    s, _ = logged_in(service)
    body = ticket_body()
    post_ticket(service, body)
    s.post(service.url + f"/inbox/tickets/{body['id']}/notes",
           data={"note": "Gebeld.", "csrf_token": csrf_of(s, service)}, timeout=10)
    engine = sqlalchemy.create_engine(service.database_url)
    with engine.begin() as conn:  # stored in UTC: summer time is UTC+2, winter time UTC+1
        conn.execute(sqlalchemy.text("UPDATE tickets SET created_at = :t WHERE id = :id"),
                     {"t": "2024-07-01 10:05:00", "id": body["id"]})
        conn.execute(sqlalchemy.text("UPDATE notes SET created_at = :t WHERE ticket_id = :id"),
                     {"t": "2024-01-15 23:30:00", "id": body["id"]})
    engine.dispose()

    inbox = s.get(service.url + "/inbox", timeout=10).text
    row = inbox.split(f">{body['id']}</a>")[1].split("</tr>")[0]
    assert "2024-07-01 12:05" in row and "10:05" not in row
    page = s.get(service.url + f"/inbox/tickets/{body['id']}", timeout=10).text
    assert "ontvangen 2024-07-01 12:05 via" in page
    assert f"<strong>{ADMIN[0]}</strong>, 2024-01-16 00:30<" in page


def test_an_expired_login_form_works_the_second_time(service):
    s = requests.Session()  # no login cookie: the form was opened long ago or in another browser
    r = s.post(service.url + "/inbox/login", timeout=10, allow_redirects=False,
               data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": "old-token", "next": "/inbox"})
    assert r.status_code == 403
    assert "De pagina was verlopen. Probeer het nog eens." in r.text
    token = form_token(r.text)
    assert token and token == s.cookies.get(LOGIN_CSRF_COOKIE)
    r = s.post(service.url + "/inbox/login", timeout=10, allow_redirects=False,
               data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token, "next": "/inbox"})
    assert r.status_code in (302, 303) and r.headers["location"] == "/inbox"


def test_an_expired_session_returns_to_a_page_after_login(service):
    body = ticket_body()
    post_ticket(service, body)
    ticket_page = f"/inbox/tickets/{body['id']}"
    stale = {"zs_session": "expired-session"}
    for action in ("status", "assign", "notes"):
        r = requests.post(service.url + f"{ticket_page}/{action}", cookies=stale, data={"note": "x"}, timeout=10,
                          allow_redirects=False)
        assert login_next(r) == ticket_page, action
    r = requests.post(service.url + "/inbox/logout", cookies=stale, timeout=10, allow_redirects=False)
    assert login_next(r) == "/inbox"
    r = requests.get(service.url + ticket_page, cookies=stale, timeout=10, allow_redirects=False)
    assert login_next(r) == ticket_page  # a page itself stays the target

    # logging in with that target opens the ticket page, not a 405
    s = requests.Session()
    token = form_token(s.get(service.url + "/inbox/login", timeout=10).text)
    r = s.post(service.url + "/inbox/login", timeout=10,
               data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token, "next": ticket_page})
    assert r.status_code == 200 and r.url == service.url + ticket_page


def test_a_form_without_a_valid_token_gets_a_dutch_page(service):
    s, _ = logged_in(service)
    body = ticket_body()
    post_ticket(service, body)
    r = s.post(service.url + f"/inbox/tickets/{body['id']}/status", data={"status": "afgesloten", "csrf_token": "oud"},
               timeout=10)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "Dit formulier was verlopen. Open de pagina opnieuw en probeer het nog eens." in r.text
    assert f'href="/inbox/tickets/{body["id"]}"' in r.text
    r = s.post(service.url + "/inbox/logout", data={}, timeout=10)
    assert r.status_code == 403 and 'href="/inbox"' in r.text
    assert machine_get(service, f"/api/tickets/{body['id']}").json()["status"] == "nieuw"
    # the JSON API keeps answering in JSON
    r = s.post(service.url + f"/api/tickets/{body['id']}/status", json={"status": "afgesloten"}, timeout=10)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/json") and r.json()["error"]


def test_ticket_page_shows_fixed_dutch_messages(service):
    s, _ = logged_in(service)
    body = ticket_body()
    post_ticket(service, body)
    base = service.url + f"/inbox/tickets/{body['id']}"
    csrf = csrf_of(s, service)

    def alert(page, role, text):
        return re.search(rf'role="{role}"><p class="utrecht-paragraph">{re.escape(text)}</p>', page)

    page = s.post(base + "/notes", data={"note": "   ", "csrf_token": csrf}, timeout=10).text
    assert alert(page, "alert", "Een notitie mag niet leeg zijn.") and "cannot be empty" not in page
    page = s.post(base + "/assign", data={"assignee": "onbekend-iemand", "csrf_token": csrf}, timeout=10).text
    assert alert(page, "alert", "Deze collega is niet bekend.") and "onbekend-iemand" not in page
    page = s.post(base + "/status", data={"status": "paars", "csrf_token": csrf}, timeout=10).text
    assert alert(page, "alert", "Deze status bestaat niet.") and "must be one of" not in page
    page = s.post(base + "/status", data={"status": "in_behandeling", "csrf_token": csrf}, timeout=10).text
    assert alert(page, "status", "Opgeslagen.")
    # a link cannot put its own text on the page
    page = s.get(base, params={"m": "Uw account is geblokkeerd, bel 0900-1234"}, timeout=10).text
    assert "geblokkeerd" not in page and "utrecht-alert" not in page

