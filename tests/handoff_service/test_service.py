"""The handoff service against a real server process and a real database (SQLite, and
PostgreSQL when HANDOFF_TEST_POSTGRES_URL is set)."""
import json
import time
import uuid

import requests
import sqlalchemy

from handoff.security import PUBLIC_PATHS
from tests.handoff_service.conftest import csrf_of, logged_in, machine_get, post_ticket, ticket_body
from tests.handoff_service.service import ADMIN, API_TOKEN


def route_paths():
    """Every route of the app, with a sample id filled in."""
    import tempfile

    from handoff.app import create_app
    from handoff.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(database_url=f"sqlite:///{tmp}/x.db", api_token="x", erasure_key="k"), name=f"walk{uuid.uuid4().hex[:6]}")
        routes = []
        for route in app.router.routes:
            path = "/" + route.path.lstrip("/")
            path = path.replace("<ticket_id>", "ZS-AAAAAA").replace("<__file_uri__:path>", "x")
            for method in route.methods:
                routes.append((method, path))
        return sorted(set(routes))


def test_every_route_needs_authentication(service):
    secret_name = "Geheime Naam " + uuid.uuid4().hex[:6]
    body = ticket_body(contact={"name": secret_name, "phone": "+31612345678"})
    assert post_ticket(service, body).status_code == 201
    checked = 0
    for method, path in route_paths():
        if path in PUBLIC_PATHS or path.startswith("/static"):
            continue
        path = path.replace("ZS-AAAAAA", body["id"])
        r = requests.request(method, service.url + path, allow_redirects=False, timeout=10, json={})
        assert secret_name not in r.text, (method, path)
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert r.status_code in (302, 303) and "/inbox/login" in r.headers["location"], (method, path)
        checked += 1
    assert checked >= 10
    # a wrong machine token is no better than none
    r = requests.get(service.url + "/api/tickets", headers={"Authorization": "Bearer wrong"}, timeout=10)
    assert r.status_code == 401


def test_idempotent_ticket_creation(service):
    body = ticket_body()
    first = post_ticket(service, body)
    again = post_ticket(service, body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == body["id"]
    matching = [t for t in machine_get(service, "/api/tickets").json()["tickets"] if t["id"] == body["id"]]
    assert len(matching) == 1


def test_contract_fields(service):
    body = ticket_body(urgent=True, risk_level="hoog", risk_score=71)
    post_ticket(service, body)
    ticket = machine_get(service, f"/api/tickets/{body['id']}").json()
    for field in ("id", "status", "created_at", "conversation_id", "channel", "risk_score", "risk_level", "urgent",
                  "risk_drivers", "indications", "referrals", "answers", "summary", "contact"):
        assert field in ticket
    assert ticket["status"] == "nieuw" and ticket["urgent"] is True and ticket["contact"]["name"] == "Jan Jansen"


def test_bad_input_gets_a_clear_error(service):
    r = post_ticket(service, ticket_body(risk_level="paars"))
    assert r.status_code == 422 and "risk_level" in r.json()["error"]
    r = post_ticket(service, ticket_body(id="nope"))
    assert r.status_code == 422 and "'id'" in r.json()["error"]


def test_list_is_urgent_first_then_newest_and_filters(service):
    older_urgent = ticket_body(urgent=True, risk_level="hoog")
    post_ticket(service, older_urgent)
    time.sleep(0.05)
    newer = ticket_body(risk_level="laag")
    post_ticket(service, newer)
    items = machine_get(service, "/api/tickets").json()["tickets"]
    ids = [t["id"] for t in items]
    assert ids.index(older_urgent["id"]) < ids.index(newer["id"])
    assert all(t["urgent"] for t in items[: ids.index(older_urgent["id"]) + 1])
    low = machine_get(service, "/api/tickets?risk_level=laag").json()["tickets"]
    assert low and all(t["risk_level"] == "laag" for t in low)


def test_login_cookie_csrf_and_rate_limit(service):
    s, r = logged_in(service)
    set_cookie = r.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie
    body = ticket_body()
    post_ticket(service, body)
    # a form post without the CSRF token is refused
    r = s.post(service.url + f"/inbox/tickets/{body['id']}/status", data={"status": "afgesloten"}, timeout=10)
    assert r.status_code == 403
    csrf = csrf_of(s, service)
    r = s.post(service.url + f"/inbox/tickets/{body['id']}/status", data={"status": "in_behandeling", "csrf_token": csrf},
               timeout=10)
    assert r.status_code == 200
    assert machine_get(service, f"/api/tickets/{body['id']}").json()["status"] == "in_behandeling"

    # five wrong passwords lock the name for a while, even for the right password
    name = "user-" + uuid.uuid4().hex[:6]
    assert service.cli("add-user", name, env={"INBOX_NEW_PASSWORD": "nog-een-lang-wachtwoord"}).returncode == 0
    for _ in range(5):
        page = requests.get(service.url + "/inbox/login", timeout=10)
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        r = requests.post(service.url + "/inbox/login", cookies=page.cookies, timeout=10, allow_redirects=False,
                          data={"username": name, "password": "fout", "csrf_token": csrf})
        assert r.status_code == 401 and "klopt niet" in r.text
    page = requests.get(service.url + "/inbox/login", timeout=10)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = requests.post(service.url + "/inbox/login", cookies=page.cookies, timeout=10, allow_redirects=False,
                      data={"username": name, "password": "nog-een-lang-wachtwoord", "csrf_token": csrf})
    assert r.status_code == 429
    assert "Probeer het over 1 minuut opnieuw." in r.text  # the first lock: HANDOFF_LOGIN_LOCK_SECONDS=60


def test_inbox_detail_assign_notes_and_audit(service):
    s, _ = logged_in(service)
    body = ticket_body()
    post_ticket(service, body)
    service.cli("add-user", "collega", env={"INBOX_NEW_PASSWORD": "collega-wachtwoord-1"})
    page = s.get(service.url + f"/inbox/tickets/{body['id']}", timeout=10)
    assert page.status_code == 200 and "Jan Jansen" in page.text and "Welke rechtsvorm" in page.text
    csrf = csrf_of(s, service)
    s.post(service.url + f"/inbox/tickets/{body['id']}/assign", data={"assignee": "collega", "csrf_token": csrf}, timeout=10)
    s.post(service.url + f"/inbox/tickets/{body['id']}/notes", data={"note": "Teruggebeld, afspraak gemaakt.",
                                                                      "csrf_token": csrf}, timeout=10)
    ticket = machine_get(service, f"/api/tickets/{body['id']}").json()
    assert ticket["assigned_to"] == "collega"
    assert ticket["notes"][0]["text"] == "Teruggebeld, afspraak gemaakt." and ticket["notes"][0]["author"] == ADMIN[0]
    engine = sqlalchemy.create_engine(service.database_url)
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text("SELECT actor, action FROM audit_log WHERE ticket_id = :t ORDER BY id"),
                            {"t": body["id"]}).all()
    engine.dispose()
    assert ("api", "create") in rows and (ADMIN[0], "view") in rows and (ADMIN[0], "assign") in rows


def test_script_in_answers_is_shown_as_text(service):
    s, _ = logged_in(service)
    evil = "<script>alert('x')</script>"
    body = ticket_body(answers={"business_form": evil}, summary=evil, contact={"name": evil, "phone": "+31612345678"},
                       answers_readable=[{"id": "business_form", "question": "Rechtsvorm", "answer": evil}])
    post_ticket(service, body)
    for path in (f"/inbox/tickets/{body['id']}", "/inbox"):
        page = s.get(service.url + path, timeout=10).text
        assert evil not in page
        assert "&lt;script&gt;" in page
    detail = s.get(service.url + f"/inbox/tickets/{body['id']}", timeout=10)
    assert "script-src 'self'" in detail.headers["content-security-policy"]


def test_staff_session_can_use_the_json_api_with_csrf_header(service):
    s, _ = logged_in(service)
    body = ticket_body()
    post_ticket(service, body)
    assert s.get(service.url + "/api/tickets", timeout=10).status_code == 200
    r = s.post(service.url + f"/api/tickets/{body['id']}/status", json={"status": "afgesloten"}, timeout=10)
    assert r.status_code == 403
    r = s.post(service.url + f"/api/tickets/{body['id']}/status", json={"status": "afgesloten"},
               headers={"X-CSRF-Token": csrf_of(s, service)}, timeout=10)
    assert r.status_code == 200


def test_new_ticket_sends_an_email_without_personal_data(service, smtp):
    _, box = smtp
    body = ticket_body(urgent=True, risk_level="hoog", contact={"name": "Piet Privé", "phone": "+31687654321"})
    post_ticket(service, body)
    deadline = time.time() + 15
    mail = None
    while time.time() < deadline and mail is None:
        mail = next((m for m in box.messages if body["id"].encode() in m.content), None)
        time.sleep(0.2)
    assert mail is not None, "no e-mail arrived"
    text = mail.content.decode("utf-8", "replace")
    assert "hoog" in text and "URGENT" in text
    assert "Piet" not in text and "87654321" not in text
    assert mail.rcpt_tos == ["accountmanagers@voorbeeldstad.nl"]


def test_new_ticket_posts_the_webhook_once(service, webhook_receiver, smtp):
    _, box = smtp
    body = ticket_body(urgent=True, risk_level="hoog", contact={"name": "Kees Geheim", "phone": "+31611122233"})
    since = time.time()
    post_ticket(service, body)
    deadline = time.time() + 15
    while time.time() < deadline and not webhook_receiver.sent("/hooks/zelfscan", since):
        time.sleep(0.2)
    posts = [json.loads(e["raw"]) for e in webhook_receiver.sent("/hooks/zelfscan", since)]
    assert posts and posts[0]["reference"] == body["id"] and posts[0]["urgent"] is True
    assert "Kees" not in json.dumps(posts)
    # wait until the service has recorded both announcements: from then on nothing is sent again
    engine = sqlalchemy.create_engine(service.database_url)
    deadline = time.time() + 15
    done = False
    while time.time() < deadline and not done:
        with engine.connect() as conn:
            done = conn.execute(sqlalchemy.text("SELECT notified AND webhook_notified FROM tickets WHERE id = :id"),
                                {"id": body["id"]}).scalar()
        time.sleep(0.1)
    engine.dispose()
    assert done
    again = [p for p in (json.loads(e["raw"]) for e in webhook_receiver.sent("/hooks/zelfscan", since))
             if p["reference"] == body["id"]]
    assert len(again) == 1
    assert len([m for m in box.messages if body["id"].encode() in m.content]) == 1


def test_erasure_removes_personal_data_and_the_conversation(service):
    conversation = "conv-" + uuid.uuid4().hex[:8]
    engine = sqlalchemy.create_engine(f"sqlite:///{service.tracker_db}")
    with engine.begin() as conn:  # the shape of Rasa's SQL tracker store
        conn.execute(sqlalchemy.text("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id TEXT, "
                                     "type_name TEXT, timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"))
        conn.execute(sqlalchemy.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES "
                                     "(:s, 'user', :t, '{}'), ('someone-else', 'user', :t, '{}')"),
                     {"s": conversation, "t": time.time()})
    body = ticket_body(conversation_id=conversation)
    post_ticket(service, body)
    r = requests.post(service.url + "/api/erasures", json={"conversation_id": conversation}, timeout=10,
                      headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert r.status_code == 200 and r.json()["tickets_erased"] == 1
    ticket = machine_get(service, f"/api/tickets/{body['id']}").json()
    assert ticket["contact"] is None and ticket["answers"] == {} and ticket["summary"] == "" and ticket["erased"]
    assert ticket["risk_level"] == "verhoogd"  # anonymous fields stay for statistics
    deadline = time.time() + 10
    while time.time() < deadline:
        with engine.connect() as conn:
            left = conn.execute(sqlalchemy.text("SELECT sender_id FROM events")).scalars().all()
        if conversation not in left:
            break
        time.sleep(0.3)
    engine.dispose()
    assert conversation not in left and "someone-else" in left


def test_purge_erases_old_personal_data(service):
    body = ticket_body()
    post_ticket(service, body)
    engine = sqlalchemy.create_engine(service.database_url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE tickets SET created_at = :old WHERE id = :id"),
                     {"old": "2020-01-01 00:00:00", "id": body["id"]})
    engine.dispose()
    result = service.cli("purge", env={"RETENTION_DAYS": "90"})
    assert result.returncode == 0, result.stderr
    ticket = machine_get(service, f"/api/tickets/{body['id']}").json()
    assert ticket["erased"] and ticket["contact"] is None
    fresh = ticket_body()
    post_ticket(service, fresh)
    service.cli("purge", env={"RETENTION_DAYS": "90"})
    assert machine_get(service, f"/api/tickets/{fresh['id']}").json()["contact"] is not None


def test_tickets_survive_a_restart(service):
    body = ticket_body()
    post_ticket(service, body)
    service.stop()
    service.start()
    assert machine_get(service, f"/api/tickets/{body['id']}").json()["id"] == body["id"]
