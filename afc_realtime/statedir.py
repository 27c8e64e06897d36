"""This machine's own folder for a project: where afc keeps the journal and backups of a run, out of reach of
anything a commit or a cloned repository can put in the project."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

from .errors import Conflict


def project_key(root: Path) -> str:
    """A name for the project that two folders never share: a digest of its real path (not its basename)."""
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]


def state_home() -> Path:
    """`$XDG_STATE_HOME/afc`, or `~/.local/state/afc` when that is unset or not absolute (as the spec says)."""
    base = os.environ.get("XDG_STATE_HOME", "")
    home = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return home / "afc"


def state_folder(root: Path) -> Path:
    """The project's state folder (not made here)."""
    return state_home() / project_key(root)


def private_home() -> Path:
    """afc's own state folder, made 0700 when missing and checked as `make_private` checks."""
    home = state_home()
    home.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        home.mkdir(mode=0o700)
    check_private(home)
    return home


def make_private(folder: Path) -> Path:
    """`folder` and afc's folder above it, made 0700 when missing, then checked: each a real folder (not a
    link), owned by this user, writable by nobody else. Anything else is refused, never used."""
    home = folder.parent
    home.parent.mkdir(parents=True, exist_ok=True)
    for path in (home, folder):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
        check_private(path)
    return folder


def check_private(path: Path) -> None:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        why = "a link" if stat.S_ISLNK(info.st_mode) else "not a folder"
        raise Conflict(f"afc's state folder {path} is {why}; afc will not use it: delete it and run again")
    if info.st_uid != os.getuid():
        raise Conflict(f"afc's state folder {path} belongs to another user; afc will not use it: delete it")
    if info.st_mode & 0o022:
        raise Conflict(f"afc's state folder {path} is writable by other users; afc will not use it: delete it")
