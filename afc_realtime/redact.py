"""Secrets stay in their files: values that look secret are masked wherever afc shows text (previews,
JSON, diff context lines included), and env insertions are recorded without their values."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

MASK = "********"
SECRET_KEY = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|KEY|CREDENTIAL", re.IGNORECASE)
_ENV_FILE = re.compile(r"^\.env(\.[\w-]+)*$")
_YAML_FILE = re.compile(r"\.ya?ml$")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s:/@'\"]*):(?P<pw>[^\s@/'\"]+)@")
_ENV_ASSIGN = re.compile(
    r"^(?P<lead>\s*(?:export\s+)?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<eq>\s*=)(?P<value>.*?)(?P<nl>\r?\n?)$"
)
_YAML_PAIR = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?[\"']?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<eq>[\"']?\s*[:=]\s*|=)(?P<value>.*?)(?P<nl>\r?\n?)$"
)
_REFERENCE = re.compile(r"^[\"']?\$\{[^}]*\}[\"']?$")  # `${WS_EVENTS_SECRET:?}`: names a secret, holds none


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY.search(key))


def mask_urls(text: str) -> str:
    """`postgres://user:pass@host` -> `postgres://user:********@host`."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)


def mask_line(path: str, line: str) -> str:
    """One line of `path` (with its line ending) with any secret-looking value masked."""
    name = PurePosixPath(path).name
    pattern = _ENV_ASSIGN if _ENV_FILE.match(name) else _YAML_PAIR if _YAML_FILE.search(name) else None
    if pattern is not None:
        match = pattern.match(line)
        if (
            match
            and is_secret_key(match["key"])
            and match["value"].strip()
            and not _REFERENCE.match(match["value"].strip())
        ):
            return f"{match['lead']}{match['key']}{match['eq']}{MASK}{match['nl']}"
    return mask_urls(line)


def mask_diff(path: str, diff: str) -> str:
    """A unified diff of `path` with every added, removed and context line masked."""
    out = []
    for line in diff.splitlines(keepends=True):
        if line[:1] in (" ", "+", "-") and not line.startswith(("+++ ", "--- ")):
            out.append(line[0] + mask_line(path, line[1:]))
        else:
            out.append(line)
    return "".join(out)
