"""Secrets stay in their files: values that look secret are masked wherever afc shows text (previews,
JSON, diff context lines included), and env insertions are recorded without their values.

A key looks secret when one of its words (split at `_`, `-`, `.` and camelCase) is a credential word
(`SECRET`, `TOKEN`, `PASSWORD`, `KEY`, ...) or ends in one glued to another (`DBPASSWORD`, `APIKEY`):
`STRIPE_API_KEY`, `apiKey` and `NEXTAUTH_SECRET` are masked, `KEYBOARD_LAYOUT`, `MONKEY` and `TOKENIZER`
are not. Any value's URL password (`postgres://u:********@host`) and `Password=` part of a connection
string is masked too. In env files, a line that is neither `KEY=value`, a comment nor blank can only be part
of a multi-line quoted value (a PEM key, say), and is masked whole."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

MASK = "********"
# a secret word is one of these, or ends in one of `_GLUED` (`SECRET` itself included)
_SECRET_WORDS = frozenset(
    {"SECRETS", "TOKENS", "PASSWORDS", "PASS", "PWD", "KEY", "KEYS", "CREDENTIAL", "CREDENTIALS", "SALT", "DSN"}
)
_GLUED = ("SECRET", "TOKEN", "PASSWORD", "PASSWD", "APIKEY", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY", "PASSPHRASE")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")  # the words of a key; digits are never one
# Every name Next.js and Docker read env values from: `.env`, `.env.local`, `.env.production.local`,
# `.env.docker.example`, ...; `web.env` / `docker.env` (compose `env_file:`), direnv's `.envrc`, `.dev.vars`.
_ENV_FILE = re.compile(r"^(?:\.env(?:\.[\w-]+)*|\.envrc|[\w.-]+\.env|\.dev\.vars)$")
_YAML_FILE = re.compile(r"\.ya?ml$")
# `scheme://user:password@host`: the password runs to the last `@` before the path (a raw `@` in it too, and
# in the user name: Azure's `admin@server`). Searched: the scheme's last character is all a match needs.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z0-9]://)(?P<user>[^\s:/'\"]*):(?P<pw>[^\s/'\"]+)@")
_CONNECTION_PASSWORD = re.compile(r"(?P<key>\b(?:password|pwd)\s*=\s*)(?P<pw>[^;'\"\s]+)", re.IGNORECASE)
_ENV_ASSIGN = re.compile(
    r"^(?P<lead>\s*(?:export\s+)?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<eq>\s*=)(?P<value>.*?)(?P<nl>\r?\n?)$"
)
_YAML_PAIR = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?[\"']?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<eq>[\"']?\s*[:=]\s*)(?P<value>.*?)(?P<nl>\r?\n?)$"
)
_ENV_QUIET = re.compile(r"^\s*(#.*)?\r?\n?$")  # a comment or a blank line
# `${WS_EVENTS_SECRET:?message}`, `${X}`, `${X:-}`: names a secret, holds none (a `${X:-default}` holds one)
_REFERENCE = re.compile(r"^[\"']?\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?\?)[^}]*|:?-)?\}[\"']?$")
_QUOTES = "\"'`"


def is_secret_key(key: str) -> bool:
    words = [w.upper() for w in _WORD.findall(key)]
    return any(w in _SECRET_WORDS or w.endswith(_GLUED) for w in words)


def is_env_file(path: str) -> bool:
    return bool(_ENV_FILE.match(PurePosixPath(path).name))


def mask_urls(text: str) -> str:
    """`postgres://user:pass@host` -> `postgres://user:********@host`; `Password=x;` -> `Password=********;`."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    return _CONNECTION_PASSWORD.sub(lambda m: f"{m['key']}{MASK}", text)


def mask_line(path: str, line: str) -> str:
    """One line of `path` (with its line ending) with any secret-looking value masked."""
    name = PurePosixPath(path).name
    env = bool(_ENV_FILE.match(name))
    match = _ENV_ASSIGN.match(line) if env else _YAML_PAIR.match(line) if _YAML_FILE.search(name) else None
    if (
        match
        and is_secret_key(match["key"])
        and match["value"].strip()
        and not _REFERENCE.match(match["value"].strip())
    ):
        return f"{match['lead']}{match['key']}{match['eq']}{MASK}{match['nl']}"
    if env and not match and not _ENV_QUIET.match(line):
        return MASK + line[len(line.rstrip("\r\n")) :]  # part of a multi-line value
    return mask_urls(line)


def mask_diff(path: str, diff: str) -> str:
    """A unified diff of `path` with every added, removed and context line masked; in an env file, every line
    of a multi-line quoted value too, whatever its key."""
    out = []
    open_quote = ""  # in an env file: the quote of a multi-line value still open
    for line in diff.splitlines(keepends=True):
        if line[:1] not in (" ", "+", "-") or line.startswith(("+++ ", "--- ")):
            out.append(line)
            continue
        body = line[1:]
        if open_quote:
            out.append(line[0] + MASK + body[len(body.rstrip("\r\n")) :])
            open_quote = "" if open_quote in body else open_quote
            continue
        out.append(line[0] + mask_line(path, body))
        if is_env_file(path):
            open_quote = _opens_value(body)
    return "".join(out)


def _opens_value(line: str) -> str:
    """The quote of a `KEY="...` value that does not close on its line, else ""."""
    match = _ENV_ASSIGN.match(line)
    value = match["value"].strip() if match else ""
    if value and value[0] in _QUOTES and value.count(value[0]) == 1:
        return value[0]
    return ""
