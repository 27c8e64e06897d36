"""Limits and hostile input (issue 11), hit and held live on Bun, Node 22 and Node 24."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import time
from pathlib import Path

import pytest

from .conftest import RUNTIMES, SECRET, STRONG_SECRET, wait_until

pytestmark = pytest.mark.node


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_connection_caps_refuse_before_the_upgrade(runtime, start_service, clients):
    per_address = start_service(runtime, WS_MAX_CONNECTIONS_PER_ADDRESS="2")
    clients.open("a1", per_address.ws_url)
    clients.open("a2", per_address.ws_url)
    assert clients.attempt("a3", per_address.ws_url) == {"ev": "unexpected", "id": "a3", "status": 429}
    clients.close("a1")
    clients.wait_closed("a1")
    # The slot is given back when a socket closes.
    wait_until(lambda: per_address.upgrade_status(None) == 101, what="a slot to free up")

    total = start_service(runtime, WS_MAX_CONNECTIONS="2")
    clients.open("b1", total.ws_url)
    clients.open("b2", total.ws_url)
    assert clients.attempt("b3", total.ws_url) == {"ev": "unexpected", "id": "b3", "status": 503}
    # Plain HTTP still answers while the socket cap is reached.
    assert total.get("/health") == (200, {"status": "ok", "clients": 2})
    assert total.post_event("todo-created", {"id": 1})[1]["clients"] == 2


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_default_cap_stays_under_the_open_file_limit(runtime, start_service, clients):
    # With `ulimit -n 200` and no WS_MAX_CONNECTIONS, the cap is 200 - 64 = 136: idle sockets beyond it are
    # refused with 503 instead of exhausting the process's files, and HTTP keeps answering.
    service = start_service(runtime, open_files=200, WS_MAX_CONNECTIONS_PER_ADDRESS="1000")
    outcomes = [clients.attempt(f"c{i}", service.ws_url)["ev"] for i in range(140)]
    assert outcomes.count("open") == 136, outcomes
    assert all(clients._find(lambda e, i=i: e.get("id") == f"c{i}" and e.get("status") == 503) for i in range(136, 140))
    started = time.monotonic()
    assert service.get("/health") == (200, {"status": "ok", "clients": 136})
    assert service.post_event("todo-created", {"id": 1}) == (202, {"type": "todo:created", "clients": 136})
    assert time.monotonic() - started < 2
    assert service.alive()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_total_backlog_is_capped(runtime, start_service, clients):
    # Per-client cap out of reach: only the total cap (1 MiB) can drop anyone.
    service = start_service(
        runtime, WS_MAX_BUFFERED_BYTES=str(512 * 1024 * 1024), WS_MAX_TOTAL_BUFFERED_BYTES=str(1024 * 1024)
    )
    clients.open("fast", service.ws_url)
    clients.open("slow", service.ws_url)
    clients.pause("slow")
    count = 400
    assert clients.burst(f"{service.base}/events/blob-sent", count=count, size=60_000) == {"202": count}
    wait_until(lambda: service.get("/health")[1]["clients"] == 1, what="the slow client to be dropped")
    assert clients.wait_messages("fast", count, timeout=60)
    assert "total backlog over WS_MAX_TOTAL_BUFFERED_BYTES" in service.log()


def _trickle(port: int, stop_after: float) -> tuple[float, bytes]:
    """Sends a POST whose body never completes, one byte every 50 ms; returns (seconds until the server
    answered or closed, what it answered)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /events/todo-created HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + SECRET.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    sock.settimeout(0.05)
    started = time.monotonic()
    received = b""
    try:
        while time.monotonic() - started < stop_after:
            try:
                sock.sendall(b" ")
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            received += chunk
    finally:
        sock.close()
    return time.monotonic() - started, received


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_trickled_body_is_cut_off_at_the_request_timeout(runtime, start_service, clients):
    service = start_service(runtime, WS_REQUEST_TIMEOUT_MS="1000")
    clients.open("idle", service.ws_url)
    opened = time.monotonic()
    elapsed, answer = _trickle(service.port, stop_after=6)
    assert elapsed < 3, f"the trickled request held its socket for {elapsed:.1f}s"
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert b'{"error":"request timed out"}' in answer, answer
    wait_until(lambda: "request timed out" in service.log(), what="the timeout in the log")
    # The HTTP deadlines (request 1 s, idle socket 2 s) never apply to an upgraded, idle WebSocket.
    wait_until(lambda: time.monotonic() - opened > 2.5, timeout=5, what="past the idle-socket timeout")
    assert service.post_event("todo-created", {"id": 1})[1]["clients"] == 1
    assert clients.wait_messages("idle", 1) == [{"type": "todo:created", "payload": {"id": 1}}]
    assert clients.closed("idle") is None
    assert service.alive()


def _raw_answer(port: int, request: bytes, timeout: float = 5) -> bytes:
    """Sends `request` as it is; returns everything the server wrote before it closed the connection."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    received = b""
    try:
        sock.sendall(request)
        while chunk := sock.recv(4096):
            received += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        sock.close()
    return received


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_broken_request_is_answered_and_its_connection_closed(runtime, start_service):
    service = start_service(runtime, WS_REQUEST_TIMEOUT_MS="1000")
    # recv() returning b"" above is the server closing the connection; a server that kept it would time out.
    broken = _raw_answer(service.port, b"NOT HTTP AT ALL\r\n\r\n")
    assert broken.startswith(b"HTTP/1.1 400"), (runtime, broken)
    huge = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * 70_000 + b"\r\n\r\n"
    overflow = _raw_answer(service.port, huge)
    assert overflow.startswith(b"HTTP/1.1 431"), (runtime, overflow)
    if runtime != "bun":  # the service's own answers (Bun.serve answers these itself, with no body)
        assert broken.endswith(b'Connection: close\r\n\r\n{"error":"Bad Request"}'), broken
        assert overflow.endswith(b'Connection: close\r\n\r\n{"error":"Request Header Fields Too Large"}'), overflow
    assert service.get("/health")[0] == 200


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_headers_that_never_end_do_not_hold_a_socket(runtime, start_service):
    service = start_service(runtime, WS_REQUEST_TIMEOUT_MS="1000")
    started = time.monotonic()
    answer = _raw_answer(service.port, b"GET /health HTTP/1.1\r\nHost: x\r\n", timeout=20)
    elapsed = time.monotonic() - started
    if runtime == "bun":
        # Bun.serve's own limit for a request's headers (about 10 s, in steps): closed, nothing answered.
        assert answer == b"" and elapsed < 15, (elapsed, answer[:80])
    else:
        # Node: WS_REQUEST_TIMEOUT_MS covers the headers too, checked natively (connectionsCheckingInterval).
        assert answer.startswith(b"HTTP/1.1 408") and elapsed < 3, (elapsed, answer[:80])
    assert service.get("/health")[0] == 200


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_connection_that_never_sends_is_closed_without_a_word(runtime, start_service):
    service = start_service(runtime, WS_REQUEST_TIMEOUT_MS="1000")
    started = time.monotonic()
    assert _raw_answer(service.port, b"", timeout=20) == b""
    # Node: at the request deadline, silently (nothing was asked); Bun.serve: its own idle timeout.
    assert time.monotonic() - started < (15 if runtime == "bun" else 3)
    assert "request timed out" not in service.log()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_deadline_is_each_requests_not_the_connections(runtime, start_service):
    service = start_service(runtime, WS_REQUEST_TIMEOUT_MS="1000")
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=5)
    try:
        for _ in range(4):  # 4 requests 0.6 s apart: 2.4 s on one keep-alive connection, each well in time
            conn.request("GET", "/ready")
            response = conn.getresponse()
            assert response.status == 200, response.read()
            response.read()
            time.sleep(0.6)
    finally:
        conn.close()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_trickled_body_does_not_hold_sigterm(runtime, start_service):
    # Request timeout (30 s) and shutdown deadline (10 s) both far away: shutdown itself must cut it off.
    service = start_service(runtime, WS_REQUEST_TIMEOUT_MS="30000", WS_SHUTDOWN_TIMEOUT_MS="10000", LOG_LEVEL="info")
    sock = socket.create_connection(("127.0.0.1", service.port), timeout=5)
    sock.sendall(
        b"POST /events/todo-created HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + SECRET.encode()
        + b"\r\nContent-Length: 1000\r\n\r\n{"
    )
    wait_until(lambda: "/events/todo-created" in service.log(), what="the server to take the request")
    started = time.monotonic()
    service.proc.send_signal(signal.SIGTERM)
    returncode = service.proc.wait(timeout=10)
    elapsed = time.monotonic() - started
    sock.close()
    assert returncode == 0, service.log()
    assert elapsed < 3, f"SIGTERM took {elapsed:.1f}s with a trickled body open"


def _post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "POST", "/events/todo-created", body=body, headers={"Authorization": f"Bearer {SECRET}", **headers}
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_hostile_bodies_get_clean_4xx(runtime, start_service, clients):
    service = start_service(runtime)
    clients.open("a", service.ws_url)
    json_type = {"Content-Type": "application/json"}
    # A 5 MB body: an ordinary client that sends everything before reading gets a readable 413, not EPIPE.
    status, body = _post(service.port, b'"' + b"x" * 5_000_000 + b'"', json_type)
    assert status == 413 and "larger than 65536" in str(body["error"])
    # Prototype poisoning, as Fastify's own JSON parser refuses it.
    assert _post(service.port, b'{"__proto__": {"admin": true}}', json_type)[0] == 400
    assert _post(service.port, b'{"constructor": {"prototype": {"admin": true}}}', json_type)[0] == 400
    # Deep nesting: 400, not 500 (and the process survives).
    status, body = _post(service.port, b"[" * 5000 + b"]" * 5000, json_type)
    assert status == 400 and "deeper than 64" in str(body["message"])
    assert _post(service.port, b"[" * 64 + b"]" * 64, json_type)[0] == 202
    # Strings that merely look hostile are data.
    assert _post(service.port, b'{"text": "__proto__ [[[[[[[[[["}', {"Content-Type": "text/plain"})[0] == 202
    assert clients.wait_messages("a", 2) == [
        {"type": "todo:created", "payload": json.loads("[" * 64 + "]" * 64)},
        {"type": "todo:created", "payload": {"text": "__proto__ [[[[[[[[[["}},
    ]
    assert service.alive()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_browser_posts_to_events_are_refused_in_development(runtime, start_service, clients):
    service = start_service(runtime, WS_EVENTS_SECRET=None)  # development: loopback callers, no secret
    clients.open("a", service.ws_url)
    text = {"Content-Type": "text/plain"}
    # What a hostile page's fetch/form sends cross-site: refused whatever else it carries.
    assert (
        service.post_event("todo-deleted", {"id": 1}, token=None, headers={**text, "Origin": "https://evil.test"})[0]
        == 403
    )
    assert service.post_event("todo-deleted", {"id": 1}, token=None, headers={"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert service.post_event("todo-deleted", {"id": 1}, token=None, headers={"Origin": "null"})[0] == 403
    # The web app's server-side fetch carries neither.
    assert service.post_event("todo-created", {"id": 2}, token=None)[0] == 202
    assert clients.wait_messages("a", 1) == [{"type": "todo:created", "payload": {"id": 2}}]


def _listening_addresses(port: int) -> set[str]:
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add("0.0.0.0" if address == "0" * width else address)
    return found


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_development_binds_loopback_by_default(runtime, start_service):
    service = start_service(runtime, WS_HOST=None)
    assert _listening_addresses(service.port) == {"0100007F"}  # 127.0.0.1 only


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"NODE_ENV": "Production", "WS_EVENTS_SECRET": "short-secret"}, "shorter than 32 bytes"),
        ({"NODE_ENV": "PRODUCTION", "WS_EVENTS_SECRET": "change-me-to-a-long-random-string"}, "placeholder"),
        ({"NODE_ENV": "production", "WS_TICKET_SECRET": "short"}, "WS_TICKET_SECRET is shorter"),
        ({"WS_EVENTS_SECRET": "two words"}, "WS_EVENTS_SECRET contains whitespace"),
        ({"REDIS_URL": "redis://127.0.0.1:1", "WS_EVENTS_SECRET": None}, "REDIS_URL needs WS_EVENTS_SECRET"),
        ({"NODE_ENV": "production", "WS_EVENTS_SECRET": "a" * 32}, "WS_EVENTS_SECRET does not look random"),
        ({"NODE_ENV": "production", "WS_EVENTS_SECRET": "CHANGE-ME-TO-A-LONG-RANDOM-STRING"}, "placeholder"),
        ({"NODE_ENV": "production", "WS_METRICS_TOKEN": "ab" * 20}, "WS_METRICS_TOKEN does not look random"),
        ({"NODE_ENV": "prod"}, 'NODE_ENV must be one of development, production, test, got "prod"'),
        ({"NODE_ENV": "staging"}, 'NODE_ENV must be one of development, production, test, got "staging"'),
    ],
    ids=[
        "short",
        "placeholder",
        "short-ticket-secret",
        "spaces",
        "redis-unsigned",
        "32a",
        "placeholder-upper",
        "weak-metrics-token",
        "prod",
        "staging",
    ],
)
def test_configuration_refusals(runtime, env, reason, start_service):
    # A strong secret (as `openssl rand -hex 32` prints one), so that only `env` can be the reason.
    full = {"WS_EVENTS_SECRET": STRONG_SECRET, **env}
    service = start_service(runtime, wait=False, **full)
    assert service.proc.wait(timeout=20) != 0
    log = service.log()
    assert "refusing to start" in log and reason in log, log
