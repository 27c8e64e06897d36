"""Today's create-next-app with Cache Components, as a user of a fresh app grows it: a Drizzle `messages`
table, a Server Action that inserts without `.returning()` through a helper, and the Server Component page
that lists the rows to anyone with a form. `afc add websocket --yes --install` wires the insert to `public`
(the page serves the rows signed out, through the helper it calls) and the page to `RealtimeRefresh`; the
app builds with Cache Components on; the database is created as printed, the table by the user's SQL (afc
prints no step for tables without a migration script), the service started as printed and `next start`
run; a message posted in one Chromium page shows in another without a reload; `afc remove websocket` gives
every byte back, and the app builds again.

One app, its build before and after remove (the tier's only builds of this app), the shared session `browser`:
the time is in README's "Tests" (`tests/fresh`).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.e2e_support import (
    LOGS,
    Postgres,
    Service,
    Tools,
    _postgres_bin,
    as_text,
    http,
    private_postgres,
    pump_until,
    required_tools,
    run,
    set_env_values,
)
from tests.fresh.conftest import afc, cache_root, copy_app, next_build, tool_env
from tests.fresh.test_create_t3_app import printed_steps, step
from tests.support.git import commit_all, git
from tests.support.tools import free_port, in_ci, require_tool

pytestmark = [pytest.mark.timeout(900), pytest.mark.e2e]

LIVE_S = 10.0  # a message must reach the other page within this long (a loaded 2-core machine)
DRIVER = ("drizzle-orm@0.41.0", "postgres@3.4.9")  # create-t3-app's versions: npm's cache has them

# The user's own code (no auth anywhere): the rows are served to anyone who opens the page.
USER_FILES = {
    "src/db/schema.ts": """import { pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

export const messages = pgTable("messages", {
  id: serial("id").primaryKey(),
  body: text("body").notNull(),
  createdAt: timestamp("created_at").defaultNow().notNull(),
});
""",
    "src/db/index.ts": """import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

const client = postgres(process.env.DATABASE_URL ?? "postgres://localhost/app");
export const db = drizzle(client, { schema });
""",
    "src/lib/messages.ts": """import { desc } from "drizzle-orm";
import { db } from "@/db";
import { messages } from "@/db/schema";

export async function listMessages() {
  return db.select().from(messages).orderBy(desc(messages.id));
}

export async function saveMessage(body: string) {
  await db.insert(messages).values({ body });
}
""",
    "src/app/actions.ts": """"use server";

import { saveMessage } from "@/lib/messages";

export async function postMessage(formData: FormData) {
  const body = String(formData.get("body") ?? "").trim();
  if (body) {
    await saveMessage(body);
  }
}
""",
    "src/app/page.tsx": """import { connection } from "next/server";
import { Suspense } from "react";
import { postMessage } from "./actions";
import { listMessages } from "@/lib/messages";

async function Messages() {
  await connection();
  const rows = await listMessages();
  return (
    <ul>
      {rows.map((row) => (
        <li key={row.id}>{row.body}</li>
      ))}
    </ul>
  );
}

export default function Home() {
  return (
    <main>
      <form action={postMessage}>
        <input name="body" placeholder="Message" />
        <button type="submit">Send</button>
      </form>
      <Suspense fallback={<p>Loading...</p>}>
        <Messages />
      </Suspense>
    </main>
  );
}
""",
}
TABLE_SQL = (
    "CREATE TABLE messages (id serial PRIMARY KEY, body text NOT NULL, created_at timestamp DEFAULT now() NOT NULL)"
)


@pytest.fixture(scope="module")
def drizzle_app(next16_cache_components: Path) -> Path:
    """The cached Cache Components app with drizzle-orm and postgres npm-installed, cached beside it (keyed
    by the app's version and the packages')."""
    npm = require_tool("npm", "install Node.js 20 with npm")
    app = cache_root() / f"{next16_cache_components.name}+{'+'.join(DRIVER)}"
    if (app / "node_modules" / "drizzle-orm").is_dir() and (app / "node_modules" / "postgres").is_dir():
        return app
    work = Path(tempfile.mkdtemp(prefix=".drizzle-", dir=cache_root()))
    try:
        shutil.copytree(next16_cache_components, work / "app", symlinks=True, ignore=shutil.ignore_patterns(".next"))
        installed = subprocess.run(
            [npm, "install", "--no-audit", "--prefer-offline", *DRIVER],
            cwd=work / "app",
            capture_output=True,
            text=True,
            timeout=300,
            env=tool_env(),
        )
        if installed.returncode != 0:  # no registry and not in npm's cache: a failure in CI, else a skip
            message = f"npm install {' '.join(DRIVER)} failed:\n{installed.stderr[-2000:]}"
            if in_ci():
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        shutil.rmtree(app, ignore_errors=True)
        (work / "app").rename(app)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return app


@pytest.fixture(scope="module")
def tools() -> Tools:
    return required_tools()


@pytest.fixture(scope="module")
def postgres(tools: Tools) -> Iterator[Postgres]:
    base = Path(tempfile.mkdtemp(prefix="afc-cna-"))  # pytest's own temp root is closed to the postgres user
    base.chmod(0o755)
    try:
        with private_postgres(tools, base / "server", "cna-postgres.log") as server:
            yield server
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_cache_components_app_goes_live_for_everyone(drizzle_app, tmp_path, tools, postgres, browser):
    timings: dict[str, float] = {}
    started = time.monotonic()
    root = copy_app(drizzle_app, tmp_path / "app")
    npm = require_tool("npm", "install Node.js 20 with npm")
    createdb = require_tool("createdb", "apt-get install -y postgresql", _postgres_bin("createdb"))
    for path, text in USER_FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    assert "cacheComponents: true" in (root / "next.config.ts").read_text()
    database_url = f"postgresql://postgres@127.0.0.1:{postgres.port}/app"
    (root / ".env").write_text(f"DATABASE_URL={database_url}\n")  # create-next-app ignores .env*
    commit_all(root, "create-next-app, drizzle, a messages page")
    ws_port, web_port = free_port(), free_port()

    # 1. add: the insert goes to public, and the plan says why
    result = afc(root, "add", "websocket", "--install", "--port", str(ws_port))
    added = result.stdout + result.stderr
    timings["add --install"] = time.monotonic() - started
    assert re.search(r"message-created -> public\s+src/lib/messages\.ts:\d+", added), added
    assert "why: page / (src/app/page.tsx:1) serves `messages` rows to anyone signed out" in added, added
    route = (root / "src/app/api/realtime/ticket/route.ts").read_text()
    assert "export const dynamic" not in route and "await connection();" in route  # Cache Components' way
    helper = (root / "src/lib/messages.ts").read_text()
    assert ".returning(" not in helper and 'broadcast("message-created", ' in helper, helper
    page = (root / "src/app/page.tsx").read_text()
    assert "<RealtimeRefresh" in page and '"message-created"' in page, page

    # 2. one build, Cache Components on, with the browser's origin in the env (by key: remove takes WS_* out)
    env_file = root / ".env"
    set_env_values(env_file, {"WS_ALLOWED_ORIGINS": f"http://localhost:{web_port}"})
    mark = time.monotonic()
    built = next_build(root)
    # Rendered per request (a prerendered ticket would be one ticket for everyone, baked at build time).
    assert re.search(r"ƒ /api/realtime/ticket\b", built), built[-3000:]
    timings["next build"] = time.monotonic() - mark

    # 3. the table (afc prints no step for it: the user's SQL), the service as printed, `next start`
    steps = printed_steps(added)
    assert steps[0] == f"cd {shlex.quote(str(root))}", steps
    shell = tool_env()  # the user's local PostgreSQL clients: this test's server, as its `postgres` role
    shell.update(PGHOST="127.0.0.1", PGUSER="postgres", PATH=f"{Path(createdb).parent}{os.pathsep}{shell['PATH']}")
    database = step(steps, "createdb ")
    assert database == f"createdb -p {postgres.port} app", steps
    run(["sh", "-c", database], cwd=root, env=shell, timeout=60, what=f"the printed step: {database}")
    assert not any("db:push" in s or "migrate" in s for s in steps), steps  # no step for tables: the user's SQL
    postgres.sql("app", "-c", TABLE_SQL)
    service_step = step(steps, "cd realtime && npm run dev")
    health = step(steps, "curl ")
    assert health == f"curl http://localhost:{ws_port}/health", steps
    url = f"http://localhost:{web_port}/"
    ws = Service(
        "cna-realtime", ["sh", "-c", service_step], root, tool_env(), lambda: http("GET", health[5:])[0] == 200
    )
    web = Service(
        "cna-web",
        [npm, "run", "start", "--", "-p", str(web_port)],
        root,
        tool_env(),
        lambda: http("GET", url)[0] == 200,
    )
    mark = time.monotonic()
    try:
        ws.start()
        web.start(timeout=90)
        check_live(browser, url)
    finally:
        web.stop()
        ws.stop()
    timings["services and browser"] = time.monotonic() - mark

    # 4. remove: every tracked byte back, nothing untracked
    afc(root, "remove", "websocket")
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    # The app builds again after remove (with Cache Components on, it once did not): the one rebuild of this
    # app in the tier (test_create_next_app.py leaves this app's builds to this test).
    mark = time.monotonic()
    next_build(root)
    timings["next build after remove"] = time.monotonic() - mark
    assert env_file.read_text() == f"DATABASE_URL={database_url}\n"
    timings["total"] = time.monotonic() - started
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "cna-timings.json").write_text(json.dumps(timings, indent=2))
    print("create-next-app live tier:", ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))


def check_live(browser: object, url: str) -> None:
    """Page A posts through the form; page B, opened before, shows the message without a reload and its
    socket received the event. No sign-in here: the ticket route grants nothing, so each socket joins
    `public` on connect (no `ctl: ticket` frame to wait for; its open is the signal)."""
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        pages, frames = [], []
        for _ in range(2):
            page, received, log = context.new_page(), [], []
            page.on("console", lambda m, log=log: log.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e, log=log: log.append(f"pageerror: {e}"))
            page.on("websocket", lambda ws, log=log: log.append(f"socket {ws.url}"))
            page.on("websocket", lambda ws, got=received: ws.on("framereceived", lambda f: got.append(as_text(f))))
            page.goto(url)
            page.get_by_placeholder("Message").wait_for(timeout=30_000)
            try:
                pump_until(page, lambda log=log: any(x.startswith("socket ") for x in log), 30, "the socket")
            except AssertionError as error:
                raise AssertionError(f"{error}; the page's log: {log}") from None
            page.evaluate("window.__afcNoReload = true")
            pages.append(page)
            frames.append(received)
        a, b = pages
        message = f"hello {uuid.uuid4().hex[:8]}"
        a.get_by_placeholder("Message").fill(message)
        a.get_by_role("button", name="Send").click()
        b.get_by_text(message).wait_for(timeout=LIVE_S * 1000)
        assert b.evaluate("window.__afcNoReload") is True, "page B reloaded"
        assert any('"type":"message:created"' in f and message in f for f in frames[1]), frames[1]
    finally:
        context.close()
