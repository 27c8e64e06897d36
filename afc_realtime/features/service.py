"""The realtime service's own choices: its npm package name, its port and its folder, each checked against
the project before anything is planned."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePosixPath

from ..edits import envfile, jsonfile
from ..errors import BadInput, Conflict
from ..project import DEV_PORT_FLAG, PORT_VARIABLE, Project, dependencies, join
from ..tree import Tree

# What the rendered service depends on (templates/ws/template/package.json.jinja): its package name must
# not be one of these, or a workspace link `node_modules/<name> -> ../apps/ws` would shadow the library.
SERVICE_DEPENDENCIES = frozenset(
    {"@fastify/websocket", "fastify", "ioredis", "pino", "secure-json-parse", "tsx", "ws", "typescript"}
)
# Folders of a Next.js app at the root that the service must not go into: Next.js gives them a meaning.
APP_FOLDERS = ("app", "pages", "src", "public", "components", "lib", "node_modules", ".next")


def package_name(project: Project, tree: Tree) -> str:
    """The service's npm name: the workspace's scope plus `realtime` (`@acme/realtime` when the other
    workspace packages are `@acme/...`), else `realtime-service`; never the name of a workspace package or of
    anything a package here depends on, so a workspace link can never shadow a library (the name `ws` did:
    under npm workspaces `node_modules/ws -> ../apps/ws` hid the `ws` library from the service itself)."""
    names, taken = workspace_names(project, tree)
    scopes = Counter(name.split("/")[0] for name in names if name.startswith("@") and "/" in name)
    scope = min(scopes, key=lambda s: (-scopes[s], s)) if scopes else None
    candidates = [f"{scope}/realtime", f"{scope}/realtime-service"] if scope else []
    candidates += ["realtime-service", "realtime-ws-service"]
    candidates += [f"realtime-service-{n}" for n in range(2, 100)]
    return next(c for c in candidates if c not in names | taken)


def workspace_names(project: Project, tree: Tree, but: str | None = None) -> tuple[set[str], set[str]]:
    """The names of the workspace's packages (the root's included, the folder `but` left out) and every name
    they or the service depend on: names the service's package must never take."""
    names: set[str] = set()
    taken: set[str] = set(SERVICE_DEPENDENCIES)
    for folder in dict.fromkeys([".", *project.packages]):
        manifest = None if folder == but else _package_json(tree, join(folder, "package.json"))
        if manifest is None:
            continue
        name = jsonfile.to_python(manifest.get("name"))
        if isinstance(name, str):
            names.add(name)
        taken |= dependencies(manifest)
    return names, taken


# npm's package-name rules: lower case, URL-safe, at most 214 characters, an optional `@scope/`.
NPM_NAME = re.compile(r"(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*")


def name_problem(project: Project, tree: Tree, name: str) -> str | None:
    """Why `name` cannot be the service's npm name, or None."""
    if len(name) > 214 or not NPM_NAME.fullmatch(name):
        return f"{name!r} is not an npm package name"
    names, taken = workspace_names(project, tree, but=project.ws)
    if name in names:
        return f"{name!r} is the name of another package of this workspace"
    if name in taken:
        return f"{name!r} is a package the workspace or the service depends on"
    return None


def folder_problem(project: Project, rel: str) -> str | None:
    """Why `rel` (relative, POSIX) cannot be the service's folder, or None: outside the project or the root
    itself, a folder afc or the tools own, the web app or inside it."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or not pure.parts or any(p in ("", ".", "..") for p in rel.split("/")):
        return "outside the project (or the project root itself)"
    if any(part.lower() in (".git", ".afc", "node_modules") for part in pure.parts):
        return "a folder afc or your tools own"
    web = PurePosixPath(project.web)
    inside_app = pure.parts[0] in APP_FOLDERS if project.web == "." else pure.is_relative_to(web)
    if inside_app or (project.web != "." and web.is_relative_to(pure)):
        return f"the web app ({project.web}) or inside it"
    return None


def _package_json(tree: Tree, rel: str) -> jsonfile.Node | None:
    text = tree.read_text(rel)
    return None if text is None else jsonfile.parse(text, rel)


def app_ports(project: Project, tree: Tree) -> dict[int, tuple[str, str | None, int | None]]:
    """The ports the web app runs on in development, each with where afc read it (what, file, line): its
    `dev` script (`next dev -p 3001`, `--port`, `PORT=3001 next dev`, else Next.js's default 3000), and
    `PORT` in the real env files of the root and the app (a `dotenv -- next dev` setup reads it)."""
    package = join(project.web, "package.json")
    manifest = jsonfile.to_python(_package_json(tree, package))
    scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
    dev = scripts.get("dev") if isinstance(scripts, dict) else None
    found: dict[int, tuple[str, str | None, int | None]] = {project.dev_port: ("Next.js's default", None, None)}
    if isinstance(dev, str) and (DEV_PORT_FLAG.search(dev) or PORT_VARIABLE.search(dev)):
        found[project.dev_port] = (f'its `dev` script: "{dev}"', package, None)
    for path in project.env_files:
        if envfile.is_example(path):
            continue
        for line in envfile.parse(tree.read_text(path) or "", path):
            value = (line.value or "").strip().strip("\"'")
            if line.key == "PORT" and value.isdigit():
                found.setdefault(int(value), (f"PORT in {path}", path, line.number))
    return found


def check_port(project: Project, tree: Tree, port: int) -> None:
    """Refuse a port that is not one (1-65535) or that the web app itself runs on."""
    if not 1 <= port <= 65535:
        raise BadInput(f"--port {port}: not a TCP port; choose one from 1 to 65535")
    taken = app_ports(project, tree).get(port)
    if taken is not None:
        what, path, line = taken
        raise BadInput(
            f"port {port} for the realtime service: the web app {project.web} runs on it ({what}); "
            "the service needs a port of its own: choose one with --port",
            path=path,
            line=line,
        )


def with_service_dir(project: Project, tree: Tree, folder: str | None) -> Project:
    """The project with its service in `folder` (`--dir`), refused when that is outside the project, inside
    the web app, or a folder (or file) that exists and is not empty. None keeps the default."""
    from dataclasses import replace

    if folder is None:
        return project
    raw = folder.strip().replace("\\", "/")
    pure = PurePosixPath(raw)
    if pure.is_absolute():
        try:
            pure = pure.relative_to(PurePosixPath(project.root.as_posix()))
        except ValueError:
            raise BadInput(f"--dir {folder}: outside the project ({project.root}); give a folder inside it") from None
    if not pure.parts or ".." in pure.parts or pure.as_posix() == ".":
        raise BadInput(f"--dir {folder}: outside the project (or the project root itself); give a folder inside it")
    rel = pure.as_posix()
    if any(part in (".git", ".afc", "node_modules") for part in pure.parts):
        raise BadInput(f"--dir {folder}: a folder afc or your tools own; choose another")
    inside_app = pure.parts[0] in APP_FOLDERS if project.web == "." else pure.is_relative_to(project.web)
    if inside_app:
        where = project.web if project.web != "." else f"{pure.parts[0]}/ of the app at the root"
        raise BadInput(
            f"--dir {folder}: inside the web app ({where}); the service is a package of its own, "
            "so its folder goes beside the app (e.g. apps/realtime)"
        )
    if not free(tree, rel):
        raise Conflict(f"--dir {folder}: {rel} exists and is not empty; choose a new folder (afc creates it)")
    return replace(project, ws=rel)


def free(tree: Tree, rel: str) -> bool:
    """Whether the service can go in `rel`: nothing there, or an empty folder."""
    return not tree.children(rel) if tree.is_dir(rel) else tree.original(rel) is None
