"""The websocket feature: what `afc add websocket` renders and inserts, and how `remove` undoes it."""

from __future__ import annotations

import fnmatch
import os
import secrets
from pathlib import PurePosixPath
from typing import Any

from .. import __version__, render
from .. import manifest as manifest_mod
from ..edits import compose, envfile, envschema, jsonfile, pages, routes
from ..edits import typescript as ts
from ..edits.result import Edit, Level
from ..errors import Conflict
from ..plan import Plan
from ..project import Project
from ..tree import Tree, sha256
from .toolkit import Draft, import_path, new_dirs, remove_records

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


def compose_service(project: Project, compose_file: str) -> dict[str, Any]:
    context = os.path.relpath(project.ws, str(PurePosixPath(compose_file).parent) or ".").replace(os.sep, "/")
    production = "prod" in compose_file
    secret = "${WS_EVENTS_SECRET:?set WS_EVENTS_SECRET}" if production else "${WS_EVENTS_SECRET}"
    environment = {
        "WS_PORT": f'"{PORT}"',
        "WS_EVENTS_SECRET": secret,
        "WS_ALLOWED_ORIGINS": "${WS_ALLOWED_ORIGINS:-http://localhost:3000}",
        "REDIS_URL": "${REDIS_URL:-}",
    }
    if production:
        environment["NODE_ENV"] = "production"
    return {
        "build": {"context": f"./{context}" if not context.startswith(".") else context, "dockerfile": "Dockerfile"},
        "ports": [f'"{PORT}:{PORT}"'],
        "environment": environment,
        "restart": "unless-stopped",
    }


def plan_add(project: Project, tree: Tree) -> Plan:
    plan = Plan(f"add {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    if FEATURE in existing.features:
        plan.summary = f"{FEATURE} is already installed by afc; nothing to do (see `afc status`)."
        return plan
    _refuse_foreign(project, tree)

    files = _stage_generated(project, tree)
    draft = Draft(tree, plan)
    events = _wire_routes(project, draft)
    _wire_pages(project, draft, {e.rsplit("-", 1)[0] for e in events})
    _declare_env_schema(project, draft)
    _add_env_vars(project, draft)
    _add_compose_services(project, draft)
    _add_turbo_env(draft)
    _cover_workspace(project, draft)

    existing.features[FEATURE] = manifest_mod.FeatureRecord(
        FEATURE,
        __version__,
        files={path: sha256(data) for path, data in files.items()},
        insertions=draft.stage(),
        created_dirs=new_dirs(tree, [*files, manifest_mod.PATH]),
        events=events,
    )
    tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    plan.next_steps = _next_steps(project)
    wired = ", ".join(events) or "none (see the notes below)"
    plan.summary = (
        f"Adds the realtime service in {project.ws} and the web helpers in {project.helpers_dir}, "
        f"and wires these events: {wired}."
    )
    return plan


def _refuse_foreign(project: Project, tree: Tree) -> None:
    taken = [p for p in (project.ws, project.helpers_dir) if tree.occupied(p)]
    if taken:
        raise Conflict(
            "afc would create these, but they exist already and afc did not make them",
            details=[
                f"{p} (remove or rename it; if it is a hand-wired integration, `afc remove websocket` takes it out)"
                for p in taken
            ],
        )


def _stage_generated(project: Project, tree: Tree) -> dict[str, bytes]:
    env_file = os.path.relpath(".env", project.ws).replace(os.sep, "/")
    answers = {"package_name": "ws", "ws_port": PORT, "env_file": env_file}
    files = {f"{project.ws}/{rel}": data for rel, data in render.render_service(answers).items()}
    helpers = render.render_web_helpers({"use_after": project.has_after})
    files.update({f"{project.helpers_dir}/{name}": data for name, data in helpers.items()})
    for path, data in files.items():
        tree.write(path, data)
    return files


def _wire_routes(project: Project, draft: Draft) -> list[str]:
    events = set()
    for path in project.routes:
        resource = routes.resource_of(path)
        file = draft.typescript(path) if resource is not None else None
        if resource is None or file is None:
            continue
        results = routes.wire(file, resource[0], "broadcast")
        draft.take(*results)
        wired = [r.subject for r in results if isinstance(r, Edit)]
        if wired:
            events.update(wired)
            draft.take(ts.add_import(file, "broadcast", import_path(project, path, "broadcast")))
    return sorted(events)


def _wire_pages(project: Project, draft: Draft, resources: set[str]) -> None:
    for path in project.pages:
        file = draft.typescript(path)
        if file is None or not pages.is_client_component(file.root):
            continue
        subscribed = False
        for collection in sorted(pages.fetched_collections(file.root)):
            resource = routes.resource_of(f"{project.src}/app{collection}/route.ts")
            if resource is None or resource[0] not in resources:
                continue
            plural = _camel(PurePosixPath(collection).name)
            result = pages.subscribe(file, resource[0], collection, plural, "useRealtimeList")
            draft.take(result)
            subscribed = subscribed or isinstance(result, Edit)
        if subscribed:
            draft.take(ts.add_import(file, "useRealtimeList", import_path(project, path, "use-realtime")))


def _camel(name: str) -> str:
    head, *rest = name.replace("_", "-").split("-")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _declare_env_schema(project: Project, draft: Draft) -> None:
    file = draft.typescript(project.env_schema) if project.env_schema else None
    if file is not None:
        draft.take(envschema.declare(file))


def _add_env_vars(project: Project, draft: Draft) -> None:
    """One random secret shared by every real env file (or the one they have already); examples get a placeholder."""
    texts = {path: draft.tree.read_text(path) or "" for path in project.env_files}
    real_files = [p for p in project.env_files if not envfile.is_example(p)]
    found = (envfile.keys(texts[p], p).get("WS_EVENTS_SECRET") for p in real_files)
    secret = next((value for value in found if value), None) or secrets.token_hex(32)
    for path, text in texts.items():
        value = "change-me-to-a-long-random-string" if envfile.is_example(path) else secret
        draft.take(envfile.add_block(path, text, ENV_HEADER, env_entries(value)))


def _add_compose_services(project: Project, draft: Draft) -> None:
    for path in project.compose_files:
        draft.take(compose.add_service(path, draft.tree.read_text(path) or "", "ws", compose_service(project, path)))


def _add_turbo_env(draft: Draft) -> None:
    text = draft.tree.read_text("turbo.json")
    if text is None:
        return
    # NEXT_PUBLIC_WS_URL is inlined at build time, so it belongs in the cache key; the rest is runtime-only
    wanted = [
        ("globalEnv", TURBO_BUILD_ENV, "turbo globalEnv"),
        ("globalPassThroughEnv", TURBO_RUNTIME_ENV, "turbo globalPassThroughEnv"),
    ]
    draft.take(jsonfile.ensure_lists("turbo.json", text, wanted))


def _cover_workspace(project: Project, draft: Draft) -> None:
    if any(fnmatch.fnmatch(project.ws, pattern.rstrip("/")) for pattern in project.workspaces):
        return
    text = draft.tree.read_text("package.json") or ""
    workspaces = jsonfile.parse(text, "package.json").get("workspaces")
    if workspaces is not None and workspaces.kind == "array":
        draft.take(jsonfile.ensure_list("package.json", text, "workspaces", [project.ws], "workspace"))
    else:
        message = f"add {project.ws} to your workspace list so its dependencies install"
        draft.plan.note(Level.WARN, message, "package.json")


def _next_steps(project: Project) -> list[str]:
    pm = project.package_manager
    install = INSTALL[pm]
    return [
        f"{install}   # installs the service's dependencies ({project.ws})",
        f"{RUN[pm]} dev   # starts the web app and the realtime service (ws://localhost:{PORT}/ws)",
        f"curl http://localhost:{PORT}/health   # the service answers when it is up",
    ]


# -- remove ---------------------------------------------------------------------------------------


def installed(tree: Tree) -> bool:
    """Whether afc's manifest records the websocket feature here."""
    return FEATURE in manifest_mod.load(tree.read_text(manifest_mod.PATH)).features


def plan_remove(project: Project, tree: Tree, force: bool) -> Plan:
    """Undo what `plan_add` recorded; custom events hang off the service, so they go with it."""
    plan = Plan(f"remove {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    names = [n for n in existing.features if n.startswith("event:")] + [FEATURE]
    remove_records(plan, project, existing, names, force)
    plan.next_steps = [f"{INSTALL[project.package_manager]}   # drops the service's dependencies from your lock file"]
    return plan
