"""Which files show what a page shows: the page, and every file of the app it imports, followed through the
project's own imports (`./_components/post`, `~/app/_components/post`, a barrel). The data is often read in
such a file (create-t3-app's `_components/post.tsx`), not in `page.tsx`. A file a client component imports
runs in the browser too, "use client" or not (a custom hook in `hooks/use-todos.ts`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from ..edits import pages
from ..project import Project
from ..writes.graph import Graph

LIMIT = 2000  # files followed in all: an app's own component tree, never the whole workspace
SOURCES = (".tsx", ".jsx", ".ts", ".js")
# What server code leads on to: components, and barrels that may re-export them (a server module of
# functions, `lib/db.ts`, leads to no client component: not parsed).
COMPONENTS = (".tsx", ".jsx")


@dataclass(frozen=True)
class Component:
    path: str
    client: bool  # runs in the browser: its own "use client", or imported from a file that does
    page: str  # a page that shows it (a page: itself), for the URL the plan and next steps name


def components(project: Project, graph: Graph, helpers: str) -> list[Component]:
    """The pages, then the files of the app they import (directly or not), each once, with whether it runs
    in the browser and a page that shows it. Files outside the app, and afc's own helpers in `helpers`, are
    not followed, nor server modules other than components (`.tsx`, `.jsx`) and `index` barrels; each file is
    followed once as server code and once as client code at most."""
    client: dict[str, bool] = {}
    page_of: dict[str, str] = {}
    seen: set[tuple[str, bool]] = set()
    queue = [(page, page, False) for page in project.pages]
    while queue and len(seen) < LIMIT:
        path, page, in_client = queue.pop(0)
        module = graph.module(path)
        if module is None:
            continue
        in_client = in_client or pages.is_client_component(module.file.root)
        if (path, in_client) in seen:
            continue
        seen.add((path, in_client))
        client[path] = client.get(path, False) or in_client
        page_of.setdefault(path, page)
        for imported in module.imports.values():
            target = graph.target(path, imported.specifier)
            if target is None or target in project.pages or not _in_app(project, target, helpers):
                continue
            if in_client or target.endswith(COMPONENTS) or PurePosixPath(target).stem == "index":
                queue.append((target, page, in_client))
    found = [Component(p, client[p], p) for p in project.pages if p in client]
    found += [Component(p, client[p], page_of[p]) for p in sorted(client) if p not in project.pages]
    return found


def _in_app(project: Project, path: str, helpers: str) -> bool:
    inside = project.web == "." or path.startswith(f"{project.web}/")
    ours = path.startswith((f"{helpers}/", f"{project.ws}/"))
    return inside and not ours and path.endswith(SOURCES) and not path.endswith(".d.ts")
