#!/usr/bin/env python3
"""In-process timings of the afc internals that the scale profile points at, as a function of N.

    python bench/micro_costs.py [--sizes 1000,2000,5000] [--repeat 3]

  manifest.dump / manifest.load : the .afc manifest (tomlkit) holding 2 insertions per wired route
  tomllib.loads                 : the stdlib TOML parser on the same text, for comparison
  Tree.resolve                  : afc's path check, once per route path (needs the monorepos that
                                  bench/monorepo_scale.py generates in /tmp/afc-bench-mono; skipped if absent)
  read_bytes                    : a plain read of the same files, for comparison
Median [min-max] of --repeat runs, in seconds. Reports; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from afc_realtime import manifest as m  # noqa: E402
from afc_realtime.edits.insertion import Insertion  # noqa: E402
from afc_realtime.tree import Tree  # noqa: E402


def fake_manifest(n: int) -> m.Manifest:
    man = m.Manifest()
    rec = m.FeatureRecord("websocket", "0.1.0")
    rec.events = [f"res{i:05d}-created" for i in range(n)]
    rec.files = {f"apps/ws/file{i}": "0" * 64 for i in range(20)}
    for i in range(n):
        rec.insertions[f"apps/web/src/app/api/res{i:05d}s/route.ts"] = [
            Insertion(64, 'import { broadcast } from "@/lib/realtime/broadcast";\n', "import broadcast"),
            Insertion(220, f'    broadcast("res{i:05d}-created", inserted);\n', f"broadcast res{i:05d}-created"),
        ]
    man.features["websocket"] = rec
    return man


def timeit(fn, repeat: int) -> str:
    values = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        values.append(time.perf_counter() - t0)
    return f"{statistics.median(values):7.3f} [{min(values):.3f}-{max(values):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,2000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    columns = ["manifest.dump", "manifest.load", "tomllib.loads", "Tree.resolve xN", "read_bytes xN"]
    print(f"{'N':>6} " + " ".join(f"{c:>24}" for c in columns))
    for n in map(int, args.sizes.split(",")):
        man = fake_manifest(n)
        text = m.dump(man)
        row = [
            timeit(lambda man=man: m.dump(man), args.repeat),
            timeit(lambda text=text: m.load(text), args.repeat),
            timeit(lambda text=text: tomllib.loads(text), args.repeat),
        ]
        root = Path(f"/tmp/afc-bench-mono/N{n}")
        if root.is_dir():
            paths = [f"apps/web/src/app/api/res{i:05d}s/route.ts" for i in range(n)]
            tree = Tree(root)
            row.append(timeit(lambda tree=tree, paths=paths: [tree.resolve(p) for p in paths], args.repeat))
            row.append(timeit(lambda root=root, paths=paths: [(root / p).read_bytes() for p in paths], args.repeat))
        else:
            row += ["n/a (no monorepo)"] * 2
        print(f"{n:>6} " + " ".join(f"{c:>24}" for c in row), flush=True)


if __name__ == "__main__":
    main()
