"""`afc update websocket`: this afc's service template, merged into a project whose owner may have edited
the service since `add`; the generated web files refreshed where they are as afc wrote them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .. import __version__
from .. import manifest as manifest_mod
from ..auth import detect_auth
from ..edits.result import Level
from ..errors import BadInput
from ..merge import merge3
from ..plan import NextStep, Plan
from ..project import Project
from ..render import SOURCE, render_jinja, render_web_helpers
from ..tree import Kind, Tree, sha256
from .claims import check_service_claims, read_answers
from .recipe import base_path, render_service
from .toolkit import check_record, new_dirs
from .websocket import FEATURE, render_helpers


@dataclass
class _Result:
    conflicts: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # both sides' changes, merged cleanly
    updated: int = 0


def plan_update(project: Project, tree: Tree) -> Plan:
    plan = Plan(f"update {FEATURE}", tree)
    existing = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    record = existing.features.get(FEATURE)
    if record is None:
        raise BadInput(
            f"afc has not added {FEATURE} to this project, so there is nothing to update: `afc add {FEATURE}` first",
            path=manifest_mod.PATH,
        )
    check_record(record, project, tree)
    check_service_claims(project, tree, record, removing=False)
    old_version = record.afc_version
    answers = read_answers(tree, project, record)
    theirs = render_service(project, answers)
    result = _Result()
    labels = (f"afc {old_version or '?'} (what afc wrote)", f"afc {__version__} (its template now)")
    service = sorted({*theirs, *(p for p in record.files if _in(p, project.ws))})
    for path in service:
        _merge_file(plan, record, path, theirs.get(path), labels, result)
    helpers = _refresh_helpers(plan, project, record)
    made = [c.path for c in tree.changes() if c.kind is Kind.CREATE]
    record.created_dirs = sorted({*record.created_dirs, *new_dirs(tree, made)})
    record.afc_version = __version__
    record.service_dir = record.service_dir or project.ws
    tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    plan.conflicts = result.conflicts
    if plan.empty and not result.conflicts:
        plan.summary = f"{project.ws} is up to date with afc {__version__}'s template ({SOURCE}); nothing to do."
        return plan
    plan.summary = (
        f"Brings afc {__version__}'s service template into {project.ws} (written by afc {old_version or '?'}): "
        f"{result.updated} file(s) take the template's version, {len(result.merged)} merge it with your edits, "
        f"{len(result.conflicts)} conflict(s); {helpers} web helper(s) updated. Your other edits stay."
    )
    for path in result.merged:
        plan.note(Level.INFO, "your edits and the template's changes, merged", path)
    plan.next_steps = [
        NextStep(f"git diff {project.ws}", "review what changed"),
        *(
            [NextStep(None, "resolve the conflict markers (<<<<<<< ... >>>>>>>) in the files listed, then commit")]
            * bool(result.conflicts)
        ),
    ]
    return plan


def _in(path: str, folder: str) -> bool:
    return PurePosixPath(path).is_relative_to(folder)


def _decoded(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _merge_file(
    plan: Plan,
    record: manifest_mod.FeatureRecord,
    path: str,
    new: bytes | None,
    labels: tuple[str, str],
    result: _Result,
) -> None:
    """One file of the service: base (what `add` or the last update wrote), ours (the project's file now),
    theirs (`new`, what this afc renders). The manifest then records theirs, and the base becomes theirs."""
    tree = plan.tree
    ours = tree.read_bytes(path)
    recorded = record.files.get(path)
    base = tree.read_bytes(base_path(path))
    if base is not None and record.files.get(base_path(path)) != sha256(base):
        base = None  # not the copy afc kept (changed, or never recorded): no base rather than a wrong one
    if base is None and ours is not None and recorded == sha256(ours):
        base = ours  # unchanged since afc wrote it: the file is its own base (a project added before bases)
    if recorded is None and new is not None:  # a file the template did not have when it was added
        if ours is None or ours == new:
            _record(record, path, new, tree)
            tree.write(path, new)
            result.updated += ours is None
        else:
            result.conflicts.append(f"{path}: the template now has this file, and you have one of your own; kept yours")
        return
    if new is None:  # the template no longer has it
        if ours is None or (recorded is not None and sha256(ours) == recorded):
            for gone in (path, base_path(path)):
                if tree.exists(gone):
                    tree.delete(gone)
            record.files.pop(path, None)
            record.files.pop(base_path(path), None)
            result.updated += 1
        else:
            result.conflicts.append(f"{path}: the template no longer has this file, and you changed it; kept yours")
        return
    if ours is None:
        if base is not None and base != new:
            result.conflicts.append(f"{path}: you deleted it, and the template changed it; left deleted")
        _record(record, path, new, tree)
        return
    _record(record, path, new, tree)
    if ours == new or new == base:  # nothing new, or only yours
        return
    if ours == base:
        tree.write(path, new)
        result.updated += 1
        return
    texts = [_decoded(ours), _decoded(base), _decoded(new)]
    if base is None or None in texts:
        why = "no intact copy of what afc wrote" if base is None else "not text"
        result.conflicts.append(
            f"{path}: you changed it and the template changed it, with {why} to merge from; kept yours"
        )
        return
    mine, old, theirs = (t or "" for t in texts)
    merged = merge3(old, mine, theirs, (f"yours ({path})", *labels))
    tree.write(path, merged.text.encode("utf-8"))
    if merged.conflicts:
        result.conflicts.append(f"{path}: {merged.conflicts} conflict(s), marked in the file")
    else:
        result.merged.append(path)


def _record(record: manifest_mod.FeatureRecord, path: str, new: bytes, tree: Tree) -> None:
    """What afc generated is now `new`: the manifest's hash (so `status` and `remove` compare against it) and
    the base of the next update."""
    record.files[path] = sha256(new)
    record.files[base_path(path)] = sha256(new)
    tree.write(base_path(path), new)


def _refresh_helpers(plan: Plan, project: Project, record: manifest_mod.FeatureRecord) -> int:
    """The web app's generated files, rendered again: written where they are as afc wrote them, reported and
    left alone where you changed them (the ticket route, `authorize.ts` above all, are yours to edit).
    Returns how many it writes."""
    tree = plan.tree
    written = 0
    fresh = render_helpers(project, detect_auth(project, tree), tree)
    pages = render_jinja("pages", {})
    fresh.update({f"{project.helpers_dir}/{name}": data for name, data in pages.items()})
    for path, digest in sorted(record.files.items()):
        if path not in fresh or _in(path, project.ws) or path.startswith(".afc/"):
            continue
        ours, new = tree.read_bytes(path), fresh[path]
        if ours is None:
            plan.note(Level.WARN, "generated by afc and since deleted; not brought back (afc remove notes it)", path)
        elif sha256(ours) != digest:
            if ours != new:
                plan.note(Level.WARN, "changed since afc wrote it: left as you have it (drift; see `afc status`)", path)
        elif ours != new:
            tree.write(path, new)
            record.files[path] = sha256(new)
            written += 1
    for name in sorted(render_web_helpers({"use_after": project.has_after})):
        path = f"{project.helpers_dir}/{name}"
        if path not in record.files and not tree.occupied(path):  # new in this afc's helpers
            tree.write(path, fresh[path])
            record.files[path] = sha256(fresh[path])
            written += 1
    return written
