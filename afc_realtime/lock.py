"""One afc at a time per project: an advisory lock outside the project, so the tree stays untouched."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import Conflict


@contextmanager
def project_lock(root: Path) -> Iterator[None]:
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"afc-{key}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(f"another afc is already running on {root}; wait for it to finish") from None
        yield
    finally:
        os.close(fd)
