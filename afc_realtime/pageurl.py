"""The URL a page file serves (`app/(shop)/messages/page.tsx` -> `/messages`), for the next steps."""

from __future__ import annotations

from pathlib import PurePosixPath

from .project import Project, join


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
