"""How long `audience.decide` takes on schemas dense with cycles (BENCHMARKS §11, fifth round): tables `t0`..`tN`,
each pointing at the next K tables round the ring, every table decided once. Prints seconds and the most
judgements one decision made again (`_Run.judged_again`, capped by `audience.JUDGED_AGAIN`). Reports; asserts
nothing.

    .venv/bin/python bench/audience_cycles.py            # 9x8, 20x3, 60x5, 30x29
    .venv/bin/python bench/audience_cycles.py 40x6        # tables x references
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from afc_realtime import audience  # noqa: E402
from afc_realtime.datamodel import DataModel, Table  # noqa: E402


def ring(tables: int, references: int) -> DataModel:
    found = {}
    for i in range(tables):
        refs = {f"ref{j}Id": f"t{(i + j + 1) % tables}" for j in range(references)}
        found[f"t{i}"] = Table(f"t{i}", ("id", *refs), refs)
    return DataModel(found, ["schema.ts"])


def main() -> None:
    shapes = sys.argv[1:] or ["9x8", "20x3", "60x5", "30x29"]
    for shape in shapes:
        tables, references = (int(n) for n in shape.split("x"))
        model = ring(tables, references)
        start, most = time.perf_counter(), 0
        for name in model.tables:
            run = audience._Run(model, audience.Exposure())
            audience.decide(name, model, None, run)
            most = max(most, getattr(run, "judged_again", 0))
        print(f"{shape:>6}: {time.perf_counter() - start:6.2f} s, at most {most} judged again in one decision")


if __name__ == "__main__":
    main()
