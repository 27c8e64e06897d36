"""A project under git, as users have it: committed, so afc's uncommitted-changes guard is live."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def commit_all(root: Path, message: str = "project") -> Path:
    """`git init` (once) and commit everything below root."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", message, "--allow-empty")
    return root
