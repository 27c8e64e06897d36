import os
from pathlib import Path

import pytest

from afc_realtime.errors import BadInput, Conflict
from afc_realtime.tree import Kind, MemorySource, Tree
from tests.support.projects import make_project

FILES = {
    "package.json": "{}\n",
    "apps/web/package.json": "{}\n",
    "apps/web/src/app/page.tsx": "x\n",
    "apps/web/node_modules/next/package.json": "{}\n",
    "apps/docs/README.md": "# docs\n",
}


def test_an_in_memory_tree_reads_lists_and_walks_like_a_folder():
    tree = Tree.in_memory(FILES)
    assert tree.read_text("apps/web/src/app/page.tsx") == "x\n" and tree.read_bytes("nope") is None
    assert tree.is_dir("apps/web") and not tree.is_dir("package.json") and tree.is_dir(".")
    assert [(e.name, e.is_dir, e.is_file) for e in tree.children("apps/web")] == [
        ("node_modules", True, False),
        ("package.json", False, True),
        ("src", True, False),
    ]
    assert tree.walk("apps/web", {"node_modules"}) == ["apps/web/package.json", "apps/web/src/app/page.tsx"]
    assert tree.glob("apps/*") == ["apps/docs", "apps/web"]
    assert tree.glob("apps/*/package.json") == ["apps/web/package.json"]
    assert tree.artefacts("apps/web") == ["apps/web/node_modules"]
    assert tree.occupied("apps/docs") and not tree.occupied("apps/ws")


def test_lock_files_count_as_install_leftovers_and_other_files_do_not(tmp_path):
    root = make_project(tmp_path / "p", {"svc/package-lock.json": "{}", "svc/bun.lock": "", "svc/notes.md": "x"})
    (root / "svc/node_modules").mkdir()
    (root / "svc/yarn.lock").mkdir()  # a folder by a lock file's name is not one
    assert Tree(root).artefacts("svc") == ["svc/bun.lock", "svc/node_modules", "svc/package-lock.json"]


def test_a_folder_read_as_a_file_is_refused():
    with pytest.raises(Conflict, match="found a folder"):
        Tree.in_memory(FILES).read_bytes("apps/web")


@pytest.mark.parametrize("rel", ["../x", "/etc/passwd", "apps/../../x"])
def test_paths_that_leave_the_project_are_refused(rel):
    with pytest.raises(BadInput, match="outside the project"):
        Tree.in_memory(FILES).read_bytes(rel)


def test_changes_are_what_differs_and_follow_every_write():
    tree = Tree.in_memory(FILES)
    tree.write("package.json", "{}\n")
    assert tree.changes() == []
    tree.write("package.json", '{"a": 1}\n')
    tree.write("new.txt", "n")
    tree.delete("apps/docs/README.md")
    assert [(c.kind, c.path) for c in tree.changes()] == [
        (Kind.DELETE, "apps/docs/README.md"),
        (Kind.CREATE, "new.txt"),
        (Kind.UPDATE, "package.json"),
    ]
    tree.write("new.txt", b"m")
    assert tree.changes()[1].after == b"m"
    assert tree.read_text("new.txt") == "m" and tree.exists("new.txt") and not tree.exists("apps/docs/README.md")


def test_on_disk_a_link_out_of_the_project_is_refused_and_linked_folders_are_not_walked(tmp_path):
    root, outside = tmp_path / "proj", tmp_path / "outside"
    (root / "apps").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("s")
    (root / "apps" / "real.txt").write_text("r")
    os.symlink(outside, root / "apps" / "linked")
    os.symlink(root / "apps", root / "inner")
    tree = Tree(root)
    assert tree.walk(".") == ["apps/real.txt"]
    assert tree.read_text("inner/real.txt") == "r"
    with pytest.raises(Conflict, match="link out of the project"):
        tree.read_bytes("apps/linked/secret.txt")


def test_an_in_memory_tree_has_no_paths_on_disk():
    with pytest.raises(TypeError):
        Tree.in_memory(FILES).resolve("package.json")


def test_a_tree_needs_a_folder(tmp_path):
    with pytest.raises(BadInput) as info:
        Tree(tmp_path / "missing")
    assert info.value.message == f"no such folder: {tmp_path / 'missing'}"
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInput, match="no such folder"):
        Tree(tmp_path / "file")
    with pytest.raises(TypeError, match="^an in-memory tree has no paths on disk$"):
        Tree.in_memory(FILES).resolve("package.json")


def test_links_inside_the_project_are_followed_to_their_target(tmp_path):
    root = tmp_path / "proj"
    (root / "apps/web").mkdir(parents=True)
    (root / ".env").write_text("A=1\n")
    (root / "shared").mkdir()
    (root / "shared/x.txt").write_text("x\n")
    os.symlink("../../.env", root / "apps/web/.env")
    os.symlink("../shared", root / "apps/lib")
    tree = Tree(root)
    assert tree.canonical(".env") == ".env" and tree.canonical("apps/web/.env") == ".env"
    assert tree.canonical("apps/lib/x.txt") == "shared/x.txt" and tree.canonical("apps/lib/new.txt") == "shared/new.txt"
    assert tree.canonical("apps/web/other") == "apps/web/other"
    assert tree.canonical("apps/web/.env") == ".env"  # remembered
    tree.write("apps/web/.env", "A=2\n")
    assert tree.read_text(".env") == "A=2\n" and tree.original_text("apps/web/.env") == "A=1\n"
    assert [c.path for c in tree.changes()] == [".env"]
    assert Tree.in_memory({"a": "x"}).canonical("a") == "a"
    assert Tree.in_memory({"a": "x"}).original_text("a") == "x" and Tree.in_memory({}).original_text("a") is None


def test_a_tree_without_links_names_paths_as_given(tmp_path):
    root = tmp_path / "proj"
    (root / "a").mkdir(parents=True)
    (root / "a/b.txt").write_text("b")
    tree = Tree(root)
    assert tree.canonical("a/b.txt") == "a/b.txt" and tree.canonical("a/new/c.txt") == "a/new/c.txt"
    os.symlink(root / "a", root / "z")
    fresh = Tree(root)
    assert fresh.canonical("a/b.txt") == "a/b.txt" and fresh.canonical("z/b.txt") == "a/b.txt"


def test_a_link_that_loops_is_a_clean_conflict(tmp_path):
    root = tmp_path / "proj"
    (root / "a").mkdir(parents=True)
    os.symlink(root / "a/loop", root / "a/loop")
    with pytest.raises(Conflict) as info:
        Tree(root).children("a")
    assert info.value.message == "a link that leads back to itself: a/loop"
    with pytest.raises(Conflict) as info:
        Tree(root).read_bytes("a/loop")
    assert info.value.message == "a link that leads back to itself: a/loop"
    os.symlink("nowhere", root / "dangling")
    assert Tree(root).read_bytes("dangling") is None


def test_read_only_files_are_told(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    for name, mode in (("ro", 0o444), ("owner", 0o644), ("group", 0o464), ("other", 0o446), ("none", 0o000)):
        (root / name).write_text("x")
        (root / name).chmod(mode)
    (root / "dir").mkdir()
    tree = Tree(root)
    assert [tree.read_only(n) for n in ("ro", "owner", "group", "other", "none", "dir", "missing")] == [
        True,
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    assert Tree.in_memory({"a": "x"}).read_only("a") is False
    with pytest.raises(BadInput):
        tree.read_only("../x")


def test_on_disk_children_are_sorted_and_say_what_they_are(tmp_path):
    root = tmp_path / "proj"
    (root / "b").mkdir(parents=True)
    (root / "a.txt").write_text("a")
    os.symlink(root / "b", root / "c")
    os.symlink(root / "a.txt", root / "d")
    tree = Tree(root)
    assert [(e.name, e.is_dir, e.is_file) for e in tree.children(".")] == [
        ("a.txt", False, True),
        ("b", True, False),
        ("c", False, False),
        ("d", False, True),
    ]
    assert tree.children("a.txt") == [] and tree.children("missing") == []
    with pytest.raises(Conflict) as info:
        tree.read_bytes("b")
    assert info.value.message == "expected a file but found a folder: b"


def test_path_checks_each_step_once_and_sees_links_on_the_way(tmp_path):
    root, outside = tmp_path / "proj", tmp_path / "outside"
    (root / "a/b").mkdir(parents=True)
    outside.mkdir()
    tree = Tree(root)
    assert tree.resolve("a/b/c.txt") == root.resolve() / "a/b/c.txt"
    os.symlink(outside, root / "a/x")
    with pytest.raises(Conflict, match="link out of the project: a/x/y -> "):
        tree.resolve("a/x/y")
    with pytest.raises(Conflict, match="link out of the project"):
        Tree(root).resolve("a/x")


def test_names_in_errors_are_the_paths_asked_for(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "bad.txt").write_bytes(b"ok\n\xff")
    tree = Tree(root)
    for read in (tree.read_text, tree.original_text):
        with pytest.raises(BadInput) as info:
            read("bad.txt")
        assert info.value.path == "bad.txt" and info.value.line == 2


def test_every_entry_point_checks_its_path():
    tree = Tree.in_memory(FILES)
    for call in (tree.is_dir, tree.children, tree.read_bytes, tree.original, tree.exists):
        with pytest.raises(BadInput):
            call("../x")
    assert tree.is_dir(".") and [e.name for e in tree.children(".")] == ["apps", "package.json"]
    assert tree.glob("") == []


def test_walk_visits_every_folder_in_order():
    tree = Tree.in_memory(
        {"r/a/x/1": "", "r/a/y/2": "", "r/b/3": "", "r/b/z/4": "", "r/5": "", "r/skip/6": "", "r/a/skip/7": ""}
    )
    assert tree.walk("r", {"skip"}) == ["r/5", "r/a/x/1", "r/a/y/2", "r/b/3", "r/b/z/4"]


def test_read_only_looks_at_every_write_bit_only(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "x").write_text("x")
    (root / "x").chmod(0o445)
    assert Tree(root).read_only("x") is True


# -- the project root, found upward -----------------------------------------------------------------


def _package(folder, text='{"name": "x"}'):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(text)
    return folder


def test_the_root_is_the_nearest_workspace_root_above(tmp_path):
    from afc_realtime.tree import find_root

    root = _package(tmp_path / "repo", '{"workspaces": ["apps/*"]}')
    web = _package(root / "apps/web", '{"dependencies": {"next": "15"}}')
    (web / "src/app").mkdir(parents=True)
    assert find_root(web / "src/app") == root
    assert find_root(web) == root
    assert find_root(root) == root


@pytest.mark.parametrize("marker", ["pnpm-workspace.yaml", "turbo.json", ".afc/manifest.toml"])
def test_other_workspace_markers_count(tmp_path, marker):
    from afc_realtime.tree import find_root

    root = _package(tmp_path / "repo")
    (root / marker).parent.mkdir(parents=True, exist_ok=True)
    (root / marker).write_text("x\n")
    web = _package(root / "apps/web", '{"dependencies": {"next": "15"}}')
    assert find_root(web) == root


def test_a_single_app_is_found_from_below_and_the_search_stops_at_git(tmp_path):
    from afc_realtime.tree import find_root

    outer = _package(tmp_path, '{"workspaces": ["*"]}')  # above the repository: never reached
    app = _package(outer / "app", '{"dependencies": {"next": "15"}}')
    (app / ".git").mkdir()
    (app / "src/app/api").mkdir(parents=True)
    assert find_root(app / "src/app/api") == app


def test_nothing_found_is_the_start_itself(tmp_path):
    from afc_realtime.tree import find_root

    (tmp_path / ".git").mkdir()
    (tmp_path / "docs").mkdir()
    assert find_root(tmp_path / "docs") == tmp_path / "docs"


def test_changes_of_an_untouched_tree_are_an_empty_list():
    assert Tree.in_memory({"a": "1"}).changes() == []


def test_writing_what_is_there_already_is_no_change_and_hides_no_later_change():
    tree = Tree.in_memory({"a": "1", "b": "2", "c": "3"})
    tree.write("a", "1")  # unchanged, first in order
    tree.write("b", "two")
    tree.write("c", b"3")
    assert [(c.kind, c.path, c.before, c.after) for c in tree.changes()] == [(Kind.UPDATE, "b", b"2", b"two")]


def test_the_root_on_disk_is_resolved_and_a_given_source_keeps_it_as_given(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    assert Tree(tmp_path / "link").root == (tmp_path / "real").resolve()
    assert Tree(Path("rel"), MemorySource({})).root == Path("rel")


def test_a_folder_found_safe_is_not_examined_again(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "a/b").mkdir(parents=True)
    tree = Tree(root)
    tree.resolve("a/b/c.txt")
    seen = []
    real = Path.is_symlink
    monkeypatch.setattr(Path, "is_symlink", lambda self: seen.append(self) or real(self))
    tree.resolve("a/b/d.txt")
    assert seen == [root.resolve() / "a/b/d.txt"]
