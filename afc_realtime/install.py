"""`--install`: the project's package manager, run after the changes are applied, its output kept in a log
file in the system's temporary folder (never in the project, so `remove` stays byte-exact)."""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .plan import Install


@dataclass(frozen=True)
class Ran:
    command: str
    exit_code: int  # 127: the package manager is not installed
    log: Path
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def run(install: Install, root: Path) -> Ran:
    """Runs `install` in its folder of the project, stdin closed, stdout and stderr into a new log file."""
    fd, name = tempfile.mkstemp(prefix=f"afc-install-{root.name}-", suffix=".log")
    log = Path(name)
    started = time.monotonic()
    with open(fd, "w", encoding="utf-8") as out:
        out.write(f"$ {install.text}   (in {root})\n")
        out.flush()
        try:
            code = subprocess.run(
                list(install.argv),
                cwd=root / install.folder,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            ).returncode
        except FileNotFoundError:
            out.write(f"{install.argv[0]}: not found on PATH\n")
            code = 127
    return Ran(install.text, code, log, time.monotonic() - started)
