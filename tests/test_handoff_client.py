"""Ticket delivery that loses nothing: idempotent posts, a durable outbox, and delivery
after the handoff service comes back. Uses the real service process."""
import asyncio

import pytest
import requests

from actions.handoff_client import HandoffClient, Refused, new_reference
from tests.e2e.servers import free_port
from tests.handoff_service.conftest import machine_get, ticket_body
from tests.handoff_service.service import API_TOKEN, HandoffService


@pytest.fixture
def down_service(tmp_path):
    svc = HandoffService(tmp_path, port=free_port())
    yield svc
    svc.stop()


def client_for(svc, tmp_path, **kw):
    return HandoffClient(base_url=svc.url, token=API_TOKEN, outbox_path=tmp_path / "outbox.db", **kw)


def count(svc, reference):
    return len([t for t in machine_get(svc, "/api/tickets").json()["tickets"] if t["id"] == reference])


def test_references_are_readable_and_unique():
    refs = {new_reference() for _ in range(500)}
    assert len(refs) == 500
    assert all(r.startswith("ZS-") and len(r) == 9 and not set(r[3:]) & set("0O1IL") for r in refs)


@pytest.mark.asyncio
async def test_delivered_directly_and_retries_make_no_second_ticket(down_service, tmp_path):
    svc = down_service.start()
    client = client_for(svc, tmp_path)
    body = ticket_body(id=new_reference())
    assert await client.create_ticket(body) == "delivered"
    assert await client.create_ticket(body) == "delivered"  # a retry of the same ticket
    assert count(svc, body["id"]) == 1
    assert await client.pending_count() == 0


@pytest.mark.asyncio
async def test_service_down_queues_and_delivers_after_restart(down_service, tmp_path):
    svc = down_service.start()
    svc.stop()  # the service dies
    client = client_for(svc, tmp_path, attempts=2, retry_interval=0.5)
    body = ticket_body(id=new_reference())
    assert await client.create_ticket(body) == "queued"
    assert await client.pending_count() == 1

    # the action server restarts too: a new client reads the same outbox file
    client = client_for(svc, tmp_path, attempts=2, retry_interval=0.5)
    assert await client.pending_count() == 1
    svc.start()
    client.ensure_worker()
    for _ in range(60):
        if await client.pending_count() == 0:
            break
        await asyncio.sleep(0.25)
    assert await client.pending_count() == 0
    assert count(svc, body["id"]) == 1


@pytest.mark.asyncio
async def test_erasure_is_queued_too(down_service, tmp_path):
    client = client_for(down_service, tmp_path, attempts=1)
    assert await client.request_erasure("conversation-x") == "queued"
    down_service.start()
    assert await client.flush() == 1
    assert await client.pending_count() == 0


@pytest.mark.asyncio
async def test_refused_ticket_is_not_retried_forever(down_service, tmp_path):
    svc = down_service.start()
    client = client_for(svc, tmp_path)
    with pytest.raises(Refused):
        await client.create_ticket(ticket_body(id=new_reference(), risk_level="paars"))
    assert await client.pending_count() == 0  # refused personal data is not kept
    assert await client.flush() == 0
    assert await client.pending_count() == 0
    assert requests.get(svc.url + "/health", timeout=5).status_code == 200


@pytest.mark.asyncio
async def test_a_wrong_token_keeps_the_ticket_until_an_operator_fixes_it(down_service, tmp_path):
    svc = down_service.start()
    wrong = HandoffClient(base_url=svc.url, token="wrong", outbox_path=tmp_path / "outbox.db", attempts=1)
    body = ticket_body(id=new_reference())
    assert await wrong.create_ticket(body) == "queued"
    wrong._worker.cancel()
    assert await wrong.pending_count() == 1
    fixed = client_for(svc, tmp_path)
    assert await fixed.flush() == 1
    assert count(svc, body["id"]) == 1
