"""Fixtures of the end-to-end tier (helpers in e2e_support.py).

One session builds everything once: a private PostgreSQL server, a copy of examples/todo-app with
`afc add websocket` applied, its npm dependencies and its production build. The test modules start and
stop the web app and the generated ws service as real processes and drive headless Chromium pages
through Playwright (Debian's /usr/bin/chromium; no browser is ever downloaded).

Needs: bun, node, chromium, PostgreSQL server binaries (initdb, pg_ctl, psql) and the `playwright`
Python package. In CI (`tests.support.tools.in_ci()`: CI set, and not to false, 0 or no) a missing tool
fails; elsewhere the tier skips and says what to install.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.e2e_support import (
    ACTIONS_EXAMPLE,
    ARTIFACTS,
    EXAMPLE,
    LOGS,
    Postgres,
    Project,
    Tools,
    copied_example,
    parse_env_file,
    private_postgres,
    required_tools,
    run,
    set_env_values,
    tool_env,
)

# --------------------------------------------------------------------------------------------------
# Session fixtures


@pytest.fixture(scope="session")
def tools() -> Tools:
    return required_tools()


@pytest.fixture(scope="session")
def session_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="afc-e2e-"))
    path.chmod(0o755)
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    LOGS.mkdir(parents=True, exist_ok=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(tools: Tools, session_dir: Path) -> Iterator[Postgres]:
    """A private PostgreSQL server on a free port, data and socket folders in the session folder."""
    with private_postgres(tools, session_dir / "postgres") as server:
        server.sql("postgres", "-c", "CREATE DATABASE todo")
        yield server


@pytest.fixture(scope="session")
def project(tools: Tools, session_dir: Path, postgres: Postgres) -> Project:
    """examples/todo-app copied, `afc add websocket` applied, configured, installed and built once."""
    proj = copied_example(EXAMPLE, tools, session_dir, "todo-app")
    root, web_port, ws_port = proj.root, proj.web_port, proj.ws_port

    steps = json.loads(proj.afc("add", "websocket", "--json").stdout)["next_steps"]

    ours = {
        "NEXT_PUBLIC_WS_URL": f"ws://127.0.0.1:{ws_port}",
        "WS_INTERNAL_URL": f"http://127.0.0.1:{ws_port}",
        "WS_PORT": str(ws_port),
        "WS_ALLOWED_ORIGINS": f"http://127.0.0.1:{web_port}",
    }
    # Auth.js sends the browser back to NEXTAUTH_URL after signing in: the app's own address here.
    app_url = {"NEXTAUTH_URL": f"http://127.0.0.1:{web_port}"}
    set_env_values(root / ".env", {"DATABASE_URL": postgres.url("todo"), **app_url, **ours})
    secret = parse_env_file(root / ".env").get("WS_EVENTS_SECRET", "")
    assert len(secret) >= 16, "afc add should generate a WS_EVENTS_SECRET in .env"

    # The tables, created as the next steps print it (issue 19: followed literally, they once created none)
    [tables] = [s["command"] for s in steps if (s["command"] or "").startswith("psql ")]
    psql_dir = str(Path(tools.psql).parent)
    shell_env = tool_env(DATABASE_URL=postgres.url("todo"), PATH=f"{psql_dir}{os.pathsep}{os.environ['PATH']}")
    run(["sh", "-c", tables], cwd=root, env=shell_env, timeout=60, what=f"the printed step: {tables}")
    assert postgres.sql("todo", "-c", "SELECT count(*) FROM todos").strip() == "0"
    revoke_on_sign_out(proj)
    proj.install_and_build("after add")
    return proj


# The example's sign-out once its user has followed the generated helpers' advice (their header comment):
# after the answer that clears the session, every socket of the user is closed (test_15_private checks it).
SIGN_OUT_WITH_REVOKE = """\
"use server";

import { after } from "next/server";

import { auth, signOut } from "@/auth";
import { revoke } from "@/lib/realtime/broadcast";

/** The notes page's sign-out button: ends the session, then closes this user's sockets everywhere. */
export async function leave(): Promise<void> {
    const userId = (await auth())?.user?.id;
    if (userId) after(() => revoke(`user:${userId}`));
    await signOut({ redirectTo: "/login" });
}
"""
ADVICE = "if (userId) after(() => revoke(`user:${userId}`));"


def revoke_on_sign_out(proj: Project) -> None:
    """What a user of the example does after `add`: their sign-out action calls `revoke` as the generated
    `broadcast.ts` says to (its advice is checked to be there, in these words, so the two cannot drift)."""
    helpers = (proj.web / "src" / "lib" / "realtime" / "broadcast.ts").read_text()
    assert ADVICE in helpers, "the web helpers no longer tell how to revoke on sign-out"
    action = proj.web / "src" / "app" / "signout" / "actions.ts"
    assert "signOut(" in action.read_text() and "revoke" not in action.read_text()
    action.write_text(SIGN_OUT_WITH_REVOKE)


@pytest.fixture(scope="session")
def actions_project(tools: Tools, session_dir: Path, postgres: Postgres) -> Project:
    """examples/actions-app (Server Actions, a Server Component page) copied, its `afc add websocket --dry-run
    --json` plan kept in `actions_plan.json`, then added, configured, installed and built once; it shares the
    session's PostgreSQL server (its own database) and bun cache with the todo app."""
    proj = copied_example(ACTIONS_EXAMPLE, tools, session_dir, "actions-app", ready_path="/")
    root, web_port, ws_port = proj.root, proj.web_port, proj.ws_port
    plan = proj.afc("add", "websocket", "--dry-run", "--json").stdout
    (session_dir / "actions_plan.json").write_text(plan)
    proj.afc("add", "websocket")
    set_env_values(
        root / ".env",
        {
            "DATABASE_URL": postgres.url("guestbook"),
            "NEXT_PUBLIC_WS_URL": f"ws://127.0.0.1:{ws_port}",
            "WS_INTERNAL_URL": f"http://127.0.0.1:{ws_port}",
            "WS_PORT": str(ws_port),
            "WS_ALLOWED_ORIGINS": f"http://127.0.0.1:{web_port}",
        },
    )
    postgres.sql("postgres", "-c", "CREATE DATABASE guestbook")
    postgres.sql("guestbook", "-f", str(root / "apps" / "web" / "migrations" / "0000_init.sql"))
    proj.install_and_build("actions-app after add")
    return proj
