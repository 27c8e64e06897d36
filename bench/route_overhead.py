#!/usr/bin/env python
"""Route overhead (issue 6, item 5): what `afc add websocket` adds to the latency of `POST /api/todos`.

Two copies of examples/todo-app are prepared the way tests/e2e/conftest.py prepares its one (copy, `.env`
from `.env.example`, ports and DATABASE_URL in `.env`, `bun install`, `bun run build`): "base" untouched and
"patched" with `afc add websocket --yes`. Both run with `next start` at the same time, on their own loopback
ports, against the same private PostgreSQL database. Then, for each state of the ws service —

  up    the generated service (`bun run start` in apps/ws) listening on WS_INTERNAL_URL's port
  down  nothing listening on that port
  hung  a TCP listener on that port that accepts and never answers (tests/e2e HungListener)

— it runs `--rounds` rounds of `--per-round` POSTs to each app, interleaved pair by pair (patched then base
or base then patched, the order drawn per pair), after a warm-up. One request at a time, a new connection
each (tests/e2e `http()`). A "aa" phase first does the same with two `next start` processes of the base
build, to show how far apart two identical servers measure (the noise floor of the difference).

Per round: p50 and p99 of each side, the difference of the p50s (patched - base, ms) and their ratio.
Reported: median [min-max] of those over the rounds, and p50/p99 pooled over all the phase's requests.

    python bench/route_overhead.py --rounds 12 --per-round 200 --json bench/results/route_overhead.json

Uses tests/e2e/e2e_support.py for the project, the services, the hung listener and HTTP; needs bun, node and
the PostgreSQL server binaries, like the e2e tier. Logs of every command and server: <workdir>/logs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pwd
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e import e2e_support as e2e  # noqa: E402
from tests.e2e.e2e_support import (  # noqa: E402
    EXAMPLE,
    HungListener,
    Postgres,
    Project,
    Service,
    Tools,
    _postgres_bin,
    http,
    parse_env_file,
    port_open,
    run,
    set_env_values,
)
from tests.support.tools import free_port, require_tool  # noqa: E402


def find_tools() -> Tools:
    return Tools(
        bun=require_tool("bun", "npm install -g bun"),
        node=require_tool("node", "install Node.js 20 or newer"),
        chromium="",  # not used here
        initdb=require_tool("initdb", "apt-get install -y postgresql", _postgres_bin("initdb")),
        pg_ctl=require_tool("pg_ctl", "apt-get install -y postgresql", _postgres_bin("pg_ctl")),
        psql=require_tool("psql", "apt-get install -y postgresql", _postgres_bin("psql")),
    )


# --------------------------------------------------------------------------------------------------
# Set-up (as tests/e2e/conftest.py does it)


class PostgresServer:
    """tests/e2e/conftest.py's `postgres` fixture as a context manager: private server, free port."""

    def __init__(self, tools: Tools, base: Path) -> None:
        self.tools, self.base = tools, base
        self.as_postgres: list[str] = []
        self.server: Postgres | None = None

    def __enter__(self) -> Postgres:
        base = self.base
        if base.exists():
            shutil.rmtree(base)
        data, sockets = base / "data", base / "sockets"
        for folder in (base, sockets):
            folder.mkdir(parents=True)
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            account = pwd.getpwnam("postgres")
            for folder in (base, sockets):
                os.chown(folder, account.pw_uid, account.pw_gid)
            self.as_postgres = [require_tool("runuser", "util-linux provides runuser"), "-u", "postgres", "--"]
        run(
            [
                *self.as_postgres,
                self.tools.initdb,
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            timeout=120,
            what="initdb",
        )
        port = free_port()
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        run(
            [
                *self.as_postgres,
                self.tools.pg_ctl,
                "-D",
                data,
                "-l",
                base / "server.log",
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            timeout=90,
            what="pg_ctl start",
        )
        self.server = Postgres(port=port, psql=self.tools.psql)
        self.server.sql("postgres", "-c", "CREATE DATABASE todo")
        return self.server

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            [*self.as_postgres, self.tools.pg_ctl, "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )


def prepare(tools: Tools, workdir: Path, name: str, patched: bool, reuse: bool) -> Project:
    """A copy of the example, optionally with `afc add websocket`, installed and built (kept for --reuse)."""
    root = workdir / name
    stamp = root / ".bench-built"
    proj = Project(root=root, tools=tools, web_port=0, ws_port=0)
    if reuse and stamp.is_file() and (proj.web / ".next" / "BUILD_ID").is_file():
        print(f"[setup] reusing {root} ({stamp.read_text().strip()})", flush=True)
        return proj
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("node_modules", ".next", ".turbo", ".env"))
    shutil.copy(root / ".env.example", root / ".env")
    started = time.monotonic()
    if patched:
        proj.afc("add", "websocket")
    proj.install_and_build(name)
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    stamp.write_text(f"built from afc {head} at {time.strftime('%H:%M:%S')}\n")
    print(
        f"[setup] {name}: {'afc add + ' if patched else ''}install + build in {time.monotonic() - started:.0f}s",
        flush=True,
    )
    return proj


def configure(proj: Project, web_port: int, ws_port: int, database_url: str) -> None:
    proj.web_port, proj.ws_port = web_port, ws_port
    values = {"DATABASE_URL": database_url}
    if "WS_INTERNAL_URL" in parse_env_file(proj.root / ".env"):
        values.update(
            {
                "NEXT_PUBLIC_WS_URL": f"ws://127.0.0.1:{ws_port}",
                "WS_INTERNAL_URL": f"http://127.0.0.1:{ws_port}",
                "WS_PORT": str(ws_port),
                "WS_ALLOWED_ORIGINS": f"http://127.0.0.1:{web_port}",
            }
        )
    set_env_values(proj.root / ".env", values)


def web_service(proj: Project, port: int, name: str) -> Service:
    """proj.web_service() on `port` (two servers may run from one build)."""
    saved = proj.web_port
    proj.web_port = port
    try:
        service = proj.web_service()
    finally:
        proj.web_port = saved
    service.name = f"web-{name}-{port}"
    url = f"http://127.0.0.1:{port}"
    service.ready = lambda: http("GET", f"{url}/api/todos", timeout=5)[0] == 200
    return service


# --------------------------------------------------------------------------------------------------
# Measurement


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


class Runner:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seq = 0
        self.errors: list[str] = []

    def post(self, url: str) -> float:
        self.seq += 1
        status, body, elapsed = http("POST", f"{url}/api/todos", {"title": f"bench {self.seq}"}, timeout=10)
        if status != 201:
            self.errors.append(f"{url}: HTTP {status} {str(body)[:200]}")
        return elapsed * 1000.0

    def warm(self, urls: list[str], count: int) -> None:
        for _ in range(count):
            for url in urls:
                self.post(url)

    def phase(self, name: str, patched_url: str, base_url: str, rounds: int, per_round: int, warmup: int) -> dict:
        self.warm([patched_url, base_url], warmup)
        result: dict = {"phase": name, "rounds": []}
        for index in range(rounds):
            p_times: list[float] = []
            b_times: list[float] = []
            started = time.monotonic()
            order: list[str] = []  # "p"/"b" in the order sent, to split by what came just before
            for _ in range(per_round):
                pair = ("p", "b") if self.rng.random() < 0.5 else ("b", "p")
                for side in pair:
                    if side == "p":
                        p_times.append(self.post(patched_url))
                    else:
                        b_times.append(self.post(base_url))
                    order.append(side)
            row = {
                "round": index + 1,
                "seconds": time.monotonic() - started,
                "load1": os.getloadavg()[0],
                "patched_p50": pct(p_times, 0.5),
                "patched_p99": pct(p_times, 0.99),
                "base_p50": pct(b_times, 0.5),
                "base_p99": pct(b_times, 0.99),
                "patched_ms": p_times,
                "base_ms": b_times,
                "order": "".join(order),
            }
            row["diff_p50"] = row["patched_p50"] - row["base_p50"]
            row["ratio_p50"] = row["patched_p50"] / row["base_p50"]
            row["diff_p99"] = row["patched_p99"] - row["base_p99"]
            row["ratio_p99"] = row["patched_p99"] / row["base_p99"]
            result["rounds"].append(row)
            print(
                f"[{name}] round {index + 1:2d}: patched p50 {row['patched_p50']:6.2f} p99 {row['patched_p99']:7.2f}"
                f" | base p50 {row['base_p50']:6.2f} p99 {row['base_p99']:7.2f} | diff p50 {row['diff_p50']:+6.2f}"
                f" ms ratio {row['ratio_p50']:.3f} | load {row['load1']:.2f}",
                flush=True,
            )
        rows = result["rounds"]
        all_p = [t for r in rows for t in r["patched_ms"]]
        all_b = [t for r in rows for t in r["base_ms"]]
        result["summary"] = {
            key: spread([r[key] for r in rows])
            for key in (
                "patched_p50",
                "patched_p99",
                "base_p50",
                "base_p99",
                "diff_p50",
                "ratio_p50",
                "diff_p99",
                "ratio_p99",
            )
        }
        # Split each side by whether the request just before it went to the same server (its after() work,
        # if any, may still be running there) or to the other one.
        split: dict[str, list[float]] = {"p_after_p": [], "p_after_b": [], "b_after_b": [], "b_after_p": []}
        for r in rows:
            its = {"p": iter(r["patched_ms"]), "b": iter(r["base_ms"])}
            prev = None
            for side in r["order"]:
                ms = next(its[side])
                if prev is not None:
                    split[f"{side}_after_{prev}"].append(ms)
                prev = side
        result["split"] = {k: {"n": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99)} for k, v in split.items()}
        result["pooled"] = {
            "patched_p50": pct(all_p, 0.5),
            "patched_p99": pct(all_p, 0.99),
            "base_p50": pct(all_b, 0.5),
            "base_p99": pct(all_b, 0.99),
            "patched_max": max(all_p),
            "base_max": max(all_b),
            "requests_each": len(all_p),
        }
        return result


def fmt(s: dict[str, float], digits: int = 2, sign: str = "") -> str:
    return f"{s['median']:{sign}.{digits}f} [{s['min']:{sign}.{digits}f} – {s['max']:{sign}.{digits}f}]"


def report(results: list[dict]) -> str:
    lines = [
        "",
        "phase | patched p50 ms | patched p99 ms | base p50 ms | base p99 ms | diff p50 ms (patched-base)"
        " | ratio p50 | diff p99 ms | ratio p99 | pooled p50 patched/base | pooled p99 patched/base",
    ]
    for res in results:
        s, p = res["summary"], res["pooled"]
        lines.append(
            f"{res['phase']} | {fmt(s['patched_p50'])} | {fmt(s['patched_p99'])} | {fmt(s['base_p50'])} | "
            f"{fmt(s['base_p99'])} | {fmt(s['diff_p50'], sign='+')} | {fmt(s['ratio_p50'], 3)} | "
            f"{fmt(s['diff_p99'], sign='+')} | {fmt(s['ratio_p99'], 3)} | "
            f"{p['patched_p50']:.2f}/{p['base_p50']:.2f} | {p['patched_p99']:.2f}/{p['base_p99']:.2f}"
        )
    lines += ["", "pooled, split by the request just before (same server or the other): p50 / p99 ms (n)"]
    for res in results:
        sp = res["split"]
        lines.append(
            f"{res['phase']} | " + " | ".join(f"{k} {v['p50']:.2f} / {v['p99']:.2f} ({v['n']})" for k, v in sp.items())
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--per-round", type=int, default=200, help="POSTs to each app per round")
    parser.add_argument("--warmup", type=int, default=100, help="POSTs to each app before each phase")
    parser.add_argument("--phases", default="aa,up,down,hung")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/afc-bench-route"))
    parser.add_argument("--reuse", action="store_true", help="reuse builds left in --workdir by an earlier run")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    phases = [p for p in args.phases.split(",") if p]
    assert set(phases) <= {"aa", "up", "down", "hung"}, phases

    tools = find_tools()
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.workdir.chmod(0o755)
    e2e.LOGS = args.workdir / "logs"  # run() and Service write their logs here, not in artifacts/e2e
    e2e.LOGS.mkdir(exist_ok=True)

    base = prepare(tools, args.workdir, "base", patched=False, reuse=args.reuse)
    patched = prepare(tools, args.workdir, "patched", patched=True, reuse=args.reuse)
    with PostgresServer(tools, args.workdir / "postgres") as pg:
        pg.sql("todo", "-f", str(base.root / "packages" / "db" / "migrations" / "0000_init.sql"))
        ports: set[int] = set()
        while len(ports) < 4:
            ports.add(free_port())
        base_port, base2_port, patched_port, ws_port = sorted(ports, key=lambda _: random.random())
        configure(base, base_port, ws_port, pg.url("todo"))
        configure(patched, patched_port, ws_port, pg.url("todo"))
        web_base = web_service(base, base_port, "base")
        web_base2 = web_service(base, base2_port, "base2")
        web_patched = web_service(patched, patched_port, "patched")
        ws = patched.ws_service()
        runner = Runner(random.Random(args.seed))
        results: list[dict] = []
        meta = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "afc_head": subprocess.run(
                ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True
            ).stdout.strip(),
            "node": subprocess.run([tools.node, "--version"], capture_output=True, text=True).stdout.strip(),
            "bun": subprocess.run([tools.bun, "--version"], capture_output=True, text=True).stdout.strip(),
            "args": {k: str(v) for k, v in vars(args).items()},
        }
        print(
            f"[setup] base :{base_port} (+ :{base2_port} for aa), patched :{patched_port}, ws :{ws_port}, "
            f"postgres :{pg.port}",
            flush=True,
        )
        started_all = time.monotonic()
        try:
            web_base.start(timeout=90)
            web_patched.start(timeout=90)
            base_url, patched_url = f"http://127.0.0.1:{base_port}", f"http://127.0.0.1:{patched_port}"
            for phase in phases:
                t0 = time.monotonic()
                if phase == "aa":
                    web_base2.start(timeout=90)
                    try:
                        # "patched" side = a second server of the base build
                        res = runner.phase(
                            "aa", f"http://127.0.0.1:{base2_port}", base_url, args.rounds, args.per_round, args.warmup
                        )
                    finally:
                        web_base2.stop()
                elif phase == "up":
                    ws.start(timeout=60)
                    ws_log = Path(ws.log_path)
                    accepted_before = ws_log.read_text(errors="replace").count('"statusCode":202')
                    try:
                        res = runner.phase("up", patched_url, base_url, args.rounds, args.per_round, args.warmup)
                        time.sleep(0.5)
                        health = http("GET", f"{patched.ws_http_url}/health", timeout=2)
                        res["check"] = {
                            "ws_health": health[1],
                            "events_accepted_202": ws_log.read_text(errors="replace").count('"statusCode":202')
                            - accepted_before,
                            "patched_posts": args.rounds * args.per_round + args.warmup,
                        }
                    finally:
                        ws.stop()
                elif phase == "down":
                    assert not port_open(ws_port), f"something listens on {ws_port}"
                    log_before = (
                        Path(web_patched.log_path).read_text(errors="replace").count("broadcast todo-created failed")
                    )
                    res = runner.phase("down", patched_url, base_url, args.rounds, args.per_round, args.warmup)
                    time.sleep(0.5)
                    log_after = (
                        Path(web_patched.log_path).read_text(errors="replace").count("broadcast todo-created failed")
                    )
                    res["check"] = {
                        "failed_broadcast_warnings": log_after - log_before,
                        "patched_posts": args.rounds * args.per_round + args.warmup,
                    }
                else:  # hung
                    with HungListener(ws_port) as hung:
                        res = runner.phase("hung", patched_url, base_url, args.rounds, args.per_round, args.warmup)
                        time.sleep(0.3)
                        received = hung.received()
                        res["check"] = {
                            "accepted_connections": len(hung.accepted),
                            "event_posts_received": received.count(b"POST /events/todo-created"),
                            "patched_posts": args.rounds * args.per_round + args.warmup,
                        }
                        time.sleep(2.0)  # let the 1.5 s timeouts fire before the listener goes
                res["seconds"] = time.monotonic() - t0
                if "check" in res:
                    print(f"[{phase}] check: {res['check']}", flush=True)
                results.append(res)
        finally:
            web_patched.stop()
            web_base.stop()
            ws.stop()
            web_base2.stop()
            if (args.workdir / "postgres" / "server.log").exists():
                shutil.copy(args.workdir / "postgres" / "server.log", e2e.LOGS / "postgres.log")
        meta["measure_seconds"] = time.monotonic() - started_all
        meta["errors"] = runner.errors[:50]
        meta["error_count"] = len(runner.errors)
        text = report(results)
        print(text)
        print(f"\nnon-201 answers: {len(runner.errors)}; measuring took {meta['measure_seconds']:.0f}s")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"meta": meta, "phases": results}, indent=1))


if __name__ == "__main__":
    main()
