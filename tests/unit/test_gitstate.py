"""`gitstate.ignored`: git's answer in a work tree, the project's `.gitignore` rules without git."""

from __future__ import annotations

import pytest

from afc_realtime import gitstate
from tests.support.git import commit_all, git
from tests.support.projects import make_project

RULES = {
    ".gitignore": "node_modules/\n.env\n.env*.local\n!.env.keep.local\n/root-only.env\nbuild/\n**/deep/*.env\n",
    "apps/web/.gitignore": ".env.development\n",
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".env", True),
        ("apps/web/.env", True),  # no slash in the rule: any folder
        (".env.local", True),
        ("apps/web/.env.production.local", True),
        (".env.keep.local", False),  # re-included by `!`
        (".env.example", False),
        (".env.production", False),
        ("root-only.env", True),
        ("apps/root-only.env", False),  # anchored by its leading slash
        ("build/.env.production", True),  # inside an ignored folder
        ("build", False),  # a folder-only rule does not match a file of that name
        ("apps/web/.env.development", True),  # the app's own .gitignore
        (".env.development", False),
        ("a/deep/x.env", True),
        ("deep/x.env", True),
        ("a/deep/b/x.env", False),
    ],
)
def test_rules_without_git(path, expected):
    assert gitstate.rules_ignore(RULES.get, path) is expected


def test_git_is_asked_in_a_work_tree_and_a_tracked_file_is_never_ignored(tmp_path):
    root = make_project(tmp_path / "p", {**RULES, ".env.production": "A=1\n", "apps/web/.env.development": "B=1\n"})
    commit_all(root)
    git(root, "add", "-f", "apps/web/.env.development")  # committed despite the rule: tracked
    git(root, "commit", "-qm", "force")
    paths = [".env", ".env.production", "apps/web/.env.development", "apps/web/.env.local", ".env.keep.local"]
    assert gitstate.ignored(root, paths, lambda p: None) == {".env", "apps/web/.env.local"}


def test_without_git_the_rules_are_read_with_the_reader_given(tmp_path):
    assert gitstate.ignored(tmp_path / "nowhere", [".env", ".env.example"], RULES.get) == {".env"}
    assert gitstate.ignored(tmp_path / "nowhere", [".env"], lambda p: None) == set()
    assert gitstate.ignored(tmp_path, [], RULES.get) == set()
