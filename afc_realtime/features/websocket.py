"""The websocket feature: what `afc add websocket` renders and inserts, and how `remove` undoes it."""

from __future__ import annotations

import os
import secrets
from collections import defaultdict
from pathlib import PurePosixPath

from .. import __version__, manifest as manifest_mod, render
from ..edits import compose, envfile, envschema, jsonfile, pages, routes
from ..edits import typescript as ts
from ..edits.insertion import Insertion, Placed, insert_all, remove_all
from ..errors import Conflict
from ..plan import Note, Plan
from ..project import ENV_FILE, Project
from ..textfile import encode
from ..tree import Tree, artefacts_in, sha256

FEATURE = "websocket"
PORT = 4001
ENV_HEADER = "Realtime (afc websocket)"
TURBO_BUILD_ENV = ["NEXT_PUBLIC_WS_URL"]
TURBO_RUNTIME_ENV = ["WS_INTERNAL_URL", "WS_EVENTS_SECRET", "WS_PORT", "WS_ALLOWED_ORIGINS", "REDIS_URL"]
RUN = {"bun": "bun run", "pnpm": "pnpm", "yarn": "yarn", "npm": "npm run"}
INSTALL = {"bun": "bun install", "pnpm": "pnpm install", "yarn": "yarn install", "npm": "npm install"}


def env_entries(secret: str) -> list[tuple[str, str]]:
    return [
        ("NEXT_PUBLIC_WS_URL", f"ws://localhost:{PORT}"),
        ("WS_INTERNAL_URL", f"http://localhost:{PORT}"),
        ("WS_PORT", str(PORT)),
        ("WS_EVENTS_SECRET", secret),
        ("WS_ALLOWED_ORIGINS", "http://localhost:3000"),
    ]


def compose_service(project: Project, compose_file: str) -> dict:
    context = os.path.relpath(project.ws, str(PurePosixPath(compose_file).parent) or ".").replace(os.sep, "/")
    production = "prod" in compose_file
    secret = "${WS_EVENTS_SECRET:?set WS_EVENTS_SECRET}" if production else "${WS_EVENTS_SECRET}"
    environment = {"WS_PORT": f'"{PORT}"', "WS_EVENTS_SECRET": secret, "WS_ALLOWED_ORIGINS": "${WS_ALLOWED_ORIGINS:-http://localhost:3000}", "REDIS_URL": "${REDIS_URL:-}"}
    if production:
        environment["NODE_ENV"] = "production"
    return {
        "build": {"context": f"./{context}" if not context.startswith(".") else context, "dockerfile": "Dockerfile"},
        "ports": [f'"{PORT}:{PORT}"'],
        "environment": environment,
        "restart": "unless-stopped",
    }


class Edits:
    """Insertions gathered per file during planning, then staged in the tree in one go."""

    def __init__(self, tree: Tree):
        self.tree = tree
        self.by_path: dict[str, list[Insertion]] = defaultdict(list)

    def add(self, path: str, insertion: Insertion | None) -> None:
        if insertion is not None:
            self.by_path[path].append(insertion)

    def stage(self) -> dict[str, list[Placed]]:
        placed = {}
        for path, insertions in self.by_path.items():
            new_text, placed[path] = insert_all(self.tree.read_text(path), insertions)
            self.tree.write(path, encode(new_text))
        return placed


def import_path(project: Project, from_file: str, helper: str) -> str:
    target = f"{project.helpers_dir}/{helper}"
    if project.import_prefix:
        return project.import_prefix + PurePosixPath(target).relative_to(project.src).as_posix()
    rel = os.path.relpath(target, str(PurePosixPath(from_file).parent)).replace(os.sep, "/")
    return rel if rel.startswith(".") else "./" + rel


def parsed(tree: Tree, path: str, plan: Plan):
    text = tree.read_text(path)
    root = ts.parse(text)
    problem = ts.syntax_problem(root)
    if problem:
        plan.notes.append(Note("warn", f"{problem.message}; left untouched", path, problem.line))
        return text, None
    return text, root


def new_dirs(tree: Tree, files: list[str]) -> list[str]:
    made = set()
    for path in files:
        for parent in PurePosixPath(path).parents:
            if str(parent) != "." and not tree.resolve(str(parent)).exists():
                made.add(str(parent))
    return sorted(made)


def plan_add(project: Project, tree: Tree) -> Plan:
    plan = Plan(f"add {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    if FEATURE in existing.features:
        plan.summary = f"{FEATURE} is already installed by afc; nothing to do (see `afc status`)."
        return plan
    record = manifest_mod.FeatureRecord(FEATURE, __version__)
    _refuse_foreign(project, tree)

    files = _stage_generated(project, tree)
    edits = Edits(tree)
    record.events = _wire_routes(project, tree, plan, edits)
    _wire_pages(project, tree, plan, edits, {e.rsplit("-", 1)[0] for e in record.events})
    _declare_env_schema(project, tree, plan, edits)
    _add_env_vars(project, tree, edits)
    _add_compose_services(project, tree, plan, edits)
    _add_turbo_env(tree, edits)
    _cover_workspace(project, tree, plan, edits)

    record.insertions = edits.stage()
    record.files = {path: sha256(data) for path, data in files.items()}
    record.created_dirs = new_dirs(tree, [*files, manifest_mod.PATH])
    existing.features[FEATURE] = record
    tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    plan.changes = tree.changes()
    plan.next_steps = _next_steps(project)
    wired = ", ".join(record.events) or "none (see the notes below)"
    plan.summary = f"Adds the realtime service in {project.ws} and the web helpers in {project.helpers_dir}, and wires these events: {wired}."
    return plan


def _refuse_foreign(project: Project, tree: Tree) -> None:
    taken = [p for p in (project.ws, project.helpers_dir) if tree.resolve(p).exists()]
    if taken:
        raise Conflict(
            "afc would create these, but they exist already and afc did not make them",
            details=[f"{p} (remove or rename it; if it is a hand-wired integration, `afc remove websocket` takes it out)" for p in taken],
        )


def _stage_generated(project: Project, tree: Tree) -> dict[str, bytes]:
    answers = {"package_name": "ws", "ws_port": PORT, "env_file": os.path.relpath(".env", project.ws).replace(os.sep, "/")}
    files = {f"{project.ws}/{rel}": data for rel, data in render.render_service(answers).items()}
    helpers = render.render_web_helpers({"use_after": project.has_after})
    files.update({f"{project.helpers_dir}/{name}": data for name, data in helpers.items()})
    for path, data in files.items():
        tree.write(path, data)
    return files


def _wire_routes(project: Project, tree: Tree, plan: Plan, edits: Edits) -> list[str]:
    events = []
    for path in project.routes:
        resource = routes.resource_of(path)
        if resource is None:
            continue
        text, root = parsed(tree, path, plan)
        if root is None:
            continue
        results = routes.wire(text, root, resource[0], "broadcast")
        wired = [r for r in results if isinstance(r, routes.Wired)]
        for result in results:
            if isinstance(result, routes.Skipped):
                plan.notes.append(Note("skip", f"{result.method}: {result.reason}", path, result.line))
        if not wired:
            continue
        for result in wired:
            edits.add(path, result.insertion)
            events.append(result.event)
        edits.add(path, ts.add_import(text, root, "broadcast", import_path(project, path, "broadcast"), "import broadcast"))
    return sorted(set(events))


def _wire_pages(project: Project, tree: Tree, plan: Plan, edits: Edits, resources: set[str]) -> None:
    for path in project.pages:
        text, root = parsed(tree, path, plan)
        if root is None or not pages.is_client_component(root):
            continue
        subscribed = False
        for collection in sorted(pages.fetched_collections(root)):
            resource = routes.resource_of(f"{project.src}/app{collection}/route.ts")
            if resource is None or resource[0] not in resources:
                continue
            plural = _camel(PurePosixPath(collection).name)
            result = pages.subscribe(text, root, resource[0], collection, plural, "useRealtimeList")
            if isinstance(result, str):
                plan.notes.append(Note("skip", result, path))
                continue
            edits.add(path, result.insertion)
            subscribed = True
        if subscribed:
            edits.add(path, ts.add_import(text, root, "useRealtimeList", import_path(project, path, "use-realtime"), "import useRealtimeList"))


def _camel(name: str) -> str:
    head, *rest = name.replace("_", "-").split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _declare_env_schema(project: Project, tree: Tree, plan: Plan, edits: Edits) -> None:
    if project.env_schema is None:
        return
    text, root = parsed(tree, project.env_schema, plan)
    if root is None:
        return
    result = envschema.declare(text, root)
    if isinstance(result, str):
        plan.notes.append(Note("skip", result, project.env_schema))
        return
    for insertion in result:
        edits.add(project.env_schema, insertion)


def _add_env_vars(project: Project, tree: Tree, edits: Edits) -> None:
    real_files = [p for p in project.env_files if not envfile.is_example(p)]
    parsed = {p: envfile.keys(tree.read_text(p), p) for p in project.env_files}
    secret = next((parsed[p]["WS_EVENTS_SECRET"] for p in real_files if parsed[p].get("WS_EVENTS_SECRET")), None)
    secret = secret or secrets.token_hex(32)
    for path in project.env_files:
        value = "change-me-to-a-long-random-string" if envfile.is_example(path) else secret
        edits.add(path, envfile.add_block(tree.read_text(path), path, ENV_HEADER, env_entries(value)))


def _add_compose_services(project: Project, tree: Tree, plan: Plan, edits: Edits) -> None:
    for path in project.compose_files:
        result = compose.add_service(tree.read_text(path), path, "ws", compose_service(project, path))
        if isinstance(result, compose.Skip):
            plan.notes.append(Note("skip", result.reason, path))
        else:
            edits.add(path, result)


def _add_turbo_env(tree: Tree, edits: Edits) -> None:
    if not tree.exists("turbo.json"):
        return
    text = tree.read_text("turbo.json")
    # NEXT_PUBLIC_WS_URL is inlined at build time, so it belongs in the cache key; the rest is runtime-only
    edits.add("turbo.json", jsonfile.ensure_list(text, "turbo.json", "globalEnv", TURBO_BUILD_ENV, "turbo globalEnv"))
    edits.add("turbo.json", jsonfile.ensure_list(text, "turbo.json", "globalPassThroughEnv", TURBO_RUNTIME_ENV, "turbo globalPassThroughEnv"))


def _cover_workspace(project: Project, tree: Tree, plan: Plan, edits: Edits) -> None:
    import fnmatch

    if any(fnmatch.fnmatch(project.ws, pattern.rstrip("/")) for pattern in project.workspaces):
        return
    root = jsonfile.parse(tree.read_text("package.json"), "package.json")
    if root.get("workspaces") is not None and root.get("workspaces").kind == "array":
        edits.add("package.json", jsonfile.ensure_list(tree.read_text("package.json"), "package.json", "workspaces", [project.ws], "workspace"))
    else:
        plan.notes.append(Note("warn", f"add {project.ws} to your workspace list so its dependencies install", "package.json"))


def _next_steps(project: Project) -> list[str]:
    pm = project.package_manager
    install = INSTALL[pm]
    return [
        f"{install}   # installs the service's dependencies ({project.ws})",
        f"{RUN[pm]} dev   # starts the web app and the realtime service (ws://localhost:{PORT}/ws)",
        f"curl http://localhost:{PORT}/health   # the service answers when it is up",
    ]


# -- remove ---------------------------------------------------------------------------------------


def plan_remove(project: Project | None, tree: Tree, force: bool) -> Plan:
    plan = Plan(f"remove {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    if FEATURE not in existing.features:
        from . import handwired

        return handwired.plan_remove(project, tree, plan, force)
    # custom events hang off the service, so they go with it
    names = [n for n in existing.features if n.startswith("event:")] + [FEATURE]
    return remove_records(tree, plan, existing, names, force, project)


def remove_records(tree: Tree, plan: Plan, existing: manifest_mod.Manifest, names: list[str], force: bool, project: Project | None = None) -> Plan:
    """Undo what the manifest records for `names`: delete unchanged generated files, cut inserted text."""
    drift: list[str] = []
    files = inserted = 0
    for name in names:
        record = existing.features.pop(name)
        drift += _delete_generated(tree, plan, record, force)
        drift += _cut_insertions(tree, plan, record, force)
        plan.prune_dirs += record.created_dirs
        files += len(record.files)
        inserted += sum(len(items) for items in record.insertions.values())
    if drift:
        raise Conflict("afc will not remove what you changed after `afc add`; review it, or run again with --force", details=drift)
    artefact_notes(tree, plan)
    if existing.features:
        tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    else:
        tree.delete(manifest_mod.PATH)
    plan.changes = tree.changes()
    plan.summary = f"Removes the {files} files afc generated and the {inserted} insertions it made in your files."
    if project is not None:
        plan.next_steps = [f"{INSTALL[project.package_manager]}   # drops the service's dependencies from your lock file"]
    return plan


def artefact_notes(tree: Tree, plan: Plan) -> None:
    """Say which install and build leftovers go with the folders afc removes."""
    for rel in plan.prune_dirs:
        for leftover in artefacts_in(tree.root / rel):
            plan.notes.append(Note("info", "installed dependencies or build output; deleted with the folder", f"{rel}/{leftover.name}/"))


def _drifted(plan: Plan, force: bool, path: str, message: str, forced: str) -> list[str]:
    """A change the user made since `add`: a reason to stop, or with --force a warning and on we go."""
    if force:
        plan.notes.append(Note("warn", f"{message}; {forced}", path))
        return []
    return [f"{path}: {message}"]


def _delete_generated(tree: Tree, plan: Plan, record: manifest_mod.FeatureRecord, force: bool) -> list[str]:
    drift = []
    for path, digest in sorted(record.files.items()):
        data = tree.read_bytes(path)
        if data is None:
            plan.notes.append(Note("info", "already gone", path))
            continue
        refusal = _drifted(plan, force, path, "changed since afc wrote it", "removed because of --force") if sha256(data) != digest else []
        drift += refusal
        if not refusal:
            tree.delete(path)
    return drift


def _cut_insertions(tree: Tree, plan: Plan, record: manifest_mod.FeatureRecord, force: bool) -> list[str]:
    drift = []
    for path, items in sorted(record.insertions.items()):
        text = tree.read_text(path)
        if text is None:
            plan.notes.append(Note("warn", "the file afc edited is gone", path))
            continue
        new_text, missing = remove_all(text, items)
        if missing and ENV_FILE.match(PurePosixPath(path).name):
            # the values in an env file are the user's to change: match the block with today's values
            adapted = [Placed(m.offset, envfile.with_current_values(m.text, new_text, path), m.what) for m in missing]
            new_text, missing = remove_all(new_text, adapted)
        for item in missing:
            drift += _drifted(plan, force, path, f"{item.what}: the text afc inserted is no longer there as written", "left as it is")
        tree.write(path, encode(new_text))
    return drift


