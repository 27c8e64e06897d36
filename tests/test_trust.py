"""Issue 12, "trust under faults and hostile input": each promise with a test that fails when it is broken."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.git import commit_all
from tests.support.projects import fingerprint

runner = CliRunner()
ROUTE = "apps/web/src/app/api/todos/route.ts"


def afc(*args):
    return runner.invoke(app, list(args))


def tree_of(root):
    """The fingerprint without git's own folder (git status refreshes its index)."""
    return {k: v for k, v in fingerprint(root).items() if k != ".git" and not k.startswith(".git/")}


# -- 1. undo any time ------------------------------------------------------------------------------


def test_remove_right_after_add_with_nothing_committed_gives_every_byte_back(afc_project):
    commit_all(afc_project)
    before = tree_of(afc_project)
    added = afc("add", "websocket", "-C", str(afc_project), "--yes")
    assert added.exit_code == 0, added.output
    args = ["--route", ROUTE, "-C", str(afc_project), "--yes"]
    event = afc("add", "event", "todo-archived", *args)
    assert event.exit_code == 0, event.output
    removed = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert removed.exit_code == 0, removed.output
    assert tree_of(afc_project) == before


def test_a_users_own_uncommitted_change_is_still_refused_before_the_plan_is_shown(afc_project):
    commit_all(afc_project)
    assert afc("add", "websocket", "-C", str(afc_project), "--yes").exit_code == 0
    env = afc_project / ".env"
    env.write_text("MINE=1\n" + env.read_text())
    before = tree_of(afc_project)
    refused = afc("remove", "websocket", "-C", str(afc_project), "--yes")
    assert refused.exit_code == 3 and ".env" in refused.output and "--allow-dirty" in refused.output
    assert "DELETE" not in refused.output and "@@" not in refused.output  # no plan printed before refusing
    assert tree_of(afc_project) == before
    preview = afc("remove", "websocket", "-C", str(afc_project), "--dry-run")
    assert preview.exit_code == 0 and "applying would need --allow-dirty" in preview.output
    assert preview.output.index("DELETE") < preview.output.index("applying would need")
