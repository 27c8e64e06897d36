"""The URL of a page afc wired, so the next steps open the page that changes live (`/messages`, not `/`
when only `/messages` follows the events): the page files afc edited, and the pages that import a component
afc edited (a client component beside the page, as create-t3-app's `_components/post.tsx`)."""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

from .project import Project, join
from .tree import Kind, Tree

SUBSCRIBES = re.compile(r"\buseRealtime\w*\(|<RealtimeRefresh\b")
IMPORTS = re.compile(r"""\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']""")
SOURCE = (".tsx", ".ts", ".jsx", ".js")


def route_of(project: Project, page: str) -> str | None:
    """`app/messages/page.tsx` -> `/messages`, `pages/index.tsx` -> `/`; None for a page no fixed URL
    reaches (a dynamic segment `[id]`, a private `_folder`, an API route)."""
    for base in (join(project.src, "app"), join(project.web, "app")):
        if PurePosixPath(page).is_relative_to(base):
            parts = PurePosixPath(page).relative_to(base).parts[:-1]
            kept = [p for p in parts if not (p.startswith("(") and p.endswith(")")) and not p.startswith("@")]
            if any(p.startswith(("[", "_")) for p in kept):
                return None
            return "/" + "/".join(kept)
    for base in (join(project.src, "pages"), join(project.web, "pages")):
        if PurePosixPath(page).is_relative_to(base):
            names = list(PurePosixPath(page).relative_to(base).with_suffix("").parts)
            if names and names[-1] == "index":
                names.pop()
            if (names and names[0] == "api") or any(p.startswith(("[", "_")) for p in names):
                return None
            return "/" + "/".join(names)
    return None


def wired_urls(project: Project, tree: Tree) -> list[str]:
    """The URLs of the pages that subscribe after afc's edits, `/` first, then by name."""
    edited = [
        c.path
        for c in tree.changes()
        if c.kind is not Kind.DELETE
        and c.path.endswith(SOURCE)
        and not PurePosixPath(c.path).is_relative_to(project.helpers_dir)
        and SUBSCRIBES.search(tree.read_text(c.path) or "")
    ]
    pages = set(project.pages)
    found = {p for p in edited if p in pages}
    components = [p for p in edited if p not in pages]
    if components:
        found |= {p for p in project.pages if _imports_any(project, tree, p, components)}
    urls = {url for p in found if (url := route_of(project, p)) is not None}
    return sorted(urls, key=lambda u: (u != "/", u))


def _imports_any(project: Project, tree: Tree, page: str, components: list[str]) -> bool:
    stems = {str(PurePosixPath(c).with_suffix("")) for c in components}
    stems |= {s.removesuffix("/index") for s in stems}
    for match in IMPORTS.finditer(tree.read_text(page) or ""):
        spec = match.group(1) or match.group(2)
        if project.import_prefix and spec.startswith(project.import_prefix):
            target = join(project.src, spec[len(project.import_prefix) :])
        elif spec.startswith("."):
            target = posixpath.normpath(join(str(PurePosixPath(page).parent), spec))
        else:
            continue
        if str(PurePosixPath(target).with_suffix("")) in stems or target in stems:
            return True
    return False
