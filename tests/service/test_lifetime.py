"""A connection's lifetime (issue 21 item 3), live on Bun, Node 22 and Node 24: the ticket in the socket's first
message, a socket that sends none in time closed, one connection per ticket, refresh over the open socket,
expiry with its own code; and across two replicas through a real redis-server, tickets used once on any replica
and `revoke` closing every socket of a user on every replica within a second; events between them encrypted
(WS_REDIS_ENCRYPT) so that a Redis subscriber reads no payload."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse

import pytest

from .conftest import RUNTIMES, SECRET, http_request, mint_ticket, wait_until

pytestmark = pytest.mark.node

ACK_TYPE = "ticket"


def acks(clients, cid: str) -> list[dict]:
    return [m for m in clients.messages(cid) if m.get("ctl") == ACK_TYPE]


def events(clients, cid: str) -> list[dict]:
    return [m for m in clients.messages(cid) if "ctl" not in m]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_first_message_ticket_refresh_reuse_and_expiry(runtime, start_service, clients):
    service = start_service(runtime, WS_PUBLIC="false", WS_TICKET_TIMEOUT_MS="500")
    # A socket that sends no ticket in time is closed with 4403 (not before); nothing reaches it meanwhile.
    started = time.monotonic()
    clients.open("silent", service.ws_url)
    assert service.post_event("todo-created", {"id": 0})[1]["clients"] == 0
    closed = clients.wait_closed("silent", timeout=5)
    assert (closed["code"], closed["reason"]) == (4403, "no ticket in time")
    assert 0.5 <= time.monotonic() - started < 3

    # The ticket as the first message: its channels apply, and the service acknowledges it with its lifetime.
    clients.open("a", service.ws_url)
    first = mint_ticket("1", ["user:1", "team:7"])
    clients.send("a", first)
    clients.wait_messages("a", 1)
    assert [(m["ctl"], m["ttl"] in (29, 30)) for m in clients.messages("a")] == [("ticket", True)]
    assert service.post_event("todo-created", {"id": 1}, to="team:7")[1]["clients"] == 1

    # Refresh over the open socket: the new ticket's channels replace the old ones, without reconnecting.
    clients.send("a", mint_ticket("1", ["user:1", "doc:3"]))
    wait_until(lambda: len(acks(clients, "a")) == 2, what="the refresh acknowledged")
    assert service.post_event("todo-updated", {"id": 2}, to="team:7")[1]["clients"] == 0
    assert service.post_event("doc-updated", {"id": 3}, to="doc:3")[1]["clients"] == 1
    clients.wait_messages("a", 4)  # two acknowledgements, two events
    assert [e["payload"]["id"] for e in events(clients, "a")] == [1, 3]
    assert clients.closed("a") is None

    # One connection per ticket: the first ticket again, as a first message or in the URL, is refused.
    clients.open("replay", service.ws_url)
    clients.send("replay", first)
    assert clients.wait_closed("replay")["code"] == 4401 and clients.closed("replay")["reason"] == "ticket already used"
    assert clients.attempt("replay-url", service.ws_url_with(first))["ev"] in ("open", "close")
    assert clients.wait_closed("replay-url")["code"] == 4401

    # A connection lives as long as its ticket: this one expired the clock skew (5 s) ago, so it is accepted
    # and closed at once with 4408 unless refreshed.
    clients.open("expiring", service.ws_url)
    clients.send("expiring", mint_ticket("2", ["user:2"], iat=int(time.time()) - 35, ttl=30))
    assert clients.wait_closed("expiring", timeout=5)["code"] == 4408
    assert clients.closed("expiring")["reason"] == "ticket expired"
    assert clients.closed("a") is None
    assert service.alive()


def _two_replicas_with_redis(start_service, redis_server):
    """One Bun and one Node replica sharing a real redis-server, both with Redis ready, encrypting events."""
    env = {"REDIS_URL": redis_server.url, "WS_PUBLIC": "false", "WS_REDIS_ENCRYPT": "true"}
    replicas = (start_service("bun", **env), start_service("node22", **env))
    for service in replicas:
        wait_until(lambda s=service: s.get("/ready")[1]["redis"] == "ready", what=f"{service.runtime} redis ready")
    return replicas


def test_tickets_are_used_once_across_replicas_and_revoke_closes_a_user_everywhere(
    start_service, clients, redis_server
):
    bun, node = _two_replicas_with_redis(start_service, redis_server)
    # A ticket used on one replica is refused on the other (the nonce is shared through Redis).
    for first, second in ((bun, node), (node, bun)):
        ticket = mint_ticket("9", ["user:9"])
        clients.open(f"{first.runtime}-once", first.ws_url)
        clients.send(f"{first.runtime}-once", ticket)
        wait_until(lambda c=f"{first.runtime}-once": acks(clients, c), what="the ticket accepted")
        clients.open(f"{second.runtime}-again", second.ws_url)
        clients.send(f"{second.runtime}-again", ticket)
        assert clients.wait_closed(f"{second.runtime}-again")["code"] == 4401

    # Events cross replicas encrypted: whoever subscribes to Redis sees the channels, not the payload.
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=5) as spy:
        spy.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$19\r\nafc:realtime:events\r\n")
        spy.recv(4096)  # the subscription's confirmation
        # user:9 has a socket on each replica: Node's own, and Bun's through Redis.
        assert node.post_event("todo-created", {"secret": "spied-upon"}, to="user:9")[1]["clients"] == 1
        wait_until(lambda: events(clients, "bun-once"), what="the event delivered through Redis")
        assert events(clients, "bun-once") == [{"type": "todo:created", "payload": {"secret": "spied-upon"}}]
        seen = b""
        spy.settimeout(2)
        while b"user:9" not in seen:
            seen += spy.recv(65536)
    assert b"afc2\n" in seen and b"spied-upon" not in seen and b"todo:created" not in seen

    # User 42 on both replicas (two tabs on one), user 7 on both.
    users = (("b42", bun, "42"), ("b42-2", bun, "42"), ("n42", node, "42"), ("b7", bun, "7"), ("n7", node, "7"))
    for cid, replica, sub in users:
        clients.open(cid, replica.ws_url)
        clients.send(cid, mint_ticket(sub, [f"user:{sub}", "team:1"]))
        wait_until(lambda c=cid: acks(clients, c), what=f"{cid} joined")

    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    # revoke needs `to`, and a secret like any event.
    assert http_request("POST", f"{node.base}/events/revoke", b"{}", headers)[0] == 400
    revoke_42 = f"{node.base}/events/revoke?{urllib.parse.urlencode({'to': 'user:42'})}"
    assert http_request("POST", revoke_42, b"{}", {"Content-Type": "application/json"})[0] == 401
    started = time.monotonic()
    status, body = http_request("POST", revoke_42, b"{}", headers)
    assert (status, json.loads(body)) == (202, {"revoked": 1})
    for cid in ("b42", "b42-2", "n42"):
        assert clients.wait_closed(cid, timeout=2)["code"] == 4409, cid
    assert time.monotonic() - started < 1.0
    # Everyone else keeps their sockets and their events.
    assert bun.post_event("team-updated", {"id": 1}, to="team:1")[1]["clients"] == 1
    for cid in ("b7", "n7"):
        wait_until(lambda c=cid: events(clients, c), what=f"{cid} still served")
        assert clients.closed(cid) is None
