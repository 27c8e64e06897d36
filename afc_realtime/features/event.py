"""Custom events (the seed guide's "Adding Custom Events", done for the user): one more broadcast in a
route handler, and a typed client hook to receive it. Each event is its own record in the manifest."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from .. import __version__, manifest as manifest_mod
from ..edits import routes
from ..edits import typescript as ts
from ..errors import BadInput
from ..plan import Plan
from ..project import Project
from ..tree import Tree, sha256
from .websocket import FEATURE, Edits, import_path, new_dirs, parsed, remove_records

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


def record_name(event: str) -> str:
    return f"event:{event}"


def message_type(event: str) -> str:
    resource, action = event.rsplit("-", 1)
    return f"{resource}:{action}"


def hook_name(event: str) -> str:
    return "use" + "".join(part.capitalize() for part in event.split("-"))


def _require_websocket(existing: manifest_mod.Manifest) -> None:
    if FEATURE not in existing.features:
        raise BadInput("websocket is not installed by afc here; run `afc add websocket` first")


def plan_add(project: Project, tree: Tree, event: str, route: str, method: str) -> Plan:
    plan = Plan(f"add event {event}", tree)
    if not NAME.match(event):
        raise BadInput(f"event names are kebab-case <resource>-<action>, like user-updated; got {event!r}")
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    _require_websocket(existing)
    if record_name(event) in existing.features:
        plan.summary = f"event {event} is already wired; nothing to do."
        return plan
    route = PurePosixPath(route).as_posix()
    if not tree.exists(route):
        raise BadInput("no such route file", path=route)
    text, root = parsed(tree, route, plan)
    if root is None:
        raise BadInput("does not parse; afc will not edit it", path=route, line=plan.notes[-1].line)
    insertion = _broadcast_line(text, root, route, event, method.upper())
    edits = Edits(tree)
    edits.add(route, insertion)
    edits.add(route, ts.add_import(text, root, "broadcast", import_path(project, route, "broadcast"), "import broadcast"))
    hook_file = f"{project.helpers_dir}/events/{event}.ts"
    if tree.exists(hook_file):
        raise BadInput("exists already and afc did not record it", path=hook_file)
    hook = _hook_source(event, method.upper(), route)
    tree.write(hook_file, hook)
    record = manifest_mod.FeatureRecord(record_name(event), __version__, events=[event])
    record.insertions = edits.stage()
    record.files = {hook_file: sha256(hook.encode("utf-8"))}
    record.created_dirs = new_dirs(tree, [hook_file])
    existing.features[record.name] = record
    tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    plan.changes = tree.changes()
    plan.summary = f"Broadcasts {message_type(event)} from {method.upper()} in {route}, and adds the client hook {hook_name(event)}."
    plan.next_steps = [f"import {{ {hook_name(event)} }} from the new {hook_file} and call it in a client component"]
    return plan


def _broadcast_line(text: str, root, route: str, event: str, method: str):
    handler = next((body for name, body in routes.handlers(root) if name == method), None)
    if handler is None:
        raise BadInput(f"no exported {method} handler", path=route)
    result = routes.broadcast_in(text, root, method, handler, event, "broadcast")
    if isinstance(result, routes.Skipped):
        raise BadInput(f"{method}: {result.reason}", path=route, line=result.line)
    return result.insertion


def _hook_source(event: str, method: str, route: str) -> str:
    kind = message_type(event)
    payload = "".join(part.capitalize() for part in event.split("-")) + "Payload"
    return f'''"use client";

import {{ useRealtime }} from "../use-realtime";

/** What `{kind}` carries: the row that {method} in {route} returns. Narrow it to your type. */
export type {payload} = Record<string, unknown>;

/** Calls `handler` each time the realtime service broadcasts `{kind}`. */
export function {hook_name(event)}(handler: (payload: {payload}) => void): void {{
    useRealtime({{ "{kind}": handler }});
}}
'''


def plan_remove(tree: Tree, event: str, force: bool) -> Plan:
    plan = Plan(f"remove event {event}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    _require_websocket(existing)
    if record_name(event) not in existing.features:
        plan.summary = f"event {event} is not wired by afc here; nothing to remove."
        return plan
    return remove_records(tree, plan, existing, [record_name(event)], force)
