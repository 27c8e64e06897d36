"""The rendered ws service, run for real under Bun and Node and driven by real WebSocket clients."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from .conftest import ORIGIN, RUNTIMES, SECRET, STRONG_SECRET, wait_until

pytestmark = pytest.mark.node


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_broadcast_reaches_every_client(runtime, start_service, clients):
    service = start_service(runtime)
    for cid in ("a", "b", "c"):
        clients.open(cid, service.ws_url)
    wait_until(lambda: service.get("/health")[1]["clients"] == 3, what="3 clients registered")

    assert service.post_event("todo-created", {"id": 1, "title": "milk"}) == (
        202,
        {"type": "todo:created", "clients": 3},
    )
    assert service.post_event("user-profile-updated", {"id": 2})[0] == 202

    for cid in ("a", "b", "c"):
        assert clients.wait_messages(cid, 2) == [
            {"type": "todo:created", "payload": {"id": 1, "title": "milk"}},
            {"type": "user-profile:updated", "payload": {"id": 2}},
        ]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_refused_requests_broadcast_nothing(runtime, start_service, clients):
    service = start_service(runtime)
    clients.open("a", service.ws_url)

    assert service.post_event("todo-created", {"id": 1}, token=None)[0] == 401
    assert service.post_event("todo-created", {"id": 1}, token="wrong-secret")[0] == 401
    assert service.post_event("todo-created", {"id": 1}, token=SECRET + "x")[0] == 401
    assert service.post_event("todo-created", raw=json.dumps({"blob": "x" * 70_000}).encode())[0] == 413
    assert service.post_event("todo-created", raw=b'{"id": 1')[0] == 400
    assert service.post_event("todo-created", raw=b"")[0] == 400
    for bad_name in ("todo", "Todo-created", "todo_created", "todo--created", "-todo"):
        assert service.post_event(bad_name, {"id": 1})[0] == 400, bad_name
    # One name limit everywhere: 100 characters pass the router and the check; 101 stop at the router (414).
    longest = "a" * 97 + "-bc"
    assert len(longest) == 100 and service.post_event(longest, {"id": 1})[0] == 202
    assert service.post_event("a" + longest, {"id": 1})[0] == 414

    # A foreign Origin never gets upgraded; an allowed one and a non-browser client (no Origin) do.
    assert service.upgrade_status("http://evil.test") == 403
    assert service.upgrade_status(ORIGIN + ".evil.test") == 403
    assert service.upgrade_status(ORIGIN) == 101
    assert service.upgrade_status(None) == 101

    # The first messages the client ever sees are the accepted events.
    assert service.post_event("todo-deleted", {"id": 9}, content_type="text/plain")[0] == 202
    assert clients.wait_messages("a", 2) == [
        {"type": "a" * 97 + ":bc", "payload": {"id": 1}},
        {"type": "todo:deleted", "payload": {"id": 9}},
    ]
    assert service.alive()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_without_secret_only_loopback_may_post(runtime, start_service, clients):
    service = start_service(runtime, WS_EVENTS_SECRET=None)
    clients.open("a", service.ws_url)
    assert service.post_event("todo-created", {"id": 1}, token=None)[0] == 202
    assert clients.wait_messages("a", 1) == [{"type": "todo:created", "payload": {"id": 1}}]
    assert "WS_EVENTS_SECRET is not set" in service.log()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_slow_client_is_dropped_and_memory_stays_bounded(runtime, start_service, clients):
    service = start_service(runtime, WS_MAX_BUFFERED_BYTES=str(256 * 1024))
    clients.open("fast", service.ws_url)
    clients.open("slow", service.ws_url)
    clients.pause("slow")
    rss_before = service.rss_kib()

    # ~120 MiB of events: far more than kernel socket buffers plus the cap, so an uncapped server would hold it.
    count, size = 2000, 60_000
    statuses = clients.burst(f"{service.base}/events/blob-sent", count=count, size=size)
    assert statuses == {"202": count}

    wait_until(lambda: service.get("/health")[1]["clients"] == 1, what="the slow client to be dropped")
    assert clients.wait_messages("fast", count, timeout=60)
    growth_mib = (service.rss_kib() - rss_before) / 1024
    assert growth_mib < 80, f"server RSS grew by {growth_mib:.0f} MiB while a client was not reading"
    assert "backpressure" in service.log()

    clients.resume("slow")
    clients.wait_closed("slow")
    assert clients.message_count("slow") < count


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_heartbeat_terminates_a_silent_client(runtime, start_service, clients):
    service = start_service(runtime, WS_HEARTBEAT_MS="150")
    clients.open("silent", service.ws_url, auto_pong=False)
    clients.open("lively", service.ws_url)
    started = time.monotonic()
    clients.wait_closed("silent", timeout=5)
    assert time.monotonic() - started < 3
    wait_until(lambda: service.get("/health")[1]["clients"] == 1, what="only the lively client left")
    # The client that answers pings survives several intervals and still receives events.
    time.sleep(0.6)
    assert clients.closed("lively") is None
    assert service.post_event("todo-created", {"id": 1})[0] == 202
    assert clients.wait_messages("lively", 1) == [{"type": "todo:created", "payload": {"id": 1}}]


def _raw_ws_connect(port: int) -> socket.socket:
    """A hand-made WebSocket client that will never answer anything (not even the close frame)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {ORIGIN}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1024)
        assert chunk, "connection closed during handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sigterm_closes_clients_with_1001_and_exits_in_time(runtime, start_service, clients):
    deadline_s = 3.0
    service = start_service(runtime, WS_SHUTDOWN_TIMEOUT_MS=str(int(deadline_s * 1000)))
    clients.open("a", service.ws_url)
    clients.open("b", service.ws_url)
    stubborn = _raw_ws_connect(service.port)
    wait_until(lambda: service.get("/health")[1]["clients"] == 3, what="3 clients registered")

    started = time.monotonic()
    service.proc.send_signal(signal.SIGTERM)
    for cid in ("a", "b"):
        assert clients.wait_closed(cid, timeout=deadline_s)["code"] == 1001
    returncode = service.proc.wait(timeout=deadline_s + 2)
    elapsed = time.monotonic() - started
    assert elapsed < deadline_s + 0.5, f"took {elapsed:.1f}s"
    assert returncode == 0, service.log()

    # The stubborn client was sent a close frame with 1001 too, although it never answered.
    data = b""
    stubborn.settimeout(2)
    try:
        while chunk := stubborn.recv(4096):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    stubborn.close()
    assert data[:1] == b"\x88", data[:8]
    assert int.from_bytes(data[2:4], "big") == 1001


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("missing", ["WS_EVENTS_SECRET", "WS_ALLOWED_ORIGINS"])
def test_production_refuses_to_start_without_secret_or_origins(runtime, missing, start_service):
    env = {"NODE_ENV": "production", "WS_EVENTS_SECRET": STRONG_SECRET, missing: None}
    service = start_service(runtime, wait=False, **env)
    returncode = service.proc.wait(timeout=20)
    assert returncode != 0
    log = service.log()
    assert "refusing to start" in log and missing in log, log


def _exactly(clients, cid, expected, sentinel_type):
    """Waits for the sentinel, then checks everything before it: no duplicates, nothing missing."""
    clients.wait_event(
        lambda e: e["ev"] == "message" and e["id"] == cid and sentinel_type in e.get("data", ""),
        what=f"sentinel on {cid}",
    )
    got = [m for m in clients.messages(cid) if m["type"] != sentinel_type]
    assert got == expected, cid


def _two_ready_replicas(start_service, redis_server):
    """One Bun and one Node replica sharing a real redis-server, both reporting ready."""
    replicas = start_service("bun", REDIS_URL=redis_server.url), start_service("node22", REDIS_URL=redis_server.url)
    for service in replicas:
        wait_until(lambda s=service: s.get("/ready")[0] == 200, what=f"{service.runtime} ready")
    return replicas


def test_two_replicas_with_redis_deliver_exactly_once(start_service, clients, redis_server):
    a, b = _two_ready_replicas(start_service, redis_server)
    clients.open("a1", a.ws_url)
    clients.open("a2", a.ws_url)
    clients.open("b1", b.ws_url)

    assert a.post_event("todo-created", {"id": 1})[0] == 202
    assert b.post_event("todo-updated", {"id": 1, "done": True})[0] == 202
    assert a.post_event("sync-done", {"n": 1})[0] == 202  # sentinel, posted last on the same path as the first
    assert b.post_event("sync-done", {"n": 2})[0] == 202
    expected = [
        {"type": "todo:created", "payload": {"id": 1}},
        {"type": "todo:updated", "payload": {"id": 1, "done": True}},
    ]
    for cid in ("a1", "a2", "b1"):
        clients.wait_messages(cid, 4)
        _exactly(clients, cid, expected, "sync:done")
        assert len(clients.messages(cid)) == 4, clients.messages(cid)


def test_redis_outage_keeps_local_delivery_and_recovers(start_service, clients, redis_server):
    a, b = _two_ready_replicas(start_service, redis_server)
    clients.open("a1", a.ws_url)
    clients.open("b1", b.ws_url)
    assert a.post_event("todo-created", {"id": 1})[0] == 202
    clients.wait_messages("b1", 1)

    redis_server.stop()
    outage = time.monotonic()
    # Still ready (local delivery works), flagged as degraded: see README "Readiness during a Redis outage".
    for service in (a, b):
        wait_until(
            lambda s=service: s.get("/ready") == (200, {"ready": True, "redis": "unavailable", "degraded": True}),
            what=f"{service.runtime} degraded during the outage",
        )
    # Local delivery goes on during the outage.
    assert a.post_event("todo-created", {"id": 2})[0] == 202
    assert b.post_event("todo-created", {"id": 3})[0] == 202
    assert clients.wait_messages("a1", 2)[-1] == {"type": "todo:created", "payload": {"id": 2}}
    assert clients.wait_messages("b1", 2)[-1] == {"type": "todo:created", "payload": {"id": 3}}
    assert a.alive() and b.alive()

    # Reconnect attempts fail every 100 ms..2 s; the error is logged once per role per 30 s, not per attempt.
    wait_until(lambda: time.monotonic() - outage > 3, timeout=5, what="a few reconnect attempts")
    for service in (a, b):
        errors = [line for line in service.log().splitlines() if "redis connection error" in line]
        assert 1 <= len(errors) <= 2, errors

    redis_server.start()
    for service in (a, b):
        wait_until(
            lambda s=service: s.get("/ready") == (200, {"ready": True, "redis": "ready", "degraded": False}),
            timeout=15,
            what=f"{service.runtime} ready again",
        )

    # Cross-replica delivery resumes (the subscription may land a moment after readiness: probe until it does).
    def crossed() -> bool:
        a.post_event("probe-sent", {})
        time.sleep(0.1)
        return any(m["type"] == "probe:sent" for m in clients.messages("b1"))

    wait_until(crossed, timeout=10, interval=0, what="cross-replica delivery after redis returned")
    before_a, before_b = len(clients.messages("a1")), len(clients.messages("b1"))
    assert b.post_event("todo-deleted", {"id": 1})[0] == 202
    assert b.post_event("sync-done", {})[0] == 202
    for cid, before in (("a1", before_a), ("b1", before_b)):
        clients.wait_messages(cid, before + 2)
        tail = clients.messages(cid)[before:]
        assert [m for m in tail if m["type"] != "probe:sent"] == [
            {"type": "todo:deleted", "payload": {"id": 1}},
            {"type": "sync:done", "payload": {}},
        ], (cid, tail)
    assert a.alive() and b.alive()


def test_rendered_service_typechecks(ws_dir, npm):
    result = subprocess.run(
        [npm, "run", "--silent", "typecheck"], cwd=ws_dir, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", ["test", "test:node"])
def test_rendered_service_own_tests_pass(ws_dir, npm, bun, node, script):
    env = {**os.environ, "PATH": f"{os.path.dirname(bun)}:{os.path.dirname(node)}:{os.environ['PATH']}"}
    for key in [k for k in env if k.startswith("WS_") or k in ("PORT", "REDIS_URL", "NODE_ENV")]:
        del env[key]
    result = subprocess.run([npm, "run", script], cwd=ws_dir, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
