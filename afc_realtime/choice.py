"""Which Next.js app afc works on when a project has several: the one the user names (`--app`), else the
only one where afc finds writes to the database, else the user's answer on a terminal, else `apps/web` (or the
first by name) to break the tie. The plan says which and why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from .edits import typescript as ts
from .project import Project, default_app, detect, join
from .tree import Tree

# Asked on a terminal: the apps that write (path -> how many writes), answers the chosen path.
Ask = Callable[[dict[str, int]], str]


def choose(tree: Tree, app: str | None = None, ask: Ask | None = None) -> Project:
    """The project with its app, and the service folder afc's manifest records (`add websocket --dir`)."""
    return _recorded_service_dir(tree, _choose(tree, app, ask))


def _recorded_service_dir(tree: Tree, project: Project) -> Project:
    """Later commands (`remove`, `update`, `status`, `add event`) find the service where `add` put it."""
    from dataclasses import replace

    from . import manifest
    from .errors import BadInput

    record = manifest.load(tree.read_text(manifest.PATH)).features.get("websocket")
    if record is None or not record.service_dir:
        return project
    folder = PurePosixPath(record.service_dir)
    web = PurePosixPath(project.web)
    if project.web != "." and (folder.is_relative_to(web) or web.is_relative_to(folder)):
        raise BadInput(
            f"invalid afc manifest: service_dir {record.service_dir} is the web app's folder or inside it; "
            "afc never puts the service there",
            path=manifest.PATH,
        )
    return replace(project, ws=record.service_dir)


def _choose(tree: Tree, app: str | None = None, ask: Ask | None = None) -> Project:
    if app is not None:
        return detect(tree, app, f"chosen with --app {app}")
    first = detect(tree)
    if len(first.apps) < 2:
        return first
    installed = _installed_in(tree, first)
    if installed is not None:
        return detect(tree, installed, "the app afc added realtime to (its manifest says so)")
    writes = writes_per_app(tree, list(first.apps))
    writers = {a: n for a, n in writes.items() if n}
    if len(writers) == 1:
        [web] = writers
        return detect(tree, web, "the only one where afc finds writes to the database")
    if len(writers) > 1 and ask is not None:
        return detect(tree, ask(writers), "your choice")
    counted = ", ".join(f"{a}: {n}" for a, n in writers.items())
    tied = list(writers) or list(first.apps)
    web = default_app(tied)
    why = "apps/web breaks the tie" if web == "apps/web" else "the first by name"
    if writers:
        return detect(tree, web, f"several write to the database ({counted}); {why}")
    return detect(tree, web, f"none of them writes to the database that afc can see; {why}")


def _installed_in(tree: Tree, project: Project) -> str | None:
    """The app whose helpers afc's manifest records, so later commands (`add event`, `remove`) work on the
    app `add websocket` chose."""
    from . import manifest

    records = manifest.load(tree.read_text(manifest.PATH)).features.values()
    recorded = {path for record in records for path in record.files}
    for app in project.apps:
        if join(detect(tree, app).helpers_dir, "broadcast.ts") in recorded:
            return app
    return None


def writes_per_app(tree: Tree, apps: list[str]) -> dict[str, int]:
    """How many writes afc's recognisers find in each app's own files (each file parsed once)."""
    from .writes import find
    from .writes.site import Write

    parsed: dict[str, ts.TsFile | None] = {}

    def load(path: str) -> ts.TsFile | None:
        if path not in parsed:
            loaded = ts.load(path, tree.read_text(path) or "")
            parsed[path] = loaded if isinstance(loaded, ts.TsFile) else None
        return parsed[path]

    counts = {}
    for app in apps:
        project = detect(tree, app)
        inside = [a for a in apps if a != app and PurePosixPath(a).is_relative_to(app)]
        found = find.scan(project, tree, load)
        counts[app] = sum(
            1
            for file, results in found
            if PurePosixPath(file.path).is_relative_to(app)
            and not any(PurePosixPath(file.path).is_relative_to(other) for other in inside)
            for r in results
            if isinstance(r, Write)
        )
    return counts
