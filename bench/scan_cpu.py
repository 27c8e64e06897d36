#!/usr/bin/env python3
"""CPU time of afc's write scan alone (`writes.find.scan`: recognisers, calls followed, clients by origin),
in-process, best of R runs, on a project folder; under a loaded machine this is steadier than wall time.

    python bench/scan_cpu.py FOLDER [--rounds 5]

Run it with `PYTHONPATH=<an afc checkout>` to time another afc on the same folder.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from afc_realtime.edits import typescript as ts
from afc_realtime.project import detect
from afc_realtime.tree import Tree
from afc_realtime.writes import find


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    best, results = float("inf"), 0
    for _ in range(args.rounds):
        tree = Tree(Path(args.folder))
        project = detect(tree)

        def load(path: str, tree: Tree = tree) -> ts.TsFile | None:
            loaded = ts.load(path, tree.read_text(path) or "")
            return loaded if isinstance(loaded, ts.TsFile) else None

        start = time.process_time()
        found = find.scan(project, tree, load)
        best = min(best, time.process_time() - start)
        results = sum(len(r) for _, r in found)
    print(f"{best:.3f} s CPU (best of {args.rounds}), {results} writes and notes")


if __name__ == "__main__":
    main()
