"""Fixtures for the service tier: the ws template rendered once, real servers, real clients, real Redis."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.tools import free_port, require_tool  # noqa: E402

TEMPLATES = REPO / "templates"
HERE = Path(__file__).resolve().parent
SECRET = "service-test-secret"
ORIGIN = "http://app.test"
RUNTIMES = ("bun", "node")


def wait_until(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02, what: str = "condition") -> Any:
    """Polls `check` until it returns something truthy; fails with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def http_request(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 5.0
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# ---------------------------------------------------------------- the rendered service, installed once


@pytest.fixture(scope="session")
def npm() -> str:
    return require_tool("npm", "install Node.js 20 and npm")


@pytest.fixture(scope="session")
def node() -> str:
    return require_tool("node", "install Node.js 20")


@pytest.fixture(scope="session")
def bun() -> str:
    return require_tool("bun", "npm install -g bun", candidates=(str(Path.home() / ".bun/bin/bun"),))


def render_ws(dst: Path, **data: Any) -> Path:
    import copier

    copier.run_copy(str(TEMPLATES / "ws"), str(dst), data=data, defaults=True, unsafe=False, quiet=True)
    return dst


@pytest.fixture(scope="session")
def ws_dir(tmp_path_factory: pytest.TempPathFactory, npm: str) -> Path:
    """templates/ws rendered into a temp dir with its npm dependencies installed (once per session)."""
    dst = render_ws(tmp_path_factory.mktemp("render") / "ws")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=dst,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )
    return dst


# ---------------------------------------------------------------- running the service


@dataclass
class Service:
    runtime: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str) -> tuple[int, Any]:
        status, body = http_request("GET", self.base + path)
        return status, json.loads(body) if body else None

    def post_event(
        self,
        name: str,
        payload: Any = None,
        *,
        raw: bytes | None = None,
        token: str | None = SECRET,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = raw if raw is not None else json.dumps(payload).encode()
        status, text = http_request("POST", f"{self.base}/events/{name}", body, headers)
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def upgrade_status(self, origin: str | None) -> int:
        """Status of a raw WebSocket upgrade request (101 when accepted)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        headers = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        if origin is not None:
            headers["Origin"] = origin
        try:
            conn.request("GET", "/ws", headers=headers)
            return conn.getresponse().status
        finally:
            conn.close()

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def alive(self) -> bool:
        return self.proc.poll() is None


def runtime_command(runtime: str, bun: str | None, node: str | None) -> list[str]:
    if runtime == "bun":
        assert bun
        return [bun, "src/index.ts"]
    assert node
    return [node, "--import", "tsx", "src/index.ts"]


@pytest.fixture
def start_service(ws_dir: Path, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """start_service(runtime, **env) -> a running Service on a free port, healthy; killed at teardown."""
    started: list[Service] = []

    def start(runtime: str, wait: bool = True, **env: str) -> Service:
        tool = request.getfixturevalue(runtime)
        port = free_port()
        full_env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith("WS_") and k not in ("PORT", "REDIS_URL", "NODE_ENV")
            },
            "WS_HOST": "127.0.0.1",
            "WS_PORT": str(port),
            "WS_EVENTS_SECRET": SECRET,
            "WS_ALLOWED_ORIGINS": ORIGIN,
            "LOG_LEVEL": "warn",
            **env,
        }
        full_env = {k: v for k, v in full_env.items() if v is not None}
        log_path = tmp_path / f"{runtime}-{port}.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                runtime_command(runtime, tool if runtime == "bun" else None, tool if runtime == "node" else None),
                cwd=ws_dir,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        service = Service(runtime, port, proc, log_path)
        started.append(service)
        if wait:

            def healthy() -> bool:
                if proc.poll() is not None:
                    raise AssertionError(f"{runtime} service exited with {proc.returncode}:\n{service.log()}")
                try:
                    return service.get("/health")[0] == 200
                except OSError:
                    return False

            wait_until(healthy, timeout=20, interval=0.05, what=f"{runtime} service /health")
        return service

    yield start
    for service in started:
        if service.proc.poll() is None:
            service.proc.kill()
            service.proc.wait(timeout=10)


# ---------------------------------------------------------------- WebSocket clients (Node `ws`, in one helper process)


@dataclass
class Clients:
    proc: subprocess.Popen[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _send(self, **cmd: Any) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def _find(self, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        with self.lock:
            return next((e for e in self.events if pred(e)), None)

    def wait_event(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10, what: str = "event"
    ) -> dict[str, Any]:
        return wait_until(lambda: self._find(pred), timeout=timeout, what=what)

    def open(self, cid: str, url: str, origin: str | None = ORIGIN, auto_pong: bool = True) -> None:
        self._send(cmd="open", id=cid, url=url, origin=origin, autoPong=auto_pong)
        event = self.wait_event(
            lambda e: e.get("id") == cid and e["ev"] in ("open", "unexpected", "close"), what=f"client {cid} to open"
        )
        assert event["ev"] == "open", event

    def pause(self, cid: str) -> None:
        self._send(cmd="pause", id=cid)
        self.wait_event(lambda e: e.get("id") == cid and e["ev"] == "paused", what=f"client {cid} paused")

    def resume(self, cid: str) -> None:
        self._send(cmd="resume", id=cid)

    def close(self, cid: str) -> None:
        self._send(cmd="close", id=cid)

    def burst(self, url: str, count: int, size: int, concurrency: int = 8, timeout: float = 60) -> dict[str, int]:
        with self.lock:
            self.events = [e for e in self.events if e["ev"] != "burst-done"]
        self._send(cmd="burst", url=url, token=SECRET, count=count, bytes=size, concurrency=concurrency)
        done = self.wait_event(lambda e: e["ev"] == "burst-done", timeout=timeout, what="burst")
        assert "error" not in done, done
        return done["statuses"]

    def messages(self, cid: str) -> list[Any]:
        with self.lock:
            return [
                json.loads(e["data"]) if e.get("data") is not None else {"len": e["len"]}
                for e in self.events
                if e["ev"] == "message" and e["id"] == cid
            ]

    def message_count(self, cid: str) -> int:
        with self.lock:
            return sum(1 for e in self.events if e["ev"] == "message" and e["id"] == cid)

    def closed(self, cid: str) -> dict[str, Any] | None:
        return self._find(lambda e: e.get("id") == cid and e["ev"] == "close")

    def wait_messages(self, cid: str, count: int, timeout: float = 10) -> list[Any]:
        wait_until(
            lambda: self.message_count(cid) >= count,
            timeout=timeout,
            what=f"{count} messages on client {cid} (have {self.message_count(cid)})",
        )
        return self.messages(cid)

    def wait_closed(self, cid: str, timeout: float = 10) -> dict[str, Any]:
        return self.wait_event(
            lambda e: e.get("id") == cid and e["ev"] == "close", timeout=timeout, what=f"client {cid} to close"
        )


@pytest.fixture
def clients(ws_dir: Path, node: str) -> Iterator[Clients]:
    proc = subprocess.Popen(
        [node, str(HERE / "wsclient.cjs"), str(ws_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    helper = Clients(proc)

    def read() -> None:
        assert proc.stdout
        for line in proc.stdout:
            event = json.loads(line)
            with helper.lock:
                helper.events.append(event)

    threading.Thread(target=read, daemon=True).start()
    yield helper
    proc.kill()
    proc.wait(timeout=10)


# ---------------------------------------------------------------- Redis


@dataclass
class RedisServer:
    binary: str
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def accepting() -> bool:
            import socket

            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_until(accepting, timeout=10, what="redis-server to accept connections")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(require_tool("redis-server", "apt-get install -y redis-server"), free_port())
    server.start()
    yield server
    server.stop()


# ---------------------------------------------------------------- the web helpers in a small Next.js-shaped project

WEB_FILES = ("broadcast.ts", "use-realtime.ts", "realtime-core.ts")
WEB_PACKAGES = (
    "next@^15",
    "react@^19",
    "react-dom@^19",
    "@types/react@^19",
    "@types/react-dom@^19",
    "@types/node@^20",
    "typescript@^5",
    "tsx@^4",
    "ws@^8.21",
    "@types/ws@^8",
    "react-test-renderer@^19",
    "@types/react-test-renderer@^19",
)


def render_web(dst: Path, use_after: bool) -> Path:
    """Renders templates/web the way afc does: plain Jinja2, keep_trailing_newline, StrictUndefined."""
    import jinja2

    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    dst.mkdir(parents=True, exist_ok=True)
    for name in WEB_FILES:
        source = (TEMPLATES / "web" / f"{name}.jinja").read_text()
        (dst / name).write_text(env.from_string(source).render(use_after=use_after))
    return dst


@pytest.fixture(scope="session")
def web_dir(tmp_path_factory: pytest.TempPathFactory, npm: str) -> Path:
    """A temp project with next 15, react 19 and the rendered helpers in src/lib/realtime (use_after on) and
    src/lib/realtime-plain (use_after off); npm dependencies installed once per session."""
    root = tmp_path_factory.mktemp("web")
    (root / "package.json").write_text(json.dumps({"name": "web", "private": True, "type": "module"}))
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *WEB_PACKAGES],
        cwd=root,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    (root / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "target": "ES2022",
                    "lib": ["dom", "dom.iterable", "esnext"],
                    "strict": True,
                    "noEmit": True,
                    "module": "esnext",
                    "moduleResolution": "bundler",
                    "jsx": "preserve",
                    "isolatedModules": True,
                    "esModuleInterop": True,
                    "skipLibCheck": True,
                    "resolveJsonModule": True,
                    "paths": {"@/*": ["./src/*"]},
                },
                "include": ["src"],
            },
            indent=2,
        )
    )
    render_web(root / "src/lib/realtime", use_after=True)
    render_web(root / "src/lib/realtime-plain", use_after=False)
    return root
