"""Personal scan links and the follow-up (handoff/scan_links.py, handoff/follow_up.py):
a link works once, expires, needs consent; the scan done through it is attached to the
same ticket and staff see both side by side. Real database, real HTTP, real SMTP."""
import email
import email.policy
import re
import uuid
from datetime import timedelta

import pytest
import requests
import sqlalchemy

from handoff import scan_compare, scan_links
from handoff.db import Database, Ticket, utcnow
from tests.handoff_service.conftest import mail_server, post_ticket, ticket_body
from tests.handoff_service.service import API_TOKEN, HandoffService
from tests.waiting import wait_until

KEY = "scan-link-test-key-" + "0123456789abcdef"


# --------------------------------------------------------------- the mechanism itself

@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'links.db'}", KEY)
    database.create()
    with database.session() as s:
        s.add(Ticket(id="ZS-LINK01", idempotency_key="k1", conversation_id="c1", channel="rest", risk_score=50,
                     risk_level="hoog", answers_readable=[], contact={"name": "Jan"}))
    return database


def scan(level="verhoogd", score=30.0):
    return {"risk_score": score, "risk_level": level, "indications": [], "answers_readable": [],
            "answer_points": {}}


def test_a_link_works_once_and_a_second_use_gets_a_dutch_message(db):
    token, code = scan_links.issue(db, "ZS-LINK01", "vervolg", 30)
    claim = scan_links.redeem(db, token)
    assert scan_links.attach_scan(db, claim, scan()) == "ZS-LINK01"
    for secret in (token, code):
        with pytest.raises(scan_links.LinkRefused) as refused:
            scan_links.redeem(db, secret)
        assert refused.value.code == "used" and "al gebruikt" in str(refused.value)
    with pytest.raises(scan_links.LinkRefused):  # the claim itself works once too
        scan_links.attach_scan(db, claim, scan())


def test_the_short_code_works_typed_in_a_sentence_in_any_case(db):
    _token, code = scan_links.issue(db, "ZS-LINK01", "uitnodiging", 30)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
    typed = f"Ik heb een code: {code.lower().replace('-', ' ')}"
    claim = scan_links.redeem(db, typed)
    assert scan_links.attach_scan(db, claim, scan()) == "ZS-LINK01"


def test_a_link_expires(db):
    now = utcnow()
    token, code = scan_links.issue(db, "ZS-LINK01", "vervolg", 30, now=now)
    scan_links.redeem(db, token, now=now + timedelta(days=29, hours=23))  # still works the day before
    for secret in (token, code):
        with pytest.raises(scan_links.LinkRefused) as refused:
            scan_links.redeem(db, secret, now=now + timedelta(days=30))
        assert refused.value.code == "expired" and "verlopen" in str(refused.value)


def test_a_scan_started_just_before_the_end_may_still_finish(db):
    now = utcnow()
    token, _ = scan_links.issue(db, "ZS-LINK01", "vervolg", 1, now=now)
    claim = scan_links.redeem(db, token, now=now + timedelta(hours=23, minutes=58))
    assert scan_links.attach_scan(db, claim, scan(), now=now + timedelta(days=1, minutes=10)) == "ZS-LINK01"


def test_only_keyed_hashes_are_stored(db):
    token, code = scan_links.issue(db, "ZS-LINK01", "vervolg", 30)
    with db.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(sqlalchemy.text("SELECT * FROM scan_links")) for v in row)
    assert token not in dump and code not in dump and code.replace("-", "") not in dump


def test_an_unknown_secret_is_refused_in_dutch(db):
    for secret in ("x" * 43, "ABCD-2345", "", "hallo"):
        with pytest.raises(scan_links.LinkRefused) as refused:
            scan_links.redeem(db, secret)
        assert refused.value.code == "unknown" and "kennen wij niet" in str(refused.value)


def test_url_for_uses_the_gemeentes_page():
    class S:
        public_url = "http://localhost:8000"
        scan_page_url = "https://www.voorbeeldstad.nl/zelfscan?taal=nl"
    assert scan_links.url_for(S, "abc") == "https://www.voorbeeldstad.nl/zelfscan?taal=nl&scan=abc"
    S.scan_page_url = ""
    assert scan_links.url_for(S, "abc") == "http://localhost:8000/?scan=abc"


def test_comparison_says_in_words_what_improved_and_what_got_worse():
    first = {"risk_level": "hoog", "risk_score": 62, "indications": ["schuldhulp"],
             "answers_readable": [{"id": "tax_arrears", "question": "Belastingdienst?", "answer": "achterstand"},
                                  {"id": "opens_mail", "question": "Post open?", "answer": "ja"}],
             "answer_points": {"tax_arrears": 10, "opens_mail": 0}}
    later = {"risk_level": "verhoogd", "risk_score": 35, "indications": ["bbz_gevestigd_inkomen"],
             "answers_readable": [{"id": "tax_arrears", "question": "Belastingdienst?", "answer": "regeling loopt"},
                                  {"id": "opens_mail", "question": "Post open?", "answer": "soms niet"}],
             "answer_points": {"tax_arrears": 3, "opens_mail": 4}}
    result = scan_compare.compare(first, later)
    assert result.level_sentence == "Het risico is gedaald (beter): van hoog naar verhoogd."
    assert result.score_sentence == "De score is 27 punten lager (beter): van 62 naar 35 van 100."
    assert result.improved == ["Belastingdienst?"] and result.worse == ["Post open?"]
    assert result.indications_new == ["bbz_gevestigd_inkomen"] and result.indications_gone == ["schuldhulp"]


# ------------------------------------------------------ through the real service

def gemeente_with_follow_up(tmp_path, weeks=8):
    from pathlib import Path

    import yaml
    data = yaml.safe_load(Path("gemeente/config.yml").read_text(encoding="utf-8"))
    data["follow_up_weeks"], data["follow_up_valid_days"] = weeks, 30
    path = tmp_path / "gemeente.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def mail_service(tmp_path):
    with mail_server() as (controller, box):
        svc = HandoffService(tmp_path, extra_env={
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port),
            "GEMEENTE_CONFIG": str(gemeente_with_follow_up(tmp_path)),
            "HANDOFF_SCAN_PAGE_URL": "https://www.voorbeeldstad.nl/zelfscan", "HANDOFF_ERASURE_KEY": KEY}).start()
        try:
            yield svc, box
        finally:
            svc.stop()


def machine(service, path, body):
    return requests.post(service.url + path, json=body, timeout=10, headers={"Authorization": f"Bearer {API_TOKEN}"})


def follow_up_mails(box, address):
    return [m for m in box.messages if address in m.rcpt_tos and b"zelfscan opnieuw" in m.content]


def test_follow_up_is_sent_once_and_its_scan_appears_next_to_the_first(mail_service):
    service, box = mail_service
    address = f"ondernemer-{uuid.uuid4().hex[:6]}@example.nl"
    first = ticket_body(follow_up_consent=True, contact={"name": "Jan Jansen", "email": address},
                        risk_level="hoog", risk_score=62, indications=["schuldhulp"],
                        answers_readable=[{"id": "tax_arrears", "question": "Hoe staat het met de Belastingdienst?",
                                           "answer": "Achterstand"}],
                        answer_points={"tax_arrears": 10})
    silent = ticket_body(contact={"name": "Piet", "email": "piet@example.nl"})  # no consent
    assert post_ticket(service, first).status_code == 201
    assert post_ticket(service, silent).status_code == 201
    due = service.sql("SELECT follow_up_due FROM tickets WHERE id = :id", id=first["id"])[0][0]
    assert due is not None and service.sql("SELECT follow_up_due FROM tickets WHERE id = :id", id=silent["id"])[0][0] is None
    # eight weeks later: move the due day into the past
    service.sql("UPDATE tickets SET follow_up_due = :t WHERE id = :id", t=utcnow() - timedelta(minutes=1), id=first["id"])
    mail = wait_until(lambda: follow_up_mails(box, address))[0]
    text = email.message_from_bytes(mail.content, policy=email.policy.default).get_content()
    url = re.search(r"https://www\.voorbeeldstad\.nl/zelfscan\?scan=([A-Za-z0-9_-]+)", text)
    code = re.search(r"code: ([2-9A-Z]{4}-[2-9A-Z]{4})", text)
    assert url and code and "Beste Jan Jansen" in text
    wait_until(lambda: service.sql("SELECT follow_up_via FROM tickets WHERE id = :id", id=first["id"])[0][0] == "email")
    # later rounds of the loop (a later ticket's follow-up goes out): never a second
    # message, never one for the ticket without consent
    marker = f"later-{uuid.uuid4().hex[:6]}@example.nl"
    second = ticket_body(follow_up_consent=True, contact={"name": "Els", "email": marker})
    assert post_ticket(service, second).status_code == 201
    service.sql("UPDATE tickets SET follow_up_due = :t WHERE id = :id", t=utcnow() - timedelta(minutes=1), id=second["id"])
    wait_until(lambda: follow_up_mails(box, marker))
    assert len(follow_up_mails(box, address)) == 1
    assert "Verstuurd, nog niet gebruikt" in staff_page(service, first["id"])
    assert not [m for m in box.messages if "piet@example.nl" in m.rcpt_tos]
    assert service.sql("SELECT COUNT(*) FROM scan_links WHERE ticket_id = :id", id=silent["id"])[0][0] == 0

    r = machine(service, "/api/scan-links/redeem", {"secret": url.group(1)})
    assert r.status_code == 200 and set(r.json()) == {"valid", "claim"}  # nothing about the ticket
    later = {"risk_level": "verhoogd", "risk_score": 35, "indications": [],
             "answers_readable": [{"id": "tax_arrears", "question": "Hoe staat het met de Belastingdienst?",
                                   "answer": "Regeling loopt"}], "answer_points": {"tax_arrears": 3},
             "answers": {"tax_arrears": "regeling_loopt"}}
    r = machine(service, "/api/ticket-scans", {"claim": r.json()["claim"], "scan": later})
    assert r.status_code == 201 and first["id"] not in r.text
    again = machine(service, "/api/scan-links/redeem", {"secret": code.group(1)})
    assert again.status_code == 409 and "al gebruikt" in again.json()["message"]

    page = staff_page(service, first["id"])
    assert "Het risico is gedaald (beter): van hoog naar verhoogd." in page
    assert "Beter: Hoe staat het met de Belastingdienst?." in page
    assert "Geen indicatie meer: Schuldhulpverlening." in page
    assert "Achterstand" in page and "Regeling loopt" in page and "Gebruikt" in page


def staff_page(service, ticket_id):
    r = service.staff_get(f"/inbox/tickets/{ticket_id}")
    assert r.status_code == 200
    return r.text


def test_an_expired_link_is_refused_by_the_service(mail_service):
    service, _box = mail_service
    body = ticket_body(follow_up_consent=True)
    assert post_ticket(service, body).status_code == 201
    db = Database(service.database_url, _erasure_key(service))
    token, code = scan_links.issue(db, body["id"], "vervolg", 30)
    service.sql("UPDATE scan_links SET expires_at = :t WHERE ticket_id = :id", t=utcnow() - timedelta(seconds=1),
        id=body["id"])
    for secret in (token, code):
        r = machine(service, "/api/scan-links/redeem", {"secret": secret})
        assert r.status_code == 410 and "verlopen" in r.json()["message"]
    assert "Verlopen" in staff_page(service, body["id"])


def test_erasure_removes_links_and_later_scans(mail_service):
    service, _box = mail_service
    body = ticket_body(follow_up_consent=True)
    assert post_ticket(service, body).status_code == 201
    db = Database(service.database_url, _erasure_key(service))
    token, _ = scan_links.issue(db, body["id"], "vervolg", 30)
    claim = machine(service, "/api/scan-links/redeem", {"secret": token}).json()["claim"]
    assert machine(service, "/api/ticket-scans", {"claim": claim, "scan": scan()}).status_code == 201
    other, _ = scan_links.issue(db, body["id"], "uitnodiging", 30)
    assert machine(service, "/api/erasures", {"conversation_id": body["conversation_id"]}).status_code == 200
    assert service.sql("SELECT COUNT(*) FROM scan_links WHERE ticket_id = :id", id=body["id"])[0][0] == 0
    assert service.sql("SELECT COUNT(*) FROM ticket_scans WHERE ticket_id = :id", id=body["id"])[0][0] == 0
    assert service.sql("SELECT follow_up_consent, follow_up_due FROM tickets WHERE id = :id",
               id=body["id"])[0] == (None, None)
    assert machine(service, "/api/scan-links/redeem", {"secret": other}).status_code == 404


def _erasure_key(service):
    return service.env["HANDOFF_ERASURE_KEY"]


@pytest.fixture
def telegram_service(tmp_path):
    from tests.channels.standin import StandIn

    platform = StandIn({}).start()
    svc = HandoffService(tmp_path, extra_env={
        "GEMEENTE_CONFIG": str(gemeente_with_follow_up(tmp_path)), "HANDOFF_ERASURE_KEY": KEY,
        "TELEGRAM_TOKEN": "123456:FOLLOWUP-TEST", "TELEGRAM_API_BASE": platform.url}).start()
    try:
        yield svc, platform
    finally:
        svc.stop()
        platform.stop()


def test_a_telegram_ticket_gets_its_follow_up_in_the_telegram_chat(telegram_service):
    """Through aiogram (the client Rasa's Telegram channel uses) against the platform stand-in."""
    from urllib.parse import unquote_plus

    service, platform = telegram_service
    body = ticket_body(channel="telegram", conversation_id="telegram:4711", follow_up_consent=True,
                       contact={"name": "Ria", "phone": "+31612345678"})
    assert post_ticket(service, body).status_code == 201
    service.sql("UPDATE tickets SET follow_up_due = :t WHERE id = :id", t=utcnow() - timedelta(minutes=1), id=body["id"])
    sent = wait_until(lambda: platform.sent("/sendMessage"))
    assert "/bot123456:FOLLOWUP-TEST/sendMessage" in sent[0]["path"]
    text = unquote_plus(sent[0]["raw"].decode("utf-8", "replace"))
    assert "4711" in text and "Beste Ria" in text and "?scan=" in text and "Ik heb een code:" in text
    wait_until(lambda: service.sql("SELECT follow_up_via FROM tickets WHERE id = :id", id=body["id"])[0][0] == "telegram")
    assert service.sql("SELECT sent_via FROM scan_links WHERE ticket_id = :id", id=body["id"])[0][0] == "telegram"


def test_the_retention_purge_removes_links_later_scans_and_the_planned_follow_up(db):
    from handoff import tickets

    token, _ = scan_links.issue(db, "ZS-LINK01", "vervolg", 30)
    scan_links.attach_scan(db, scan_links.redeem(db, token), scan())
    scan_links.issue(db, "ZS-LINK01", "uitnodiging", 30)
    with db.session() as s:
        ticket = s.get(Ticket, "ZS-LINK01")
        ticket.created_at = utcnow() - timedelta(days=91)
        ticket.follow_up_consent, ticket.follow_up_due = True, utcnow() + timedelta(days=5)
    assert tickets.purge(db, 90, None)["tickets_erased"] == 1
    with db.engine.connect() as conn:
        for table in ("scan_links", "ticket_scans"):
            assert conn.execute(sqlalchemy.text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0
    with db.session() as s:
        ticket = s.get(Ticket, "ZS-LINK01")
        assert (ticket.follow_up_consent, ticket.follow_up_due) == (None, None)
