"""One afc at a time per project: an advisory lock outside the project, so the tree stays untouched."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import Conflict
from .statedir import project_key


@contextmanager
def project_lock(root: Path) -> Iterator[None]:
    key = project_key(root)[:16]
    path = Path(tempfile.gettempdir()) / f"afc-{key}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except PermissionError:
        try:  # a lock file left by another user: a lock can be taken on it read-only
            fd = os.open(path, os.O_RDONLY)
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
