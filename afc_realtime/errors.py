"""One exception hierarchy; the CLI turns each into a message, a stable `code` and an exit code in one place.

The codes are part of the JSON contract (README, "JSON output"; afc_realtime/schemas/error.json): a script
tells "dirty" from "conflict" by `code`, never by parsing the message."""

from __future__ import annotations

from pathlib import PurePosixPath

EXIT_DECLINED = 1  # also "no" at the question: not an error, the JSON is the plan with "applied": false
EXIT_BAD_INPUT = 2
EXIT_CONFLICT = 3
EXIT_INSTALL_FAILED = 4

# Every code an error may carry, with its exit code (the schema's enum is checked against this).
CODES = {
    "bad_input": EXIT_BAD_INPUT,  # a malformed file or flag, a manifest afc will not follow
    "not_found": EXIT_BAD_INPUT,  # no such folder, no package.json, no Next.js app, no such route file
    "no_terminal": EXIT_BAD_INPUT,  # afc would have to ask, and cannot
    "conflict": EXIT_CONFLICT,  # a path afc would create is not afc's; an unsafe link
    "dirty": EXIT_CONFLICT,  # uncommitted changes in files afc would edit
    "drift": EXIT_CONFLICT,  # what afc wrote was changed since (remove without --force)
    "read_only": EXIT_CONFLICT,  # a read-only file afc would change
    "locked": EXIT_CONFLICT,  # another afc is running on the project
    "changed": EXIT_CONFLICT,  # files changed on disk between planning and applying
    "write_failed": EXIT_DECLINED,  # the disk refused a write; everything was put back
    "install_failed": EXIT_INSTALL_FAILED,  # the package manager failed after apply; the files stay applied
    "internal": EXIT_DECLINED,  # an error afc did not foresee (a bug); a write already begun was put back
}


class AfcError(Exception):
    """A problem the user can act on. `path` and `line` say where, when known; `details` lists the paths or
    items concerned."""

    exit_code = EXIT_BAD_INPUT
    code = "bad_input"

    def __init__(
        self,
        message: str,
        path: str | PurePosixPath | None = None,
        line: int | None = None,
        *,
        details: list[str] | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.details = details or []
        if code is not None:
            if code not in CODES:
                raise ValueError(f"unknown error code {code!r}")
            self.code = code
            self.exit_code = CODES[code]

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return "\n".join([where + self.message, *(f"  - {d}" for d in self.details)])


class BadInput(AfcError):
    """Not a project, a malformed file, a bad flag: exit 2."""


class Conflict(AfcError):
    """Refused to protect the user's work (drift, an existing path that is not ours): exit 3."""

    exit_code = EXIT_CONFLICT
    code = "conflict"

    def __init__(
        self,
        message: str,
        details: list[str] | None = None,
        path: str | PurePosixPath | None = None,
        line: int | None = None,
        *,
        code: str | None = None,
    ):
        super().__init__(message, path, line, details=details, code=code)


class WriteFailed(AfcError):
    """The disk refused a write while applying; everything already written was put back: exit 1."""

    exit_code = EXIT_DECLINED
    code = "write_failed"


class InstallFailed(AfcError):
    """`--install`: the package manager failed after the changes were applied (they stay): exit 4."""

    exit_code = EXIT_INSTALL_FAILED
    code = "install_failed"


class Internal(AfcError):
    """An error afc did not foresee (a bug): named by its kind and the line of afc it stopped at, never by its
    own message, which may quote a file's text (a secret among it): exit 1."""

    exit_code = EXIT_DECLINED
    code = "internal"

    def __init__(self, error: BaseException):
        import traceback

        frames = [f for f in traceback.extract_tb(error.__traceback__) if "afc_realtime" in f.filename]
        where = ""
        if frames:
            path = frames[-1].filename.replace("\\", "/")
            where = f" at {path[path.rindex('afc_realtime') :]}:{frames[-1].lineno}"
        super().__init__(
            f"afc stopped on an unexpected {type(error).__name__}{where}: a bug in afc, please report it "
            "(afc writes every change or none: `afc status` shows where the project stands)"
        )
