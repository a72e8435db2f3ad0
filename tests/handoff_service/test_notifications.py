"""A new ticket is announced once, even when the background loop runs while the first
e-mail is still on its way (a slow mail server)."""
import asyncio
import time

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.servers import free_port
from tests.handoff_service.conftest import post_ticket, ticket_body
from tests.handoff_service.service import HandoffService

SMTP_SECONDS = 2.5  # longer than the background interval of the test service (1 s)


class SlowMailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        await asyncio.sleep(SMTP_SECONDS)
        return "250 OK"


@pytest.fixture
def slow_service(tmp_path):
    box = SlowMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    svc = HandoffService(tmp_path, extra_env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port),
                                              "NOTIFY_EMAIL": "accountmanagers@voorbeeldstad.nl"}).start()
    try:
        yield svc, box
    finally:
        svc.stop()
        controller.stop()


def test_a_slow_mail_server_gets_each_ticket_once(slow_service):
    service, box = slow_service
    body = ticket_body()
    assert post_ticket(service, body).status_code == 201
    time.sleep(2 * SMTP_SECONDS + 2)  # several background rounds, during and after the first e-mail
    assert len([m for m in box.messages if body["id"].encode() in m.content]) == 1
