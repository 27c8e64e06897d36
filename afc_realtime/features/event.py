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
from ..writes import find, inserter, payload
from ..writes.site import Handler, Write
from . import typed
from .toolkit import Draft, import_path, new_dirs, remove_records
from .websocket import FEATURE, exposure

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
HTTP = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
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
    handler = handler_named(file, method)
    if _already_broadcasts(handler, event):
        plan.summary = f"{handler.label} in {route} already broadcasts {event}; nothing to do."
        return plan
    draft = Draft(tree, plan)
    websocket = existing.features[FEATURE]
    line, wired = _broadcast_line(project, plan, file, event, handler, websocket)
    draft.take(line)
    draft.take(ts.add_import(file, "broadcast", import_path(project, route, "broadcast")))
    if len(line.insertions) > 1:  # the write is wrapped: `broadcastAfter(<write>, ...)`
        draft.take(ts.add_import(file, inserter.WRAPPER, import_path(project, route, "broadcast")))
    hook_file = f"{project.helpers_dir}/events/{event}.ts"
    if tree.exists(hook_file):
        raise BadInput("exists already and afc did not record it", path=hook_file)
    hook = _hook_source(project, tree, hook_file, wired, handler.label, route)
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
    plan.summary = f"Broadcasts {event} from {handler.label} in {route}, and adds the client hook {hook_name(event)}."
    plan.next_steps = [
        NextStep(None, f"import {{ {hook_name(event)} }} from the new {hook_file} and call it in a client component")
    ]
    return plan


def handler_named(file: ts.TsFile, method: str) -> Handler:
    """The handler `--method` names in the file: an HTTP method of a route handler (`PATCH`), a Server
    Action by its name (`createTodo`), a tRPC mutation by its procedure (`post.create`). Without `--method`
    (POST) in a file with no POST handler, its only action or mutation."""
    found = [h for recogniser in find.RECOGNISERS for h in recogniser.handlers(file) if isinstance(h, Handler)]
    wanted = {method.upper(), f"action {method}", f"mutation {method}"}
    named = [h for h in found if h.label in wanted]
    if not named and method.upper() == "POST":
        named = [h for h in found if h.label.startswith(("action ", "mutation "))]
        named = named if len(named) == 1 else []
    if not named:
        labels = ", ".join(dict.fromkeys(_as_flag(h.label) for h in found)) or "none afc reads"
        what = f"exported {method.upper()} handler" if method.upper() in HTTP else f"action or mutation {method}"
        raise BadInput(f"no {what} (--method names one of: {labels})", path=file.path)
    return named[0]


def _as_flag(label: str) -> str:
    return label.removeprefix("action ").removeprefix("mutation ")


def _already_broadcasts(handler: Handler, event: str) -> bool:
    """Whether the handler sends this event already (wired by `add websocket`, or by hand)."""
    call = re.compile(r"\bbroadcast\(\s*([\"'`])" + re.escape(event) + r"\1")
    return bool(call.search(handler.body.text()))


def _broadcast_line(
    project: Project, plan: Plan, file: ts.TsFile, event: str, handler: Handler, websocket: manifest_mod.FeatureRecord
) -> tuple[Edit, typed.Wired]:
    """The broadcast of the handler's written row, to whoever may see it, decided as `add websocket` did
    (with its `--public` tables and `--no-public`, from the manifest; in the plan, as `add websocket` lists
    its events); refused when nobody may."""
    tree = plan.tree
    method = handler.label
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
