"""A reader that stopped reading (`afc add websocket --yes | head -1`) ends afc's output, not afc."""

from __future__ import annotations

import os
from typing import TextIO


def discard(stream: TextIO) -> None:
    """Point `stream`'s file descriptor at the null device: what afc still writes, and what is buffered and
    flushed at exit, goes nowhere instead of raising BrokenPipeError (which would turn exit 0 into 1)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stream.fileno())
    os.close(devnull)
