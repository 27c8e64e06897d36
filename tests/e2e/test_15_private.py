"""Private by default, seen from the browser: two users who sign up through the example's own page (Auth.js
signs them in), each in their own Chromium context, and a visitor who is not signed in. A note goes live to
its writer's page and to nobody else's socket; a shared todo reaches all three. The pages never reload."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.e2e_support import ARTIFACTS, Project, Service, as_text, pump_until

pytestmark = pytest.mark.e2e

LIVE_S = 5.0  # a note or todo must reach the pages that may see it within this long


@dataclass
class Visitor:
    name: str
    context: Any
    page: Any
    frames: list[str] = field(default_factory=list)  # text frames this page's WebSockets received
    log: list[str] = field(default_factory=list)  # the page's console and its sockets' comings and goings

    def messages(self, kind: str) -> list[dict[str, Any]]:
        found = []
        for frame in self.frames:
            try:
                message = json.loads(frame)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("type") == kind:
                found.append(message)
        return found


@pytest.fixture(scope="module")
def stack(project: Project) -> Iterator[tuple[Service, Service]]:
    web, ws = project.web_service(), project.ws_service()
    try:
        ws.start()
        web.start(timeout=90)
        yield web, ws
    finally:
        web.stop()
        ws.stop()


@pytest.fixture(scope="module")
def users() -> dict[str, str]:
    """Two new accounts, made through the sign-up page: email -> password."""
    run = uuid.uuid4().hex[:8]
    return {f"alice-{run}@example.test": "alice-password-1", f"bob-{run}@example.test": "bob-password-2"}


def open_page(browser: Any, project: Project, name: str, path: str, login: tuple[str, str] | None) -> Visitor:
    context = browser.new_context(viewport={"width": 800, "height": 600})
    page = context.new_page()
    visitor = Visitor(name, context, page)

    def watch(ws: Any) -> None:
        visitor.log.append(f"socket opened: {ws.url.split('?')[0]}")
        ws.on("framereceived", lambda frame: visitor.frames.append(as_text(frame)))
        ws.on("close", lambda _: visitor.log.append("socket closed"))

    page.on("websocket", watch)
    page.on("console", lambda msg: visitor.log.append(f"{msg.type}: {msg.text}"))
    if login is not None:
        page.goto(f"{project.web_url}/signup")
        page.get_by_test_id("name").fill(name)
        page.get_by_test_id("email").fill(login[0])
        page.get_by_test_id("password").fill(login[1])
        page.get_by_test_id("sign-up").click()
        page.wait_for_url(f"**{path}", timeout=30_000)
        page.get_by_test_id("new-note").wait_for()
    else:
        page.goto(f"{project.web_url}{path}")
        page.get_by_test_id("new-todo").wait_for()
    page.evaluate("window.__afcE2eMarker = 'no-reload'")
    return visitor


@pytest.fixture(scope="module")
def visitors(browser: Any, project: Project, stack: Any, users: dict[str, str]) -> Iterator[dict[str, Visitor]]:
    (alice_email, alice_pw), (bob_email, bob_pw) = users.items()
    opened = {
        "alice": open_page(browser, project, "alice", "/notes", (alice_email, alice_pw)),
        "bob": open_page(browser, project, "bob", "/notes", (bob_email, bob_pw)),
        "anonymous": open_page(browser, project, "anonymous", "/", None),
    }
    try:
        yield opened
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with (ARTIFACTS / "private-browser.log").open("w") as out:
            for visitor in opened.values():
                out.writelines(f"[{visitor.name}] {line}\n" for line in visitor.log)
                out.writelines(f"[{visitor.name}] frame: {frame[:200]}\n" for frame in visitor.frames)
        for visitor in opened.values():
            visitor.page.screenshot(path=str(ARTIFACTS / f"private-{visitor.name}.png"))
            visitor.context.close()


def post_note(visitor: Visitor, project: Project, body: str) -> dict[str, Any]:
    """A note written by this visitor, from another tab of theirs (their cookies, not their page)."""
    response = visitor.context.request.post(f"{project.web_url}/api/notes", data={"body": body})
    assert response.status == 201, response.text()
    note: dict[str, Any] = response.json()
    return note


def note_in(visitor: Visitor, body: str) -> Any:
    return visitor.page.get_by_test_id("note-list").get_by_text(body, exact=True)


def post_todo_and_wait(visitors: dict[str, Visitor], project: Project, timeout: float) -> str:
    """A shared todo, seen arriving on every visitor's socket."""
    title = f"shared {uuid.uuid4().hex[:8]}"
    response = visitors["anonymous"].context.request.post(f"{project.web_url}/api/todos", data={"title": title})
    assert response.status == 201, response.text()
    for visitor in visitors.values():
        pump_until(
            visitor.page,
            lambda v=visitor: any(title in json.dumps(m) for m in v.messages("todo:created")),
            timeout,
            f"the public todo to reach {visitor.name}'s socket",
        )
    return title


def test_a_note_goes_live_to_its_writer_and_to_nobody_else(project: Project, visitors: dict[str, Visitor]) -> None:
    alice, bob, anonymous = visitors["alice"], visitors["bob"], visitors["anonymous"]
    post_todo_and_wait(visitors, project, 20)  # every socket is connected, with its ticket
    for writer, other in ((alice, bob), (bob, alice)):
        body = f"{writer.name}'s secret {uuid.uuid4().hex[:8]}"
        post_note(writer, project, body)
        note_in(writer, body).wait_for(timeout=LIVE_S * 1000)  # live, over the writer's own socket
        assert any(body in json.dumps(m) for m in writer.messages("note:created"))
        assert note_in(other, body).count() == 0

    # A shared todo after the notes: once every socket has it, each has had everything sent before it too.
    title = post_todo_and_wait(visitors, project, LIVE_S)
    anonymous.page.get_by_text(title, exact=True).wait_for(timeout=LIVE_S * 1000)

    # each payload is afc's change (`RealtimeChange`): the kept row, whole
    assert all(m["payload"]["complete"] and m["payload"]["table"] == "notes" for m in alice.messages("note:created"))
    assert all(m["payload"]["row"]["body"].startswith("alice") for m in alice.messages("note:created"))
    assert all(m["payload"]["row"]["body"].startswith("bob") for m in bob.messages("note:created"))
    assert anonymous.messages("note:created") == [], "a visitor who is not signed in received a private note"
    for visitor in visitors.values():
        assert visitor.page.evaluate("window.__afcE2eMarker") == "no-reload", f"{visitor.name}'s page reloaded"


def open_second_tab(visitor: Visitor, project: Project) -> Visitor:
    """Another tab of the same signed-in browser, on the notes page, its socket frames recorded."""
    page = visitor.context.new_page()
    tab = Visitor(f"{visitor.name}-tab-2", visitor.context, page)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: tab.frames.append(as_text(frame))))
    page.goto(f"{project.web_url}/notes")
    page.get_by_test_id("new-note").wait_for()
    page.evaluate("window.__afcE2eMarker = 'no-reload'")
    return tab


def test_a_note_saved_by_a_server_action_goes_live_to_the_writers_other_tab_only(
    project: Project, visitors: dict[str, Visitor]
) -> None:
    """The way people write it: the notes page's form calls a Server Action (`app/notes/actions.ts`), which
    calls `saveNote` in `lib/notes.ts`, which inserts without `.returning()`. afc wired the helper, so the
    change goes to Alice's channel: her second tab shows the note live; Bob's page and socket get nothing."""
    alice, bob = visitors["alice"], visitors["bob"]
    tab = open_second_tab(alice, project)
    everyone = {**visitors, "alice-tab-2": tab}
    post_todo_and_wait(everyone, project, 20)  # the new tab's socket is connected, with Alice's ticket
    body = f"alice's action note {uuid.uuid4().hex[:8]}"
    alice.page.get_by_test_id("new-note").fill(body)
    alice.page.get_by_test_id("add-note").click()
    note_in(tab, body).wait_for(timeout=LIVE_S * 1000)  # live in the other tab: the change, then its re-read
    note_in(alice, body).wait_for(timeout=LIVE_S * 1000)
    [change] = [m["payload"] for m in tab.messages("note:created") if body in json.dumps(m)]
    assert change == {"table": "notes", "action": "created", "keys": {}, "row": change["row"], "complete": False}
    assert change["row"]["body"] == body and set(change["row"]) == {"userId", "body"}

    post_todo_and_wait(everyone, project, LIVE_S)  # sent after the note: every socket has had the note by now
    assert not any(body in frame for frame in bob.frames + visitors["anonymous"].frames), "the note went to others"
    assert note_in(bob, body).count() == 0
    assert tab.page.evaluate("window.__afcE2eMarker") == "no-reload"
    tab.page.close()
