"""Whether a file still parses: every file afc edits must parse after the edit if it parsed before, else
nothing is written (a crafted manifest must not leave a file half cut)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ..errors import AfcError, BadInput
from ..project import ENV_FILE

if TYPE_CHECKING:
    from ast_grep_py import SgNode

SOURCE = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".mts", ".cjs", ".cts")


def parses(path: str, text: str) -> bool:
    """Whether `text` parses as the kind of file `path` names (a kind afc does not know always does)."""
    from . import compose, envfile, jsonfile
    from . import typescript as ts

    name = PurePosixPath(path).name
    try:
        if name.endswith(".json"):
            jsonfile.parse(text, path)
        elif name.endswith((".yml", ".yaml")):
            compose.load(text, path)
        elif name.endswith(".toml"):
            import tomllib

            tomllib.loads(text)
        elif ENV_FILE.match(name):
            envfile.parse(text, path)
        elif name.endswith(SOURCE):
            root = ts.parse(text)
            return root.find(kind="ERROR") is None and not _missing(root)
    except (AfcError, ValueError, RecursionError):
        return False
    return True


def _missing(root: SgNode) -> bool:
    """Whether tree-sitter had to invent a token (a `}` it found missing, with no ERROR node): a zero-width
    leaf below the root."""
    stack = list(root.children())
    while stack:
        node = stack.pop()
        children = node.children()
        if not children and node.range().start.index == node.range().end.index:
            return True
        stack += children
    return False


def check_still_parses(path: str, before: str | None, after: str | None) -> None:
    """Refuse an edit that breaks a file that parsed (exit 2, naming it); nothing is written."""
    if before is None or after is None or not parses(path, before) or parses(path, after):
        return
    raise BadInput(
        "afc's edit would leave this file unparseable, so nothing was written "
        "(is the afc manifest's record of what it inserted here still true?)",
        path=path,
    )
