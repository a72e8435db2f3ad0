import contextlib
import os
import uuid

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.e2e.servers import free_port
from tests.handoff_service.service import ADMIN, API_TOKEN, HandoffService

POSTGRES_URL = os.environ.get("HANDOFF_TEST_POSTGRES_URL")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@contextlib.contextmanager
def mail_server(box=None):
    """A real SMTP server on loopback (aiosmtpd); what it receives lands in ``box``."""
    box = box if box is not None else Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def smtp():
    with mail_server() as found:
        yield found


@pytest.fixture(scope="module")
def webhook_receiver():
    """A local stand-in for a Teams/Slack workflow or case system: records the posts."""
    from tests.channels.standin import StandIn

    receiver = StandIn({}).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module", params=DATABASES)
def service(request, tmp_path_factory, smtp, webhook_receiver):
    controller, _ = smtp
    url = None
    if request.param == "postgresql":
        import sqlalchemy
        engine = sqlalchemy.create_engine(POSTGRES_URL)
        with engine.begin() as conn:  # a clean schema per module
            conn.execute(sqlalchemy.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        engine.dispose()
        url = POSTGRES_URL
    svc = HandoffService(tmp_path_factory.mktemp("handoff"), url,
                         extra_env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port),
                                    "NOTIFY_EMAIL": "accountmanagers@voorbeeldstad.nl",
                                    "NOTIFY_WEBHOOK_URL": webhook_receiver.url + "/hooks/zelfscan"}).start()
    yield svc
    svc.stop()


def ticket_body(**overrides):
    body = {
        "id": "ZS-" + uuid.uuid4().hex[:6].upper(), "conversation_id": uuid.uuid4().hex, "channel": "rest",
        "risk_score": 30, "risk_level": "verhoogd", "urgent": False, "risk_drivers": ["tax_arrears"],
        "indications": ["schuldhulp"], "referrals": ["schuldhulpverlening"],
        "answers": {"business_form": "eenmanszaak"},
        "answers_readable": [{"id": "business_form", "question": "Welke rechtsvorm heeft uw bedrijf?", "answer": "eenmanszaak"}],
        "summary": "Situatie: eenmanszaak.", "contact": {"name": "Jan Jansen", "phone": "+31612345678"},
    }
    body.update(overrides)
    return body


def post_ticket(service, body, key=None):
    return requests.post(service.url + "/api/tickets", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {API_TOKEN}", "Idempotency-Key": key or body["id"]})


def machine_get(service, path):
    """Read from the JSON API as staff. (The name is older than the rule that the action
    server's token may only create tickets and request erasure; see test_security.py.)"""
    return service.staff_get(path)


def logged_in(service, user=ADMIN):
    s = requests.Session()
    page = s.get(service.url + "/inbox/login", timeout=10)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = s.post(service.url + "/inbox/login", data={"username": user[0], "password": user[1], "csrf_token": csrf,
                                                   "next": "/inbox"}, timeout=10, allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return s, r


def csrf_of(session, service):
    page = session.get(service.url + "/inbox", timeout=10).text
    return page.split('name="csrf_token" value="')[1].split('"')[0]
