"""A service that says what is wrong, as a developer running it sees it, on Bun and on Node: in development
readable lines (one a request, no JSON), in production JSON; the example placeholder secret warned about in
development (production refuses it: test_limits.py); a taken port named with WS_PORT and afc's --port."""

from __future__ import annotations

import json

import pytest

from tests.service.conftest import STRONG_SECRET, wait_until

RUNTIMES = ("bun", "node22")
PLACEHOLDER = "change-me-to-a-long-random-string"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_development_speaks_plainly_and_a_taken_port_says_how_to_move(runtime, start_service):
    # as `bun run dev` runs it: no NODE_ENV, no LOG_FORMAT, the example's .env copied as it is
    service = start_service(runtime, LOG_FORMAT=None, LOG_LEVEL="info", WS_EVENTS_SECRET=PLACEHOLDER)
    assert service.post_event("todo-created", {"id": 1}, token=PLACEHOLDER)[0] == 202
    wait_until(lambda: "/events/todo-created" in service.log(), what="the request's line")
    lines = service.log().splitlines()
    assert lines and not any(line.lstrip().startswith("{") for line in lines), lines  # no JSON
    assert [line for line in lines if "/events/todo-created" in line] == [
        next(line for line in lines if line.endswith(" POST /events/todo-created"))
    ]  # one short line for the request
    assert not any("request completed" in line for line in lines)
    assert any(
        "WARN  WS_EVENTS_SECRET is still the example placeholder: fine on this machine, refused when "
        "NODE_ENV=production" in line
        for line in lines
    ), lines

    taken = start_service(runtime, wait=False, LOG_FORMAT=None, WS_PORT=str(service.port))
    assert taken.proc.wait(timeout=30) == 1
    log = taken.log()
    assert f"port {service.port} is already in use" in log
    assert "WS_PORT" in log and "`afc add websocket --port N`" in log
    assert "    at " not in log and "{" not in log, log  # a sentence, not a stack in JSON


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_production_logs_json_and_a_real_secret_is_not_warned_about(runtime, start_service):
    service = start_service(
        runtime, LOG_FORMAT=None, LOG_LEVEL="info", NODE_ENV="production", WS_EVENTS_SECRET=STRONG_SECRET
    )
    assert service.post_event("todo-created", {"id": 1}, token=STRONG_SECRET)[0] == 202
    wait_until(lambda: "/events/todo-created" in service.log(), what="the request's line")
    records = [json.loads(line) for line in service.log().splitlines() if line.strip()]
    assert any(r.get("req", {}).get("url") == "/events/todo-created" for r in records)
    assert not any("placeholder" in json.dumps(r) for r in records)
