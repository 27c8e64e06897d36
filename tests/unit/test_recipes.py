"""The recipes run on a project given as a dict: no disk, the same plan as on disk, and remove undoes add."""

from afc_realtime.features import handwired, websocket
from afc_realtime.project import detect
from afc_realtime.tree import Kind, Tree
from tests.support.projects import AFC_PROJECT_WITH_SECRET, HANDWIRED_PROJECT, applied, make_project

PROJECT = AFC_PROJECT_WITH_SECRET


def test_add_then_remove_in_memory_gives_back_every_byte():
    tree = Tree.in_memory(PROJECT)
    plan = websocket.plan_add(detect(tree), tree)
    assert {"apps/ws/package.json", ".afc/manifest.toml", "apps/web/src/app/api/todos/route.ts"} <= {
        c.path for c in plan.changes
    }
    added = applied(PROJECT, tree)
    after = Tree.in_memory(added)
    assert websocket.installed(after)
    websocket.plan_remove(detect(after), after, force=False)
    assert applied(added, after) == {k: v.encode() for k, v in PROJECT.items()}


def test_the_plan_in_memory_is_the_plan_on_disk(tmp_path):
    memory = Tree.in_memory(PROJECT)
    disk = Tree(make_project(tmp_path / "proj", PROJECT))
    planned = [websocket.plan_add(detect(t), t) for t in (memory, disk)]
    assert [(c.kind, c.path, c.after) for c in planned[0].changes] == [
        (c.kind, c.path, c.after) for c in planned[1].changes
    ]
    assert planned[0].notes == planned[1].notes and planned[0].summary == planned[1].summary


def test_the_hand_wired_remover_runs_in_memory_too():
    tree = Tree.in_memory(HANDWIRED_PROJECT)
    assert not websocket.installed(tree)
    plan = handwired.plan_remove(detect(tree), tree)
    deleted = {c.path for c in plan.changes if c.kind is Kind.DELETE}
    assert {p for p in HANDWIRED_PROJECT if p.startswith("apps/ws/")} <= deleted
    assert "apps/ws" in plan.prune_dirs
    assert "WS_INTERNAL_URL" not in (tree.read_text("apps/web/src/app/api/todos/route.ts") or "")
