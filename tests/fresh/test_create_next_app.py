"""Today's create-next-app, as a new user gets it: `afc add websocket` leaves an app that `next build`
builds (Next.js 16 without Cache Components, Next.js 15; with them, test_create_next_app_live.py builds it),
and `afc remove websocket` gives every tracked byte back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fresh.conftest import afc, copy_app, next_build
from tests.support.git import commit_all, git

pytestmark = pytest.mark.timeout(900)


def without_cache_components(root: Path) -> None:
    """The same app as it is without `--cache-components` (whose `partialPrefetching` requires it)."""
    config = root / "next.config.ts"
    lines = config.read_text().splitlines(keepends=True)
    config.write_text("".join(x for x in lines if "cacheComponents" not in x and "partialPrefetching" not in x))


# The Cache Components app is built (before and after remove) by test_create_next_app_live.py, which grows
# it into a live app first: here it is added and removed only (create-next-app's own page must parse). A
# build costs up to a minute on a shared 2-core machine.
@pytest.mark.parametrize(
    ("app_fixture", "cache_components", "build"),
    [("next16_cache_components", True, False), ("next16_cache_components", False, True), ("next15", False, True)],
    ids=["next16-cache-components", "next16", "next15"],
)
def test_add_builds_and_remove_gives_every_byte_back(request, tmp_path, app_fixture, cache_components, build):
    root = copy_app(request.getfixturevalue(app_fixture), tmp_path / "app")
    if app_fixture == "next16_cache_components" and not cache_components:
        without_cache_components(root)
    assert ("cacheComponents: true" in (root / "next.config.ts").read_text()) is cache_components
    commit_all(root, "create-next-app")

    added = afc(root, "add", "websocket")
    assert "does not parse" not in added.stdout + added.stderr  # create-next-app's page.tsx has `&` in JSX
    route = (root / "src/app/api/realtime/ticket/route.ts").read_text()
    assert "export const dynamic" not in route and "await connection();" in route
    if build:
        built = next_build(root)
        # Rendered per request (a prerendered ticket would be one ticket for everyone, baked at build time).
        assert re.search(r"ƒ /api/realtime/ticket\b", built), built[-3000:]

    afc(root, "remove", "websocket")
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
