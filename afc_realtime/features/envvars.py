"""Where the realtime variables go, env file by env file. The shared secret goes only into env files git
ignores and that are not production files; a file git tracks gets an empty placeholder and a note naming the
ignored file that holds the secret. When the project has no such file, afc creates one (`.env.local` in the
web app, which Next.js loads) and makes sure git ignores it. Files the host reads get host URLs; the
service's compose name goes only into files that only containers read. Production files get nothing: their
values are not afc's to guess (never `localhost`, never a development secret)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from .. import gitstate
from ..edits import compose, envfile, ignorefile
from ..edits.result import Level
from ..project import Project, join
from ..tree import Tree
from .toolkit import Draft

SECRET = "WS_EVENTS_SECRET"
EXAMPLE_PLACEHOLDER = "change-me-to-a-long-random-string"
# The env files Next.js loads (from the app's folder), by name; any of them is read on the host.
NEXT_ENV_FILES = frozenset(
    f".env{mode}{local}" for mode in ("", ".development", ".production", ".test") for local in ("", ".local")
)
_PRODUCTION = re.compile(r"^\.env\.prod(?:uction)?(?:\.|$)")
# The root files the service's dev script may load, in order of preference, then the app's own.
_SERVICE_ORDER = (".env", ".env.local", ".env.development.local", ".env.development")

Entries = Callable[[str, str], list[tuple[str, str]]]  # (secret, internal host) -> the block's KEY=value pairs


def is_production(path: str) -> bool:
    """`.env.production`, `.env.production.local`, `.env.prod` (and their examples)."""
    return bool(_PRODUCTION.match(PurePosixPath(path).name))


def _base_name(path: str) -> str:
    """The env file an example is made from (`.env.docker.example` -> `.env.docker`), by name."""
    name = PurePosixPath(path).name
    for suffix in envfile.EXAMPLE_SUFFIXES:
        name = name.removesuffix(suffix)
    return name


@dataclass(frozen=True)
class Placement:
    files: list[str]  # the env files that exist and get the block (or a note)
    containers: set[str]  # the files compose hands to containers
    ignored: set[str]  # those of `files` (and `home`) git ignores
    home: str | None  # the ignored file the secret lives in (the service loads it); None: nowhere afc may write it
    create: bool  # `home` does not exist yet: afc creates it
    ignore_line: bool  # git does not ignore `home` yet: afc adds it to the root .gitignore

    def real(self, path: str) -> bool:
        return not envfile.is_example(path) and not is_production(path)

    def host_reads(self, path: str) -> bool:
        """Read on the host: a name Next.js loads, the service's env file, or any file no container reads."""
        return _base_name(path) in NEXT_ENV_FILES or path == self.home or path not in self.containers


def place(project: Project, tree: Tree) -> Placement:
    containers = _container_env_files(project, tree)
    files = list(dict.fromkeys([*project.env_files, *(p for p in containers if tree.exists(p))]))
    real = [p for p in files if not envfile.is_example(p) and not is_production(p)]
    created = [join(project.web, ".env.local"), join(project.web, ".env.development.local")]
    candidates = [c for c in created if c not in files and not tree.occupied(c)]
    ignored = gitstate.ignored(tree.root, [*real, *candidates[:1]], tree.original_text)
    homes = [p for p in real if p in ignored and (_base_name(p) in NEXT_ENV_FILES or p not in containers)]
    root_homes = [p for name in _SERVICE_ORDER for p in homes if p == name]
    home = next(iter(root_homes + homes), None)
    if home is not None:
        return Placement(files, containers, ignored, home, create=False, ignore_line=False)
    home = candidates[0] if candidates else None
    return Placement(files, containers, ignored, home, create=home is not None, ignore_line=home not in ignored)


def _container_env_files(project: Project, tree: Tree) -> set[str]:
    """`env_file:` entries of the compose files, with the `.example` each is made from (`.env.docker.example`)."""
    used = {p for path in project.compose_files for p in compose.env_files_used(tree.read_text(path) or "", path)}
    return used | {f"{p}{suffix}" for p in used for suffix in envfile.EXAMPLE_SUFFIXES}


def add(draft: Draft, project: Project, placement: Placement, header: str, entries: Entries) -> None:
    """The realtime block in every env file, each with the values it may hold (see the module's doc)."""
    tree = draft.tree
    texts = {path: tree.read_text(path) or "" for path in placement.files}
    parsed = {path: envfile.keys(text, path) for path, text in texts.items()}
    kept = (parsed[p].get(SECRET) for p in placement.files if placement.real(p) and p in placement.ignored)
    secret = next((value for value in kept if value), None) or secrets.token_hex(32)
    home = placement.home or "an env file git ignores"
    production = [p for p in placement.files if is_production(p)]
    if production:
        keys = ", ".join(key for key, _ in entries("", "localhost"))
        message = (
            f"a production env file: afc writes no development URL and no secret into it; set {keys} to your "
            "deployment's values where you deploy (the secret outside git)"
        )
        for path in production:
            draft.plan.note(Level.WARN, message, path)
    for path, text in texts.items():
        if is_production(path):
            continue
        host = "localhost" if placement.host_reads(path) else "ws"
        if envfile.is_example(path):
            value = EXAMPLE_PLACEHOLDER
        elif path in placement.ignored:
            value = secret
        else:
            value = ""
            if SECRET not in parsed[path]:
                message = f"git tracks this file, so {SECRET} is left empty here; its value is in {home}"
                draft.plan.note(Level.INFO, message, path)
        draft.take(envfile.add_block(path, text, header, entries(value, host)))
        if host == "localhost" and path in placement.containers and placement.real(path):
            _say_containers_need_the_name(draft, project, path, entries(value, "ws"))
    if placement.home is None:
        message = f"no env file git ignores could be created for {SECRET}: set it in one, outside git"
        draft.plan.note(Level.WARN, message)
    elif placement.create:
        created = f"{header} {ignorefile.CREATED}"
        draft.take(envfile.add_block(placement.home, "", created, entries(secret, "localhost")))
    if placement.home is not None and placement.ignore_line:
        rules = tree.read_text(".gitignore")
        draft.take(ignorefile.add_lines(".gitignore", rules or "", [f"/{placement.home}"], created=rules is None))


def _say_containers_need_the_name(draft: Draft, project: Project, path: str, entries: list[tuple[str, str]]) -> None:
    """A file both the host and containers read keeps host URLs. The web app's own container gets the
    service's compose name under `environment:` from afc (`websocket._add_compose_services`); any other
    container that reads the file is named in a warning."""
    internal = dict(entries).get("WS_INTERNAL_URL", "")
    others = []
    for compose_file in project.compose_files:
        text = draft.tree.read_text(compose_file) or ""
        web = compose.services_building(text, compose_file, project.web)
        readers = compose.env_files_by_service(text, compose_file)
        others += [f"{name} ({compose_file})" for name, files in readers.items() if path in files and name not in web]
    if not others:
        return
    message = (
        f"compose hands this file to containers, but the host reads it too, so it gets localhost URLs; give "
        f"{', '.join(others)} `WS_INTERNAL_URL: {internal}` under `environment:` (afc gives it to the web app's)"
    )
    draft.plan.note(Level.WARN, message, path)
