"""Uncommitted work in the files a plan would touch, so afc never mixes its edits into yours unasked."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path, PurePosixPath


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


def ignored(root: Path, paths: list[str], read: Callable[[str], str | None]) -> set[str]:
    """Those of `paths` (files, existing or not) that git ignores: never tracked, and matched by an ignore
    rule. A tracked file is never ignored, whatever `.gitignore` says. Without git (not a work tree, or no
    `git`), a file counts as ignored only when a `.gitignore` of the project covers it (`rules_ignore`, the
    files read with `read`): where afc cannot ask git, it assumes the file may be committed."""
    if not paths:
        return set()
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "-z", "--stdin"],
            input="\0".join(paths) + "\0",
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        result = None
    if result is not None and result.returncode in (0, 1):
        return {p for p in result.stdout.split("\0") if p} & set(paths)
    return {p for p in paths if rules_ignore(read, p)}


def rules_ignore(read: Callable[[str], str | None], path: str) -> bool:
    """Whether the `.gitignore` files from the root down to `path`'s folder ignore it, read as git reads
    them for a file: the last matching pattern wins, `!` re-includes, a pattern with a slash other than at
    its end is anchored to its `.gitignore`'s folder, a trailing slash matches folders only (here: the
    file's parent folders), `**` spans folders."""
    parts = PurePosixPath(path).parts
    verdict = False
    for depth in range(len(parts)):
        text = read("/".join([*parts[:depth], ".gitignore"]))
        if text is None:
            continue
        rel = parts[depth:]
        for raw in text.splitlines():
            rule = raw.rstrip()
            if not rule or rule.startswith("#"):
                continue
            negate = rule.startswith("!")
            rule = rule[1:] if negate else rule.removeprefix("\\")
            if _matches(rule, rel):
                verdict = not negate
    return verdict


def _matches(rule: str, rel: tuple[str, ...]) -> bool:
    folder_only = rule.endswith("/")
    rule = rule.rstrip("/")
    anchored = "/" in rule
    pattern = _glob(rule.lstrip("/"))
    # the file itself (unless the rule names folders only), or one of its parent folders
    candidates = [len(rel) - 1] if not folder_only else []
    candidates += range(len(rel) - 1)
    for end in candidates:
        if anchored:
            if pattern.fullmatch("/".join(rel[: end + 1])):
                return True
        elif pattern.fullmatch(rel[end]):
            return True
    return False


def _glob(rule: str) -> re.Pattern[str]:
    out = ""
    index = 0
    while index < len(rule):
        if rule.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
        elif rule.startswith("**", index):
            out += ".*"
            index += 2
        elif rule[index] == "*":
            out += "[^/]*"
            index += 1
        elif rule[index] == "?":
            out += "[^/]"
            index += 1
        elif rule[index] == "[" and "]" in rule[index + 1 :]:
            close = rule.index("]", index + 1)
            body = rule[index + 1 : close].replace("\\", "\\\\")
            out += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
            index = close + 1
        else:
            out += re.escape(rule[index])
            index += 1
    return re.compile(out)
