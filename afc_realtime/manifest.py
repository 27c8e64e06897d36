"""The record of what `afc add` did (TOML, versioned), so that `afc remove` undoes exactly that."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .edits.insertion import Insertion
from .errors import BadInput

PATH = ".afc/manifest.toml"
VERSION = 1
_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f]*')  # needs no escaping in a TOML basic string
HEADER = "Written by afc. It records what `afc add` changed, so that `afc remove` can undo exactly that."


@dataclass
class FeatureRecord:
    name: str
    afc_version: str
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 of what afc wrote
    insertions: dict[str, list[Insertion]] = field(default_factory=dict)  # path -> text afc inserted there
    created_dirs: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    features: dict[str, FeatureRecord] = field(default_factory=dict)


def load(text: str | None) -> Manifest:
    if text is None:
        return Manifest()
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise BadInput(
            f"unreadable afc manifest: {exc}", path=PATH, line=int(line.group(1)) if line else None
        ) from None
    if doc.get("version") != VERSION:
        raise BadInput(f"afc manifest version {doc.get('version')!r} is not one this afc reads ({VERSION})", path=PATH)
    manifest = Manifest()
    for name, raw in (doc.get("features") or {}).items():
        record = FeatureRecord(name, raw.get("afc_version", ""))
        record.files = {f["path"]: f["sha256"] for f in raw.get("files", [])}
        for item in raw.get("insertions", []):
            record.insertions.setdefault(item["path"], []).append(Insertion(item["offset"], item["text"], item["what"]))
        record.created_dirs = list(raw.get("created_dirs", []))
        record.events = list(raw.get("events", []))
        manifest.features[name] = record
    return manifest


def dump(manifest: Manifest) -> str:
    """The manifest as TOML. Laid out here and escaped by tomlkit: building a tomlkit document costs time
    quadratic in the number of insertions (an array of tables re-indexes on every append)."""
    from tomlkit import string

    def value(v: object) -> str:
        if isinstance(v, str):
            return f'"{v}"' if _PLAIN.fullmatch(v) else string(v).as_string()
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    def table(header: str, pairs: dict[str, object]) -> str:
        return f"\n[{header}]\n" + "".join(f"{k} = {value(v)}\n" for k, v in pairs.items())

    out = [f"# {HEADER}\n", f"version = {VERSION}\n"]
    for name, record in sorted(manifest.features.items()):
        key = f"features.{value(name)}"
        out.append(
            table(
                key, {"afc_version": record.afc_version, "events": record.events, "created_dirs": record.created_dirs}
            )
        )
        out += [
            table(f"[{key}.files]", {"path": path, "sha256": digest}) for path, digest in sorted(record.files.items())
        ]
        for path, items in sorted(record.insertions.items()):
            out += [
                table(f"[{key}.insertions]", {"path": path, "offset": i.offset, "what": i.what, "text": i.text})
                for i in items
            ]
    return "".join(out)
