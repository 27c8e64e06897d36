"""Uncommitted work in the files a plan would touch, so afc never mixes its edits into yours unasked."""

from __future__ import annotations

import subprocess
from pathlib import Path


def dirty_paths(root: Path, paths: list[str]) -> list[str]:
    """Those of `paths` with uncommitted changes; empty when root is not in a git work tree or git is absent."""
    if not paths:
        return []
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", *paths],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if result.returncode != 0:
        return []
    return sorted(line[3:].strip() for line in result.stdout.splitlines() if line.strip())


def committed(root: Path, path: str) -> bytes | None:
    """The bytes of `path` as last committed (HEAD), or None when it is not in HEAD or git cannot say."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "show", f"HEAD:./{path}"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None
