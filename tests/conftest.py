import pytest

from tests.support.projects import AFC_PROJECT, make_project


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


@pytest.fixture
def node():
    from tests.support.tools import require_tool

    return require_tool("node", "install Node.js 20")
