"""`afc sync websocket`: wire what the app gained since `add websocket`. The writes added since get their
broadcast (to whoever may see the row, decided as `add` decided, with its `--public` and `--no-public`), and
the pages they feed subscribe; handlers that broadcast already and pages that subscribe already are left as
they are. Each sync is a record of its own in the manifest (`sync:1`, `sync:2`, ...), so `remove websocket`
takes it out with the rest, byte for byte."""

from __future__ import annotations

import re

from .. import __version__, lookups
from .. import manifest as manifest_mod
from ..edits.result import Edit, Skip
from ..errors import BadInput
from ..pages.site import Feed
from ..plan import NextStep, Plan
from ..project import Project
from ..tree import Tree, sha256
from . import websocket
from .toolkit import Draft, new_dirs

PREFIX = "sync:"
# What the finders say of the places `add` (or an earlier sync) wired already: not news in a sync's plan.
ALREADY = ("already broadcasts", "already subscribes")


def record_names(existing: manifest_mod.Manifest) -> list[str]:
    return [name for name in existing.features if name.startswith(PREFIX)]


def plan_sync(project: Project, tree: Tree) -> Plan:
    plan = Plan(f"sync {websocket.FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    record = existing.features.get(websocket.FEATURE)
    if record is None:
        raise BadInput("websocket is not installed by afc here; run `afc add websocket` first", code="not_found")
    before = set(_helper_files(project, tree))
    draft = _SyncDraft(tree, plan)
    lookups_file = f"{project.helpers_dir}/{lookups.MODULE}.ts"
    lookups_before = tree.read_text(lookups_file)
    events, feeds, _ = websocket.wire_writes(project, draft, not record.no_public, tuple(record.public_tables))
    if tree.read_text(lookups_file) != lookups_before:
        raise BadInput(
            "a write added since needs an owner lookup that `add websocket` did not generate, and sync cannot "
            "change that file yet: run `afc remove websocket`, then `afc add websocket`",
            path=lookups_file,
        )
    rendered, _ = websocket.wire_pages(project, draft, feeds + _wired_before(tree, draft.already))
    insertions = draft.stage()
    files = {path: data for path, data in rendered.items() if path not in before}
    if not insertions and not files:
        plan.summary = (
            "Nothing new to wire: every write afc can send broadcasts already, and every page it feeds subscribes."
        )
        return plan
    name = f"{PREFIX}{len(record_names(existing)) + 1}"
    while name in existing.features:  # a gap left by hand: never reuse a record's name
        name = f"{name}+"
    existing.features[name] = manifest_mod.FeatureRecord(
        name,
        __version__,
        files={path: sha256(data) for path, data in files.items()},
        insertions=insertions,
        created_dirs=new_dirs(tree, list(files)),
        events=events,
    )
    tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    wired = f"wires {len(events)} new event{'s' if len(events) != 1 else ''}" if events else "wires no new event"
    pages = len({path for path in insertions if path in project.pages})
    follow = f"; {pages} more page{'' if pages == 1 else 's'} update{'s' if pages == 1 else ''} live" if pages else ""
    named = f": {', '.join(events)}" if events else ""
    plan.summary = f"Brings realtime to what the app gained since `add websocket`: {wired}{named}{follow}."
    plan.next_steps = [
        NextStep(None, "restart `next dev` if it runs, then change a row: the pages that read it update live"),
        NextStep("afc remove websocket", "takes this out with the rest, byte for byte"),
    ]
    return plan


class _SyncDraft(Draft):
    """A draft that keeps what afc wired before out of the plan, and remembers the handlers that broadcast
    already (their events feed the pages added since)."""

    def __init__(self, tree: Tree, plan: Plan):
        super().__init__(tree, plan)
        self.already: list[Skip] = []

    def take(self, *results: Edit | Skip) -> None:
        for result in results:
            if isinstance(result, Skip) and result.reason in ALREADY:
                self.already.append(result)
            else:
                super().take(result)


# `broadcast("todo-created", { table: "todos", ...`: the event and table of a broadcast afc wrote
_SENT = re.compile(r"""\bbroadcast\(\s*(["'`])([a-z0-9-]+)\1\s*,\s*\{\s*table\s*:\s*(["'`])([\w.]+)\3""")


def _wired_before(tree: Tree, already: list[Skip]) -> list[Feed]:
    """The events the handlers that broadcast already send, as feeds for the pages added since. Read from the
    file (a file of several handlers feeds each with all its events: a page may refresh once too often)."""
    feeds = []
    for skip in already:
        if skip.reason != ALREADY[0]:
            continue
        for match in _SENT.finditer(tree.read_text(skip.path) or ""):
            event, table = match.group(2), match.group(4)
            feeds.append(Feed(skip.path, skip.subject, table, event.rsplit("-", 1)[0], event))
    return list(dict.fromkeys(feeds))


def _helper_files(project: Project, tree: Tree) -> list[str]:
    return (
        [path for path in tree.walk(project.helpers_dir) if tree.exists(path)]
        if tree.is_dir(project.helpers_dir)
        else []
    )
