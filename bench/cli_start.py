#!/usr/bin/env python3
"""CLI start-up: `afc --help` and `afc --version` against `python -c "import typer"`, interleaved.

Every round runs each command once, in a freshly shuffled order, so that noise from other work on the
machine lands on all commands alike. The ratio is computed per round (command / baseline of the same
round) and its median and spread are reported, alongside each command's own median and spread.

Two variants are measured in the same run:
  * "direct": the resolved interpreter and console script (what a venv / pipx install runs);
  * "shim":   `afc` and `python` as found on PATH (here pyenv shims, a bash script each: a constant
              extra cost that both sides pay).

With --baseline PATH, an older afc's `--version` and `--help` run in the same rounds (direct only).

Usage:  python bench/cli_start.py [--rounds 20] [--warmup 3] [--json out.json] [--baseline /path/to/older/afc]
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
import time


def resolve(name: str) -> str:
    """The real executable behind a pyenv shim (or the PATH entry when there is no pyenv)."""
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not on PATH")
    if "/shims/" in found and shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "which", name], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    return found


def run_once(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def summary(values: list[float]) -> dict[str, float]:
    q = statistics.quantiles(values, n=4) if len(values) >= 4 else [min(values), statistics.median(values), max(values)]
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "q1": q[0], "q3": q[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", dest="json_out")
    parser.add_argument("--baseline", help="an older afc executable to run side by side")
    args = parser.parse_args()

    py_direct, afc_direct = resolve("python"), resolve("afc")
    commands = {
        "direct: python -c 'import typer'": [py_direct, "-c", "import typer"],
        "direct: afc --version": [afc_direct, "--version"],
        "direct: afc --help": [afc_direct, "--help"],
        "shim: python -c 'import typer'": ["python", "-c", "import typer"],
        "shim: afc --version": ["afc", "--version"],
        "shim: afc --help": ["afc", "--help"],
    }
    if args.baseline:
        commands["direct: baseline afc --version"] = [args.baseline, "--version"]
        commands["direct: baseline afc --help"] = [args.baseline, "--help"]
    baseline = {"direct": "direct: python -c 'import typer'", "shim": "shim: python -c 'import typer'"}
    env_note = {"python": py_direct, "afc": afc_direct}

    for _ in range(args.warmup):
        for argv in commands.values():
            run_once(argv)

    times: dict[str, list[float]] = {name: [] for name in commands}
    ratios: dict[str, list[float]] = {name: [] for name in commands}
    rng = random.Random(12345)
    for _ in range(args.rounds):
        order = list(commands)
        rng.shuffle(order)
        this_round = {name: run_once(commands[name]) for name in order}
        for name, value in this_round.items():
            times[name].append(value)
            base = baseline[name.split(":")[0]]
            ratios[name].append(value / this_round[base])

    result = {"rounds": args.rounds, "executables": env_note, "cpus": os.cpu_count(), "commands": {}}
    print(f"rounds={args.rounds} (interleaved, shuffled)  python={py_direct}  afc={afc_direct}")
    print(f"{'command':38} {'median ms':>9} {'q1-q3 ms':>13} {'min-max ms':>13} {'ratio med':>9} {'ratio q1-q3':>12}")
    for name in commands:
        t = summary(times[name])
        r = summary(ratios[name])
        result["commands"][name] = {"argv": commands[name], "seconds": t, "ratio_vs_baseline": r}
        print(
            f"{name:38} {t['median'] * 1e3:9.1f} {t['q1'] * 1e3:6.1f}-{t['q3'] * 1e3:<6.1f} "
            f"{t['min'] * 1e3:6.1f}-{t['max'] * 1e3:<6.1f} {r['median']:9.2f} {r['q1']:5.2f}-{r['q3']:<6.2f}"
        )
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
