"""`afc remove websocket` on the project the realtime tests used: it still builds and works, without realtime.

Runs after test_10_realtime.py (pytest collects files in name order): it removes the integration from the
same session copy, reinstalls and rebuilds once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_support import ARTIFACTS, EXAMPLE, Project, Service, http

pytestmark = pytest.mark.e2e

# Generated or local files that differ between the example and any installed, built copy of it.
NOT_SOURCE = {"node_modules", ".next", ".turbo", ".env", "bun.lock", "next-env.d.ts"}

REALTIME_MARKERS = (
    "WebSocket",
    "useRealtime",
    "broadcast(",
    "NEXT_PUBLIC_WS_URL",
    "WS_INTERNAL_URL",
    "WS_EVENTS_SECRET",
    "lib/realtime",
)


def source_files(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [name for name in dirs if name not in NOT_SOURCE]
        for name in names:
            if name in NOT_SOURCE or name.endswith(".tsbuildinfo"):
                continue
            path = Path(folder) / name
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def removed(project: Project) -> Project:
    assert project.ws.is_dir(), "the session project should have apps/ws from afc add"
    # the test gave the WS_* keys in .env its own ports: afc removes them whatever their values
    project.afc("remove", "websocket")
    project.install_and_build("after remove")
    return project


@pytest.fixture(scope="module")
def web(removed: Project) -> Iterator[Service]:
    service = removed.web_service()
    try:
        service.start(timeout=90)
        yield service
    finally:
        service.stop()


def test_no_websocket_code_is_left(removed: Project) -> None:
    if removed.ws.exists():
        left = sorted(path.relative_to(removed.root).as_posix() for path in removed.ws.iterdir())
        pytest.fail(f"apps/ws is still there after afc remove, holding: {left}")
    hits = []
    for path in sorted((removed.web / "src").rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            hits += [f"{path.relative_to(removed.root)}: {marker}" for marker in REALTIME_MARKERS if marker in text]
    assert not hits, "realtime code left in the app:\n" + "\n".join(hits)
    for name in ("package.json", "turbo.json", "compose.dev.yml", ".env.example", "apps/web/package.json"):
        text = (removed.root / name).read_text()
        assert "WS_" not in text and "apps/ws" not in text, f"{name} still mentions the ws service"


def test_remove_restores_the_project_as_it_was_before_add(removed: Project) -> None:
    before, after = source_files(EXAMPLE), source_files(removed.root)
    assert sorted(after) == sorted(before), "files added or lost by add + remove"
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"files that add + remove did not restore: {changed}"


def test_app_builds_and_creates_and_lists_todos_after_remove(removed: Project, web: Service, browser: Any) -> None:
    assert (removed.web / ".next" / "BUILD_ID").is_file()

    status, created, _ = http("POST", f"{removed.web_url}/api/todos", {"title": "After remove (API)"})
    assert status == 201, created
    assert created["title"] == "After remove (API)" and isinstance(created["id"], int)
    status, listed, _ = http("GET", f"{removed.web_url}/api/todos")
    assert status == 200
    assert created["id"] in [todo["id"] for todo in listed]

    status, body, _ = http("POST", f"{removed.web_url}/api/todos", {"title": ""})
    assert status == 400, body

    context = browser.new_context()
    sockets: list[str] = []
    try:
        page = context.new_page()
        page.on("websocket", lambda ws: sockets.append(ws.url))
        with page.expect_response(lambda r: r.url.endswith("/api/todos") and r.request.method == "GET") as loaded:
            page.goto(removed.web_url)
        assert loaded.value.status == 200
        items = page.get_by_test_id("todo-list")
        items.get_by_text("After remove (API)", exact=True).wait_for(timeout=5_000)

        page.get_by_test_id("new-todo").fill("After remove (page)")
        with page.expect_response(lambda r: r.url.endswith("/api/todos") and r.request.method == "POST") as posted:
            page.get_by_test_id("add-todo").click()
        assert posted.value.status == 201
        items.get_by_text("After remove (page)", exact=True).wait_for(timeout=5_000)

        # Persisted, not just shown: a fresh load lists it from the database.
        with page.expect_response(lambda r: r.url.endswith("/api/todos") and r.request.method == "GET"):
            page.reload()
        items.get_by_text("After remove (page)", exact=True).wait_for(timeout=5_000)
        page.screenshot(path=str(ARTIFACTS / "after-remove.png"))
        assert sockets == [], f"the page still opens WebSocket connections: {sockets}"
    finally:
        context.close()
