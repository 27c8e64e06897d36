""".gitignore: a block of lines appended at the end, and the check that a recorded block is one afc writes."""

from __future__ import annotations

import re

from ..textfile import style_of
from .insertion import Insertion
from .result import Edit

HEADER = "# Realtime (afc websocket): env files that hold its secret"
CREATED = "(afc created this file)"  # in the first line of a file afc created: `remove` deletes it when emptied
_ENV_PATH = re.compile(r"^/?(?:[\w.@-]+/)*\.env(?:\.[\w-]+)*$")


def add_lines(path: str, text: str, lines: list[str], created: bool = False) -> Edit:
    """`lines` under afc's header at the end of `text` (a new file when `created`)."""
    nl = style_of(text).newline
    lead = "" if not text or text.endswith("\n") else nl
    header = f"{HEADER} {CREATED}" if created else HEADER
    block = lead + header + nl + "".join(line + nl for line in lines)
    return Edit(path, (Insertion(len(text), block, "gitignore " + ", ".join(lines)),))


def is_afc_block(text: str) -> bool:
    """Whether `text` is made only of afc's header and env file paths: a manifest may be crafted, and
    `remove` cuts nothing else from a `.gitignore`."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (
        bool(lines) and lines[0] in (HEADER, f"{HEADER} {CREATED}") and all(_ENV_PATH.match(line) for line in lines[1:])
    )
