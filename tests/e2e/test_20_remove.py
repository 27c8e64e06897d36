"""`afc remove websocket` on a project that had it: the project still builds and works, without realtime.

Its own copy of examples/todo-app (and its own database), independent of the other modules and of their
order: configured, added, installed (so remove meets `apps/ws/node_modules`), given its own ws ports as a
user would, then removed, reinstalled and rebuilt from scratch (`.next` deleted first, so the `BUILD_ID`
checked below can only come from the build after remove).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_support import (
    ARTIFACTS,
    EXAMPLE,
    Postgres,
    Project,
    Service,
    Tools,
    copied_example,
    http,
    run,
    set_env_values,
)

pytestmark = pytest.mark.e2e

# Generated or local files that differ between the example and any installed, built copy of it (`.env` is
# the user's own, compared with what it was before add in its own test).
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


@dataclass
class Removed:
    project: Project
    env_before_add: bytes


@pytest.fixture(scope="module")
def removed(tools: Tools, session_dir: Path, postgres: Postgres) -> Removed:
    project = copied_example(EXAMPLE, tools, session_dir, "todo-app-remove")
    root, web_port, ws_port = project.root, project.web_port, project.ws_port
    postgres.sql("postgres", "-c", "CREATE DATABASE todo_remove")
    postgres.sql("todo_remove", "-f", str(root / "packages" / "db" / "migrations" / "0000_init.sql"))
    app = {"DATABASE_URL": postgres.url("todo_remove"), "NEXTAUTH_URL": f"http://127.0.0.1:{web_port}"}
    set_env_values(root / ".env", app)
    env_before_add = (root / ".env").read_bytes()

    project.afc("add", "websocket")
    assert project.ws.is_dir(), "afc add should have generated apps/ws"
    # The user gives the WS_* keys their own values: afc removes them by key, whatever their values.
    ours = {"WS_PORT": str(ws_port), "WS_INTERNAL_URL": f"http://127.0.0.1:{ws_port}"}
    set_env_values(root / ".env", ours)
    env = project.process_env()
    run([tools.bun, "install"], cwd=root, env=env, timeout=600, what="bun install (before remove)")
    assert (project.ws / "node_modules").is_dir(), "bun install should have installed apps/ws's dependencies"

    project.afc("remove", "websocket")
    shutil.rmtree(project.web / ".next", ignore_errors=True)
    project.install_and_build("after remove")
    return Removed(project, env_before_add)


@pytest.fixture(scope="module")
def web(removed: Removed) -> Iterator[Service]:
    service = removed.project.web_service()
    try:
        service.start(timeout=90)
        yield service
    finally:
        service.stop()


def test_no_websocket_code_is_left(removed: Removed) -> None:
    project = removed.project
    if project.ws.exists():
        left = sorted(path.relative_to(project.root).as_posix() for path in project.ws.iterdir())
        pytest.fail(f"apps/ws is still there after afc remove, holding: {left}")
    hits = []
    for path in sorted((project.web / "src").rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            hits += [f"{path.relative_to(project.root)}: {marker}" for marker in REALTIME_MARKERS if marker in text]
    assert not hits, "realtime code left in the app:\n" + "\n".join(hits)
    for name in ("package.json", "turbo.json", "compose.dev.yml", ".env.example", "apps/web/package.json"):
        text = (project.root / name).read_text()
        assert "WS_" not in text and "apps/ws" not in text, f"{name} still mentions the ws service"


def test_remove_restores_the_project_as_it_was_before_add(removed: Removed) -> None:
    before, after = source_files(EXAMPLE), source_files(removed.project.root)
    assert sorted(after) == sorted(before), "files added or lost by add + remove"
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"files that add + remove did not restore: {changed}"


def test_remove_gives_env_back_as_it_was_before_add(removed: Removed) -> None:
    # afc added WS_* keys and a generated secret to the gitignored .env; the user then changed two values.
    assert (removed.project.root / ".env").read_bytes() == removed.env_before_add


def test_app_builds_and_creates_and_lists_todos_after_remove(removed: Removed, web: Service, browser: Any) -> None:
    project = removed.project
    assert (project.web / ".next" / "BUILD_ID").is_file()  # from the build after remove: .next was deleted

    status, created, _ = http("POST", f"{project.web_url}/api/todos", {"title": "After remove (API)"})
    assert status == 201, created
    assert created["title"] == "After remove (API)" and isinstance(created["id"], int)
    status, listed, _ = http("GET", f"{project.web_url}/api/todos")
    assert status == 200
    assert created["id"] in [todo["id"] for todo in listed]

    status, body, _ = http("POST", f"{project.web_url}/api/todos", {"title": ""})
    assert status == 400, body

    context = browser.new_context()
    sockets: list[str] = []
    try:
        page = context.new_page()
        page.on("websocket", lambda ws: sockets.append(ws.url))
        with page.expect_response(lambda r: r.url.endswith("/api/todos") and r.request.method == "GET") as loaded:
            page.goto(project.web_url)
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
