"""Custom events (the seed guide's "Adding Custom Events", done for the user): one more broadcast in a
route handler, and a typed client hook to receive it. Each event is its own record in the manifest."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from .. import __version__, datamodel
from .. import manifest as manifest_mod
from ..audience import Reach, decide
from ..edits import typescript as ts
from ..edits.result import Edit, Skip
from ..errors import BadInput
from ..plan import Broadcast, NextStep, Plan
from ..project import Project
from ..tree import Tree, sha256
from ..writes import approuter, find, inserter, payload
from ..writes.site import Handler, Write
from . import typed
from .toolkit import Draft, import_path, new_dirs, remove_records
from .websocket import FEATURE, exposure

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
MAX_NAME = 100  # the service's limit for an event name (its router's maxParamLength too)


def record_name(event: str) -> str:
    return f"event:{event}"


def hook_name(event: str) -> str:
    return "use" + "".join(part.capitalize() for part in event.split("-"))


def _require_websocket(existing: manifest_mod.Manifest) -> None:
    if FEATURE not in existing.features:
        raise BadInput("websocket is not installed by afc here; run `afc add websocket` first", code="not_found")


def plan_add(project: Project, tree: Tree, event: str, route: str, method: str) -> Plan:
    plan = Plan(f"add event {event}", tree)
    if not NAME.match(event):
        raise BadInput(f"event names are kebab-case <resource>-<action>, like user-updated; got {event!r}")
    if len(event) > MAX_NAME:
        raise BadInput(f"event names are at most {MAX_NAME} characters (the service's limit); got {len(event)}")
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    _require_websocket(existing)
    if record_name(event) in existing.features:
        plan.summary = f"event {event} is already wired; nothing to do."
        return plan
    route = PurePosixPath(route).as_posix()
    text = tree.read_text(route)
    if text is None:
        raise BadInput("no such route file", path=route, code="not_found")
    file = ts.load(route, text)
    if isinstance(file, Skip):
        raise BadInput("does not parse; afc will not edit it", path=route, line=file.line)
    if _already_broadcasts(file, event, method.upper()):
        plan.summary = f"{method.upper()} in {route} already broadcasts {event}; nothing to do."
        return plan
    draft = Draft(tree, plan)
    websocket = existing.features[FEATURE]
    line, wired = _broadcast_line(project, plan, file, event, method.upper(), websocket)
    draft.take(line)
    draft.take(ts.add_import(file, "broadcast", import_path(project, route, "broadcast")))
    if len(line.insertions) > 1:  # the write is wrapped: `broadcastAfter(<write>, ...)`
        draft.take(ts.add_import(file, inserter.WRAPPER, import_path(project, route, "broadcast")))
    hook_file = f"{project.helpers_dir}/events/{event}.ts"
    if tree.exists(hook_file):
        raise BadInput("exists already and afc did not record it", path=hook_file)
    hook = _hook_source(project, tree, hook_file, wired, method.upper(), route)
    tree.write(hook_file, hook)
    existing.features[record_name(event)] = manifest_mod.FeatureRecord(
        record_name(event),
        __version__,
        files={hook_file: sha256(hook.encode("utf-8"))},
        insertions=draft.stage(),
        created_dirs=new_dirs(tree, [hook_file]),
        events=[event],
    )
    tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    plan.summary = f"Broadcasts {event} from {method.upper()} in {route}, and adds the client hook {hook_name(event)}."
    plan.next_steps = [
        NextStep(None, f"import {{ {hook_name(event)} }} from the new {hook_file} and call it in a client component")
    ]
    return plan


def _already_broadcasts(file: ts.TsFile, event: str, method: str) -> bool:
    """Whether the handler sends this event already (wired by `add websocket`, or by hand)."""
    handler = next((h for h in approuter.handlers(file) if isinstance(h, Handler) and h.label == method), None)
    call = re.compile(r"\bbroadcast\(\s*([\"'`])" + re.escape(event) + r"\1")
    return handler is not None and bool(call.search(handler.body.text()))


def _broadcast_line(
    project: Project, plan: Plan, file: ts.TsFile, event: str, method: str, websocket: manifest_mod.FeatureRecord
) -> tuple[Edit, typed.Wired]:
    """The broadcast of the handler's written row, to whoever may see it, decided as `add websocket` did
    (with its `--public` tables and `--no-public`, from the manifest; in the plan, as `add websocket` lists
    its events); refused when nobody may."""
    tree = plan.tree
    handler = next((h for h in approuter.handlers(file) if isinstance(h, Handler) and h.label == method), None)
    if handler is None:
        raise BadInput(f"no exported {method} handler", path=file.path)
    results = find.in_handler(file, handler, None)
    write = next((r for r in results if isinstance(r, Write) and r.wirable), None)
    if write is None:
        first = results[0]
        reason = first.message if isinstance(first, Skip) else f"{method}: {first.reason}"
        raise BadInput(reason, path=file.path, line=first.line)
    model = datamodel.read(tree, project.packages)
    seen = exposure(project, tree, model, websocket.public_tables, lambda path: _load(tree, path))
    audience = decide(write.table, model, seen)
    if not audience.sent:
        raise BadInput(f"{method}: not broadcast: {audience.reason}", path=file.path, line=write.line)
    if audience.reach is Reach.PUBLIC and websocket.no_public:
        raise BadInput(
            f"{method}: not broadcast: {audience.reason}; `add websocket --no-public` leaves it out",
            path=file.path,
            line=write.line,
        )
    table = model.table(write.table) if write.table else None
    sent = payload.line(write, audience, table, ts.quote_of(file.root))
    if isinstance(sent, str):
        raise BadInput(f"{method}: {sent}", path=file.path, line=write.line)
    result = inserter.broadcast(file, write, event, "broadcast", sent)
    if isinstance(result, Skip):
        raise BadInput(result.message, path=file.path, line=result.line)
    reason = audience.reason.removesuffix(" (--no-public leaves them out)")  # a flag `add event` has not
    plan.broadcasts.append(Broadcast(file.path, write.line, write.handler, event, audience.label(), reason, True))
    return result, typed.Wired(event, event.rsplit("-", 1)[0], table, file.path)


def _load(tree: Tree, path: str) -> ts.TsFile | None:
    loaded = ts.load(path, tree.read_text(path) or "")
    return None if isinstance(loaded, Skip) else loaded


def _hook_source(project: Project, tree: Tree, hook_file: str, wired: typed.Wired, method: str, route: str) -> str:
    """The event's payload type, from its table's row type, added to `RealtimeEvents` (so the broadcast line
    is checked against it), and the hook that receives it under the same name."""
    event = wired.event
    found = typed.typed(project, tree, [wired], hook_file)
    [declared] = found.types
    name = "".join(part.capitalize() for part in event.split("-")) + "Payload"
    declared = f"export type {name} = {declared.split(' = ', 1)[1]}"
    imports = "".join(f"{line}\n" for line in found.imports)
    return f'''"use client";

{imports}import type {{ RealtimeChange, Received }} from "../broadcast";
import {{ useRealtime }} from "../use-realtime";

/** What `{event}` carries: the change {method} in {route} makes, typed from its table (see `RealtimeChange`). */
{declared}

{typed.augmentation("../broadcast", [f'"{event}": {name};'])}
/** Calls `handler` each time the web app broadcasts `{event}`, with the change as the browser receives it. */
export function {hook_name(event)}(handler: (change: Received<{name}>) => void): void {{
    useRealtime({{ "{event}": handler }});
}}
'''


def plan_remove(project: Project, tree: Tree, event: str, force: bool) -> Plan:
    plan = Plan(f"remove event {event}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    _require_websocket(existing)
    if record_name(event) not in existing.features:
        plan.summary = f"event {event} is not wired by afc here; nothing to remove."
        return plan
    remove_records(plan, project, existing, [record_name(event)], force)
    return plan
