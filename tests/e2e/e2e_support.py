"""Helpers for the end-to-end tier: processes, HTTP, env files, and the project under test.

The fixtures that use them are in conftest.py; the tests import what they need from here.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support.tools import free_port, in_ci, require_tool

REPO = Path(__file__).resolve().parents[2]


EXAMPLE = REPO / "examples" / "todo-app"
ACTIONS_EXAMPLE = REPO / "examples" / "actions-app"
ARTIFACTS = REPO / "artifacts" / "e2e"
LOGS = ARTIFACTS / "logs"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The afc CLI under test, run from this checkout.
AFC = [sys.executable, "-m", "afc_realtime"]

T = TypeVar("T")


# --------------------------------------------------------------------------------------------------
# Small helpers


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = condition()
            if result:
                return result
        except Exception as err:  # noqa: BLE001 - polled conditions may fail until they succeed
            last_error = err
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}{detail}")
        time.sleep(interval)


def as_text(frame: str | bytes) -> str:
    """A WebSocket frame's payload as text: Playwright gives bytes for binary frames."""
    return frame.decode("utf-8", errors="replace") if isinstance(frame, bytes) else frame


def pump_until(page: Any, condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait for `condition`, letting Playwright deliver its events meanwhile: the sync API hands out socket
    frames only while a Playwright call runs, never during a plain sleep."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        page.wait_for_timeout(50)


def run(
    cmd: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    what: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; on failure, fail the test with the tail of its output."""
    started = time.monotonic()
    proc = subprocess.run(
        [str(part) for part in cmd],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    label = what or " ".join(str(part) for part in cmd)
    LOGS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^\w.-]+", "_", label)[:80]
    (LOGS / f"{slug}.log").write_text(
        f"$ {' '.join(str(p) for p in cmd)}\n# cwd={cwd} rc={proc.returncode} "
        f"{time.monotonic() - started:.1f}s\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}\n"
    )
    if proc.returncode != 0:
        tail = (proc.stdout[-4000:] + "\n" + proc.stderr[-4000:]).strip()
        raise AssertionError(f"{label} failed with exit code {proc.returncode}:\n{tail}")
    return proc


def http(
    method: str, url: str, body: Any = None, timeout: float = 10, headers: dict[str, str] | None = None
) -> tuple[int, Any, float]:
    """(status, parsed JSON or text, seconds taken) for one request; HTTP errors are returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    elapsed = time.monotonic() - started
    try:
        payload: Any = json.loads(raw)
    except ValueError:
        payload = raw.decode(errors="replace")
    return status, payload, elapsed


def parse_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        if not match:
            continue
        key, value = match.groups()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


def set_env_values(path: Path, values: dict[str, str]) -> None:
    """Overwrite the value of existing KEY=... lines; every key must already be there."""
    lines = path.read_text().splitlines()
    missing = set(values)
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=).*$", line)
        if match and match.group(2) in values:
            key = match.group(2)
            lines[index] = f"{match.group(1)}{key}{match.group(3)}{values[key]}"
            missing.discard(key)
    assert not missing, f"{path.name} has no line for {sorted(missing)} (afc add should have added it)"
    path.write_text("\n".join(lines) + "\n")


def tool_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NEXT_TELEMETRY_DISABLED="1",
        TURBO_TELEMETRY_DISABLED="1",
        DO_NOT_TRACK="1",
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1",
    )
    env.update(extra)
    return env


# --------------------------------------------------------------------------------------------------
# Long-running processes


@dataclass
class Service:
    """A server process started in its own process group, with its output in artifacts/e2e/logs."""

    name: str
    cmd: list[str]
    cwd: Path
    env: dict[str, str]
    ready: Callable[[], bool]
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return LOGS / f"{self.name}.log"

    def start(self, timeout: float = 60) -> None:
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} is already running"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        log.write(f"\n===== start #{self.starts}: {' '.join(str(part) for part in self.cmd)}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [str(part) for part in self.cmd],
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

        def up() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}; see {self.log_path}:\n"
                    f"{self.log_path.read_text()[-3000:]}"
                )
            return self.ready()

        try:
            wait_for(up, timeout, f"{self.name} to be ready", interval=0.1)
        except RuntimeError as err:
            raise AssertionError(str(err)) from None

    def stop(self, timeout: float = 15) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        # Children of the group (bun run -> bun) may outlive the leader by a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class HungListener:
    """A TCP listener that accepts connections and never answers: a hung ws service."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.accepted: list[socket.socket] = []
        self._buffers: dict[int, bytes] = {}
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HungListener:
        wait_for(lambda: self._bind(), 10, f"port {self.port} to be free for the hung listener", interval=0.1)
        self._server.listen(64)
        self._server.settimeout(0.1)
        self._thread.start()
        return self

    def _bind(self) -> bool:
        self._server.bind(("127.0.0.1", self.port))
        return True

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            conn.setblocking(False)
            self.accepted.append(conn)  # never answered

    def received(self) -> bytes:
        """Everything the clients have sent so far (reading it answers nothing)."""
        for index, conn in enumerate(list(self.accepted)):
            while True:
                try:
                    chunk = conn.recv(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                if not chunk:
                    break
                self._buffers[index] = self._buffers.get(index, b"") + chunk
        return b"\n".join(self._buffers.values())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self.accepted:
            conn.close()
        self._server.close()


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --------------------------------------------------------------------------------------------------
# The stack under test


@dataclass
class Tools:
    bun: str
    node: str
    chromium: str
    initdb: str
    pg_ctl: str
    psql: str


def _postgres_bin(name: str) -> tuple[str, ...]:
    return tuple(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True))


@dataclass
class Postgres:
    port: int
    psql: str

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, database: str, *args: str) -> str:
        cmd = [
            self.psql,
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-X",
            "-q",
            "-A",
            "-t",
            *args,
        ]
        return run(cmd, env=tool_env(PGCONNECT_TIMEOUT="5"), timeout=60, what=f"psql {database} {args[-1][:40]}").stdout


def required_tools() -> Tools:
    """The browser tier's tools and the playwright package: in CI a missing one fails, elsewhere it skips."""
    found = Tools(
        bun=require_tool("bun", "npm install -g bun"),
        node=require_tool("node", "install Node.js 20 or newer"),
        chromium=require_tool("chromium", "apt-get install -y chromium", ("/usr/bin/chromium",)),
        initdb=require_tool("initdb", "apt-get install -y postgresql", _postgres_bin("initdb")),
        pg_ctl=require_tool("pg_ctl", "apt-get install -y postgresql", _postgres_bin("pg_ctl")),
        psql=require_tool("psql", "apt-get install -y postgresql", _postgres_bin("psql")),
    )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        message = "the playwright Python package is not installed: pip install playwright (no browser download needed)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


@contextlib.contextmanager
def private_postgres(tools: Tools, base: Path, log_name: str = "postgres.log") -> Iterator[Postgres]:
    """A private PostgreSQL server on a free port, its data and socket folders in `base` (made here), trust
    authentication for `postgres` on 127.0.0.1; stopped, its log kept in artifacts/e2e/logs, on the way out."""
    data, sockets = base / "data", base / "sockets"
    for folder in (base, sockets):
        folder.mkdir()
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        account = pwd.getpwnam("postgres")
        for folder in (base, sockets):
            os.chown(folder, account.pw_uid, account.pw_gid)
        as_postgres = [require_tool("runuser", "util-linux provides runuser"), "-u", "postgres", "--"]
    run(
        [*as_postgres, tools.initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
        timeout=120,
        what="initdb",
    )
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    run(
        [*as_postgres, tools.pg_ctl, "-D", data, "-l", base / "server.log", "-o", options, "-w", "-t", "60", "start"],
        timeout=90,
        what="pg_ctl start",
    )
    try:
        yield Postgres(port=port, psql=tools.psql)
    finally:
        subprocess.run(
            [*as_postgres, tools.pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        if (base / "server.log").exists():
            LOGS.mkdir(parents=True, exist_ok=True)
            shutil.copy(base / "server.log", LOGS / log_name)


@dataclass
class Project:
    """The copy of examples/todo-app the tier works on, and the ports and env it runs with."""

    root: Path
    tools: Tools
    web_port: int
    ws_port: int
    env: dict[str, str] = field(default_factory=dict)
    # What answers 200 once the web app is up (the todo app's list API; a page for an app without one).
    ready_path: str = "/api/todos"

    @property
    def web(self) -> Path:
        return self.root / "apps" / "web"

    @property
    def ws(self) -> Path:
        return self.root / "apps" / "ws"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def ws_http_url(self) -> str:
        return f"http://127.0.0.1:{self.ws_port}"

    def afc(self, *args: str) -> subprocess.CompletedProcess[str]:
        pythonpath = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        return run(
            [*AFC, *args, "--yes", "-C", str(self.root)],
            cwd=REPO,
            env=tool_env(PYTHONPATH=pythonpath),
            timeout=180,
            what=f"afc {' '.join(args)}",
        )

    def process_env(self) -> dict[str, str]:
        """The root .env, passed in the process environment too (as a dev shell or a container would)."""
        return tool_env(**parse_env_file(self.root / ".env"), **self.env)

    def install_and_build(self, label: str) -> None:
        env = self.process_env()
        run([self.tools.bun, "install"], cwd=self.root, env=env, timeout=600, what=f"bun install ({label})")
        run([self.tools.bun, "run", "build"], cwd=self.root, env=env, timeout=600, what=f"bun run build ({label})")
        assert (self.web / ".next" / "BUILD_ID").is_file(), "next build left no .next/BUILD_ID"

    def web_service(self) -> Service:
        env = self.process_env()
        env["NODE_ENV"] = "production"
        next_bin = self.web / "node_modules" / "next" / "dist" / "bin" / "next"
        return Service(
            name=f"web-{self.web_port}",
            cmd=[self.tools.node, next_bin, "start", "-p", str(self.web_port), "-H", "127.0.0.1"],
            cwd=self.web,
            env=env,
            ready=lambda: http("GET", f"{self.web_url}{self.ready_path}", timeout=5)[0] == 200,
        )

    def ws_service(self) -> Service:
        env = self.process_env()
        env["NODE_ENV"] = "production"
        return Service(
            name=f"ws-{self.ws_port}",
            cmd=[self.tools.bun, "run", "start"],
            cwd=self.ws,
            env=env,
            ready=lambda: http("GET", f"{self.ws_http_url}/health", timeout=2)[0] == 200,
        )


def copied_example(
    example: Path, tools: Tools, session_dir: Path, name: str, ready_path: str = "/api/todos"
) -> Project:
    """`example` copied to `session_dir/name` as a clone would have it (no installs, builds or `.env`; its
    `.env.example` copied to `.env`), with two free ports and the session's bun cache."""
    root = session_dir / name
    shutil.copytree(example, root, ignore=shutil.ignore_patterns("node_modules", ".next", ".turbo", ".env"))
    shutil.copy(root / ".env.example", root / ".env")
    web_port, ws_port = free_port(), free_port()
    while ws_port == web_port:
        ws_port = free_port()
    env = {"BUN_INSTALL_CACHE_DIR": str(session_dir / "bun-cache")}
    return Project(root=root, tools=tools, web_port=web_port, ws_port=ws_port, env=env, ready_path=ready_path)
