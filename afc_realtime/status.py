"""What afc installed in a project, and how it has drifted from what afc wrote."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import manifest as manifest_mod
from .features.toolkit import undo_for
from .features.websocket import FEATURE
from .tree import Tree, sha256


@dataclass
class FeatureStatus:
    name: str
    afc_version: str
    events: list[str]
    files_ok: int = 0
    modified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    insertions_ok: int = 0
    insertions_gone: list[str] = field(default_factory=list)  # "path: what"

    @property
    def drifted(self) -> bool:
        return bool(self.modified or self.missing or self.insertions_gone)


def status(tree: Tree) -> list[FeatureStatus]:
    manifest = manifest_mod.load(tree.read_text(manifest_mod.PATH))
    # the records as `remove` cuts them: what was added on top (events, syncs) first, the latest first, each
    # from the text the later ones leave (a sync's event stands inside the list an earlier record wrote)
    names = [n for n in manifest.features if n != FEATURE][::-1] + [n for n in manifest.features if n == FEATURE]
    texts: dict[str, str | None] = {}
    reports = {}
    for name in names:
        record = manifest.features[name]
        report = FeatureStatus(name, record.afc_version, record.events)
        for path, digest in sorted(record.files.items()):
            data = tree.read_bytes(path)
            if data is None:
                report.missing.append(path)
            elif sha256(data) != digest:
                report.modified.append(path)
            else:
                report.files_ok += 1
        for path, items in sorted(record.insertions.items()):
            text = texts[path] if path in texts else tree.read_text(path)
            # all of a file's insertions at once, as remove sees them (identical lines afc put in identical places
            # tell each other apart only together)
            if text is None:
                gone = list(items)
            else:
                texts[path], gone = undo_for(path)(path, text, items)
            for item in items:
                if item in gone:
                    gone.remove(item)
                    report.insertions_gone.append(f"{path}: {item.what}")
                else:
                    report.insertions_ok += 1
        reports[name] = report
    return [reports[name] for name in sorted(reports)]
