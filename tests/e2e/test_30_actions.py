"""examples/actions-app, the shape of many current apps: a Server Action writes through Drizzle, a Server
Component page lists the rows, no client state and no API route. After `afc add websocket`, a message posted
in page A shows in page B through B's `<RealtimeRefresh>` (an event over B's WebSocket, then
`router.refresh()`), with no reload; `afc remove websocket` gives back every byte.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.e2e_support import ACTIONS_EXAMPLE, ARTIFACTS, Project, Service, wait_for
from tests.e2e.test_20_remove import source_files

pytestmark = pytest.mark.e2e

# router.refresh() renders the page on the server again: allow more than the list page's one second
PROPAGATION_S = 3.0


@dataclass
class Guestbook:
    project: Project
    web: Service
    ws: Service
    a: Any
    b: Any
    frames_b: list[str]
    console: list[str]


@pytest.fixture(scope="module")
def guestbook(actions_project: Project, browser: Any) -> Iterator[Guestbook]:
    web, ws = actions_project.web_service(), actions_project.ws_service()
    contexts: list[Any] = []
    console: list[str] = []
    frames_b: list[str] = []
    try:
        ws.start()
        web.start(timeout=90)
        opened = []
        for name in "AB":
            context = browser.new_context(viewport={"width": 800, "height": 600})
            contexts.append(context)
            page = context.new_page()
            page.on("console", lambda msg, name=name: console.append(f"[{name}] {msg.type}: {msg.text}"))
            page.on("pageerror", lambda err, name=name: console.append(f"[{name}] pageerror: {err}"))
            if name == "B":
                page.on("websocket", lambda sock: sock.on("framereceived", lambda f: frames_b.append(str(f))))
            page.goto(actions_project.web_url)
            page.get_by_role("button", name="Post").wait_for()
            opened.append(page)
        a, b = opened
        b.evaluate("window.__afcE2eMarker = 'no-reload'")
        yield Guestbook(actions_project, web, ws, a, b, frames_b, console)
    finally:
        (ARTIFACTS / "actions-browser-console.log").write_text("\n".join(console) + "\n")
        for context in contexts:
            context.close()
        web.stop()
        ws.stop()


def message_in(page: Any, body: str) -> Any:
    return page.get_by_test_id("messages").get_by_text(body, exact=True)


def post_in(page: Any, body: str) -> None:
    """Post through the page's `<form action={postMessage}>` (a Server Action) and wait until A lists it."""
    page.get_by_label("Message").fill(body)
    page.get_by_role("button", name="Post").click()
    message_in(page, body).wait_for(timeout=15_000)


def test_the_plan_sends_messages_to_everyone_because_the_page_shows_them_to_anyone(actions_project: Project) -> None:
    plan = json.loads((actions_project.root.parent / "actions_plan.json").read_text())
    [sent] = plan["broadcasts"]
    assert sent["handler"] == "action postMessage" and sent["event"] == "message-created", sent
    assert sent["wired"] and sent["to"] == "public", sent
    assert sent["reason"] == "page / (apps/web/src/app/page.tsx:1) serves `messages` rows to anyone signed out", sent
    changed = {c["path"]: c["action"] for c in plan["changes"]}
    assert changed["apps/web/src/app/page.tsx"] == "update"
    assert changed["apps/web/src/lib/realtime/realtime-refresh.tsx"] == "create"
    page = (actions_project.web / "src/app/page.tsx").read_text()
    assert '            <RealtimeRefresh events={["message-created"]} />\n            <h1>Guestbook</h1>' in page
    assert 'import { RealtimeRefresh } from "@/lib/realtime/realtime-refresh";\n' in page


def test_a_message_posted_in_a_appears_in_b_through_router_refresh(guestbook: Guestbook) -> None:
    # Warm-up: B's socket is up, the action, the pool and the page render are warm; generous timeout.
    warm = f"warm-up {uuid.uuid4().hex[:8]}"
    post_in(guestbook.a, warm)
    message_in(guestbook.b, warm).wait_for(timeout=15_000)

    body = f"Hello from A {uuid.uuid4().hex[:8]}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    guestbook.b.screenshot(path=str(ARTIFACTS / "actions-page-b-before.png"))
    assert message_in(guestbook.b, body).count() == 0
    post_in(guestbook.a, body)
    shown = time.monotonic()
    try:
        message_in(guestbook.b, body).wait_for(timeout=PROPAGATION_S * 1000)
    except Exception as err:  # noqa: BLE001
        pytest.fail(f"page B did not show {body!r} within {PROPAGATION_S}s of page A: {err}")
    seen_after = time.monotonic() - shown
    guestbook.b.screenshot(path=str(ARTIFACTS / "actions-page-b-after.png"))
    assert seen_after < PROPAGATION_S
    assert guestbook.b.evaluate("window.__afcE2eMarker") == "no-reload", "page B was reloaded"
    # The event came over B's WebSocket (the row is in the frame; B re-read the list from the server).
    pushed = [frame for frame in guestbook.frames_b if body in frame]
    assert pushed and '"message:created"' in pushed[0], guestbook.frames_b[-5:]
    wait_for(lambda: message_in(guestbook.b, body).count() == 1, 2, "page B to list the message exactly once")


def test_remove_gives_back_every_byte(guestbook: Guestbook) -> None:
    guestbook.web.stop()
    guestbook.ws.stop()
    project = guestbook.project
    project.afc("remove", "websocket")
    assert not project.ws.exists(), "apps/ws is still there after afc remove"
    before, after = source_files(ACTIONS_EXAMPLE), source_files(project.root)
    assert sorted(after) == sorted(before), "files added or lost by add + remove"
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"files that add + remove did not restore: {changed}"
