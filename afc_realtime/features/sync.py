"""`afc sync websocket`: wire what the app gained since `add websocket`. The writes added since get their
broadcast (to whoever may see the row, decided as `add` decided, with its `--public` and `--no-public`), and
the pages they feed subscribe; handlers that broadcast already are left as they are, and a page that
subscribes already gets the new events it should follow added to the list afc wrote (as `add` would decide
for it now; a list edited by hand is left as it is, and the plan says so). Each sync is a record of its own
in the manifest (`sync:1`, `sync:2`, ...), so `remove websocket` takes it out with the rest, byte for byte."""

from __future__ import annotations

import re

from .. import __version__, lookups
from .. import manifest as manifest_mod
from ..edits.result import Edit, Level, Skip
from ..edits.typescript import TsFile
from ..errors import BadInput
from ..pages import lists
from ..pages.site import ALREADY_SUBSCRIBES, Feed, Read, events_of
from ..plan import NextStep, Plan
from ..project import Project
from ..tree import Tree, sha256
from . import websocket
from .toolkit import Draft, new_dirs, undo_for

PREFIX = "sync:"
# What the finders say of the places `add` (or an earlier sync) wired already: not news in a sync's plan.
ALREADY = ("already broadcasts", ALREADY_SUBSCRIBES)


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
    extended = _Lists(tree, existing)
    rendered, _ = websocket.wire_pages(project, draft, feeds + _wired_before(tree, draft.already), extended)
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
    pages = len(
        {
            path
            for path, items in insertions.items()
            if path in project.pages and any(not lists.ITEM.match(item.text) for item in items)
        }
    )
    follow = f"; {pages} more page{'' if pages == 1 else 's'} update{'s' if pages == 1 else ''} live" if pages else ""
    named = f": {', '.join(events)}" if events else ""
    gained = "".join(f"; {path} also follows {', '.join(added)}" for path, added in extended.gained.items())
    plan.summary = f"Brings realtime to what the app gained since `add websocket`: {wired}{named}{follow}{gained}."
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


class _Lists:
    """What a sync does with a page that subscribes already (`websocket.Extend`): the events it should
    follow now and does not go into the list afc wrote, when that list stands as afc left it (the line an
    earlier record inserted, with the items of the syncs since); a list edited by hand, or one afc did not
    write, is left as it is and the plan says so. `gained`: the events each page's list gains."""

    def __init__(self, tree: Tree, existing: manifest_mod.Manifest):
        self.tree, self.existing = tree, existing
        self.gained: dict[str, list[str]] = {}
        self._added: dict[tuple[str, int], set[str]] = {}  # per list: what this sync adds (asked twice, once)

    def __call__(self, file: TsFile, read: Read, feeds: list[Feed]) -> tuple[Edit | Skip, ...]:
        array = lists.found(file, read)
        if array is None:
            return ()
        have = lists.events_in(array)
        added = self._added.setdefault((file.path, array.range().start.index), set())
        missing = sorted(set(events_of(feeds)) - set(have or ()) - added)
        if not missing:
            return ()
        recorded = self._recorded(file.path)
        if have is None or recorded is None or not lists.written(lists.line_of(array), *recorded):
            why = (
                f"its list of events is not as afc wrote it (edited by hand?), so afc leaves it as it is: "
                f"add {', '.join(missing)} to it yourself to follow the new writes"
            )
            return (Skip(file.path, why, read.line, read.what, Level.WARN),)
        added.update(missing)
        gained = self.gained.setdefault(file.path, [])
        gained += [event for event in missing if event not in gained]
        return (lists.extend(file, array, missing, "follow"),)

    def _recorded(self, path: str) -> tuple[list[str], list[str]] | None:
        """The lines with a list that afc's records inserted in `path`, and the items syncs added to them;
        None when one of them is not where `remove` would find it (the records cut the latest first)."""
        names = [n for n in self.existing.features if n != websocket.FEATURE][::-1] + [websocket.FEATURE]
        text = self.tree.read_text(path) or ""
        lines: list[str] = []
        items: list[str] = []
        for name in names:
            placed = self.existing.features[name].insertions.get(path, [])
            if not placed:
                continue
            text, gone = undo_for(path)(path, text, placed)
            for item in placed:
                if lists.LINE.search(item.text):
                    lines.append(item.text)
                elif lists.ITEM.match(item.text):
                    items.append(item.text)
                else:
                    continue  # an import, a broadcast: not the list's business
                if item in gone:
                    return None
        return lines, items


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
