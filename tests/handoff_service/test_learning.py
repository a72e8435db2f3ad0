"""Learning from real messages, against the real handoff service: the action server's
create-only route, nothing that links a message to a conversation, roles (403 without,
audit entries for every view and export), reviewing per message and per group, the
export read by Rasa's own reader, and the retention purge."""
import uuid
from datetime import timedelta

import pytest
import requests
import sqlalchemy

from handoff import learning, stats
from handoff.tickets import local_today
from tests.handoff_service.conftest import logged_in
from tests.handoff_service.service import ADMIN, API_TOKEN

MACHINE = {"Authorization": f"Bearer {API_TOKEN}"}
PASSWORD = "een-ander-lang-wachtwoord-2"
LEARNER = ("leerling", PASSWORD)
OTHER = ("collega", PASSWORD)
COLUMNS = {"id", "text", "intent", "confidence", "channel", "week", "question", "received_on", "reviewed_intent"}


def body(**overrides):
    found = {"id": uuid.uuid4().hex, "text": "kan ik mijn btw later betalen", "intent": "ask_help_options",
             "confidence": 0.31, "channel": "socketio", "week": stats.iso_week(local_today())}
    found.update(overrides)
    return found


def post(service, payload, headers=MACHINE):
    return requests.post(service.url + "/api/unrecognised", json=payload, headers=headers, timeout=10)


def engine(service):
    return sqlalchemy.create_engine(service.database_url)


def rows(service):
    with engine(service).begin() as conn:
        return [dict(r._mapping) for r in conn.execute(sqlalchemy.text("SELECT * FROM unrecognised_messages"))]


def audit(service, action):
    with engine(service).begin() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sqlalchemy.text("SELECT actor, action, detail FROM audit_log WHERE action = :a ORDER BY id"), {"a": action})]


def csrf_from(html):
    return html.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.fixture(scope="module")
def staff(service):
    assert service.cli("add-user", LEARNER[0], "--role", "leren", env={"INBOX_NEW_PASSWORD": PASSWORD}).returncode == 0
    assert service.cli("add-user", OTHER[0], env={"INBOX_NEW_PASSWORD": PASSWORD}).returncode == 0
    return service


def test_the_action_server_creates_messages_once_and_reads_nothing(service):
    payload = body()
    first = post(service, payload)
    assert first.status_code == 201 and first.json() == {"id": payload["id"], "created": True}
    again = post(service, payload)
    assert again.status_code == 200 and again.json()["created"] is False
    assert sum(1 for r in rows(service) if r["id"] == payload["id"]) == 1
    assert requests.get(service.url + "/api/unrecognised", headers=MACHINE, timeout=10).status_code == 403
    assert requests.get(service.url + "/inbox/leren", headers=MACHINE, timeout=10,
                        allow_redirects=False).status_code in (302, 303)
    assert post(service, body(), headers={}).status_code == 401


@pytest.mark.parametrize("change, field", [
    ({"text": "ik ben 45 jaar"}, "text"),  # a digit: the action server strips those
    ({"text": "mail jan@voorbeeld.nl"}, "text"),
    ({"text": "ik ben ٤٥"}, "text"),  # digits of another script
    ({"text": ""}, "text"),
    ({"text": "x" * 501}, "text"),
    ({"conversation_id": "whatsapp:+31612345678"}, "unknown fields"),
    ({"sender_id": "abc"}, "unknown fields"),
    ({"intent": "no_such_intent"}, "intent"),
    ({"confidence": 1.5}, "confidence"),
    ({"channel": "fax"}, "channel"),
    ({"week": "2999-W01"}, "week"),
    ({"question": "not_a_question"}, "question"),
    ({"id": "short"}, "id"),
])
def test_bad_messages_are_refused_and_nothing_is_stored(service, change, field):
    payload = body(**change)
    answer = post(service, payload)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"] and answer.json()["code"] == "invalid"
    assert all(r["id"] != payload["id"] for r in rows(service))


def test_a_staff_session_cannot_create_messages(staff):
    session, _ = logged_in(staff, LEARNER)
    page = session.get(staff.url + "/inbox/leren", timeout=10)
    answer = session.post(staff.url + "/api/unrecognised", json=body(),
                          headers={"X-CSRF-Token": csrf_from(page.text)}, timeout=10)
    assert answer.status_code == 403


def test_nothing_stored_links_a_message_to_a_conversation(service):
    post(service, body(text="ik heb een vraag over [naam]", question="total_debt", intent=None, confidence=0.2))
    with engine(service).begin() as conn:
        columns = {c["name"] for c in sqlalchemy.inspect(conn).get_columns("unrecognised_messages")}
    assert columns == COLUMNS  # no conversation id, no sender, no time finer than the day of the purge
    stored = [r for r in rows(service) if r["question"] == "total_debt"]
    assert stored and stored[0]["intent"] is None and stored[0]["week"] == stats.iso_week(local_today())
    # creating a message leaves no audit entry (its exact time would sit next to the message)
    with engine(service).begin() as conn:
        details = " ".join(str(r[0]) for r in conn.execute(sqlalchemy.text("SELECT detail FROM audit_log")))
    assert stored[0]["id"] not in details


def test_without_the_role_the_page_and_export_are_refused_in_dutch(staff):
    session, _ = logged_in(staff, OTHER)
    inbox = session.get(staff.url + "/inbox", timeout=10).text
    assert 'href="/inbox/leren"' not in inbox  # no link for users without the role
    page = session.get(staff.url + "/inbox/leren", timeout=10)
    assert page.status_code == 403 and "U mag deze pagina niet openen" in page.text and "leren" in page.text
    assert session.get(staff.url + "/inbox/leren/reviewed.yml", timeout=10).status_code == 403
    csrf = csrf_from(inbox)
    target = next(r["id"] for r in rows(staff))
    refused = session.post(staff.url + "/inbox/leren/nakijken", data={"csrf_token": csrf, "bericht": target,
                                                                      "intent": "ask_bbz"}, timeout=10)
    assert refused.status_code == 403
    assert next(r for r in rows(staff) if r["id"] == target)["reviewed_intent"] is None
    assert not [a for a in audit(staff, "learning_view") if a["actor"] == OTHER[0]]


def test_the_admin_has_the_role_and_sees_the_link(staff):
    session, _ = logged_in(staff, ADMIN)
    assert 'href="/inbox/leren"' in session.get(staff.url + "/inbox", timeout=10).text
    assert session.get(staff.url + "/inbox/leren", timeout=10).status_code == 200


def test_roles_are_set_on_the_command_line(staff):
    result = staff.cli("set-roles", OTHER[0], "baas")
    assert result.returncode == 1 and "onbekende rol" in result.stderr
    assert staff.cli("set-roles", "niemand", "leren").returncode == 1
    result = staff.cli("set-roles", OTHER[0], "leren")
    assert result.returncode == 0 and "leren" in result.stdout
    session, _ = logged_in(staff, OTHER)
    assert session.get(staff.url + "/inbox/leren", timeout=10).status_code == 200
    assert staff.cli("set-roles", OTHER[0]).returncode == 0  # no roles: refused again
    assert session.get(staff.url + "/inbox/leren", timeout=10).status_code == 403
    assert [a for a in audit(staff, "roles") if a["detail"] == f"{OTHER[0]}: -"]


def test_review_per_group_and_message_then_export_for_rasa(staff):
    texts = {"hoe vraag ik een lening aan": "ask_help_options", "hoe kan ik een lening aanvragen": "ask_help_options",
             "mijn kat heet [naam]": learning.LEAVE_OUT, "ik heb [bedrag] schuld bij de belastingdienst": "describe_situation"}
    ids = {}
    for text in texts:
        payload = body(text=text)
        assert post(staff, payload).status_code == 201
        ids[text] = payload["id"]
    session, _ = logged_in(staff, LEARNER)
    page = session.get(staff.url + "/inbox/leren", timeout=10)
    assert page.status_code == 200 and "Niet begrepen berichten" in page.text
    assert "hoe vraag ik een lening aan" in page.text and "Opslaan voor de hele groep" in page.text
    csrf = csrf_from(page.text)
    # one group: both lening messages in one post
    lening = [ids["hoe vraag ik een lening aan"], ids["hoe kan ik een lening aanvragen"]]
    saved = session.post(staff.url + "/inbox/leren/nakijken",
                         data={"csrf_token": csrf, "bericht": lening, "intent": "ask_help_options"}, timeout=10)
    assert saved.status_code == 200 and "Opgeslagen." in saved.text
    for text in ("mijn kat heet [naam]", "ik heb [bedrag] schuld bij de belastingdienst"):
        session.post(staff.url + "/inbox/leren/nakijken",
                     data={"csrf_token": csrf, "bericht": ids[text], "intent": texts[text]}, timeout=10)
    stored = {r["id"]: r["reviewed_intent"] for r in rows(staff)}
    assert all(stored[ids[t]] == i for t, i in texts.items())
    # an unknown intent and a missing CSRF token change nothing
    wrong = session.post(staff.url + "/inbox/leren/nakijken",
                         data={"csrf_token": csrf, "bericht": lening[0], "intent": "hack"}, timeout=10)
    assert "Deze keuze bestaat niet" in wrong.text
    assert session.post(staff.url + "/inbox/leren/nakijken", data={"bericht": lening[0], "intent": "deny"},
                        timeout=10).status_code == 403
    assert {r["id"]: r["reviewed_intent"] for r in rows(staff)}[lening[0]] == "ask_help_options"

    export = session.get(staff.url + "/inbox/leren/reviewed.yml", timeout=10)
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().reads(export.text)
    examples = {(m.get("intent"), m.get("text")) for m in data.intent_examples}
    assert ("ask_help_options", "hoe vraag ik een lening aan") in examples
    assert ("describe_situation", "ik heb 5000 euro schuld bij de belastingdienst") in examples
    assert not any("kat" in text for _, text in examples)  # left out
    assert {i for i, _ in examples} <= set(learning.domain_intents())

    views = [a for a in audit(staff, "learning_view") if a["actor"] == LEARNER[0]]
    exports = [a for a in audit(staff, "learning_export") if a["actor"] == LEARNER[0]]
    reviews = [a for a in audit(staff, "learning_review") if a["actor"] == LEARNER[0]]
    assert len(views) >= 2 and len(exports) == 1 and "3 bericht" in exports[0]["detail"]
    assert reviews and reviews[0]["detail"].startswith("2 bericht")

    # put one back: it is open again and leaves the export
    session.post(staff.url + "/inbox/leren/nakijken",
                 data={"csrf_token": csrf, "bericht": lening[0], "terug": "1", "intent": ""}, timeout=10)
    assert {r["id"]: r["reviewed_intent"] for r in rows(staff)}[lening[0]] is None
    export = session.get(staff.url + "/inbox/leren/reviewed.yml", timeout=10).text
    assert "hoe vraag ik een lening aan" not in export and "hoe kan ik een lening aanvragen" in export


def test_the_purge_deletes_old_messages(staff):
    old, new = body(text="een oud bericht"), body(text="een nieuw bericht")
    post(staff, old)
    post(staff, new)
    with engine(staff).begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE unrecognised_messages SET received_on = :d WHERE id = :i"),
                     {"d": local_today() - timedelta(days=91), "i": old["id"]})
    result = staff.cli("purge")
    assert result.returncode == 0 and "Niet begrepen berichten" in result.stdout
    left = {r["id"] for r in rows(staff)}
    assert old["id"] not in left and new["id"] in left
    shorter = staff.cli("purge", env={"HANDOFF_UNRECOGNISED_DAYS": "0"})
    assert shorter.returncode == 0
    assert not any(str(r["received_on"]) < str(local_today()) for r in rows(staff))  # a date (PostgreSQL) or text
