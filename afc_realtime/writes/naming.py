"""Names from what changed: the event of a write comes from its table or model (`db.insert(todos)` ->
`todo-created`, `prisma.post.update` -> `post-updated`, `userProfiles` -> `user-profile-...`), never from
the route path; two tables never share an event. And the URL a route file answers, for the page side."""

from __future__ import annotations

import re
from pathlib import PurePosixPath


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def kebab(name: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name)
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return name if re.match(r"^[a-z]", name) else f"r-{name}"


def resources(tables: set[str]) -> dict[str, str]:
    """Each table's resource name, unique: `todos` -> `todo`; when two tables would share one (`todo` and
    `todos`, `user_profiles` and `userProfiles`), each keeps its whole name, then a number."""
    wanted = {table: kebab(singular(table)) for table in sorted(tables)}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for table in sorted(tables):
        name = wanted[table]
        if list(wanted.values()).count(name) > 1:
            name = kebab(table)
        base, n = name, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        out[table] = name
        taken.add(name)
    return out


def event(resource: str, action: str) -> str:
    return f"{resource}-{action}"


def route_url(route_rel: str) -> str | None:
    """`/api/todos/[id]` for `apps/web/src/app/(shop)/api/todos/[id]/route.ts`."""
    parts = PurePosixPath(route_rel).parts
    if "app" not in parts:
        return None
    inner = parts[len(parts) - parts[::-1].index("app") : -1]  # the last `app/`: `apps/app/src/app/api/...`
    url = [p for p in inner if not (p.startswith("(") and p.endswith(")")) and not p.startswith("@")]
    return "/" + "/".join(url)


def serves(route_rel: str, collection: str) -> bool:
    """Whether a route file answers the list URL `collection` or a URL below it (`/api/todos/[id]`)."""
    url = route_url(route_rel)
    base = collection.rstrip("/")
    return url is not None and (url == base or url.startswith(base + "/"))
