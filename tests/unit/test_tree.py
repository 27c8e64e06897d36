import os

import pytest

from afc_realtime.errors import BadInput, Conflict
from afc_realtime.tree import Kind, Tree

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
