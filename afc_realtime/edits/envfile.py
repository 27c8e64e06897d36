"""`.env` files: read keys line by line, and add missing keys as one block at the end."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import BadInput
from ..textfile import style_of
from .insertion import Insertion, remove_all
from .result import Edit

_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=(.*)$")
_KEY_LIKE = re.compile(r"^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*(?::|\s)\s*\S")
QUOTES = "\"'`"
EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist")


@dataclass(frozen=True)
class EnvLine:
    number: int  # 1-based
    start: int  # offset of the line in the text
    end: int  # offset just past its line ending
    key: str | None  # None for blank and comment lines
    value: str | None
    comment: str | None  # the text of a comment line, without '#'


def parse(text: str, path: str) -> list[EnvLine]:
    """Every line of an env file; a line that is neither blank, comment nor KEY=VALUE is an error."""
    out: list[EnvLine] = []
    offset, number = 0, 0
    raw_lines = text.splitlines(keepends=True)
    index = 0
    while index < len(raw_lines):
        raw = raw_lines[index]
        number += 1
        start = offset
        body = raw.rstrip("\r\n").lstrip("\ufeff")
        stripped = body.strip()
        offset += len(raw)
        index += 1
        if not stripped:
            out.append(EnvLine(number, start, offset, None, None, None))
            continue
        if stripped.startswith("#"):
            out.append(EnvLine(number, start, offset, None, None, stripped[1:].strip()))
            continue
        match = _ASSIGN.match(body)
        if not match:
            raise BadInput(_not_a_pair(body), path=path, line=number)
        value = match.group(2).strip()
        first = number
        # a quoted value (double, single or backtick quotes) may run over several lines
        if value[:1] and value[0] in QUOTES and _unclosed(value):
            while index < len(raw_lines) and _unclosed(value):
                value += "\n" + raw_lines[index].rstrip("\r\n")
                offset += len(raw_lines[index])
                index += 1
                number += 1
            if _unclosed(value):
                raise BadInput(f"quoted value of {match.group(1)} never closes", path=path, line=first)
        out.append(EnvLine(first, start, offset, match.group(1), _unquote(value), None))
    return out


def _not_a_pair(body: str) -> str:
    """The error for a line that is not KEY=VALUE. Its text is never shown (it may hold a secret): only the key
    it starts with, when it starts like one (`WS_EVENTS_SECRET: x`, `API_KEY value`)."""
    key = _KEY_LIKE.match(body)
    named = f" (key {key.group(1)}, with no '=')" if key else ""
    return f"not a KEY=VALUE line{named}; its text is not shown, as it may hold a secret"


def _unclosed(value: str) -> bool:
    quote, body = value[0], value[1:]
    return not re.search(r"(?<!\\)" + quote, body) if quote == '"' else quote not in body


def _unquote(value: str) -> str:
    value = re.sub(r"\s+#.*$", "", value) if not value.startswith(tuple(QUOTES)) else value
    if len(value) >= 2 and value[0] == value[-1] and value[0] in QUOTES:
        return value[1:-1]
    return value


def keys(text: str, path: str) -> dict[str, str]:
    return {line.key: line.value or "" for line in parse(text, path) if line.key}


def is_example(path: str) -> bool:
    return path.endswith(EXAMPLE_SUFFIXES)


def add_block(path: str, text: str, header: str, entries: list[tuple[str, str]]) -> Edit:
    """Append the entries whose keys are missing, under a comment header, keeping everything else."""
    present = keys(text, path)
    missing = [(k, v) for k, v in entries if k not in present]
    if not missing:
        return Edit(path)
    nl = style_of(text).newline
    lead = ""
    if text and not text.endswith("\n"):
        lead = nl + nl
    elif text and not text.endswith(nl + nl) and text.strip("\ufeff"):
        lead = nl
    block = lead + f"# {header}{nl}" + "".join(f"{k}={v}{nl}" for k, v in missing)
    return Edit(path, (Insertion(len(text), block, "env " + ", ".join(k for k, _ in missing)),))


def without_values(item: Insertion) -> Insertion:
    """What the manifest records of an env block: each `KEY=value` line as `KEY=`, so no secret leaves its
    file; `undo` matches those lines by key."""
    lines = []
    for line in item.text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        match = _ASSIGN.match(body)
        lines.append(f"{match.group(1)}={line[len(body) :]}" if match else line)
    return Insertion(item.offset, "".join(lines), item.what)


def undo(path: str, text: str, placed: list[Insertion]) -> tuple[str, list[Insertion]]:
    """The inverse of `add_block`: cut the block, matching each KEY=... line by its key, since the values
    in an env file are the user's to change after afc wrote them."""
    text, missing = remove_all(text, placed)
    if not missing:
        return text, []
    return remove_all(text, [Insertion(m.offset, _with_current_values(m.text, text, path), m.what) for m in missing])


def _with_current_values(fragment: str, text: str, path: str) -> str:
    """`fragment` (a block afc inserted) with each KEY=... line as the file now has it."""
    current = {line.key: text[line.start : line.end].rstrip("\r\n") for line in parse(text, path) if line.key}
    out = []
    for line in fragment.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        match = _ASSIGN.match(body)
        if match and match.group(1) in current:
            line = current[match.group(1)] + line[len(body) :]
        out.append(line)
    return "".join(out)
