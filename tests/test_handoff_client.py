"""Ticket delivery that loses nothing: idempotent posts, a durable outbox, and delivery
after the handoff service comes back. Uses the real service process."""
import asyncio
import time

import pytest
import requests

from actions.handoff_client import HandoffClient, Refused, Unauthorized, missing_gemeenten, new_reference
from tests.e2e.servers import free_port
from tests.handoff_service.conftest import logged_in, ticket_body
from tests.handoff_service.service import API_TOKEN, HandoffService


@pytest.fixture
def down_service(tmp_path):
    svc = HandoffService(tmp_path, port=free_port())
    yield svc
    svc.stop()


def client_for(svc, tmp_path, **kw):
    return HandoffClient(base_url=svc.url, token=API_TOKEN, outbox_path=tmp_path / "outbox.db", **kw)


def count(svc, reference):
    """Tickets with this reference, as a staff member sees them (the machine token cannot list)."""
    session, _ = logged_in(svc)
    return len([t for t in session.get(svc.url + "/api/tickets", timeout=10).json()["tickets"] if t["id"] == reference])


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
async def test_a_wrong_token_pauses_delivery_and_keeps_the_ticket_until_an_operator_fixes_it(down_service, tmp_path):
    svc = down_service.start()
    wrong = HandoffClient(base_url=svc.url, token="wrong", outbox_path=tmp_path / "outbox.db", attempts=3,
                          retry_interval=0.1)
    body = ticket_body(id=new_reference())
    assert await wrong.create_ticket(body) == "queued"
    await asyncio.wait_for(wrong._worker, 10)  # the loop ends by itself instead of retrying a rejected token
    assert wrong.paused
    assert await wrong.pending_count() == 1
    fixed = client_for(svc, tmp_path)
    assert await fixed.flush() == 1
    assert count(svc, body["id"]) == 1


@pytest.mark.asyncio
async def test_erasure_drops_queued_tickets_of_that_conversation_first(down_service, tmp_path):
    client = client_for(down_service, tmp_path, attempts=1)
    mine, other = ticket_body(id=new_reference()), ticket_body(id=new_reference())
    assert await client.create_ticket(mine) == "queued"
    assert await client.create_ticket(other) == "queued"
    client._worker.cancel()
    assert await client.request_erasure(mine["conversation_id"]) == "queued"
    client._worker.cancel()
    svc = down_service.start()
    assert await client.flush() == 2  # the other ticket and the erasure; never the erased conversation's ticket
    assert count(svc, mine["id"]) == 0
    assert count(svc, other["id"]) == 1


@pytest.mark.asyncio
async def test_outbox_does_not_keep_personal_data_indefinitely(down_service, tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_OUTBOX_MAX_DAYS", "0.0000001")  # about 9 ms
    client = client_for(down_service, tmp_path, attempts=1)
    assert await client.create_ticket(ticket_body(id=new_reference())) == "queued"
    client._worker.cancel()
    await asyncio.sleep(0.05)
    assert await client.flush() == 0
    assert await client.pending_count() == 0
    assert "Jan Jansen" not in (tmp_path / "outbox.db").read_bytes().decode("latin-1")


def test_outbox_file_is_private(tmp_path):
    client = HandoffClient(base_url="http://127.0.0.1:9", token="x", outbox_path=tmp_path / "new" / "outbox.db")
    assert client.outbox_path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


@pytest.mark.asyncio
async def test_a_non_json_error_is_refused_not_retried_forever(tmp_path):
    """A proxy in front of the service answers 400 with an HTML page: final, not a loop."""
    from aiohttp import web

    async def html_error(request):
        return web.Response(status=400, text="<html>Bad Request</html>", content_type="text/html")

    app = web.Application()
    app.router.add_post("/api/tickets", html_error)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        client = HandoffClient(base_url=f"http://127.0.0.1:{port}", token="x", outbox_path=tmp_path / "o.db")
        with pytest.raises(Refused):
            await client.create_ticket(ticket_body(id=new_reference()))
        assert await client.pending_count() == 0
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_a_ticket_made_after_an_erasure_is_accepted_one_made_before_is_not(down_service, tmp_path):
    """The same phone number comes back after an erasure: its new ticket arrives; a ticket
    made before the erasure (queued somewhere) never does."""
    svc = down_service.start()
    client = client_for(svc, tmp_path)
    conversation = "whatsapp:+316" + new_reference()[3:]
    old = ticket_body(id=new_reference(), conversation_id=conversation, made_at=time.time() - 60)
    assert await client.request_erasure(conversation) == "delivered"
    with pytest.raises(Refused):
        await client.create_ticket(old)
    new = ticket_body(id=new_reference(), conversation_id=conversation)
    assert await client.create_ticket(new) == "delivered"
    assert count(svc, old["id"]) == 0 and count(svc, new["id"]) == 1


@pytest.mark.asyncio
async def test_a_gemeente_the_service_does_not_serve_keeps_the_ticket_until_the_configurations_agree(
        down_service, tmp_path, caplog):
    """A regional action server and a handoff service that still serves only the first
    gemeente (different GEMEENTE_CONFIG): the start-up check names the gap, the ticket of
    the other gemeente waits in the outbox (not dropped as bad data) and delivery pauses;
    once the service serves the region the same outbox delivers it, once."""
    from tests.handoff_service.test_regional import ROOT_CONFIG

    svc = down_service.start()
    client = client_for(svc, tmp_path, attempts=2, retry_interval=0.1)
    assert missing_gemeenten(["voorbeeldstad", "buurdorp"], await client.served_gemeenten()) == ["buurdorp"]
    assert "buurdorp" in caplog.text and "GEMEENTE_CONFIG" in caplog.text
    body = ticket_body(id=new_reference(), gemeente="buurdorp")
    assert await client.create_ticket(body) == "queued"
    await asyncio.wait_for(client._worker, 10)  # passes it over instead of retrying or dropping it
    assert await client.pending_count() == 1 and len(client.misrouted) == 1
    assert count(svc, body["id"]) == 0
    # it is not in the way: the items of the gemeente the service serves still go
    other = ticket_body(id=new_reference(), gemeente="voorbeeldstad")
    client._queue(other["id"], "ticket", other)  # queued after it (e.g. while the service was down)
    client.ensure_worker()
    await asyncio.wait_for(client._worker, 10)
    assert count(svc, other["id"]) == 1
    assert await client.pending_count() == 1  # only the kept ticket

    svc.stop()  # the operator gives the handoff service the region file and restarts it
    (tmp_path / "buurdorp.yml").write_text(f"extends: {ROOT_CONFIG}\nname: Buurdorp\n", encoding="utf-8")
    (tmp_path / "regio.yml").write_text(
        f"name: Regio\ngemeenten:\n  voorbeeldstad: {ROOT_CONFIG}\n  buurdorp: buurdorp.yml\n", encoding="utf-8")
    svc.env["GEMEENTE_CONFIG"] = str(tmp_path / "regio.yml")
    svc.start()
    restarted = client_for(svc, tmp_path)
    assert missing_gemeenten(["voorbeeldstad", "buurdorp"], await restarted.served_gemeenten()) == []
    assert await restarted.flush() == 1
    assert count(svc, body["id"]) == 1 and await restarted.pending_count() == 0


@pytest.mark.asyncio
async def test_the_served_gemeenten_need_the_action_server_token(down_service, tmp_path):
    svc = down_service.start()
    assert await client_for(svc, tmp_path).served_gemeenten() == ["voorbeeldstad"]
    stranger = HandoffClient(base_url=svc.url, token="wrong", outbox_path=tmp_path / "other.db")
    with pytest.raises(Unauthorized):  # said as a token problem, not as "not reachable"
        await stranger.served_gemeenten()
    assert requests.get(svc.url + "/api/gemeenten", timeout=5).status_code in (401, 403)


@pytest.mark.asyncio
async def test_the_action_server_checks_the_gemeenten_at_start_and_sends_what_waited(down_service, tmp_path,
                                                                                     monkeypatch, caplog):
    from actions import handoff_client
    from tests.handoff_service.test_regional import ROOT_CONFIG
    from zelfscan_runtime.action_server import check_handoff_service

    (tmp_path / "buurdorp.yml").write_text(f"extends: {ROOT_CONFIG}\nname: Buurdorp\n", encoding="utf-8")
    (tmp_path / "regio.yml").write_text(
        f"name: Regio\ngemeenten:\n  voorbeeldstad: {ROOT_CONFIG}\n  buurdorp: buurdorp.yml\n", encoding="utf-8")
    monkeypatch.setenv("GEMEENTE_CONFIG", str(tmp_path / "regio.yml"))  # the action server serves the region
    client = client_for(down_service, tmp_path, attempts=1)
    monkeypatch.setattr(handoff_client, "_client", client)
    waiting = ticket_body(id=new_reference(), gemeente="voorbeeldstad")
    assert await client.create_ticket(waiting) == "queued"  # made while the service was down
    client._worker.cancel()
    assert await check_handoff_service(attempts=1, pause=0) is None  # not reachable yet: said, nothing lost
    svc = down_service.start()  # the service serves only voorbeeldstad
    assert await check_handoff_service(attempts=3, pause=0.2) == ["buurdorp"]
    assert "buurdorp" in caplog.text and "GEMEENTE_CONFIG" in caplog.text
    await asyncio.wait_for(client._worker, 10)  # the start sent what waited in the outbox
    assert count(svc, waiting["id"]) == 1 and await client.pending_count() == 0


@pytest.mark.asyncio
async def test_a_rejected_token_at_start_is_said_as_such_and_not_retried(down_service, tmp_path, monkeypatch, caplog):
    from actions import handoff_client
    from zelfscan_runtime.action_server import check_handoff_service

    svc = down_service.start()
    wrong = HandoffClient(base_url=svc.url, token="wrong", outbox_path=tmp_path / "outbox.db")
    monkeypatch.setattr(handoff_client, "_client", wrong)
    started = time.monotonic()
    assert await check_handoff_service(attempts=5, pause=2) is None
    assert time.monotonic() - started < 2  # one answer is enough: retrying does not fix a token
    assert "rejects the token" in caplog.text and "HANDOFF_API_TOKEN" in caplog.text
