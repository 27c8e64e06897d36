"""The package's shape, checked: no import cycles (lazy imports count), the project read only through
`Tree`, and the lint and type checks configured in pyproject.toml clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "afc_realtime"
REPO = PACKAGE.parent

# The only modules that touch the project on disk, and the others that touch anything else, with why.
DISK_MODULES = {
    "afc_realtime.tree": "reads the project",
    "afc_realtime.apply": "writes the project",
    "afc_realtime.render": "reads afc's own templates and renders them in a temporary folder",
    "afc_realtime.lock": "a lock file in the system's temporary folder, outside the project",
    "afc_realtime.statedir": "afc's per-user state folder (journal, backups), outside the project",
    "afc_realtime.gitstate": "asks git which files have uncommitted changes",
    "afc_realtime.install": "runs the project's package manager (--install), its log in the temporary folder",
    "afc_realtime.pipes": "points a stdout whose reader has gone at the null device",
}
DISK_MODULES_ANY = {"os", "shutil", "tempfile", "subprocess", "glob"}  # every call on these may touch the disk
DISK_OS_PATH = {"exists", "lexists", "isdir", "isfile", "islink", "realpath", "getsize", "getmtime"}
DISK_METHODS = {"read_bytes", "read_text", "write_bytes", "write_text", "iterdir", "glob", "rglob", "stat", "lstat"}
DISK_METHODS |= {"unlink", "mkdir", "rmdir", "touch", "exists", "is_dir", "is_file", "is_symlink", "resolve", "chmod"}


def modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(), str(path))
    return out


def imported(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """Package modules that `name` imports anywhere in its body, functions included."""
    package = name if (PACKAGE / Path(*name.split(".")[1:]) / "__init__.py").exists() else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}
    return {m for m in found if m in known and m != name}


def test_no_import_cycles_lazy_imports_included():
    mods = modules()
    graph = {name: imported(name, tree, set(mods)) for name, tree in mods.items()}
    assert graph["afc_realtime.cli"] >= {"afc_realtime.features.websocket", "afc_realtime.features.handwired"}
    cycles, state = [], dict.fromkeys(graph, 0)

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state[nxt] == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif state[nxt] == 0:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in graph:
        if state[name] == 0:
            visit(name, [name])
    assert cycles == []


def disk_uses(tree: ast.Module) -> list[str]:
    """Calls that may touch the disk. Methods called on a `tree` (the virtual tree) do not."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        if isinstance(fn, ast.Name):
            disk = fn.id == "open"
        elif isinstance(fn, ast.Attribute):
            receiver = ast.unparse(fn.value)
            disk = (
                receiver in DISK_MODULES_ANY
                or (receiver == "os.path" and fn.attr in DISK_OS_PATH)
                or (fn.attr in DISK_METHODS and receiver != "tree" and not receiver.endswith(".tree"))
            )
        else:
            disk = False
        if disk:
            found.append(f"line {node.lineno}: {ast.unparse(fn)}()")
    return found


def test_only_tree_and_apply_touch_the_project_on_disk():
    offenders = {
        name: uses for name, tree in modules().items() if name not in DISK_MODULES and (uses := disk_uses(tree))
    }
    assert offenders == {}
    assert all(disk_uses(modules()[name]) for name in DISK_MODULES), "an exemption nobody needs any more"


@pytest.mark.parametrize("command", [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]])
def test_lint_format_and_types_are_clean(command):
    result = subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
