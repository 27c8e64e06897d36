import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.projects import AFC_PROJECT, make_project


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """afc wraps its prose to the terminal (80 columns when not on one); the tests that look for a message in
    the output get a wide one so that a message stays on one line. Wrapping is tested on its own."""
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture(autouse=True)
def private_state(tmp_path_factory):
    """afc's per-user state folder (journals, backups) in a temp folder of each test's own, never the home's.
    Set apart from `monkeypatch`, which tests undo in the middle to simulate a new afc process."""
    import os

    state = tmp_path_factory.mktemp("state")
    old = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(state)
    yield state / "afc"
    if old is None:
        del os.environ["XDG_STATE_HOME"]
    else:
        os.environ["XDG_STATE_HOME"] = old


@pytest.fixture
def afc_project(tmp_path):
    """A small AFC-shaped monorepo in a temp folder."""
    return make_project(tmp_path / "proj", AFC_PROJECT)


@pytest.fixture(scope="session")
def web_toolchain(tmp_path_factory):
    """typescript 5, next 15, react 19 and zod installed once per session, for type-checking web apps."""
    from tests.support.tools import require_tool
    from tests.support.typecheck import install_toolchain

    npm = require_tool("npm", "install Node.js 20 with npm")
    return install_toolchain(tmp_path_factory.mktemp("toolchain"), npm)


@pytest.fixture(scope="session")
def auth_toolchain():
    """The web toolchain with the real authentication libraries (`typecheck.AUTH_PACKAGES`), installed once
    per machine into the test cache (about 35 s the first time, nothing after)."""
    from tests.support.tools import require_tool
    from tests.support.typecheck import AUTH_PACKAGES, PACKAGES, cached_toolchain

    npm = require_tool("npm", "install Node.js 20 with npm")
    return cached_toolchain("auth-types", [*PACKAGES, *AUTH_PACKAGES], npm)


@pytest.fixture
def node():
    from tests.support.tools import require_tool

    return require_tool("node", "install Node.js 20")


def _hypothesis_profiles() -> None:
    """`HYPOTHESIS_PROFILE=mutation` (used for the mutation runs, see TESTING.md): fewer examples per test."""
    import os

    from hypothesis import settings

    settings.register_profile("mutation", max_examples=25, deadline=None)
    if os.environ.get("HYPOTHESIS_PROFILE"):
        settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


_hypothesis_profiles()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for every browser test of the run (e2e and fresh apps): Playwright's sync API
    runs one instance per thread, so a second `sync_playwright()` in the same run is refused."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.e2e_support import CHROMIUM_ARGS, required_tools

    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    chromium_path = required_tools().chromium
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
