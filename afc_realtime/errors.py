"""One exception hierarchy; the CLI turns each into a message and an exit code in one place."""

from __future__ import annotations

from pathlib import PurePosixPath

EXIT_BAD_INPUT = 2
EXIT_CONFLICT = 3


class AfcError(Exception):
    """A problem the user can act on. `path` and `line` say where, when known."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, path: str | PurePosixPath | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + self.message


class BadInput(AfcError):
    """Not a project, a malformed file, a bad flag: exit 2."""


class Conflict(AfcError):
    """Refused to protect the user's work (drift, an existing path that is not ours): exit 3."""

    exit_code = EXIT_CONFLICT

    def __init__(
        self,
        message: str,
        details: list[str] | None = None,
        path: str | PurePosixPath | None = None,
        line: int | None = None,
    ):
        super().__init__(message, path, line)
        self.details = details or []

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(f"  - {d}" for d in self.details)])


class WriteFailed(AfcError):
    """The disk refused a write while applying; everything already written was put back: exit 1."""

    exit_code = 1
