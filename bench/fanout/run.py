#!/usr/bin/env python3
"""Broadcast fan-out and slow-consumer benchmarks: the generated service (templates/ws) against a bare `ws`
broadcast server (bench/fanout/bare-ws.mjs), on Node and on Bun, side by side and interleaved.

    python bench/fanout/run.py fanout [--clients 1000,5000] [--rounds 3] [--targets ...] [--json out.json]
    python bench/fanout/run.py slow   [--rounds 2] [--json out.json]

Targets:  bare-node  node bench/fanout/bare-ws.mjs            (the baseline)
          gen-node   node --import tsx src/index.ts           (templates/ws rendered with copier, npm install)
          gen-bun    bun src/index.ts
          bare-bun   bun bench/fanout/bare-ws.mjs                (`ws` API on Bun: a loop of send())
          bare-bunps bun bench/fanout/bare-bun.mjs               (Bun.serve native pub/sub: the Bun baseline)
          bare-bunps-opts  the same with the generated service's socket options (BARE_SERVICE_OPTIONS=1)
          gen-bun-before / gen-node-before   the service with src/*.ts of --before (default dce718e)
          gen-node-url / gen-bun-url   the same service as gen-node / gen-bun, its clients showing their ticket
                     in the URL (`?ticket=`, deprecated) instead of the first message: the ticket's own cost
          sio        node bench/fanout/socketio-server.mjs       (Socket.IO 4, websocket transport; installed
                                                                 into <workdir>/sio; what users would pick instead)
Every trial starts a fresh server (so peak RSS is that trial's), then runs bench/fanout/load.mjs (its own
Node process) against it. Within a round, targets run in a shuffled order; ratios are per round against
bare-node of the same round (and gen-bun against bare-bunps, Bun.serve's native pub/sub, too), reported as
median [min-max].

Tickets (the generated service's clients only; bare servers and Socket.IO get none): with --channels or
--tickets, gen-node / gen-bun clients send their ticket as the first message (the web helpers' way), the -url
and -before targets' clients in the URL (services before issue 21 read only that). --tickets alone gives each
client a `user:<j>` channel of its own (a signed-in user) and still broadcasts to everyone; the bare servers'
clients then join a `user:<j>` channel of their own too (`?ch=`), so that every target keeps two subscriptions a
socket (on Bun, a second topic a socket costs about 0.4 µs a delivery: BENCHMARKS §16).

fanout: per C, two modes: "full" (--events = 300000/C, 4 POSTs in flight) and "rate" (20000/C events/s,
        i.e. 20 000 deliveries/s in all, for 2 s). The first run (C=1000, C=5000) used a flat 20 events/s,
        40 events; at C=5000 that asks 100 000 deliveries/s, which saturates this 2-core machine.
        --channels K (one or a list): clients spread over K `user:` channels (tickets for the generated
        service), each event to one channel, --channel-events events, 4 POSTs in flight. --members M: only
        K*M clients join a channel (M each), the rest none, so the sockets and each event's recipients stay
        the same while K changes (per-event cost against the channel count).
slow:   --healthy healthy clients + --slow-clients clients that stop reading, --events events of ~1 KiB at full
        speed, against the same run with no slow client: server RSS growth (per slow client too) and healthy
        clients' p50/p99. --cap sets WS_MAX_BUFFERED_BYTES (the total cap is lifted so only it acts).
Every trial records the 1-minute load average before it (the machine is shared), and the share of the CPUs
busy over the second before it (`cpu_busy_before`). --max-busy F waits (up to 10 min) before each trial until
that share is at most F; --pin puts the server on CPU 0 and the load client on CPU 1 (`taskset`).

The service is rendered once into --workdir (default /tmp/afc-bench-fanout/ws). Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SOCKET_IO = "socket.io@4.8.4"
SECRET = "bench-secret"
ORIGIN = "http://app.test"


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1_048_576
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        target = soft
    return target


def render(workdir: Path) -> Path:
    """Renders templates/ws into workdir/ws every time (so template edits are what is measured); runs
    `npm install` only when package.json changed or node_modules is missing."""
    import copier

    dst = workdir / "ws"
    fresh = workdir / "ws.render"
    if fresh.exists():
        shutil.rmtree(fresh)
    copier.run_copy(str(REPO / "templates" / "ws"), str(fresh), defaults=True, unsafe=False, quiet=True)
    package = (fresh / "package.json").read_text()
    installed = (dst / "package.json").read_text() if (dst / "package.json").is_file() else None
    if dst.exists():
        if (dst / "node_modules").is_dir() and package == installed:
            (dst / "node_modules").rename(fresh / "node_modules")
        shutil.rmtree(dst)
    fresh.rename(dst)
    if not (dst / "node_modules" / "ws").is_dir():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=dst,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )
    return dst


def render_before(ws_dir: Path, commit: str) -> Path:
    """A copy of the rendered service whose src/*.ts are those of `commit` (its template's plain .ts files; the
    .jinja ones, config.ts, stay as rendered now): the `gen-bun-before` / `gen-node-before` targets."""
    before = ws_dir.parent / "ws-before"
    if before.exists():
        shutil.rmtree(before)
    shutil.copytree(ws_dir, before, ignore=shutil.ignore_patterns("node_modules"))
    (before / "node_modules").symlink_to(ws_dir / "node_modules")
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", commit, "templates/ws/template/src/"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for path in listing:
        if path.endswith(".ts"):
            text = subprocess.run(
                ["git", "show", f"{commit}:{path}"], cwd=REPO, check=True, capture_output=True, text=True
            ).stdout
            (before / "src" / Path(path).name).write_text(text)
    return before


def install_socketio(workdir: Path) -> Path:
    """Socket.IO for the `sio` target, in a folder of its own (the service's dependencies stay as generated)."""
    folder = workdir / "sio"
    if not (folder / "node_modules" / "socket.io").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"name": "sio-bench", "private": true, "type": "module"}\n')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", SOCKET_IO],
            cwd=folder,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )
    return folder / "node_modules"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bun_path() -> str:
    return shutil.which("bun") or str(Path.home() / ".bun/bin/bun")


def command(target: str, ws_dir: Path) -> tuple[list[str], Path]:
    if target == "bare-node":
        return ["node", str(HERE / "bare-ws.mjs")], ws_dir
    if target == "bare-bun":
        return [bun_path(), str(HERE / "bare-ws.mjs")], ws_dir
    if target in ("gen-node", "gen-node-url"):
        return ["node", "--import", "tsx", "src/index.ts"], ws_dir
    if target in ("gen-bun", "gen-bun-url"):
        return [bun_path(), "src/index.ts"], ws_dir
    if target == "gen-bun-before":
        return [bun_path(), "src/index.ts"], ws_dir.parent / "ws-before"
    if target == "gen-node-before":
        return ["node", "--import", "tsx", "src/index.ts"], ws_dir.parent / "ws-before"
    if target in ("bare-bunps", "bare-bunps-opts"):
        return [bun_path(), str(HERE / "bare-bun.mjs")], ws_dir
    if target == "sio":
        return ["node", str(HERE / "socketio-server.mjs")], ws_dir
    raise SystemExit(f"unknown target {target}")


class Server:
    def __init__(self, target: str, ws_dir: Path, extra_env: dict[str, str] | None = None):
        self.target = target
        self.port = free_port()
        argv, cwd = command(target, ws_dir)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("WS_") and k not in ("PORT", "REDIS_URL", "NODE_ENV")
        }
        env.update(
            {
                "WS_HOST": "127.0.0.1",
                "WS_PORT": str(self.port),
                "WS_EVENTS_SECRET": SECRET,
                "WS_METRICS_TOKEN": SECRET,
                "WS_ALLOWED_ORIGINS": ORIGIN,
                "LOG_LEVEL": "error",
                # The service's per-address cap (100) would refuse all but 100 of the loopback load clients.
                "WS_MAX_CONNECTIONS_PER_ADDRESS": "1000000",
                "WS_MAX_CONNECTIONS": "1000000",
                "WS_MODULE_DIR": str(ws_dir / "node_modules"),
                "SIO_MODULE_DIR": str(ws_dir.parent / "sio" / "node_modules"),
            }
        )
        if target == "bare-bunps-opts":
            env["BARE_SERVICE_OPTIONS"] = "1"
        env.update(extra_env or {})
        self.log = open(f"/tmp/afc-bench-{target}-{self.port}.log", "wb")  # noqa: SIM115 (closed in stop())
        argv = [*PIN["server"], *argv]  # taskset execs the server: its pid stays the one measured
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{target} exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{target} did not become healthy")
            time.sleep(0.05)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()


# --pin: the server on one CPU, the load client on the other (set in main), so that they never take turns on
# one core; --max-busy: before each trial, wait until the machine's other work is under that share of it.
PIN: dict[str, list[str]] = {"server": [], "load": []}
MAX_BUSY: float | None = None
# --client: the runtime that runs load.mjs. Node's `ws` client costs ~3.5 µs of CPU a delivery, more than
# either Bun server spends, so with it the Bun comparisons measure the load client; Bun's own WebSocket
# client costs about half, and leaves the Bun servers the bound (BENCHMARKS §16).
CLIENT = "node"


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over `seconds` (from /proc/stat): other work, taken between trials."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_until_quiet(limit: float | None, give_up_s: float = 600) -> float:
    """The machine's busy share once it is at most `limit` (or after give_up_s: then as it is)."""
    busy = cpu_busy()
    deadline = time.monotonic() + give_up_s
    while limit is not None and busy > limit and time.monotonic() < deadline:
        time.sleep(4)
        busy = cpu_busy()
    return busy


def ticket_mode(target: str, tickets: bool) -> str:
    """How a target's load clients show their ticket (see the module's docstring)."""
    if not tickets or not target.startswith("gen-"):
        return "none"
    return "url" if target.endswith(("-url", "-before")) else "message"


def run_load(server: Server, ws_dir: Path, **kw) -> dict:
    runtime = [bun_path()] if CLIENT == "bun" else ["node"]
    argv = [
        *PIN["load"],
        *runtime,
        # (node) V8 pretenures an allocation site whose objects survived scavenges. While the clients open, the
        # service's ticket acknowledgements arrive slowly enough to survive, so the receive path's sites were
        # pretenured for `--ticket message` clients only, and each delivery's garbage then went to the old
        # generation: 3.5x the load client's GC time and ~12 % its CPU a delivery, which is the bound in the
        # Bun runs (BENCHMARKS §16). Off, every mode's client does the same work a delivery.
        *(["--no-allocation-site-pretenuring"] if CLIENT == "node" else []),
        str(HERE / "load.mjs"),
        "--base",
        server.base,
        "--pid",
        str(server.proc.pid),
        "--secret",
        SECRET,
        "--origin",
        ORIGIN,
        "--ws-module-dir",
        str(ws_dir / "node_modules"),
    ]
    if server.target == "sio":
        argv += ["--protocol", "socketio"]
    for key, value in kw.items():
        if key == "own_topic":
            argv += ["--own-topic"] if value else []
            continue
        argv += [f"--{key.replace('_', '-')}", str(value)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if out.returncode != 0 or not out.stdout.strip():
        return {"error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def trial(target: str, ws_dir: Path, extra_env: dict[str, str] | None = None, **kw) -> dict:
    busy_before = wait_until_quiet(MAX_BUSY)
    load_before = os.getloadavg()[0]
    server = Server(target, ws_dir, extra_env)
    try:
        time.sleep(0.3)
        result = run_load(server, ws_dir, **kw)
    finally:
        server.stop()
    result["target"] = target
    result["loadavg_1m"] = [load_before, os.getloadavg()[0]]
    result["cpu_busy_before"] = busy_before
    return result


def med(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def fanout(args, ws_dir: Path) -> dict:
    targets = args.targets.split(",")
    clients = [int(c) for c in args.clients.split(",")]
    rng = random.Random(11)
    results: list[dict] = []
    channel_counts = [int(k) for k in str(args.channels).split(",")]
    for c in clients:
        for mode in args.modes.split(",") if channel_counts == [0] else [f"ch{k}" for k in channel_counts]:
            kw = {"clients": c}
            if mode.startswith("ch"):
                kw.update(events=args.channel_events, rate=0, concurrency=4, channels=int(mode[2:]))
                if args.members:
                    kw.update(members=args.members)
            elif mode == "full":
                kw.update(events=max(30, args.deliveries // c), rate=0, concurrency=4)
            else:
                # fixed rate: --rate-deliveries per second in all (20 events/s at C=1000), for ~2 s
                rate = max(1.0, args.rate_deliveries / c)
                kw.update(events=max(10, int(rate * 2)), rate=rate)
            for r in range(args.rounds):
                order = targets[:]
                rng.shuffle(order)
                for target in order:
                    tickets = mode.startswith("ch") or args.tickets
                    own = args.tickets and not mode.startswith("ch") and target.startswith("bare-")
                    res = trial(target, ws_dir, ticket=ticket_mode(target, tickets), own_topic=own, **kw)
                    res.update({"C": c, "mode": mode, "round": r})
                    results.append(res)
                    lat = res.get("latency_ms", {})
                    brief = (
                        f"{res.get('deliveries_per_s', 0):9.0f} deliv/s  p50 {lat.get('p50') or 0:.1f}  "
                        f"p99 {lat.get('p99') or 0:.1f}  hwm {res.get('rss_kib', {}).get('hwm')} KiB  "
                        f"cpu/1k {res.get('server_cpu_ms_per_1k_deliveries') or 0:.3f} ms  "
                        f"incomplete {res.get('incomplete_events')}  opened {res.get('opened')}  "
                        f"load {res['loadavg_1m'][0]:.2f}  busy {res['cpu_busy_before']:.2f}"
                    )
                    print(
                        f"C={c} {mode} r{r} {target:9} {brief if 'error' not in res else res['error'][:300]}",
                        flush=True,
                    )
    summarize_fanout(results, targets, clients)
    if len(channel_counts) > 1:
        summarize_channel_counts(results, targets, clients, channel_counts)
    return {"results": results}


def summarize_channel_counts(results: list[dict], targets: list[str], clients: list[int], counts: list[int]) -> None:
    """Server CPU per event at each channel count, and the last count's over the first, per round."""
    first, last = f"ch{counts[0]}", f"ch{counts[-1]}"
    print(f"\nserver CPU µs per event by channel count; {last} / {first} per round, then median [min-max]")
    for c in clients:
        for t in targets:
            mine = [r for r in results if r["C"] == c and r["target"] == t and r.get("server_cpu_ms_per_event")]
            cells = []
            for k in counts:
                at_k = [r["server_cpu_ms_per_event"] * 1000 for r in mine if r["mode"] == f"ch{k}"]
                cells.append(f"ch{k} {med(at_k)}")
            by_round: dict[int, dict[str, float]] = {}
            for r in mine:
                by_round.setdefault(r["round"], {})[r["mode"]] = r["server_cpu_ms_per_event"]
            ratio = [v[last] / v[first] for v in by_round.values() if first in v and last in v]
            print(f"  C={c} {t:14} {'  '.join(cells)}  {last}/{first} {med(ratio)}x")


PAIRS = (
    ("gen-bun", "gen-bun-before"),
    ("gen-node", "gen-node-before"),
    ("gen-bun-before", "bare-bunps"),
    ("gen-bun", "bare-bunps"),
    ("gen-bun", "bare-bunps-opts"),
    ("bare-bunps-opts", "bare-bunps"),
    ("gen-bun", "bare-bun"),
    ("gen-node", "bare-node"),
    ("gen-node", "gen-node-url"),
    ("gen-bun", "gen-bun-url"),
    ("gen-bun", "sio"),
    ("gen-node", "sio"),
    ("sio", "bare-node"),
)


def summarize_fanout(results: list[dict], targets: list[str], clients: list[int]) -> None:
    print("\nmedian [min-max] over rounds; ratios are per round (same round's pair), then median [min-max]")
    for c in clients:
        for mode in sorted({r["mode"] for r in results}):
            rows = [r for r in results if r["C"] == c and r["mode"] == mode and "error" not in r]
            if not rows:
                continue
            by_round: dict[int, dict[str, dict]] = {}
            for r in rows:
                by_round.setdefault(r["round"], {})[r["target"]] = r
            print(f"\nC={c} mode={mode}")
            print(
                f"  {'target':10} {'deliveries/s':>28} {'p50 ms':>24} {'p99 ms':>24} {'peak RSS MiB':>22}"
                f" {'server CPU ms/1k deliv':>22} {'server CPU µs/event':>22} {'POSTs/s':>24} {'load 1m':>20}"
            )
            for t in targets:
                mine = [r for r in rows if r["target"] == t]
                if not mine:
                    continue
                dps = [r["deliveries_per_s"] for r in mine]
                p50 = [r["latency_ms"]["p50"] for r in mine]
                p99 = [r["latency_ms"]["p99"] for r in mine]
                rss = [r["rss_kib"]["hwm"] / 1024 for r in mine if r["rss_kib"].get("hwm")]
                cpu = [r.get("server_cpu_ms_per_1k_deliveries") for r in mine]
                cpe = [r["server_cpu_ms_per_event"] * 1000 for r in mine if r.get("server_cpu_ms_per_event")]
                pps = [r.get("posts_per_s") for r in mine]
                load = [r["loadavg_1m"][0] for r in mine]
                print(
                    f"  {t:10} {med(dps):>28} {med(p50):>24} {med(p99):>24} {med(rss):>22} {med(cpu):>22}"
                    f" {med(cpe):>22} {med(pps):>24} {med(load):>20}"
                )
            for gen, bare in PAIRS:
                pairs = [v for v in by_round.values() if gen in v and bare in v]
                if not pairs:
                    continue
                rd = [v[gen]["deliveries_per_s"] / (v[bare]["deliveries_per_s"] or float("nan")) for v in pairs]
                rp = [
                    v[gen]["latency_ms"]["p99"] / v[bare]["latency_ms"]["p99"]
                    for v in pairs
                    if v[gen]["latency_ms"]["p99"] and v[bare]["latency_ms"]["p99"]
                ]
                rd = [x for x in rd if x == x]  # no deliveries (a POST-only trial): no ratio
                re = [
                    v[gen]["server_cpu_ms_per_event"] / v[bare]["server_cpu_ms_per_event"]
                    for v in pairs
                    if v[gen].get("server_cpu_ms_per_event") and v[bare].get("server_cpu_ms_per_event")
                ]
                rc = [
                    v[gen]["server_cpu_ms_per_1k_deliveries"] / v[bare]["server_cpu_ms_per_1k_deliveries"]
                    for v in pairs
                    if v[gen].get("server_cpu_ms_per_1k_deliveries") and v[bare].get("server_cpu_ms_per_1k_deliveries")
                ]
                print(
                    f"  {gen} / {bare} ({len(pairs)} rounds): deliveries/s {med(rd)}x  p99 {med(rp)}x  "
                    f"server CPU per delivery {med(rc)}x  per event {med(re)}x  "
                    f"per-round deliveries/s {[round(x, 2) for x in rd]}"
                )


def slow(args, ws_dir: Path) -> dict:
    targets = args.targets.split(",")
    rng = random.Random(13)
    results = []
    # Only the per-client cap acts: the total cap is lifted so that it does not drop the slow clients first.
    cap_env = {"WS_MAX_BUFFERED_BYTES": str(args.cap), "WS_MAX_TOTAL_BUFFERED_BYTES": str(16 * 1024**3)}
    for r in range(args.rounds):
        cases = [(t, s) for t in targets for s in (0, args.slow_clients)]
        rng.shuffle(cases)
        for target, n_slow in cases:
            res = trial(
                target,
                ws_dir,
                extra_env=cap_env,
                clients=args.healthy,
                events=args.events,
                rate=0,
                concurrency=4,
                slow=n_slow,
                payload_bytes=1024,
                drain_timeout=120,
            )
            res.update({"round": r, "slow": n_slow})
            results.append(res)
            if "error" in res:
                print(f"r{r} {target} slow={n_slow} ERROR {res['error'][:300]}", flush=True)
                continue
            rss = res["rss_kib"]
            print(
                f"r{r} {target:9} slow={n_slow} "
                f"p50 {res['latency_ms']['p50']:.1f} p99 {res['latency_ms']['p99']:.1f} ms  "
                f"RSS before {rss['before_events'] / 1024:.0f} MiB peak {rss['peak_sampled'] / 1024:.0f} MiB "
                f"end {rss['end'] / 1024:.0f} MiB  server clients before/after {res['server_clients_before']}/"
                f"{res['server_clients_after']}  incomplete {res['incomplete_events']}  "
                f"load {res['loadavg_1m'][0]:.2f}",
                flush=True,
            )
    print(f"\nmedian [min-max] over rounds; cap WS_MAX_BUFFERED_BYTES = {args.cap} bytes ({args.cap / 1024:.0f} KiB)")
    print(
        f"  {'target':9} {'slow':>4} {'RSS growth MiB':>22} {'extra KiB per slow client':>26} {'healthy p50 ms':>22}"
        f" {'healthy p99 ms':>22} {'p99 x no-slow':>18}  slow clients dropped (server count before/after)"
    )
    for t in targets:
        for s in (0, args.slow_clients):
            mine = [x for x in results if x["target"] == t and x["slow"] == s and "error" not in x]
            if not mine:
                continue
            growth = [(x["rss_kib"]["peak_sampled"] - x["rss_kib"]["before_events"]) / 1024 for x in mine]
            p50 = [x["latency_ms"]["p50"] for x in mine]
            p99 = [x["latency_ms"]["p99"] for x in mine]
            ratio, per_client = [], []
            for x in mine:
                base = [
                    y
                    for y in results
                    if y["target"] == t and y["slow"] == 0 and y["round"] == x["round"] and "error" not in y
                ]
                if base:
                    ratio.append(x["latency_ms"]["p99"] / base[0]["latency_ms"]["p99"])
                    if s:
                        own = x["rss_kib"]["peak_sampled"] - x["rss_kib"]["before_events"]
                        other = base[0]["rss_kib"]["peak_sampled"] - base[0]["rss_kib"]["before_events"]
                        per_client.append((own - other) / s)
            counts = [f"{x['server_clients_before']}/{x['server_clients_after']}" for x in mine] if s else []
            cells = f"{med(growth):>22} {med(per_client):>26} {med(p50):>22} {med(p99):>22} {med(ratio):>18}"
            print(f"  {t:9} {s:>4} {cells}  {counts if s else '-'}")
    return {"results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["fanout", "slow"])
    parser.add_argument("--clients", default="1000,5000")
    parser.add_argument("--deliveries", type=int, default=300_000, help="full-speed mode: events = this / C")
    parser.add_argument("--modes", default="full,rate")
    parser.add_argument(
        "--rate-deliveries",
        type=int,
        default=20_000,
        help="rate mode: events/s = this / C (20/s at C=1000), 2 s of events",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--targets", default=None)
    parser.add_argument("--healthy", type=int, default=50)
    parser.add_argument("--slow-clients", type=int, default=1, help="slow: clients that never read")
    parser.add_argument("--cap", type=int, default=1024 * 1024, help="slow: WS_MAX_BUFFERED_BYTES")
    parser.add_argument("--channels", default="0", help="fanout: 0 (broadcast) or channel counts, e.g. 100,1000")
    parser.add_argument("--channel-events", type=int, default=5_000, help="fanout with --channels: events a trial")
    parser.add_argument("--members", type=int, default=0, help="with --channels: clients a channel (0: all)")
    parser.add_argument("--tickets", action="store_true", help="broadcast too: every gen client shows a ticket")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workdir", default="/tmp/afc-bench-fanout")
    parser.add_argument("--before", default="dce718e", help="commit for the *-before targets (template src)")
    parser.add_argument("--json", dest="json_out")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, load client on CPU 1 (taskset)")
    parser.add_argument(
        "--max-busy", type=float, default=None, help="wait before each trial until other work is under this share"
    )
    parser.add_argument("--client", choices=("node", "bun"), default="node", help="the load client's runtime")
    args = parser.parse_args()
    global MAX_BUSY, CLIENT
    MAX_BUSY = args.max_busy
    CLIENT = args.client
    if args.pin:
        taskset = shutil.which("taskset") or "taskset"
        PIN.update(server=[taskset, "-c", "0"], load=[taskset, "-c", "1"])
    if args.targets is None:
        fanout_targets = "bare-node,gen-node,gen-bun,bare-bunps"
        args.targets = fanout_targets if args.what == "fanout" else "bare-node,gen-node,gen-bun"
    nofile = raise_nofile()
    ws_dir = render(Path(args.workdir))
    if "sio" in args.targets.split(","):
        install_socketio(Path(args.workdir))
    if any(t.endswith("-before") for t in args.targets.split(",")):
        render_before(ws_dir, args.before)
    print(f"RLIMIT_NOFILE={nofile}  service={ws_dir}  node={shutil.which('node')}  bun={bun_path()}", flush=True)
    out = fanout(args, ws_dir) if args.what == "fanout" else slow(args, ws_dir)
    out.update({"args": vars(args), "cpus": os.cpu_count(), "nofile": nofile})
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
