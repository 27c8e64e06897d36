"""Crash safety (issue 12, item 4): afc killed after any single operation, in-process and with real SIGKILLs;
the next afc command recovers, and add + remove give the first tree back."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import afc_realtime.apply as apply_mod
from afc_realtime.cli import app
from tests.support.projects import AFC_PROJECT, fingerprint, make_project

runner = CliRunner()


@pytest.fixture
def tmp_path(tmp_path):
    """Projects and afc's state folder in memory (/dev/shm) where the machine has it. A crash here is an
    exception at an operation or a SIGKILL, which the page cache survives, so fsync decides nothing these
    tests check, and on a disk it is most of their time (a run makes ~80 fsyncs). Elsewhere: pytest's own."""
    import tempfile

    shm = "/dev/shm"
    if not (os.path.isdir(shm) and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = tempfile.mkdtemp(prefix="afc-crash-", dir=shm)
    saved = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = os.path.join(folder, "state")
    try:
        yield Path(folder) / "work"
    finally:
        if saved is None:
            os.environ.pop("XDG_STATE_HOME", None)
        else:
            os.environ["XDG_STATE_HOME"] = saved
        shutil.rmtree(folder, ignore_errors=True)


def afc(*args):
    return runner.invoke(app, list(args))


class Crash(BaseException):
    """afc dying: not an error it could catch and roll back itself."""


def _base(root):
    """The small project, with the secret already in .env, so that every add writes the same bytes."""
    project = make_project(root, AFC_PROJECT)
    (project / ".env").write_text((project / ".env").read_text() + "WS_EVENTS_SECRET=fixed-for-the-test\n")
    return project


def _record_steps(monkeypatch, project, command):
    names: list[str] = []
    monkeypatch.setattr(apply_mod, "_step", names.append)
    result = afc(*command, "-C", str(project), "--yes")
    assert result.exit_code == 0, result.output
    monkeypatch.undo()
    return names


@pytest.mark.timeout(900)
@pytest.mark.parametrize("command", ["add", "remove"])
def test_a_crash_after_any_single_operation_is_recovered_by_the_next_run(tmp_path, monkeypatch, command):
    base = _base(tmp_path / "base")
    first = fingerprint(base)
    if command == "remove":
        assert afc("add", "websocket", "-C", str(base), "--yes").exit_code == 0
    start = fingerprint(base)
    probe = shutil.copytree(base, tmp_path / "probe", symlinks=True)
    steps = _record_steps(monkeypatch, probe, [command, "websocket"])
    end = fingerprint(probe)
    commit = steps.index("committed")
    assert len(steps) > 20 and steps.index("journal") < commit
    # every crash point is recovered to exactly the tree before or after; that the next runs then work as
    # usual is checked at the first and last operation of each kind (`create`, `backup`, ...)
    kinds: dict[str, list[int]] = {}
    for index, name in enumerate(steps):
        kinds.setdefault(name.split(" ")[0], []).append(index)
    then_run = {i for found in kinds.values() for i in (found[0], found[-1])}
    for index, name in enumerate(steps):
        project = shutil.copytree(base, tmp_path / f"at{index}", symlinks=True)

        def crash(step, index=index, seen=[]):  # noqa: B006 - one list per crash point
            seen.append(step)
            if len(seen) == index + 1:
                raise Crash(step)

        monkeypatch.setattr(apply_mod, "_step", crash)
        monkeypatch.setattr(apply_mod, "_roll_back_now", lambda *a: None)  # a dead process rolls nothing back
        monkeypatch.setattr(apply_mod, "_discard_now", lambda *a: None)
        with pytest.raises(Crash):
            runner.invoke(app, [command, "websocket", "-C", str(project), "--yes"])
        monkeypatch.undo()
        status = afc("status", "-C", str(project))
        assert status.exit_code == 0, (name, status.output)
        quiet = ("work folder", "drop the journal", "done")  # only afc's own empty state folder was left
        assert "interrupted" in status.output or name in quiet, (name, status.output)
        state = fingerprint(project)
        assert state == (start if index < commit else end), f"after {name!r} ({index}) and recovery"
        if index not in then_run:
            shutil.rmtree(project)
            continue
        if state == start:
            again = afc(command, "websocket", "-C", str(project), "--yes")
            assert again.exit_code == 0, (name, again.output)
            assert fingerprint(project) == end, name
        if command == "add":
            assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
        assert fingerprint(project) == first, f"add + remove after a crash at {name!r}"
        shutil.rmtree(project)


def _spawn(project, command, pause):
    env = {**os.environ, "AFC_TEST_PAUSE": str(pause)}
    return subprocess.Popen(
        [sys.executable, "-m", "afc_realtime", command, "websocket", "-C", str(project), "--yes"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.timeout(900)
@pytest.mark.parametrize("command", ["add", "remove"])
def test_sigkill_at_spread_out_moments_is_recovered_by_the_next_run(tmp_path, command):
    """Real kills: afc runs in a subprocess with a short pause after each disk operation (AFC_TEST_PAUSE),
    and is killed at moments spread over a whole run, a bounded number of times."""
    base = _base(tmp_path / "base")
    first = fingerprint(base)
    if command == "remove":
        assert afc("add", "websocket", "-C", str(base), "--yes").exit_code == 0
    start = fingerprint(base)
    pause = 0.03
    timing = shutil.copytree(base, tmp_path / "timing", symlinks=True)
    began = time.monotonic()
    assert _spawn(timing, command, pause).wait(timeout=120) == 0
    whole = time.monotonic() - began
    end = fingerprint(timing)
    outcomes = set()
    for k in range(1, 9):  # bounded: eight kills, from early in the run to its very end
        project = shutil.copytree(base, tmp_path / f"kill{k}", symlinks=True)
        proc = _spawn(project, command, pause)
        time.sleep(whole * k / 9)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        status = afc("status", "-C", str(project))
        assert status.exit_code == 0, status.output
        state = fingerprint(project)
        assert state in (start, end), f"kill {k} at {whole * k / 9:.2f}s left a half-done tree"
        outcomes.add("before" if state == start else "after")
        if state == start:
            assert afc(command, "websocket", "-C", str(project), "--yes").exit_code == 0
        if command == "add":
            assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
        assert fingerprint(project) == first
        shutil.rmtree(project)
    assert outcomes  # at least one kill landed
