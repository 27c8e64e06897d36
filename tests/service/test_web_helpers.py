"""The web helpers (templates/web): type-checked against real next/react types and run for real under Node."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import HERE

pytestmark = pytest.mark.node

PAGE = """"use client";

import { useState } from "react";
import { useRealtimeList } from "@/lib/realtime/use-realtime";
import { useRealtime } from "@/lib/realtime-plain/use-realtime";

type Todo = { id: number; title: string; done: boolean };

export default function Page() {
    const [todos, setTodos] = useState<Todo[]>([]);
    useRealtimeList("todo", "/api/todos", setTodos);
    useRealtime({ "user:updated": (user: { name: string }) => console.log(user.name) }, { onOpen: () => {} });
    return todos.length;
}
"""

ROUTE = """import { NextResponse } from "next/server";
import { broadcast } from "@/lib/realtime/broadcast";
import { broadcast as plainBroadcast } from "@/lib/realtime-plain/broadcast";

export async function POST(req: Request) {
    const inserted = { id: 1, title: String(await req.text()) };
    broadcast("todo-created", inserted);
    plainBroadcast("todo-created", inserted);
    return NextResponse.json(inserted, { status: 201 });
}
"""


def test_web_helpers_typecheck_strict_against_next_and_react(web_dir: Path, node: str):
    (web_dir / "src/app/api/todos").mkdir(parents=True, exist_ok=True)
    (web_dir / "src/app/page.tsx").write_text(PAGE)
    (web_dir / "src/app/api/todos/route.ts").write_text(ROUTE)
    tsc = web_dir / "node_modules/typescript/bin/tsc"
    result = subprocess.run(
        [node, str(tsc), "--noEmit", "-p", "."], cwd=web_dir, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_use_realtime_reconnects_resyncs_and_cleans_up(web_dir: Path, node: str):
    # Copied next to node_modules so that `react`, `ws`... resolve from the temp project.
    harness = web_dir / "web_harness.mts"
    harness.write_text((HERE / "web_harness.mts").read_text())
    result = subprocess.run(
        [node, "--import", "tsx", str(harness), str(web_dir / "src/lib/realtime")],
        cwd=web_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checks passed" in result.stdout, result.stdout


class _Recorder(BaseHTTPRequestHandler):
    calls: list[tuple[str, dict[str, str], bytes]] = []
    delay = 0.0
    status = 202

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).calls.append((self.path, dict(self.headers), body))
        time.sleep(type(self).delay)
        try:
            self.send_response(type(self).status)
            self.end_headers()
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


BROADCAST_SCRIPT = """
import { broadcast } from "./src/lib/realtime-plain/broadcast.ts";
const started = Date.now();
broadcast("todo-created", { id: 1, title: "milk" });
const returnedAfter = Date.now() - started;
const circular: Record<string, unknown> = {}; circular.self = circular;
broadcast("todo-updated", circular);           // not serializable: skipped, no throw
process.on("beforeExit", () => console.log(JSON.stringify({ returnedAfter, total: Date.now() - started })));
"""


@pytest.mark.parametrize("scenario", ["ok", "hung", "down", "unset"])
def test_broadcast_never_throws_never_blocks_and_is_bounded(web_dir: Path, node: str, scenario: str):
    _Recorder.calls = []
    _Recorder.delay = 5.0 if scenario == "hung" else 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    script = web_dir / f"broadcast_{scenario}.ts"
    script.write_text(BROADCAST_SCRIPT)
    env = {**os.environ, "WS_EVENTS_SECRET": "s3cret", "WS_INTERNAL_URL": f"http://127.0.0.1:{port}/"}
    if scenario == "down":
        server.shutdown()
        server.server_close()
    if scenario == "unset":
        del env["WS_INTERNAL_URL"]
    try:
        result = subprocess.run(
            [node, "--import", "tsx", str(script)], cwd=web_dir, capture_output=True, text=True, timeout=30, env=env
        )
    finally:
        if scenario != "down":
            server.shutdown()
            server.server_close()
    assert result.returncode == 0, result.stdout + result.stderr
    timing = json.loads(result.stdout.strip().splitlines()[-1])
    # Returns at once (only fetch's one-off lazy load is synchronous): the POST never delays the caller.
    assert timing["returnedAfter"] < 500, timing
    assert "not JSON-serializable" in result.stderr or scenario == "unset"
    if scenario == "ok":
        assert len(_Recorder.calls) == 1
        path, headers, body = _Recorder.calls[0]
        assert path == "/events/todo-created"
        assert headers["Authorization"] == "Bearer s3cret"
        assert json.loads(body) == {"id": 1, "title": "milk"}
        assert "failed" not in result.stderr
    elif scenario == "hung":
        assert timing["total"] < 3000, timing  # AbortSignal.timeout bounds the request (1.5 s)
        assert "broadcast todo-created failed" in result.stderr
    elif scenario == "down":
        assert "broadcast todo-created failed" in result.stderr
    else:
        assert result.stderr == "" and _Recorder.calls == []
