"""A new ticket is announced once, even when the background loop runs while the first
e-mail is still on its way (a slow mail server)."""
import asyncio
import time

import pytest
import sqlalchemy

from tests.handoff_service.conftest import mail_server, post_ticket, ticket_body
from tests.handoff_service.service import HandoffService

SMTP_SECONDS = 2.5  # longer than the background interval of the test service (1 s)


class SlowMailbox:
    def __init__(self):
        self.messages = []
        self.in_progress = 0  # SMTP transactions between MAIL FROM and the end of DATA

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.in_progress += 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        await asyncio.sleep(SMTP_SECONDS)
        self.in_progress -= 1
        return "250 OK"


def settled(service, box, reference, seconds=30):
    """Wait until the service has recorded the ticket as announced and no mail is on its
    way: from then on nothing can be sent again, so the count is final."""
    engine = sqlalchemy.create_engine(service.database_url)
    deadline = time.time() + seconds
    try:
        while time.time() < deadline:
            with engine.connect() as conn:
                done = conn.execute(sqlalchemy.text("SELECT notified FROM tickets WHERE id = :id"),
                                    {"id": reference}).scalar()
            if done and box.in_progress == 0:
                return True
            time.sleep(0.1)
        return False
    finally:
        engine.dispose()


@pytest.fixture
def slow_service(tmp_path):
    with mail_server(SlowMailbox()) as (controller, box):
        svc = HandoffService(tmp_path, extra_env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port),
                                                  "NOTIFY_EMAIL": "accountmanagers@voorbeeldstad.nl"}).start()
        try:
            yield svc, box
        finally:
            svc.stop()


def test_a_slow_mail_server_gets_each_ticket_once(slow_service):
    service, box = slow_service
    body = ticket_body()
    assert post_ticket(service, body).status_code == 201
    assert settled(service, box, body["id"])
    assert len([m for m in box.messages if body["id"].encode() in m.content]) == 1
