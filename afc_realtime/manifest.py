"""The record of what `afc add` did (TOML, versioned), so that `afc remove` undoes exactly that."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

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
    service_dir: str = ""  # where the service was rendered (`--dir`); empty: the default for the project
    public_tables: list[str] = field(default_factory=list)  # `--public TABLE`: sent to everyone, as the user said
    no_public: bool = False  # `--no-public`: no row to everyone


@dataclass
class Manifest:
    features: dict[str, FeatureRecord] = field(default_factory=dict)


class _Invalid(Exception):
    def __init__(self, where: tuple[str | int, ...], message: str):
        super().__init__(message)
        self.where, self.message = where, message


_HEX64 = re.compile(r"[0-9a-f]{64}")
_FEATURE_KEYS = {
    "afc_version",
    "events",
    "created_dirs",
    "files",
    "insertions",
    "service_dir",
    "public_tables",
    "no_public",
}
_FILE_KEYS: dict[str, type] = {"path": str, "sha256": str}
_INSERTION_KEYS: dict[str, type] = {"path": str, "offset": int, "what": str, "text": str, "before": str, "after": str}
_REQUIRED_INSERTION = {"path", "offset", "what", "text"}


def load(text: str | None) -> Manifest:
    """The manifest, validated: it is input like any other file (a commit can change it), so a wrong type,
    a missing or unknown key is an error naming its line, never a traceback."""
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
    except RecursionError:  # arrays or tables nested thousands deep: the parser recurses once per level
        raise BadInput("unreadable afc manifest: nested too deep", path=PATH) from None
    if doc.get("version") != VERSION:
        raise BadInput(f"afc manifest version {doc.get('version')!r} is not one this afc reads ({VERSION})", path=PATH)
    try:
        return _from_doc(doc)
    except _Invalid as bad:
        where = ".".join(str(w) if isinstance(w, str) else f"[{w}]" for w in bad.where).replace(".[", "[")
        raise BadInput(
            f"invalid afc manifest: {where}: {bad.message}", path=PATH, line=_line_of(text, bad.where)
        ) from None


def _from_doc(doc: dict[str, object]) -> Manifest:
    unknown = set(doc) - {"version", "features"}
    if unknown:
        raise _Invalid((min(unknown),), "unknown key")
    features = doc.get("features", {})
    if not isinstance(features, dict):
        raise _Invalid(("features",), "should be a table")
    manifest = Manifest()
    for name, raw in features.items():
        at: tuple[str | int, ...] = ("features", name)
        if not isinstance(raw, dict):
            raise _Invalid(at, "should be a table")
        unknown = set(raw) - _FEATURE_KEYS
        if unknown:
            raise _Invalid((*at, min(unknown)), "unknown key")
        record = FeatureRecord(name, _typed(raw, "afc_version", str, at, ""))
        record.events = _strings(raw, "events", at)
        record.created_dirs = _strings(raw, "created_dirs", at)
        record.service_dir = _typed(raw, "service_dir", str, at, "")
        record.public_tables = _strings(raw, "public_tables", at)
        no_public = raw.get("no_public", False)
        if not isinstance(no_public, bool):
            raise _Invalid((*at, "no_public"), "should be true or false")
        record.no_public = no_public
        if record.service_dir and not _folder_inside(record.service_dir):
            raise _Invalid((*at, "service_dir"), "should be a folder inside the project")
        if not all(_inside(folder) for folder in record.created_dirs):
            raise _Invalid((*at, "created_dirs"), "should be paths inside the project")
        for index, item in enumerate(_tables(raw, "files", at)):
            here = (*at, "files", index)
            _keys(item, _FILE_KEYS, set(_FILE_KEYS), here)
            path, digest = _path(item, here), str(item["sha256"])
            if not _HEX64.fullmatch(digest):
                raise _Invalid((*here, "sha256"), "should be 64 lower-case hex digits")
            record.files[path] = digest
        for index, item in enumerate(_tables(raw, "insertions", at)):
            here = (*at, "insertions", index)
            _keys(item, _INSERTION_KEYS, _REQUIRED_INSERTION, here)
            offset = item["offset"]
            assert isinstance(offset, int)
            if offset < 0:
                raise _Invalid((*here, "offset"), "should not be negative")
            insertion = Insertion(
                offset,
                str(item["text"]),
                str(item["what"]),
                str(item.get("before", "")),
                str(item.get("after", "")),
            )
            record.insertions.setdefault(_path(item, here), []).append(insertion)
        manifest.features[name] = record
    return manifest


def _folder_inside(rel: str) -> bool:
    """A relative folder below the root, not afc's or git's own, with no `..`: where a service may be."""
    parts = rel.split("/")
    return not rel.startswith("/") and all(p not in ("", ".", "..", ".git", ".afc") for p in parts)


def _inside(path: str) -> bool:
    """Whether `path` is relative and stays inside the project (no `..`, not empty)."""
    pure = PurePosixPath(path)
    return bool(pure.parts) and not pure.is_absolute() and ".." not in pure.parts


def _path(item: dict[str, object], here: tuple[str | int, ...]) -> str:
    path = str(item["path"])
    if not _inside(path):
        raise _Invalid((*here, "path"), "should be a path inside the project")
    return path


def _typed(raw: dict[str, object], key: str, kind: type, at: tuple[str | int, ...], default: object) -> str:
    value = raw.get(key, default)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _Invalid((*at, key), f"should be a {kind.__name__}")
    return str(value)


def _strings(raw: dict[str, object], key: str, at: tuple[str | int, ...]) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid((*at, key), "should be a list of strings")
    return [str(v) for v in value]


def _tables(raw: dict[str, object], key: str, at: tuple[str | int, ...]) -> list[dict[str, object]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Invalid((*at, key), "should be an array of tables")
    return value


def _keys(item: dict[str, object], kinds: dict[str, type], required: set[str], at: tuple[str | int, ...]) -> None:
    for key in sorted(required - set(item)):
        raise _Invalid((*at, key), "missing")
    for key, value in item.items():
        kind = kinds.get(key)
        if kind is None:
            raise _Invalid((*at, key), "unknown key")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _Invalid((*at, key), f"should be a {'string' if kind is str else 'whole number'}")


_HEADER = re.compile(r"^\s*\[(\[)?\s*(?P<name>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def _line_of(text: str, where: tuple[str | int, ...]) -> int | None:
    """The line of the key at `where` (table names, array indices, key), or of its table when the key is not
    on a line of its own; None when neither is found."""
    import tomllib

    header: tuple[str, ...] = ()
    seen: dict[tuple[str, ...], int] = {}
    index = 0
    table_line: tuple[int, int] | None = None  # (line, depth) of the deepest table holding the key
    want = tuple(w for w in where if isinstance(w, str))
    want_index = next((w for w in where if isinstance(w, int)), 0)
    for number, line in enumerate(text.splitlines(), 1):
        match = _HEADER.match(line)
        if match:
            try:
                parsed = tomllib.loads(f"{match['name']} = 0")
            except tomllib.TOMLDecodeError:
                continue
            header = _flatten(parsed)
            index = seen.get(header, -1) + 1
            seen[header] = index
            deeper = table_line is None or len(header) > table_line[1]
            if header == want[: len(header)] and (index == want_index or len(header) < len(want) - 1) and deeper:
                table_line = (number, len(header))
            continue
        key = _KEY.match(line)
        if key and index == want_index and (*header, key["key"].strip('"')) == want:
            return number
    return table_line[0] if table_line else None


def _flatten(parsed: dict[str, object]) -> tuple[str, ...]:
    out: list[str] = []
    node: object = parsed
    while isinstance(node, dict) and node:
        name = next(iter(node))
        out.append(name)
        node = node[name]
    return tuple(out)


def dump(manifest: Manifest) -> str:
    """The manifest as TOML. Laid out here and escaped by tomlkit: building a tomlkit document costs time
    quadratic in the number of insertions (an array of tables re-indexes on every append)."""
    from tomlkit import string

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
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
        head: dict[str, object] = {
            "afc_version": record.afc_version,
            "events": record.events,
            "created_dirs": record.created_dirs,
        }
        if record.service_dir:
            head["service_dir"] = record.service_dir
        if record.public_tables:
            head["public_tables"] = record.public_tables
        if record.no_public:
            head["no_public"] = True
        out.append(table(key, head))
        out += [
            table(f"[{key}.files]", {"path": path, "sha256": digest}) for path, digest in sorted(record.files.items())
        ]
        for path, items in sorted(record.insertions.items()):
            out += [
                table(
                    f"[{key}.insertions]",
                    {
                        "path": path,
                        "offset": i.offset,
                        "what": i.what,
                        "text": i.text,
                        **({"before": i.before} if i.before else {}),
                        **({"after": i.after} if i.after else {}),
                    },
                )
                for i in items
            ]
    return "".join(out)
