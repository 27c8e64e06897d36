#!/usr/bin/env python3
"""Monorepo scale: `afc add websocket --dry-run --json`, the real `add --yes --json` and `remove --yes --json`
on synthetic monorepos (bench/make_monorepo.py), interleaved.

Each round visits every configuration in a freshly shuffled order and, for each, runs
    afc --version                 (start-up cost, the same round: lets you read "work" = t - start)
    afc add websocket --dry-run --json
    afc add websocket --yes --json
    afc remove websocket --yes --json      (puts the tree back, checked once per config by a file count)
so all configurations see the same machine noise. Ratios (5000/1000, ignored/plain) are computed per round
and reported as median and spread.

Usage:
    python bench/monorepo_scale.py [--sizes 100,1000,5000] [--ignored 100000] [--helpers 1000] [--rounds 5]
           [--json out.json]
           [--workdir /tmp/afc-bench-mono] [--baseline /path/to/older/afc]
With --helpers H, one more configuration: N=1000 routes that write through H helper modules (calls followed).
With --baseline, every configuration also runs under that afc in the same rounds, and the per-round ratio
afc / baseline is reported for each.
Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_monorepo import make  # noqa: E402


def afc_executable() -> str:
    found = shutil.which("afc")
    if found and "/shims/" in found and shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "which", "afc"], capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.strip()
    if not found:
        raise SystemExit("afc not on PATH (pip install -e .)")
    return found


def timed(argv: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr.decode()[-2000:]}")
    return elapsed


def count_files(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--ignored", type=int, default=100_000, help="ignored files for the N=1000 variant (0: skip)")
    parser.add_argument("--helpers", type=int, default=0, help="N=1000 routes writing through H helpers (0: skip)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", default="/tmp/afc-bench-mono")
    parser.add_argument(
        "--ops", default="dry-run,add,remove", help="which of dry-run,add,remove to time (add and remove go together)"
    )
    parser.add_argument("--json", dest="json_out")
    parser.add_argument("--baseline", help="an older afc executable to run side by side")
    args = parser.parse_args()

    afc = afc_executable()
    executables = {"": afc, **({" (baseline)": args.baseline} if args.baseline else {})}
    work = Path(args.workdir)
    configs: dict[str, tuple[int, int, int]] = {f"N={n}": (n, 0, 0) for n in map(int, args.sizes.split(",")) if n}
    if args.ignored:
        configs[f"N=1000+{args.ignored} ignored"] = (1000, args.ignored, 0)
    if args.helpers:
        configs[f"N=1000+{args.helpers} helpers"] = (1000, 0, args.helpers)

    roots: dict[str, Path] = {}
    for name, (n, k, h) in configs.items():
        root = work / name.replace("=", "").replace("+", "_").replace(" ", "_")
        marker = root / ".bench-made"
        if not (marker.exists() and marker.read_text() == f"{n} {k} {h}"):
            t0 = time.perf_counter()
            make(root, n, k, h)
            marker.write_text(f"{n} {k} {h}")
            print(f"generated {name} in {time.perf_counter() - t0:.1f}s -> {root}", flush=True)
        roots[name] = root
    baseline_counts = {name: count_files(root) for name, root in roots.items()}

    wanted = args.ops.split(",")
    ops = ["start"] + [
        op for op in ("dry-run", "add", "remove") if op in wanted or (op == "remove" and "add" in wanted)
    ]
    runs = {name + label: (name, exe) for name in configs for label, exe in executables.items()}
    times: dict[str, dict[str, list[float]]] = {run: {op: [] for op in ops} for run in runs}
    rng = random.Random(7)
    for r in range(args.rounds):
        order = list(runs)
        rng.shuffle(order)
        for run in order:
            name, exe = runs[run]
            root = str(roots[name])
            times[run]["start"].append(timed([exe, "--version"]))
            if "dry-run" in ops:
                times[run]["dry-run"].append(timed([exe, "add", "websocket", "-C", root, "--dry-run", "--json"]))
            if "add" in ops:
                times[run]["add"].append(timed([exe, "add", "websocket", "-C", root, "--yes", "--json"]))
                times[run]["remove"].append(timed([exe, "remove", "websocket", "-C", root, "--yes", "--json"]))
            if r == 0 and count_files(roots[name]) != baseline_counts[name]:
                print(
                    f"warning: {run}: file count changed after add+remove "
                    f"({baseline_counts[name]} -> {count_files(roots[name])})",
                    flush=True,
                )
        print(f"round {r + 1}/{args.rounds} done", flush=True)

    result: dict = {"rounds": args.rounds, "afc": executables, "cpus": os.cpu_count(), "configs": {}, "ratios": {}}
    print(f"\nrounds={args.rounds} (interleaved, shuffled)   seconds: median [min-max]")
    print(f"{'config':37} " + " ".join(f"{op:>22}" for op in ops))
    for name, (config, _) in runs.items():
        row = {op: stats(times[name][op]) for op in ops}
        result["configs"][name] = {
            "n": configs[config][0],
            "ignored": configs[config][1],
            "helpers": configs[config][2],
            "seconds": row,
            "raw": times[name],
        }
        print(
            f"{name:37} "
            + " ".join(f"{row[op]['median']:8.3f} [{row[op]['min']:.3f}-{row[op]['max']:.3f}]" for op in ops)
        )

    def ratio(a: str, b: str, label: str) -> None:
        if a not in times or b not in times:
            return
        print(f"\n{label}   per-round ratio: median [min-max]")
        result["ratios"][label] = {}
        for op in ops[1:]:
            rs = [x / y for x, y in zip(times[a][op], times[b][op], strict=True)]
            # the same ratio with afc's start-up (the same round's `afc --version`) taken off both sides
            ws = [
                (x - sa) / (y - sb)
                for x, y, sa, sb in zip(times[a][op], times[b][op], times[a]["start"], times[b]["start"], strict=True)
            ]
            result["ratios"][label][op] = {"total": stats(rs), "minus_start": stats(ws)}
            print(
                f"  {op:8} total {statistics.median(rs):5.2f}x [{min(rs):.2f}-{max(rs):.2f}]   "
                f"minus start-up {statistics.median(ws):5.2f}x [{min(ws):.2f}-{max(ws):.2f}]"
            )

    sizes = [int(s) for s in args.sizes.split(",")]
    if 1000 in sizes and 5000 in sizes:
        ratio("N=5000", "N=1000", "linearity N=5000 / N=1000 (target <= 5.5x)")
    if args.ignored and 1000 in sizes:
        ratio(f"N=1000+{args.ignored} ignored", "N=1000", "ignored-folder overhead (target <= 1.10x)")
    if args.baseline:
        for name in configs:
            ratio(name, f"{name} (baseline)", f"{name}: afc / baseline")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
