#!/usr/bin/env python3
"""The corpus's type errors: does `afc add websocket` add any? For each project of bench/corpus.toml (or
`--only`), its snapshot is extracted into a cache folder, its packages installed there (`bun install
--ignore-scripts`, once), Prisma's client generated where the project has a schema, and then: `tsc --noEmit`
under the app's own tsconfig, `afc add websocket --yes` (no install), `tsc --noEmit` again, `afc remove
websocket`, and `git status` to show that every byte came back. Reports the error counts before and after
and each new error. Nothing of the projects enters this repository.

Usage:
    python bench/corpus_tsc.py --only saas-starter,ai-chatbot [--mirrors /work/.mirror] [--cache DIR]
Reports; asserts nothing. Not part of CI: the snapshots are not in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from corpus import extract  # noqa: E402

ERROR = re.compile(r"^(?P<file>[^\s(][^(]*)\(\d+,\d+\): error (?P<code>TS\d+): (?P<text>.*)$", re.M)
PRISMA_UNGENERATED = "Module '\"@prisma/client\"' has no exported member"
GIT = ["git", "-c", "user.email=bench@afc.invalid", "-c", "user.name=bench", "-c", "commit.gpgsign=false"]


def run(argv: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def errors(app: Path) -> list[str]:
    """tsc's errors under the app's tsconfig, each as `file: TSnnnn: text` (positions left out: an edit
    above an existing error moves it without making it new)."""
    tsc = next(
        (p for p in (app / "node_modules/.bin/tsc", *[q / "node_modules/.bin/tsc" for q in app.parents]) if p.exists()),
        None,
    )
    if tsc is None:
        raise RuntimeError(f"no typescript installed for {app}")
    out = run([str(tsc), "--noEmit", "-p", "."], app, timeout=1800).stdout
    # tsc's own incremental state, where a project tracks it, is tsc's change, not afc's
    for info in run(["git", "ls-files", "*.tsbuildinfo"], app).stdout.split():
        run(["git", "checkout", "-q", "--", info], app)
    return sorted(f"{m['file']}: {m['code']}: {m['text']}" for m in ERROR.finditer(out))


def prepared(project: dict[str, Any], mirrors: Path, cache: Path) -> Path:
    owner, name = project["repo"].split("/")
    root = cache / f"{name}-{project['commit'][:12]}"
    if not (root / ".bench-ready").exists():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        extract(mirrors / f"{owner}+{name}" / "repo", project["commit"], root)
        locks = {p.name for p in root.iterdir()}
        installed = run(["bun", "install", "--ignore-scripts"], root, timeout=1800)
        if installed.returncode != 0:
            raise RuntimeError(f"bun install failed: {installed.stderr[-500:]}")
        for lock in ("bun.lock", "bun.lockb"):  # bun's own lock would tell afc the project uses bun
            if lock not in locks:
                (root / lock).unlink(missing_ok=True)
        for schema in root.glob("**/schema.prisma"):
            if "node_modules" not in schema.parts:
                run(["bunx", "prisma", "generate", "--schema", str(schema)], schema.parent)
        (root / ".bench-ready").write_text("")
    # Each measurement starts from the snapshot as committed (afc needs a clean tree to compare with)
    if not (root / ".git").exists():
        run(["git", "init", "-q"], root)
        (root / ".git/info/exclude").write_text("node_modules/\n.bench-ready\nbun.lock\nbun.lockb\n")
        run([*GIT, "add", "-A"], root)
        run([*GIT, "commit", "-qm", "snapshot"], root)
    run(["git", "reset", "-q", "--hard"], root)
    run(["git", "clean", "-qfd"], root)
    return root


def measure(afc: list[str], project: dict[str, Any], mirrors: Path, cache: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"repo": project["repo"], "commit": project["commit"][:12]}
    root = prepared(project, mirrors, cache)
    app = root / project.get("app", "")
    before = errors(app)
    argv = [*afc, "add", "websocket", "--yes", "-C", str(root)] + (
        ["--app", project["app"]] if project.get("app") else []
    )
    added = run(argv, ROOT)
    if added.returncode != 0:
        row["error"] = f"add exited {added.returncode}: {(added.stdout + added.stderr)[-400:]}"
        return row
    after = errors(app)
    removed = run([*afc, "remove", "websocket", "--yes", "-C", str(root)], ROOT)
    left = run(["git", "status", "--porcelain"], root).stdout.splitlines()
    new = sorted(set(after) - set(before))
    # Prisma's client cannot be generated here (its engines come from a host outside the package registries):
    # a model type afc imports from it is then missing, as every one the project imports already is
    ungenerated = [e for e in new if PRISMA_UNGENERATED in e]
    new = [e for e in new if PRISMA_UNGENERATED not in e]
    row.update(before=len(before), after=len(after), new=new, ungenerated=ungenerated)
    row.update(removed=removed.returncode == 0, left_after_remove=left)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "afc-corpus-tsc")
    parser.add_argument("--only", required=True)
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    projects = [
        p
        for p in tomllib.loads((HERE / "corpus.toml").read_text())["project"]
        if p["repo"] in wanted or p["repo"].split("/")[1] in wanted
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    afc = [sys.executable, "-m", "afc_realtime"]
    print(
        "| project | commit | tsc errors before | after add | added by afc | Prisma model types missing "
        "(client not generated here) | remove gives every byte back |"
    )
    print("| --- | --- | --: | --: | --: | --: | --- |")
    for project in projects:
        try:
            row = measure(afc, project, args.mirrors, args.cache)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            row = {"repo": project["repo"], "commit": project["commit"][:12], "error": str(error)}
        print(json.dumps(row), file=sys.stderr, flush=True)
        if "error" in row:
            print(f"| {row['repo']} | {row['commit']} | | | | | error: {row['error'][:200]} |")
        else:
            back = "yes" if row["removed"] and not row["left_after_remove"] else f"no: {row['left_after_remove'][:5]}"
            figures = f"{row['before']} | {row['after']} | {len(row['new'])} | {len(row['ungenerated'])}"
            print(f"| {row['repo']} | {row['commit']} | {figures} | {back} |")


if __name__ == "__main__":
    main()
