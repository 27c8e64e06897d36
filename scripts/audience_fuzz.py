"""Differential fuzzing of `audience.py` mutants (TESTING.md, "The security predicates, Python side").

A survivor of `predicate_mutants.py` is either a test nobody wrote or a change that cannot change anything.
This script tells which: it builds random small schemas (2 to 6 tables; owner, tenant, credential and plain
columns; declared and undeclared references, self-references, tables with no `id`; every `Exposure` switch)
and compares what the original and the mutant decide for each table, and which membership tables they find.
A difference is shrunk (tables, then columns, then references dropped while it holds) and printed: the shape
of the test to write, with real names. No difference over many schemas is evidence, not proof, of an
equivalent mutant; TESTING.md gives the argument beside it.

    .venv/bin/python scripts/audience_fuzz.py 278,381 --schemas 20000 --seed 7
"""

from __future__ import annotations

import argparse
import builtins
import random
import signal
import sys
import types
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import predicate_mutants as pm  # noqa: E402

from afc_realtime import audience  # noqa: E402
from afc_realtime.datamodel import DataModel, Table  # noqa: E402

MODULE = "afc_realtime.audience"
NAMES = ["users", "teams", "orgs", "members", "team_members", "user_groups", "posts", "comments", "orders"]
NAMES += ["addresses", "notes", "docs", "sessions", "groups", "projects", "tasks", "contacts", "workspaces", "items"]
NAMES += ["organizations", "companies", "User", "app_users", "Team", "Membership", "api_keys", "invites"]
COLUMNS = ["userId", "ownerId", "authorId", "teamId", "orgId", "groupId", "postId", "orderId", "addressId", "noteId"]
COLUMNS += ["email", "name", "passwordHash", "createdById", "memberId", "parentId", "projectId", "workspaceId"]
COLUMNS += ["title", "taskId", "docId", "contactId", "itemId", "token"]


def mutated(number: int) -> types.ModuleType:
    """`audience.py` with one mutant in place, as a module of its own beside the original."""
    mutant = {m.number: m for m in pm.mutants_of(MODULE)}[number]
    file, _ = pm.source_of(MODULE)
    module = types.ModuleType(f"{MODULE}_mutant_{number}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    module.__dict__.update({"__package__": "afc_realtime", "__file__": str(file), "__builtins__": builtins})
    exec(compile(pm.mutated_tree(mutant), str(file), "exec"), module.__dict__)
    return module


def random_model(r: random.Random) -> DataModel:
    names = r.sample(NAMES, r.randint(2, 6))
    tables = {}
    for name in names:
        columns = r.sample(COLUMNS, r.randint(0, 5))
        references = {c: r.choice(names) for c in columns if r.random() < 0.4}
        targets = {c: r.choice(["id", "uid"]) for c in references if r.random() < 0.1}
        key = ("id",) if r.random() < 0.85 else ()
        tables[name] = Table(name, key + tuple(columns), references, targets=targets)
    return DataModel(tables, sources=["schema.ts"])


def random_exposure(r: random.Random, model: DataModel) -> dict[str, object]:
    names = list(model.tables)
    return {
        "served": {n: ("GET /x",) for n in names if r.random() < 0.2},
        "chosen": frozenset(n for n in names if r.random() < 0.1),
        "tenants": None if r.random() < 0.7 else frozenset(n for n in names if r.random() < 0.5),
        "external_users": r.random() < 0.2,
        "signed_in": r.random() < 0.85,
    }


def outcome(module: types.ModuleType, model: DataModel, exposure: dict[str, object], table: str) -> object:
    """What a module decides, comparable across the two modules (their classes differ), or its exception."""
    signal.alarm(10)  # a mutant that recurses without end, or takes exponential time, differs too
    try:
        if table == "memberships":
            return [(m.table.name, m.user_column, m.tenant_column, m.tenant.name) for m in module.memberships(model)]
        a = module.decide(table, model, module.Exposure(**exposure))
        return (
            str(a.reach),
            a.reason,
            [(c.kind, c.column, [(h.column, h.table, h.key) for h in c.via]) for c in a.channels],
        )
    except Exception as error:  # a mutant that crashes or recurses for ever differs
        return f"{type(error).__name__}"
    finally:
        signal.alarm(0)


def shrink(model: DataModel, differs: Callable[[DataModel], bool], keep: str) -> DataModel:
    """Drop tables, columns and references one at a time while the difference holds."""

    def smaller(m: DataModel) -> list[DataModel]:
        out = [DataModel({k: v for k, v in m.tables.items() if k != n}, m.sources) for n in m.tables if n != keep]
        for name, t in m.tables.items():
            for c in t.columns:
                less = Table(
                    name,
                    tuple(x for x in t.columns if x != c),
                    _without(t.references, c),
                    targets=_without(t.targets, c),
                )
                out.append(DataModel({**m.tables, name: less}, m.sources))
            for c in t.references:
                out.append(
                    DataModel(
                        {**m.tables, name: Table(name, t.columns, _without(t.references, c), targets=t.targets)},
                        m.sources,
                    )
                )
        return out

    while (next_model := next((m for m in smaller(model) if differs(m)), None)) is not None:
        model = next_model
    return model


def _without(mapping: dict[str, str], key: str) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if k != key}


def fuzz(number: int, schemas: int, r: random.Random) -> None:
    mutant = mutated(number)
    print(f"audience:{number} {pm.describe({m.number: m for m in pm.mutants_of(MODULE)}[number])}")
    for _ in range(schemas):
        model = random_model(r)
        exposure = random_exposure(r, model)
        for table in [*model.tables, "memberships"]:
            if outcome(audience, model, exposure, table) == outcome(mutant, model, exposure, table):
                continue

            def differs(m: DataModel, table: str = table, exposure: dict[str, object] = exposure) -> bool:
                if table != "memberships" and table not in m.tables:
                    return False
                return outcome(audience, m, exposure, table) != outcome(mutant, m, exposure, table)

            small = shrink(model, differs, table)
            print(f"  differs, deciding `{table}` with {exposure}:")
            for t in small.tables.values():
                print(f"    {t.name} {t.columns} references={t.references} targets={t.targets}")
            print(f"    original: {outcome(audience, small, exposure, table)}")
            print(f"    mutant:   {outcome(mutant, small, exposure, table)}")
            return
    print(f"  no difference over {schemas} schemas")


class TimedOut(Exception):
    pass


def _timed_out(signum: int, frame: object) -> None:
    raise TimedOut


def main() -> None:
    signal.signal(signal.SIGALRM, _timed_out)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mutants", help="mutant numbers of audience.py, comma-separated (predicate_mutants.py)")
    parser.add_argument("--schemas", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for number in args.mutants.split(","):  # each mutant its own schemas: a run of one is the same alone
        fuzz(int(number), args.schemas, random.Random(args.seed * 100_003 + int(number)))


if __name__ == "__main__":
    main()
