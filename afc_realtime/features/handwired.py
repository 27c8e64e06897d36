"""Removing a realtime integration wired by hand the seed guide's way, with no afc manifest. Code is
recognised by its structure; anything afc is not sure of is listed with its file and line, not touched."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import PurePosixPath

from ..edits import compose, envfile, jsonfile
from ..edits import typescript as ts
from ..edits.spans import Cut, cut_all, whole_lines
from ..plan import Note, Plan
from ..project import Project
from ..textfile import encode, line_end, line_start
from ..tree import REGENERATED, Tree, walk_files
from .websocket import artefact_notes, parsed

WS_KEYS = {"NEXT_PUBLIC_WS_URL", "WS_INTERNAL_URL", "WS_PORT", "WS_EVENTS_SECRET", "WS_ALLOWED_ORIGINS"}
SECTION = re.compile(r"websocket|realtime", re.IGNORECASE)


def plan_remove(project: Project, tree: Tree, plan: Plan, force: bool) -> Plan:
    cuts: dict[str, list[Cut]] = defaultdict(list)
    _service_folder(project, tree, plan)
    for path in project.routes:
        _route_broadcasts(tree, path, plan, cuts)
    for path in project.pages:
        _page_sockets(tree, path, plan, cuts)
    if project.env_schema:
        _schema_entries(tree, project.env_schema, plan, cuts)
    for path in project.env_files:
        _env_lines(tree, path, cuts)
    for path in project.compose_files:
        _compose_service(project, tree, path, cuts)
    _turbo_entries(tree, cuts)
    _workspace_entry(project, tree, cuts)
    for path, items in cuts.items():
        tree.write(path, encode(cut_all(tree.read_text(path), items)))
    plan.changes = tree.changes()
    if plan.changes:
        plan.summary = "Removes a hand-wired realtime integration (no afc manifest here): the service folder, the broadcasts, the page socket, env entries and compose service."
        plan.prune_dirs = _dirs_below(tree, project.ws)
        artefact_notes(tree, plan)
    else:
        plan.summary = "websocket is not installed here (no afc manifest, and no hand-wired integration found); nothing to remove."
    return plan


def _service_folder(project: Project, tree: Tree, plan: Plan) -> None:
    folder = tree.root / project.ws
    if not folder.is_dir():
        return
    files = [p.relative_to(tree.root).as_posix() for p in walk_files(tree.root, folder, REGENERATED)]
    sources = "".join(tree.read_text(f) or "" for f in files if f.endswith((".ts", ".js", ".mjs")))
    if "websocket" not in sources.lower() or "/events" not in sources:
        plan.notes.append(Note("warn", "not recognised as a realtime service (no websocket route and /events endpoint); left alone", project.ws))
        return
    for path in files:
        tree.delete(path)


def _dirs_below(tree: Tree, rel: str) -> list[str]:
    folder = tree.root / rel
    if not folder.is_dir():
        return []
    out = [rel]
    for dirpath, dirnames, _ in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in REGENERATED]
        out.extend(os.path.relpath(os.path.join(dirpath, d), tree.root) for d in dirnames)
    return out


def _is_ws_fetch(call) -> bool:
    fn = call.field("function")
    return fn is not None and fn.text() == "fetch" and "/events" in call.text() and ("WS_INTERNAL_URL" in call.text() or "WS_URL" in call.text())


def _removable_statement(node):
    """Climb from the fetch to the outermost statement that exists only for the broadcast."""
    statement = node
    while statement is not None and not statement.kind().endswith("statement") and statement.kind() != "lexical_declaration":
        statement = statement.parent()
    while statement is not None:
        block = statement.parent()
        if block is None or block.kind() != "statement_block":
            break
        owner = block.parent()
        siblings = [c for c in block.children() if c.is_named() and c.kind() != "comment"]
        if len(siblings) != 1 or owner is None:
            break
        if owner.kind() == "if_statement" and "WS_INTERNAL_URL" in owner.field("condition").text() and owner.field("alternative") is None:
            statement = owner
        elif owner.kind() == "try_statement":
            statement = owner
        else:
            break
    return statement


def _inside_ws_guard(statement) -> bool:
    """Whether an enclosing `if (process.env.WS_INTERNAL_URL)` also guards other code (so it must stay)."""
    return any(a.kind() == "if_statement" and "WS_INTERNAL_URL" in a.field("condition").text() for a in statement.ancestors())


def _parsed_if(tree: Tree, path: str, plan: Plan, marker: str):
    """The file's text and syntax tree when it mentions `marker` and parses; (None, None) otherwise."""
    if marker not in tree.read_text(path):
        return None, None
    return parsed(tree, path, plan)


def _route_broadcasts(tree: Tree, path: str, plan: Plan, cuts: dict[str, list[Cut]]) -> None:
    text, root = _parsed_if(tree, path, plan, "WS_INTERNAL_URL")
    if root is None:
        return
    for call in root.find_all(kind="call_expression"):
        if not _is_ws_fetch(call):
            continue
        statement = _removable_statement(call)
        if statement is None or statement.kind() not in ("if_statement", "expression_statement", "try_statement") or _inside_ws_guard(statement):
            plan.notes.append(Note("warn", "a broadcast to the realtime service that afc could not separate from other code; remove it by hand", path, ts.where(text, call)))
            continue
        cuts[path].append(whole_lines(text, statement.range().start.index, statement.range().end.index, "broadcast"))
    if cuts[path]:
        _unused_url_constant(text, root, path, cuts)


def _unused_url_constant(text: str, root, path: str, cuts: dict[str, list[Cut]]) -> None:
    """`const X = process.env.WS_INTERNAL_URL` at the top, once nothing left in the file uses X."""
    for decl in root.children():
        if decl.kind() != "lexical_declaration" or not re.fullmatch(r"const\s+\w+\s*=\s*process\.env\.WS_INTERNAL_URL\s*;?", decl.text().strip()):
            continue
        name = decl.find(kind="identifier").text()
        cut_spans = [(c.start, c.end) for c in cuts[path]]
        uses = [i for i in root.find_all(kind="identifier") if i.text() == name and not any(a <= i.range().start.index < b for a, b in cut_spans)]
        if len(uses) == 1:  # only its own declaration
            cuts[path].append(whole_lines(text, decl.range().start.index, decl.range().end.index, "WS_INTERNAL_URL constant"))


def _page_sockets(tree: Tree, path: str, plan: Plan, cuts: dict[str, list[Cut]]) -> None:
    text, root = _parsed_if(tree, path, plan, "new WebSocket(")
    if root is None:
        return
    effects = 0
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        if fn is None or fn.text() not in ("useEffect", "React.useEffect"):
            continue
        effects += 1
        body = call.text()
        if "new WebSocket(" not in body:
            continue
        statement = call.parent()
        if statement is None or statement.kind() != "expression_statement" or "fetch(" in body:
            plan.notes.append(Note("warn", "a WebSocket effect mixed with other work; remove its socket code by hand", path, ts.where(text, call)))
            continue
        cuts[path].append(whole_lines(text, statement.range().start.index, statement.range().end.index, "WebSocket effect"))
        effects -= 1
    if cuts[path] and effects == 0:
        _drop_named_import(text, root, "useEffect", path, cuts)


def _drop_named_import(text: str, root, name: str, path: str, cuts: dict[str, list[Cut]]) -> None:
    for statement in ts.top_level_imports(root):
        for spec in statement.find_all(kind="import_specifier"):
            if spec.text() != name:
                continue
            start, end = spec.range().start.index, spec.range().end.index
            after = re.match(r"\s*,\s*", text[end:])
            if after:
                end += after.end()
            else:
                before = re.search(r",\s*$", text[:start])
                start = before.start() if before else start
            cuts[path].append(Cut(start, end, f"import {name}"))


def _schema_entries(tree: Tree, path: str, plan: Plan, cuts: dict[str, list[Cut]]) -> None:
    text, root = _parsed_if(tree, path, plan, "WS_")
    if root is None:
        return
    for pair in root.find_all(kind="pair"):
        key = pair.field("key")
        if key is None or key.text().strip("\"'") not in WS_KEYS:
            continue
        start, end = pair.range().start.index, pair.range().end.index
        comma = re.match(r"[ \t]*,", text[end:])
        end += comma.end() if comma else 0
        own_line = not text[line_start(text, start) : start].strip() and not text[end : line_end(text, end)].strip()
        cuts[path].append(whole_lines(text, start, end, f"schema {key.text()}", take_comments=False) if own_line else Cut(start, end, "schema"))


def _env_lines(tree: Tree, path: str, cuts: dict[str, list[Cut]]) -> None:
    text = tree.read_text(path)
    lines = envfile.parse(text, path)
    section_header, section_lines, section_removed = None, [], []

    def close_section():
        if section_header is not None and section_lines and len(section_removed) == len(section_lines):
            last = section_lines[-1]
            cuts[path].append(whole_lines(text, section_header.start, last.end, "realtime section", take_comments=False))

    for line in lines:
        if line.comment is not None and line.key is None:
            close_section()
            section_header = line if SECTION.search(line.comment) else None
            section_lines, section_removed = [], []
            continue
        if line.key is None:
            continue
        section_lines.append(line)
        if line.key in WS_KEYS or (line.key == "PORT" and section_header is not None):
            section_removed.append(line)
            cuts[path].append(Cut(line.start, line.end, f"env {line.key}"))
    close_section()


def _compose_service(project: Project, tree: Tree, path: str, cuts: dict[str, list[Cut]]) -> None:
    text = tree.read_text(path)
    services = compose.services_of(text, path)
    if not services:
        return
    for name, body in services.items():
        build = body.get("build") if hasattr(body, "get") else None
        context = build.get("context") if hasattr(build, "get") else build
        if name == "ws" or (isinstance(context, str) and PurePosixPath(context.lstrip("./")).as_posix() == project.ws):
            span = compose.remove_service_span(text, path, name)
            if span:
                cuts[path].append(Cut(*span, f"compose service {name}"))


def _cut_elements(path: str, container, indices: set[int], what: str, cuts: dict[str, list[Cut]]) -> None:
    cuts[path] += [Cut(start, end, what) for start, end in jsonfile.remove_elements(container, indices)]


def _turbo_entries(tree: Tree, cuts: dict[str, list[Cut]]) -> None:
    """WS variables in env lists, and `ws#...` tasks (the seed's "remove ws from pipeline")."""
    text = tree.read_text("turbo.json") if tree.exists("turbo.json") else None
    if text is None or not re.search(r"WS_|\"ws#", text):
        return
    root = jsonfile.parse(text, "turbo.json")
    if root.kind != "object":
        return
    lists = [root.get(k) for k in ("globalEnv", "globalPassThroughEnv")]
    for section in ("tasks", "pipeline"):
        tasks = root.get(section)
        if tasks is None or tasks.kind != "object":
            continue
        doomed = {i for i, (name, _) in enumerate(tasks.members) if name.startswith("ws#")}
        _cut_elements("turbo.json", tasks, doomed, "ws task", cuts)
        lists += [task.get(k) for i, (_, task) in enumerate(tasks.members) if i not in doomed and task.kind == "object" for k in ("env", "passThroughEnv")]
    for array in lists:
        if array is not None and array.kind == "array":
            doomed = {i for i, item in enumerate(array.items) if item.value in WS_KEYS}
            _cut_elements("turbo.json", array, doomed, "turbo env", cuts)


def _workspace_entry(project: Project, tree: Tree, cuts: dict[str, list[Cut]]) -> None:
    """An explicit `"apps/ws"` in the root workspaces list."""
    text = tree.read_text("package.json")
    if f'"{project.ws}"' not in text:
        return
    workspaces = jsonfile.parse(text, "package.json").get("workspaces")
    if workspaces is not None and workspaces.kind == "array":
        doomed = {i for i, item in enumerate(workspaces.items) if item.value in (project.ws, f"./{project.ws}")}
        _cut_elements("package.json", workspaces, doomed, "workspace", cuts)
