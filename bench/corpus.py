#!/usr/bin/env python3
"""The corpus benchmark: `afc add websocket --dry-run --json` on public Next.js projects (bench/corpus.toml),
each extracted from a local snapshot of its repository at the recorded commit into a temporary folder. Per
project it reports the write sites afc found, how many it wired, how many it left by policy (who may see the
row) and how many by a limitation of its own (what it could not read or place), the events it sends to
`public` (each with its table, to be read for personal or owned data), and the entry points that reach no
write. Nothing of the projects is kept: the folder is deleted after each run.

Usage:
    python bench/corpus.py [--mirrors /work/.mirror] [--only NAME[,NAME]] [--json out.json] [--markdown]
The afc measured is the checkout this script lives in (`python -m afc_realtime` with it on PYTHONPATH), or
`--afc CMD`. Reports; asserts nothing. Not part of CI: the snapshots are not in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NO_WRITE = "does not write to the database"
# What the audience decisions of plans without a `left` field say (audience.py before issue 18).
POLICY_WORDS = ("hold credentials", "cannot tell who may see", "cannot tell whose", "--no-public", "not public")


def extract(mirror: Path, commit: str, dest: Path) -> None:
    """The commit's files into `dest`; files the snapshot lacks (4 MiB and more: fonts, media) are left out,
    links are written as links."""
    listing = subprocess.run(
        ["git", "-C", str(mirror), "ls-tree", "-r", "-z", commit], capture_output=True, check=True
    ).stdout.split(b"\0")
    entries = []
    for item in filter(None, listing):
        meta, path = item.split(b"\t", 1)
        mode, kind, oid = meta.split()
        if kind == b"blob":
            entries.append((mode, oid, path.decode()))
    batch = subprocess.run(
        ["git", "-C", str(mirror), "cat-file", "--batch"],
        input=b"".join(oid + b"\n" for _, oid, _ in entries),
        capture_output=True,
        check=True,
    ).stdout
    at = 0
    for mode, _, path in entries:
        end = batch.index(b"\n", at)
        header = batch[at:end].split()
        at = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        data, at = batch[at : at + size], at + size + 1
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == b"120000":
            target.symlink_to(data.decode())
        else:
            target.write_bytes(data)


def left_by(item: dict[str, Any]) -> str:
    """`policy` or `limitation` for a write afc did not wire: the plan's own field when it has one, else
    the reason's wording (`not broadcast: ...` is what the audience decided)."""
    if item.get("left") in ("policy", "limitation"):
        return str(item["left"])
    reason = str(item.get("reason", ""))
    return "policy" if any(words in reason for words in POLICY_WORDS) else "limitation"


def measure(afc: list[str], project: dict[str, Any], mirrors: Path) -> dict[str, Any]:
    owner, name = project["repo"].split("/")
    mirror = mirrors / f"{owner}+{name}" / "repo"
    row: dict[str, Any] = {"repo": project["repo"], "commit": project["commit"][:12]}
    if not mirror.is_dir():
        row["error"] = f"no snapshot at {mirror}"
        return row
    with tempfile.TemporaryDirectory(prefix="afc-corpus-") as tmp:
        dest = Path(tmp) / name
        dest.mkdir()
        extract(mirror, project["commit"], dest)
        argv = [*afc, "add", "websocket", "--dry-run", "--json", "-C", str(dest)]
        if project.get("app"):
            argv += ["--app", project["app"]]
        t0 = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        row["seconds"] = round(time.perf_counter() - t0, 2)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        row["error"] = f"exit {proc.returncode}, no JSON: {proc.stderr.strip()[-300:]}"
        return row
    if proc.returncode != 0 or "broadcasts" not in doc:
        row["error"] = f"exit {proc.returncode}: {doc.get('message') or doc.get('error') or doc}"[:300]
        return row
    writes = doc["broadcasts"]
    wired = [w for w in writes if w["wired"]]
    left = Counter(left_by(w) for w in writes if not w["wired"])
    reasons = Counter(w["reason"] for w in writes if not w["wired"])
    row.update(
        found=len(writes),
        wired=len(wired),
        policy=left["policy"],
        limitation=left["limitation"],
        public=sorted({w["event"] for w in wired if w["to"] == "public"}),
        private=sorted({f"{w['event']} -> {w['to']}" for w in wired if w["to"] != "public"}),
        no_write_entries=sum(1 for n in doc["notes"] if unfollowed(n)),
        top_reasons=reasons.most_common(4),
        reasons=dict(reasons.most_common()),  # every unwired write's reason, for grouping
    )
    return row


def unfollowed(note: dict[str, Any]) -> bool:
    """An entry point that calls what afc could not follow (`unreached.cause`); one that reaches no write of
    the project is not counted: afc followed all of it. Plans from before the field: every entry point that
    reaches no write."""
    if "unreached" in note:
        return bool(note["unreached"]["cause"] == "unfollowed")
    return NO_WRITE in note["message"]


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def table(rows: list[dict[str, Any]]) -> str:
    """One row per project. `unfollowed`: entry points (handlers, actions, procedures) that reach no write
    and call what afc could not follow, counted with the limitations in `left to afc`, since each may hide
    writes afc did not reach (one that reaches no write of all afc followed is not counted)."""
    lines = [
        "| project | commit | write sites | wired | left: policy | left: limitation | entries unfollowed "
        "| left to afc | to public |",
        "| --- | --- | --: | --: | --: | --: | --: | --: | --- |",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['repo']} | {r['commit']} | | | | | | | error: {r['error']} |")
            continue
        public = ", ".join(r["public"]) or "none"
        afc = r["limitation"] + r["no_write_entries"]
        lines.append(
            f"| {r['repo']} | {r['commit']} | {r['found']} | {r['wired']} | {r['policy']} | {r['limitation']} "
            f"| {r['no_write_entries']} | {share(afc, r['found'] + r['no_write_entries'])} | {public} |"
        )
    ok = [r for r in rows if "error" not in r]
    total = {k: sum(r[k] for r in ok) for k in ("found", "wired", "policy", "limitation", "no_write_entries")}
    afc = total["limitation"] + total["no_write_entries"]
    lines.append(
        f"| **all {len(ok)}** | | {total['found']} | {total['wired']} | {total['policy']} | {total['limitation']} "
        f"| {total['no_write_entries']} | {share(afc, total['found'] + total['no_write_entries'])} | |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--list", type=Path, default=HERE / "corpus.toml")
    parser.add_argument("--only", default="")
    parser.add_argument("--afc", default="")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    projects = tomllib.loads(args.list.read_text())["project"]
    if args.only:
        wanted = set(args.only.split(","))
        projects = [p for p in projects if p["repo"] in wanted or p["repo"].split("/")[1] in wanted]
    if args.afc:
        afc = shlex.split(args.afc)
    else:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
        afc = [sys.executable, "-m", "afc_realtime"]
    rows = []
    for project in projects:
        row = measure(afc, project, args.mirrors)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
