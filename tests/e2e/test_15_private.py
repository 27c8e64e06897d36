"""Private by default, seen from the browser: two users who sign up through the example's own page (Auth.js
signs them in), each in their own Chromium context, and a visitor who is not signed in. A note goes live to
its writer's page and to nobody else's socket; a shared todo reaches all three. The pages never reload.
Last, one user signs out in one tab: their other tab's socket is closed as revoked within a second and gets
none of their private events after it, while the other user's socket stays as it was."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.e2e_support import ARTIFACTS, REPO, Project, Service, as_text, http, parse_env_file, pump_until

pytestmark = pytest.mark.e2e

LIVE_S = 5.0  # a note or todo must reach the pages that may see it within this long
REVOKED_S = 1.0  # a signed-out user's other tab loses their channels within this long of the sign-out
WIRE = json.loads((REPO / "templates" / "ws" / "wire.json").read_text())["wire"]["default"]
# Each page's WebSocket close codes and times (Playwright's close event carries neither).
RECORD_CLOSES = """
window.__afcCloses = [];
window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
        super(...args);
        this.addEventListener("close", (e) => window.__afcCloses.push({ code: e.code, at: Date.now() / 1000 }));
    }
};
"""


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
    """Another tab of the same signed-in browser, on the notes page, its socket frames recorded, returned once
    the service has acknowledged its ticket (its channels are joined: an event sent before could miss it)."""
    page = visitor.context.new_page()
    tab = Visitor(f"{visitor.name}-tab-2", visitor.context, page)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: tab.frames.append(as_text(frame))))
    page.goto(f"{project.web_url}/notes")
    page.get_by_test_id("new-note").wait_for()
    page.evaluate("window.__afcE2eMarker = 'no-reload'")
    pump_until(page, lambda: any(f.startswith('{"ctl":"ticket"') for f in tab.frames), 20, "the ticket accepted")
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
    post_todo_and_wait(everyone, project, 20)  # the new tab's socket has Alice's channel (open_second_tab)
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


def test_signing_out_in_one_tab_closes_the_users_other_tab_within_a_second(
    project: Project, visitors: dict[str, Visitor]
) -> None:
    """Alice, in two tabs, signs out in one (the example's sign-out action calls `revoke("user:<id>")` once
    the session is cleared, as the web helpers tell): the other tab's socket is closed with the revoke code
    within a second and, reconnected as a visitor, gets none of her private events; Bob's socket is left as
    it was and still gets his. Runs last: Alice stays signed out."""
    alice, bob = visitors["alice"], visitors["bob"]
    alice.context.add_init_script(RECORD_CLOSES)
    tab = open_second_tab(alice, project)
    everyone = {**visitors, "alice-tab-2": tab}
    post_todo_and_wait(everyone, project, 20)
    before = post_note(alice, project, f"alice before sign-out {uuid.uuid4().hex[:8]}")
    # Her channel reaches the tab's socket, until...
    pump_until(tab.page, lambda: any(before["body"] in f for f in tab.frames), LIVE_S, "her note on the tab's socket")
    bob_closes = bob.log.count("socket closed")

    with alice.page.expect_response(lambda r: r.request.method == "POST" and "/notes" in r.url):
        alice.page.get_by_test_id("sign-out").click()
    signed_out_at = time.time()  # the answer that cleared her session has reached the browser
    alice.page.wait_for_url("**/login", timeout=30_000)
    pump_until(tab.page, lambda: bool(tab.page.evaluate("window.__afcCloses")), LIVE_S, "the tab's socket to close")
    closed = tab.page.evaluate("window.__afcCloses")[0]
    assert closed["code"] == WIRE["close_revoked"], f"closed with {closed['code']}, not as revoked"
    assert closed["at"] - signed_out_at < REVOKED_S, f"closed {closed['at'] - signed_out_at:.2f}s after sign-out"

    # Reconnected without her session (a visitor's socket: public only), then an event to her channel as the
    # web app sends one (say, a note she saves from another device), then a public todo after it.
    secret = parse_env_file(project.root / ".env")["WS_EVENTS_SECRET"]
    headers = {"Authorization": f"Bearer {secret}"}
    mark = f"alice after sign-out {uuid.uuid4().hex[:8]}"
    row = {"userId": before["userId"], "body": mark}
    private = {"table": "notes", "action": "created", "keys": {}, "row": row, "complete": False}

    def reconnected() -> bool:  # a todo sent now reaches the tab once its new socket is joined
        title = f"reconnected {uuid.uuid4().hex[:8]}"
        status, _, _ = http("POST", f"{project.ws_http_url}/events/todo-created", {"title": title}, headers=headers)
        assert status == 202
        tab.page.wait_for_timeout(200)
        return any(title in frame for frame in tab.frames)

    pump_until(tab.page, reconnected, 20, "the signed-out tab to reconnect")
    to = f"?to=user:{before['userId']}"
    status, _, _ = http("POST", f"{project.ws_http_url}/events/note-created{to}", private, headers=headers)
    assert status == 202
    still_open = {"anonymous": visitors["anonymous"], "bob": bob, "alice-tab-2": tab}
    post_todo_and_wait(still_open, project, LIVE_S)  # sent after her private event: each socket has had it
    assert not any(mark in frame for frame in tab.frames), "a signed-out tab still got the user's private event"
    assert len(tab.page.evaluate("window.__afcCloses")) == 1, "the signed-out tab's socket was closed again"

    # Bob: the same socket all along, and his own notes still go live to him.
    mine = f"bob after alice left {uuid.uuid4().hex[:8]}"
    post_note(bob, project, mine)
    note_in(bob, mine).wait_for(timeout=LIVE_S * 1000)
    assert bob.log.count("socket closed") == bob_closes, "another user's sign-out closed Bob's socket"
    assert tab.page.evaluate("window.__afcE2eMarker") == "no-reload"
    tab.page.close()
