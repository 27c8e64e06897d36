"""Finding the real tools the tests drive, and failing loudly in CI when one is missing."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest


def in_ci() -> bool:
    """Whether this is a CI run: CI set to anything but empty, 0, false or no (CI=false is a developer's)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def require_tool(name: str, hint: str, candidates: tuple[str, ...] = ()) -> str:
    """Path to executable `name`; in CI a missing tool fails the test, elsewhere it skips with `hint`."""
    for candidate in (*candidates, name):
        found = candidate if Path(candidate).is_file() and os.access(candidate, os.X_OK) else shutil.which(candidate)
        if found:
            return found
    message = f"{name} is not installed: {hint}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
