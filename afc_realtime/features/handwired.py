"""Removing a realtime integration wired by hand the seed guide's way, with no afc manifest. Code is
recognised by its structure; anything afc is not sure of is listed with its file and line, not touched."""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .. import gitstate
from ..edits import compose, envfile, jsonfile
from ..edits import typescript as ts
from ..edits.result import Edit, Level, Skip
from ..edits.spans import Cut, whole_lines
from ..plan import Plan
from ..project import Project
from ..textfile import line_end, line_start
from ..tree import REGENERATED, Kind, Tree
from .toolkit import Draft, artefact_notes

if TYPE_CHECKING:
    from ast_grep_py import SgNode

WS_KEYS = {
    "NEXT_PUBLIC_WS_URL",
    "WS_INTERNAL_URL",
    "WS_PORT",
    "WS_EVENTS_SECRET",
    "WS_TICKET_SECRET",
    "WS_ALLOWED_ORIGINS",
}
SECRET_KEYS = {"WS_EVENTS_SECRET", "WS_TICKET_SECRET"}
SECTION = re.compile(r"websocket|realtime", re.IGNORECASE)


def plan_remove(project: Project, tree: Tree, force: bool = False) -> Plan:
    """Only an integration recognised by its code (the service folder, a broadcast, a page socket) is
    removed, with the settings that go with it; settings alone (a `WS_EVENTS_SECRET` of the user's own) are
    not an integration, and stay. A secret in an env file git ignores stays without `force`: it is in no
    other place."""
    plan = Plan("remove websocket", tree)
    draft = Draft(tree, plan)
    service = _service_folder(project, plan)
    for path in project.routes:
        _route_broadcasts(draft, path)
    for path in project.pages:
        _page_sockets(draft, path)
    if service or draft.by_path:
        if project.env_schema:
            _schema_entries(draft, project.env_schema)
        ignored = gitstate.ignored(tree.root, project.env_files, tree.original_text)
        for path in project.env_files:
            _env_lines(draft, path, keep_secrets=path in ignored and not force)
        for path in project.compose_files:
            _compose_service(project, draft, path)
        _turbo_entries(draft)
        _workspace_entry(project, draft)
    draft.stage()
    if plan.changes:
        changes = plan.changes
        deleted = sum(1 for c in changes if c.kind is Kind.DELETE)
        edited = sum(1 for c in changes if c.kind is Kind.UPDATE)
        plan.summary = (
            "Removes a hand-wired realtime integration (no afc manifest here): deletes "
            f"{deleted} file{'' if deleted == 1 else 's'} of its service and takes its lines out of "
            f"{edited} file{'' if edited == 1 else 's'} of yours."
        )
        plan.prune_dirs = _dirs_below(tree, project.ws)
        artefact_notes(plan)
    else:
        plan.summary = (
            "websocket is not installed here (no afc manifest, and no hand-wired integration found); nothing to remove."
        )
    return plan


def _service_folder(project: Project, plan: Plan) -> bool:
    """Delete the service folder when its code is a realtime service's; whether it was."""
    tree = plan.tree
    files = tree.walk(project.ws, REGENERATED)
    sources = "".join(tree.read_text(f) or "" for f in files if f.endswith((".ts", ".js", ".mjs")))
    if not files:
        return False
    if "websocket" not in sources.lower() or "/events" not in sources:
        message = "not recognised as a realtime service (no websocket route and /events endpoint); left alone"
        plan.note(Level.WARN, message, project.ws)
        return False
    for path in files:
        tree.delete(path)
    return True


def _dirs_below(tree: Tree, rel: str) -> list[str]:
    """`rel` and every folder below it but install and build leftovers, if it is a folder."""
    if not tree.is_dir(rel):
        return []
    out, folders = [], [rel]
    while folders:
        folder = folders.pop()
        out.append(folder)
        folders += [f"{folder}/{e.name}" for e in tree.children(folder) if e.is_dir and e.name not in REGENERATED]
    return out


def _is_ws_fetch(call: SgNode) -> bool:
    fn = call.field("function")
    text = call.text()
    return (
        fn is not None
        and fn.text() == "fetch"
        and "/events" in text
        and ("WS_INTERNAL_URL" in text or "WS_URL" in text)
    )


def _guarded_by_ws_url(node: SgNode) -> bool:
    condition = node.field("condition")
    return node.kind() == "if_statement" and condition is not None and "WS_INTERNAL_URL" in condition.text()


def _removable_statement(node: SgNode) -> SgNode | None:
    """Climb from the fetch to the outermost statement that exists only for the broadcast."""
    statement: SgNode | None = node
    while (
        statement is not None
        and not statement.kind().endswith("statement")
        and statement.kind() != "lexical_declaration"
    ):
        statement = statement.parent()
    while statement is not None:
        block = statement.parent()
        if block is None or block.kind() != "statement_block":
            break
        owner = block.parent()
        siblings = [c for c in block.children() if c.is_named() and c.kind() != "comment"]
        if len(siblings) != 1 or owner is None:
            break
        if (_guarded_by_ws_url(owner) and owner.field("alternative") is None) or owner.kind() == "try_statement":
            statement = owner
        else:
            break
    return statement


def _mentioning(draft: Draft, path: str, marker: str) -> ts.TsFile | None:
    """The parsed file when it mentions `marker` (most files do not, and are not parsed at all)."""
    return draft.typescript(path) if marker in (draft.tree.read_text(path) or "") else None


def _cut_statement(file: ts.TsFile, node: SgNode, what: str, take_comments: bool = True) -> Cut:
    return whole_lines(file.text, node.range().start.index, node.range().end.index, what, take_comments)


def _route_broadcasts(draft: Draft, path: str) -> None:
    file = _mentioning(draft, path, "WS_INTERNAL_URL")
    if file is None:
        return
    cuts = []
    for call in file.root.find_all(kind="call_expression"):
        if not _is_ws_fetch(call):
            continue
        statement = _removable_statement(call)
        kinds = ("if_statement", "expression_statement", "try_statement")
        if (
            statement is None
            or statement.kind() not in kinds
            or any(_guarded_by_ws_url(a) for a in statement.ancestors())
        ):
            reason = (
                "a broadcast to the realtime service that afc could not separate from other code; remove it by hand"
            )
            draft.take(Skip(path, reason, file.line(call), level=Level.WARN))
            continue
        cuts.append(_cut_statement(file, statement, "broadcast"))
    if cuts:
        cuts += _unused_url_constant(file, cuts)
    draft.take(Edit(path, cuts=tuple(cuts)))


def _unused_url_constant(file: ts.TsFile, cuts: list[Cut]) -> list[Cut]:
    """`const X = process.env.WS_INTERNAL_URL` at the top, once nothing left in the file uses X."""
    declaration = re.compile(r"const\s+\w+\s*=\s*process\.env\.WS_INTERNAL_URL\s*;?")
    for decl in file.root.children():
        name = decl.find(kind="identifier")
        if decl.kind() != "lexical_declaration" or name is None or not declaration.fullmatch(decl.text().strip()):
            continue
        spans = [(c.start, c.end) for c in cuts]
        uses = [
            i
            for i in file.root.find_all(kind="identifier")
            if i.text() == name.text() and not any(a <= i.range().start.index < b for a, b in spans)
        ]
        if len(uses) == 1:  # only its own declaration
            return [_cut_statement(file, decl, "WS_INTERNAL_URL constant")]
    return []


def _page_sockets(draft: Draft, path: str) -> None:
    """The effect that opens `new WebSocket(...)`: the whole effect when it does nothing else; in an effect
    shared with other work (the upstream page fetches its data there too), the socket's own statements, when
    nothing else uses the socket; otherwise listed with its line."""
    file = _mentioning(draft, path, "new WebSocket(")
    if file is None:
        return
    cuts, effects = [], 0
    for call in file.root.find_all(kind="call_expression"):
        fn = call.field("function")
        if fn is None or fn.text() not in ("useEffect", "React.useEffect"):
            continue
        effects += 1
        if "new WebSocket(" not in call.text():
            continue
        statement = call.parent()
        body = _effect_body(call)
        own = _socket_statements(body) if body is not None else None
        if statement is None or statement.kind() != "expression_statement" or body is None or own is None:
            reason = (
                "a WebSocket effect whose socket is used by other code too (or not kept in a `const`); "
                "remove its socket code by hand"
            )
            draft.take(Skip(path, reason, file.line(call), level=Level.WARN))
            continue
        if len(own) == len(_statements(body)):
            cuts.append(_cut_statement(file, statement, "WebSocket effect"))
            effects -= 1
        else:
            cuts += [whole_lines(file.text, a, b, "WebSocket statements") for a, b in _runs(file.text, own)]
    if cuts and effects == 0:
        cuts += _named_import(file, "useEffect")
    draft.take(Edit(path, cuts=tuple(cuts)))


def _runs(text: str, nodes: list[SgNode]) -> list[tuple[int, int]]:
    """The nodes' spans, joined where only blank space lies between them (one cut, one blank-line rule)."""
    runs: list[tuple[int, int]] = []
    for node in sorted(nodes, key=lambda n: n.range().start.index):
        start, end = node.range().start.index, node.range().end.index
        if runs and not text[runs[-1][1] : start].strip():
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _effect_body(call: SgNode) -> SgNode | None:
    args = call.field("arguments")
    callback = next((c for c in args.children() if c.is_named()), None) if args is not None else None
    if callback is None or callback.kind() not in ("arrow_function", "function_expression", "function"):
        return None
    body = callback.field("body")
    return body if body is not None and body.kind() == "statement_block" else None


def _statements(block: SgNode) -> list[SgNode]:
    return [c for c in block.children() if c.is_named() and c.kind() != "comment"]


def _socket_statements(body: SgNode) -> list[SgNode] | None:
    """The statements of an effect's body that exist only for its socket: `const socket = new WebSocket(...)`,
    `socket.onmessage = ...` / `socket.addEventListener(...)`, `return () => socket.close()`. None when any
    other statement uses the socket (or the socket is not kept in a `const` of its own)."""
    statements = _statements(body)
    declared = [(s, n) for s in statements if (n := _socket_declared(s)) is not None]
    if len(declared) != 1:
        return None
    declaration, name = declared[0]
    own = [declaration]
    for statement in statements:
        if statement.range().start.index == declaration.range().start.index:
            continue
        uses = any(i.text() == name for i in statement.find_all(kind="identifier"))
        if not uses and "new WebSocket(" not in statement.text():
            continue
        if not _only_for_socket(statement, name):
            return None
        own.append(statement)
    return own


def _socket_declared(statement: SgNode) -> str | None:
    """`socket` for `const socket = new WebSocket(...)`."""
    if statement.kind() != "lexical_declaration":
        return None
    declarators = [c for c in statement.children() if c.kind() == "variable_declarator"]
    if len(declarators) != 1:
        return None
    name, value = declarators[0].field("name"), declarators[0].field("value")
    if name is None or name.kind() != "identifier" or value is None or value.kind() != "new_expression":
        return None
    constructor = value.field("constructor")
    return name.text() if constructor is not None and constructor.text() == "WebSocket" else None


def _on_socket(node: SgNode | None, name: str) -> bool:
    """`socket.x`: a member of the socket itself."""
    target = node.field("object") if node is not None and node.kind() == "member_expression" else None
    return target is not None and target.text() == name


def _only_for_socket(statement: SgNode, name: str) -> bool:
    """`socket.onmessage = ...;`, `socket.addEventListener(...);`, `return () => socket.close();` (or a block
    of such calls)."""
    if statement.kind() == "expression_statement":
        expression = next((c for c in statement.children() if c.is_named()), None)
        if expression is not None and expression.kind() == "assignment_expression":
            return _on_socket(expression.field("left"), name)
        if expression is not None and expression.kind() == "call_expression":
            return _on_socket(expression.field("function"), name)
        return False
    if statement.kind() != "return_statement":
        return False
    cleanup = next((c for c in statement.children() if c.is_named()), None)
    body = cleanup.field("body") if cleanup is not None and cleanup.kind() == "arrow_function" else None
    if body is None:
        return False
    if body.kind() == "call_expression":
        return _on_socket(body.field("function"), name)
    return body.kind() == "statement_block" and all(_only_for_socket(s, name) for s in _statements(body))


def _named_import(file: ts.TsFile, name: str) -> list[Cut]:
    """Cuts that take `name` out of the file's import lists, with its comma."""
    text, cuts = file.text, []
    for statement in ts.top_level_imports(file.root):
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
            cuts.append(Cut(start, end, f"import {name}"))
    return cuts


def _schema_entries(draft: Draft, path: str) -> None:
    file = _mentioning(draft, path, "WS_")
    if file is None:
        return
    text, cuts = file.text, []
    for pair in file.root.find_all(kind="pair"):
        key = pair.field("key")
        if key is None or key.text().strip("\"'") not in WS_KEYS:
            continue
        start, end = pair.range().start.index, pair.range().end.index
        comma = re.match(r"[ \t]*,", text[end:])
        end += comma.end() if comma else 0
        own_line = not text[line_start(text, start) : start].strip() and not text[end : line_end(text, end)].strip()
        what = f"schema {key.text()}"
        cuts.append(whole_lines(text, start, end, what, take_comments=False) if own_line else Cut(start, end, what))
    draft.take(Edit(path, cuts=tuple(cuts)))


def _env_lines(draft: Draft, path: str, keep_secrets: bool) -> None:
    """Realtime keys (and `PORT` inside a realtime section); a section left empty goes with its header. With
    `keep_secrets`, a secret that has a value stays (and the plan says so)."""
    text = draft.tree.read_text(path) or ""
    cuts: list[Cut] = []
    sections: list[tuple[envfile.EnvLine | None, list[envfile.EnvLine]]] = [(None, [])]
    for line in envfile.parse(text, path):
        if line.comment is not None and line.key is None:
            sections.append((line if SECTION.search(line.comment) else None, []))
        elif line.key is not None:
            sections[-1][1].append(line)
    for header, lines in sections:
        doomed = [line for line in lines if line.key in WS_KEYS or (line.key == "PORT" and header is not None)]
        kept = [line for line in doomed if keep_secrets and line.key in SECRET_KEYS and line.value]
        for line in kept:
            message = f"{line.key} kept: git ignores this file, so its value is nowhere else (--force removes it)"
            draft.take(Skip(path, message, line.number, level=Level.WARN))
        doomed = [line for line in doomed if line not in kept]
        cuts += [Cut(line.start, line.end, f"env {line.key}") for line in doomed]
        if header is not None and lines and len(doomed) == len(lines):
            cuts.append(whole_lines(text, header.start, lines[-1].end, "realtime section", take_comments=False))
    draft.take(Edit(path, cuts=tuple(cuts)))


def _compose_service(project: Project, draft: Draft, path: str) -> None:
    text = draft.tree.read_text(path) or ""
    services = compose.services_of(text, path)
    for name, body in (services or {}).items():
        build = body.get("build") if hasattr(body, "get") else None
        context = build.get("context") if build is not None and hasattr(build, "get") else build
        built_here = isinstance(context, str) and _normal(path, context) == project.ws
        if built_here:
            draft.take(compose.remove_service(path, text, name))
        elif name == "ws":
            reason = f"compose service ws is not built from {project.ws}, so it is not the realtime service"
            draft.take(Skip(path, reason, level=Level.WARN))


def _normal(compose_file: str, context: str) -> str:
    """A build context as a path from the project root (contexts are relative to the compose file)."""
    return posixpath.normpath(posixpath.join(str(PurePosixPath(compose_file).parent), context))


def _cut_elements(path: str, container: jsonfile.Node, indices: set[int], what: str) -> Edit:
    return Edit(path, cuts=tuple(Cut(start, end, what) for start, end in jsonfile.remove_elements(container, indices)))


def _turbo_entries(draft: Draft) -> None:
    """WS variables in env lists, and `ws#...` tasks (the seed's "remove ws from pipeline")."""
    text = draft.tree.read_text("turbo.json")
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
        draft.take(_cut_elements("turbo.json", tasks, doomed, "ws task"))
        kept = [task for i, (_, task) in enumerate(tasks.members) if i not in doomed and task.kind == "object"]
        lists += [task.get(k) for task in kept for k in ("env", "passThroughEnv")]
    for array in lists:
        if array is not None and array.kind == "array":
            doomed = {i for i, item in enumerate(array.items) if item.value in WS_KEYS}
            draft.take(_cut_elements("turbo.json", array, doomed, "turbo env"))


def _workspace_entry(project: Project, draft: Draft) -> None:
    """An explicit `"apps/ws"` in the root workspaces list."""
    text = draft.tree.read_text("package.json") or ""
    if f'"{project.ws}"' not in text:
        return
    workspaces = jsonfile.parse(text, "package.json").get("workspaces")
    if workspaces is not None and workspaces.kind == "array":
        doomed = {i for i, item in enumerate(workspaces.items) if item.value in (project.ws, f"./{project.ws}")}
        draft.take(_cut_elements("package.json", workspaces, doomed, "workspace"))
