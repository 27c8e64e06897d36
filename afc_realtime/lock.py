"""One afc at a time per project: an advisory lock in this user's own state folder (never the project, never
a folder other users can write, such as /tmp), so the tree stays untouched and nothing is left behind."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import Conflict
from .statedir import private_home, project_key


@contextmanager
def project_lock(root: Path) -> Iterator[None]:
    path = private_home() / f"{project_key(root)}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise Conflict(
            f"cannot open the lock file {path} ({exc.strerror}); if no afc is running, delete it", code="locked"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(f"another afc is already running on {root}; wait for it to finish", code="locked") from None
        yield
    finally:
        os.close(fd)
