"""The proof on npm workspaces: `afc add websocket` on a scoped npm project, a real `npm install` from the
registry, the service started with node answering /health and a WebSocket (through the `ws` library the
install put in node_modules, not a link to the service), then `afc remove websocket` gives the first tree
back byte for byte (npm's own outputs, `node_modules` and `package-lock.json`, set aside: npm made them)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.git import commit_all
from tests.support.npm_workspace import NPM_WORKSPACE
from tests.support.projects import fingerprint, make_project
from tests.support.tools import free_port, require_tool

runner = CliRunner()
NAME = "@acme/realtime"

# Opens a socket with the project's own `ws` (resolved from the service folder, as the service resolves it),
# asks the service to broadcast an event, and prints what arrives.
CLIENT = """
const { createRequire } = require("node:module");
const WebSocket = createRequire(process.argv[1] + "/package.json")("ws");
const base = "127.0.0.1:" + process.argv[2];
const socket = new WebSocket("ws://" + base + "/ws");
const timer = setTimeout(() => { console.log("timeout"); process.exit(2); }, 15000);
socket.on("open", async () => {
    const answer = await fetch("http://" + base + "/events/todo-created", { method: "POST", body: '{"id":1}' });
    console.log("posted " + answer.status);
});
socket.on("message", (data) => { console.log("message " + data.toString()); clearTimeout(timer); socket.close(); });
socket.on("close", () => process.exit(0));
socket.on("error", (error) => { console.log("error " + error.message); process.exit(1); });
"""


def without(found: dict[str, str], *prefixes: str) -> dict[str, str]:
    return {k: v for k, v in found.items() if not any(k == p or k.startswith(p + "/") for p in prefixes)}


def _wait_for_health(port: int, service: subprocess.Popen[str]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if service.poll() is not None:
            raise AssertionError(
                f"the service exited with {service.returncode}: {service.stdout.read() if service.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                return json.loads(answer.read())
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the service did not answer /health within 60 s")


@pytest.mark.node
@pytest.mark.timeout(600)
def test_npm_workspaces_add_install_start_and_remove(tmp_path: Path):
    npm = require_tool("npm", "install Node.js 20 with npm")
    node = require_tool("node", "install Node.js 20")
    project = make_project(tmp_path / "acme", NPM_WORKSPACE)
    commit_all(project, "the project")
    first = without(fingerprint(project), ".git")

    added = runner.invoke(app, ["add", "websocket", "-C", str(project), "--yes"])
    assert added.exit_code == 0, added.output
    service_dir = project / "apps/ws"
    assert json.loads((service_dir / "package.json").read_text())["name"] == NAME
    assert json.loads((project / "package.json").read_text())["workspaces"][-1] == "apps/ws"
    assert "npm install" in added.output

    install = subprocess.run(
        [npm, "install", "-w", NAME, "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    library = project / "node_modules/ws"
    assert not library.is_symlink() and json.loads((library / "package.json").read_text())["name"] == "ws"
    link = project / "node_modules/@acme/realtime"
    assert link.is_symlink() and link.resolve() == service_dir.resolve()

    port = free_port()
    service = subprocess.Popen(
        [npm, "run", "start:node", "-w", NAME],
        cwd=project,
        env={**os.environ, "WS_PORT": str(port), "NODE_ENV": "development"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert _wait_for_health(port, service) == {"status": "ok"}  # the client count needs WS_METRICS_TOKEN
        client = subprocess.run(
            [node, "-e", CLIENT, str(service_dir), str(port)], capture_output=True, text=True, timeout=60
        )
        assert "posted 202" in client.stdout, client.stdout + client.stderr
        assert 'message {"type":"todo:created","payload":{"id":1}}' in client.stdout, client.stdout + client.stderr
    finally:
        os.killpg(service.pid, signal.SIGTERM)
        try:
            service.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(service.pid, signal.SIGKILL)
            service.wait()

    removed = runner.invoke(app, ["remove", "websocket", "-C", str(project), "--yes"])
    assert removed.exit_code == 0, removed.output
    assert not service_dir.exists()  # its node_modules (if npm made one) went with it
    shutil.rmtree(project / "node_modules")
    (project / "package-lock.json").unlink()
    assert without(fingerprint(project), ".git") == first
