"""The record of what `afc add` did (TOML, versioned), so that `afc remove` undoes exactly that."""

from __future__ import annotations

from dataclasses import dataclass, field

from .edits.insertion import Placed
from .errors import BadInput

PATH = ".afc/manifest.toml"
VERSION = 1
HEADER = "Written by afc. It records what `afc add` changed, so that `afc remove` can undo exactly that."


@dataclass
class FeatureRecord:
    name: str
    afc_version: str
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 of what afc wrote
    insertions: dict[str, list[Placed]] = field(default_factory=dict)  # path -> text afc inserted there
    created_dirs: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    features: dict[str, FeatureRecord] = field(default_factory=dict)


def load(text: str | None) -> Manifest:
    if text is None:
        return Manifest()
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        doc = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        raise BadInput(f"unreadable afc manifest: {exc}", path=PATH, line=getattr(exc, "line", None)) from None
    if doc.get("version") != VERSION:
        raise BadInput(f"afc manifest version {doc.get('version')!r} is not one this afc reads ({VERSION})", path=PATH)
    manifest = Manifest()
    for name, raw in (doc.get("features") or {}).items():
        record = FeatureRecord(name, raw.get("afc_version", ""))
        record.files = {f["path"]: f["sha256"] for f in raw.get("files", [])}
        for item in raw.get("insertions", []):
            record.insertions.setdefault(item["path"], []).append(Placed(item["offset"], item["text"], item["what"]))
        record.created_dirs = list(raw.get("created_dirs", []))
        record.events = list(raw.get("events", []))
        manifest.features[name] = record
    return manifest


def dump(manifest: Manifest) -> str:
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment(HEADER))
    doc.add("version", VERSION)
    features = tomlkit.table(is_super_table=True)
    for name, record in sorted(manifest.features.items()):
        table = tomlkit.table()
        table.add("afc_version", record.afc_version)
        table.add("events", record.events)
        table.add("created_dirs", record.created_dirs)
        files = tomlkit.aot()
        for path, digest in sorted(record.files.items()):
            files.append(tomlkit.item({"path": path, "sha256": digest}))
        table.add("files", files)
        insertions = tomlkit.aot()
        for path, items in sorted(record.insertions.items()):
            for item in items:
                insertions.append(tomlkit.item({"path": path, "offset": item.offset, "what": item.what, "text": item.text}))
        table.add("insertions", insertions)
        features.add(name, table)
    doc.add("features", features)
    return tomlkit.dumps(doc)
