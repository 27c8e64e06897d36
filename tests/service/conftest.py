"""Fixtures for the service tier: the ws template rendered once, real servers, real clients, real Redis."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.tools import free_port, in_ci, require_tool  # noqa: E402

TEMPLATES = REPO / "templates"
HERE = Path(__file__).resolve().parent
SECRET = "service-test-secret"
# Strong enough for NODE_ENV=production (32+ bytes, random-looking), so that only what a test changes can fail.
METRICS_TOKEN = "mt-7Qx2Lp9Vd4Rk8Zs1Wb6Nc3Hf5Jg0Ty"
STRONG_SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
ORIGIN = "http://app.test"
# Bun, and Node at the floor the template declares (22 LTS) and the current LTS (24).
RUNTIMES = ("bun", "node22", "node24")
NODE_MAJORS = {"node22": "22", "node24": "24"}


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


def _node_runtime(npm: str, major: str) -> str:
    """A Node binary of that major, from the npm registry's `node` package, cached in .cache/ (gitignored)."""
    folder = REPO / ".cache" / "node-runtimes" / major
    binary = folder / "node_modules" / ".bin" / "node"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true}')
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", f"node@{major}"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0 or not binary.exists():
            message = f"could not install node@{major} from the npm registry: {result.stderr[-2000:]}"
            if in_ci():
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith(f"v{major}."), version
    return str(binary)


@pytest.fixture(scope="session")
def node22(npm: str) -> str:
    return _node_runtime(npm, "22")


@pytest.fixture(scope="session")
def node24(npm: str) -> str:
    return _node_runtime(npm, "24")


# ---------------------------------------------------------------- tickets and signed Redis messages, in Python
# An independent implementation of the wire formats (README "Who receives what"), so the tests check the
# service against the documented format rather than against its own code.


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ticket_key(events_secret: str = SECRET, ticket_secret: str | None = None) -> bytes:
    if ticket_secret is not None:
        return ticket_secret.encode()
    return hmac.new(events_secret.encode(), b"afc-ticket-v1", hashlib.sha256).digest()


def mint_ticket(
    sub: str | None,
    channels: list[str],
    *,
    key: bytes | None = None,
    ttl: int = 30,
    iat: int | None = None,
    exp: int | None = None,
    nonce: str | None = None,
) -> str:
    now = int(time.time())
    issued = now if iat is None else iat
    claims = {
        "sub": sub,
        "ch": channels,
        "iat": issued,
        "exp": issued + ttl if exp is None else exp,
        "n": secrets.token_urlsafe(16) if nonce is None else nonce,
    }
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key or ticket_key(), f"v1.{payload}".encode(), hashlib.sha256).digest()
    return f"v1.{payload}.{b64url(signature)}"


def redis_key(events_secret: str = SECRET) -> bytes:
    return hmac.new(events_secret.encode(), b"afc-redis-v1", hashlib.sha256).digest()


def sign_redis_message(
    envelope: str,
    to: str = "public",
    *,
    key: bytes | None = None,
    origin: str = "py-test",
    ms: int | None = None,
    nonce: str | None = None,
) -> str:
    nonce = secrets.token_urlsafe(12) if nonce is None else nonce
    head = f"afc2\n{origin}\n{int(time.time() * 1000) if ms is None else ms}\n{nonce}\n{to}"
    signature = hmac.new(key or redis_key(), f"{head}\n{envelope}".encode(), hashlib.sha256).digest()
    return f"{head}\n{b64url(signature)}\n{envelope}"


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

    def ws_url_with(self, ticket: str) -> str:
        return f"{self.ws_url}?{urllib.parse.urlencode({'ticket': ticket})}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, metrics: bool = True) -> tuple[int, Any]:
        """GET `path`, with the metrics token (WS_METRICS_TOKEN) unless `metrics` is False."""
        headers = {"Authorization": f"Bearer {METRICS_TOKEN}"} if metrics else {}
        status, body = http_request("GET", self.base + path, headers=headers)
        return status, json.loads(body) if body else None

    def post_event(
        self,
        name: str,
        payload: Any = None,
        *,
        raw: bytes | None = None,
        token: str | None = SECRET,
        content_type: str = "application/json",
        to: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        body = raw if raw is not None else json.dumps(payload).encode()
        query = "" if to is None else "?" + urllib.parse.urlencode({"to": to})
        status, text = http_request("POST", f"{self.base}/events/{name}{query}", body, all_headers)
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


def runtime_command(runtime: str, binary: str) -> list[str]:
    if runtime == "bun":
        return [binary, "src/index.ts"]
    return [binary, "--import", "tsx", "src/index.ts"]


@pytest.fixture
def start_service(ws_dir: Path, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """start_service(runtime, **env) -> a running Service on a free port, healthy; killed at teardown."""
    started: list[Service] = []

    def start(runtime: str, wait: bool = True, open_files: int | None = None, **env: str | None) -> Service:
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
            "WS_METRICS_TOKEN": METRICS_TOKEN,
            "LOG_LEVEL": "warn",
            "LOG_FORMAT": "json",  # read by machine here; test_diagnostics.py reads the default, as people do
            **env,
        }
        full_env = {k: v for k, v in full_env.items() if v is not None}
        log_path = tmp_path / f"{runtime}-{port}.log"
        command = runtime_command(runtime, tool)
        if open_files is not None:  # the service under a lower open-file limit (`ulimit -n`)
            command = ["bash", "-c", f'ulimit -n {open_files} && exec "$@"', "bash", *command]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                command,
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
        event = self.attempt(cid, url, origin, auto_pong)
        assert event["ev"] == "open", event

    def attempt(self, cid: str, url: str, origin: str | None = ORIGIN, auto_pong: bool = True) -> dict[str, Any]:
        """Opens a client; returns its first open / unexpected (HTTP status) / close event."""
        self._send(cmd="open", id=cid, url=url, origin=origin, autoPong=auto_pong)
        return self.wait_event(
            lambda e: e.get("id") == cid and e["ev"] in ("open", "unexpected", "close"), what=f"client {cid} to open"
        )

    def pause(self, cid: str) -> None:
        self._send(cmd="pause", id=cid)
        self.wait_event(lambda e: e.get("id") == cid and e["ev"] == "paused", what=f"client {cid} paused")

    def resume(self, cid: str) -> None:
        self._send(cmd="resume", id=cid)

    def close(self, cid: str) -> None:
        self._send(cmd="close", id=cid)

    def send(self, cid: str, data: str) -> None:
        """Sends a text message on client `cid` (a ticket, as the browser hook does)."""
        self._send(cmd="send", id=cid, data=data)

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

    def publish(self, channel: str, message: str | bytes) -> int:
        """PUBLISH over a raw RESP connection; returns the number of subscribers that received it."""
        import socket

        data = message.encode() if isinstance(message, str) else message
        parts = [b"PUBLISH", channel.encode(), data]
        command = b"*3\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(command)
            reply = b""
            while not reply.endswith(b"\r\n"):
                chunk = sock.recv(64)
                assert chunk, "redis closed the connection"
                reply += chunk
        assert reply.startswith(b":"), reply
        return int(reply[1:-2])

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

WEB_PACKAGES = (
    "next@^15",
    "react@^19",
    "react-dom@^19",
    "@types/react@^19",
    "@types/react-dom@^19",
    "@types/node@^22",
    "typescript@^5",
    "tsx@^4",
    "ws@^8.21",
    "@types/ws@^8",
    "react-test-renderer@^19",
    "@types/react-test-renderer@^19",
)


def render_web(dst: Path, use_after: bool) -> Path:
    """Renders templates/web with afc's own renderer, every file of it."""
    from afc_realtime.render import render_web_helpers

    dst.mkdir(parents=True, exist_ok=True)
    for name, data in render_web_helpers({"use_after": use_after}).items():
        (dst / name).write_bytes(data)
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
