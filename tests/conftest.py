import pytest

from tests.support.projects import AFC_PROJECT, make_project


@pytest.fixture
def afc_project(tmp_path):
    """A small AFC-shaped monorepo in a temp folder."""
    return make_project(tmp_path / "proj", AFC_PROJECT)
