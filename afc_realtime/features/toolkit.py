"""What every recipe shares: collecting finders' results into staged edits, import paths, created folders,
and undoing what a manifest records."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import PurePosixPath

from .. import manifest as manifest_mod
from ..edits import envfile, ignorefile
from ..edits import typescript as ts
from ..edits.insertion import Insertion, look_alikes, undo_insertions
from ..edits.parses import check_still_parses
from ..edits.result import Edit, Level, Skip, apply_edits
from ..errors import BadInput, Conflict
from ..plan import Plan
from ..project import ENV_FILE, Project, join
from ..textfile import decode, encode
from ..tree import Kind, Tree, sha256
from ..writes.change import DRIZZLE_FILTERS
from .recipe import ENV_HEADER, compose_service, env_entries

Undo = Callable[[str, str, list[Insertion]], tuple[str, list[Insertion]]]


class Draft:
    """The edits a recipe collects, file by file, then stages in the tree in one go; skips become notes."""

    def __init__(self, tree: Tree, plan: Plan):
        self.tree, self.plan = tree, plan
        self.by_path: dict[str, list[Edit]] = defaultdict(list)
        self._parsed: dict[str, tuple[str, ts.TsFile]] = {}

    def typescript(self, path: str) -> ts.TsFile | None:
        """The parsed file; one that does not parse is noted in the plan and not edited. Parsed once while its
        text stays the same (the writes, the pages and the import graph each ask for the same files)."""
        text = self.tree.read_text(path) or ""
        cached = self._parsed.get(path)
        if cached is not None and cached[0] == text:
            return cached[1]
        loaded = ts.load(path, text)
        if isinstance(loaded, Skip):
            self.take(loaded)
            return None
        self._parsed[path] = (text, loaded)
        return loaded

    def take(self, *results: Edit | Skip) -> None:
        for result in results:
            if isinstance(result, Skip):
                self.plan.skipped(result)
            elif not result.empty:
                self.by_path[self.tree.canonical(result.path)].append(result)

    def stage(self) -> dict[str, list[Insertion]]:
        """Write every file's edits into the tree; return where each insertion landed, per file."""
        placed = {}
        for path, edits in self.by_path.items():
            unique, seen = [], set()  # one file reached twice through a link gets its edit once
            for edit in edits:
                if not edit.insertions or edit.insertions not in seen:
                    unique.append(edit)
                    seen.add(edit.insertions)
            old_text = self.tree.read_text(path) or ""
            new_text, placed[path] = apply_edits(old_text, unique)
            check_still_parses(path, old_text, new_text)
            self.tree.write(path, encode(new_text))
            if is_env_file(path):
                placed[path] = [envfile.without_values(item) for item in placed[path]]
        return {path: items for path, items in placed.items() if items}


def import_path(project: Project, from_file: str, helper: str) -> str:
    """How `from_file` imports a web helper: through the app's alias when it has one, else relatively."""
    return module_import(project, from_file, f"{project.helpers_dir}/{helper}")


def module_import(project: Project, from_file: str, target: str | None) -> str:
    """How `from_file` imports the module at `target` (a path without extension) in the web app."""
    if target is None:
        return ""
    if project.import_prefix and PurePosixPath(target).is_relative_to(project.src):
        return project.import_prefix + PurePosixPath(target).relative_to(project.src).as_posix()
    rel = os.path.relpath(target, str(PurePosixPath(from_file).parent)).replace(os.sep, "/")
    return rel if rel.startswith(".") else "./" + rel


def new_dirs(tree: Tree, files: list[str]) -> list[str]:
    """The folders that writing `files` creates."""
    made = set()
    for path in files:
        for parent in PurePosixPath(path).parents:
            if str(parent) != "." and not tree.occupied(str(parent)):
                made.add(str(parent))
    return sorted(made)


def undo_for(path: str) -> Undo:
    """The inverse of the edit afc made in `path`, by the file's format."""
    return envfile.undo if is_env_file(path) else undo_insertions


def is_env_file(path: str) -> bool:
    return bool(ENV_FILE.match(PurePosixPath(path).name))


def only_afc_changes(tree: Tree, path: str, committed: bytes | None, committed_manifest: bytes | None = None) -> bool:
    """Whether the uncommitted change in `path` is exactly afc's own, per the manifest: afc's manifest
    itself, a file afc created as it wrote it, or the committed file plus the text afc inserted since that
    commit (the insertions of the features that the committed manifest does not hold yet: `add event` on top
    of a committed `add websocket`)."""
    if path == manifest_mod.PATH:
        return True
    current = tree.original(path)
    existing = manifest_mod.load(tree.original_text(manifest_mod.PATH))
    records = existing.features.values()
    if current is not None and any(record.files.get(path) == sha256(current) for record in records):
        return True
    earlier = _committed_features(committed_manifest)
    items = [item for record in records if record.name not in earlier for item in record.insertions.get(path, [])]
    if current is None or committed is None or not items:
        return False
    text, missing = undo_for(path)(path, decode(current, path), items)
    return not missing and encode(text) == committed


def _committed_features(text: bytes | None) -> set[str]:
    """The features a committed manifest names; none when there is none or it cannot be read (then every
    recorded insertion counts as uncommitted, and a change is afc's only if undoing all of them gives the
    committed file)."""
    if text is None:
        return set()
    try:
        return set(manifest_mod.load(text.decode("utf-8")).features)
    except (BadInput, UnicodeDecodeError):
        return set()


# Every word the recipes insert (string literals and `${...}` references aside): an insertion recorded in
# the manifest with any other word is not afc's, and `remove` will not cut it.
RECIPE_WORDS = frozenset(
    {
        "import",
        "from",
        "broadcast",
        "useRealtimeList",
        "useRealtime",
        "z",
        "string",
        "url",
        "optional",
        "min",
        "process",
        "env",
        "Realtime",
        "afc",
        "websocket",
        "ws",
        "build",
        "context",
        "dockerfile",
        "Dockerfile",
        "ports",
        "environment",
        "restart",
        "unless",
        "stopped",
        "NODE_ENV",
        "production",
        "http",
        "https",
        "localhost",
        "NEXT_PUBLIC_WS_URL",
        "WS_INTERNAL_URL",
        "WS_PORT",
        "WS_EVENTS_SECRET",
        "WS_ALLOWED_ORIGINS",
        "REDIS_URL",
        "WS_HOST",
        "WS_TICKET_SECRET",
        "development",
        "networks",
        "default",
        "exclude",
        "node_modules",
        "packages",
        "realtime",
        "globalEnv",
        "globalPassThroughEnv",
        "workspaces",
    }
)
_STRINGS = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`|\$\{[^}]*\}""")
_CALLS = re.compile(r"\bbroadcast\(\s*,\s*[A-Za-z_$][\w$]*\s*\)|\buseRealtimeList\(\s*,\s*,\s*set[\w$]*\s*\)")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_ANCHOR = re.compile(r"\b(broadcast|useRealtimeList|WS_[A-Z_]+|NEXT_PUBLIC_WS_URL|REDIS_URL|Realtime|realtime|ws)\b")


def recipe_roots(project: Project) -> list[str]:
    """Where the recipes create files: the service folder, the web helpers, the ticket route, afc's folder."""
    return [project.ws, project.helpers_dir, join(project.src, "app/api/realtime"), ".afc"]


SOURCE_FILES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".mts", ".cjs", ".cts")
# a value in the change: a name, a member chain, a blanked literal, a pure conversion (`Number(id)`)
_VALUE = r"(?:[\w$.?!\[\]\s-]*|(?:Number|String|BigInt|Boolean)\(\s*[\w$.?!\[\]]*\s*\))"  # `link.teamId!` too
_FIELD = rf"(?:\.\.\.[\w$]+|[\w$]*\s*(?::\s*{_VALUE})?)"
_OBJECT = rf"\{{\s*(?:{_FIELD}(?:\s*,\s*{_FIELD})*)?\s*\}}"
_CHANGE = (  # `{ table, action, keys, row?, complete }`, its strings blanked (broadcast.ts's RealtimeChange)
    rf"\{{\s*table\s*:\s*,\s*action\s*:\s*,\s*keys\s*:\s*{_OBJECT}\s*"
    rf"(?:,\s*row\s*(?::\s*(?:{_OBJECT}|[\w$.?\[\]]+))?\s*)?,\s*complete\s*:\s*(?:true|false)\s*\}}"
)
_CHECK = r"[\w$.?!\[\]]+(?: as [\w$.]+)?(?:\s*!=\s*null)?"  # `params.postId as string != null` too
# `to:` a list of channels (its template strings blanked), an owner lookup's call, or the owners a delete's
# lookup held (`lookups.py`)
_GIVEN = r"(?:,\s*[A-Za-z_$][\w$]*\s*)?"  # the client a lookup is given (`db`, `tx`)
_TO = rf"(,\s*\{{\s*to:\s*(\[[\s,]*\]|ownersOf[\w$]*\(\s*{_VALUE}\s*{_GIVEN}\)|realtimeOwners\d+)?\s*\}})?"
_CHANGE_LINE = (  # `if (checks) broadcast("event", change, { to });`, strings blanked
    rf"(if\s*\(\s*{_CHECK}(?:\s*&&\s*{_CHECK})*\s*\)\s*)?broadcast\(\s*,\s*{_CHANGE}\s*{_TO}\s*\);?"
)
# The lines afc inserts in source code, once their string literals are blanked: a broadcast call (guarded
# or not), an import of a realtime helper or of zod, a page hook, the refresh component, an env-schema
# member, or punctuation. A crafted manifest cannot make `remove` cut any other code.
_SOURCE_LINES = [
    re.compile(
        r"^\s*(if\s*\(\s*[\w$.?\[\]]+\s*\)\s*)?broadcast\(\s*,\s*[\w$.?\[\]]+\s*(,\s*\{\s*to:\s*(\[[\s,]*\])?\s*\})?\s*\);?\s*$"
    ),
    re.compile(r"^\s*import\s*\{\s*[\w$]+(\s*,\s*[\w$]+)*\s*\}\s*from\s*;?\s*$"),
    re.compile(rf"^\s*{_CHANGE_LINE}\s*$"),
    # a write wrapped where no line of its own can go: `broadcastAfter(` before it, this after it
    re.compile(r"^\s*broadcastAfter\($"),
    re.compile(rf"^,\s*\(\s*(?:written)?\s*\)\s*=>\s*\{{\s*{_CHANGE_LINE}\s*\}}\s*\)\)?$"),
    # a wrapped delete whose owners are read first: `ownersOfX(id).then((realtimeOwners7) => broadcastAfter(`
    re.compile(rf"^ownersOf[\w$]*\(\s*{_VALUE}\s*{_GIVEN}\)\.then\(\(realtimeOwners\d+\)\s*=>\s*broadcastAfter\($"),
    re.compile(rf"^\s*const\s+realtimeOwners\d+\s*=\s*await\s+ownersOf[\w$]*\(\s*{_VALUE}\s*{_GIVEN}\);?\s*$"),
    re.compile(r"^\s*useRealtime\w*\([\w$.(),\[\]\s]*\);?\s*$"),
    re.compile(r"^\s*<RealtimeRefresh\s+events=\{\[[\s,]*\]\}\s*/>\s*$"),
    re.compile(
        r"^\s*,?\s*(WS_[A-Z_]+|NEXT_PUBLIC_WS_URL)\s*:\s*(z(\.\w+\([\w\s,]*\))+|process\.env(\.\w+|\[\s*\]))\s*,?\s*$"
    ),
    re.compile(r"^[\s,;{}()\[\]]*$"),
]
_TWO_WORDS = re.compile(r"[\w$)]\s+[\w$]")  # `export async ...`: never inside one of afc's hook lines
_PUNCTUATION = re.compile(r"^[\s,;{}()\[\]]*$")
_EVENT_STRING = re.compile(r"""^(["'])[a-z0-9]+(-[a-z0-9]+)*\1$""")  # `"todo-deleted"`: one event's name


# the owners of the rows a write's own filter matches, read before it: the filter as the write states it, a
# Prisma object or a Drizzle condition calling none but Drizzle's operators
_MATCHING = re.compile(
    r"^\s*const\s+realtimeOwners\d+\s*=\s*await\s+ownersOf[\w$]*Matching\(([\w$.?!\[\]\s,:(){}-]*)\);?\s*$"
)
_CALLED = re.compile(r"([\w$]*)\s*\(")
# in a transaction: the list its owners go into, declared before it, and the lookup through its client (`tx`)
# right before the write, guarded by the key being there, or by the write's own filter
_HELD = re.compile(r"^\s*const\s+realtimeOwners\d+\s*:\s*string\[\]\s*=\s*\[\];?\s*$")
_PUSH = r"realtimeOwners\d+\.push\(\.\.\.\(await\s+ownersOf[\w$]*"
_PUSHED = re.compile(
    rf"^\s*(?:if\s*\(\s*{_CHECK}(?:\s*&&\s*{_CHECK})*\s*\)\s*)?{_PUSH}\(\s*{_VALUE}\s*,\s*[A-Za-z_$][\w$]*\s*\)\)\);?\s*$"
)
_PUSHED_MATCHING = re.compile(rf"^\s*{_PUSH}Matching\(([\w$.?!\[\]\s,:(){{}}-]*),\s*[A-Za-z_$][\w$]*\s*\)\)\);?\s*$")


def _matching_line(blanked: str) -> bool:
    if _HELD.match(blanked) or _PUSHED.match(blanked):
        return True
    found = _MATCHING.match(blanked) or _PUSHED_MATCHING.match(blanked)
    return found is not None and all(name in DRIZZLE_FILTERS for name in _CALLED.findall(found.group(1)))


def _source_line(line: str) -> bool:
    blanked = _STRINGS.sub(" ", line)
    if _PUNCTUATION.match(blanked):  # punctuation and strings: an event a sync adds to a list, nothing else
        return all(_EVENT_STRING.match(found) for found in _STRINGS.findall(line))
    if _matching_line(blanked):
        return True
    if blanked.lstrip().startswith("import"):
        return bool(_SOURCE_LINES[1].match(blanked)) and ("realtime" in line or "zod" in line)
    if blanked.lstrip().startswith("useRealtime") and _TWO_WORDS.search(blanked):
        return False
    return any(pattern.match(blanked) for pattern in _SOURCE_LINES[0:1] + _SOURCE_LINES[2:])


def _source_insertion(text: str) -> bool:
    """Every line one afc inserts, and one at least more than punctuation: afc never inserts a lone `}`."""
    lines = [line for line in text.splitlines() if line.strip()]
    return any(not _PUNCTUATION.match(line) for line in lines) and all(_source_line(line) for line in lines)


def _env_insertion(text: str) -> bool:
    """The block the recipe appends to an env file: its header, blank lines and its own keys (the values
    are not recorded), and one key at least. Any other key, `REDIS_URL` included, is the user's line."""
    keys = {key for key, _ in env_entries("")}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assigned = [line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")]
    others = [line for line in lines if line.startswith("#") or "=" not in line]
    headers = (f"# {ENV_HEADER}", f"# {ENV_HEADER} {ignorefile.CREATED}")  # the second: a file afc created
    return bool(lines) and all(key in keys for key in assigned) and all(line in headers for line in others)


def _compose_insertion(text: str, project: Project) -> bool:
    """The `ws` service the recipe adds to a compose file, read back as YAML: its build from the service's
    Dockerfile, one port, the recipe's environment, `restart`, and networks (the file's own)."""
    import textwrap

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(textwrap.dedent(text.strip("\n")))
    except (YAMLError, ValueError):
        return False
    if not isinstance(data, dict) or list(data) != ["ws"] or not isinstance(data["ws"], dict):
        return False
    service, expected = data["ws"], compose_service(project, "compose.yml")
    build, env, ports = service.get("build"), service.get("environment"), service.get("ports")
    networks = service.get("networks", [])
    return (
        set(service) - {"networks"} == set(expected)
        and isinstance(build, dict)
        and set(build) == {"context", "dockerfile"}
        and build["dockerfile"] == f"{project.ws}/Dockerfile"
        and isinstance(env, dict)
        and set(env) == set(expected["environment"])
        and isinstance(ports, list)
        and len(ports) == 1
        and re.fullmatch(r"\d{1,5}:\d{1,5}", str(ports[0])) is not None
        and service.get("restart") == "unless-stopped"
        and isinstance(networks, list)
        and all(isinstance(n, str) for n in networks)
    )


def could_have_inserted(path: str, text: str, project: Project) -> bool:
    """Whether `text` is made only of what the recipes insert (a broadcast, an import, env and compose
    entries, env-schema members, turbo and workspace names) and names one of them: a check on a manifest
    that may be crafted. In JSON the strings are the names, so they count as words."""
    if path.endswith(".json") and text == ",":
        return True  # the comma before a member whose line ends in a comment
    if path.endswith(SOURCE_FILES):
        return _source_insertion(text)  # an event a sync adds to a list (`, "todo-deleted"`) too
    if ENV_FILE.match(PurePosixPath(path).name):
        return _env_insertion(text)
    if PurePosixPath(path).name == ".gitignore":
        return ignorefile.is_afc_block(text)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if path.endswith((".yml", ".yaml")) and first == "ws:":
        return _compose_insertion(text, project)
    allowed = RECIPE_WORDS | set(PurePosixPath(project.ws).parts) | {project.ws}
    words = _WORD.findall(_CALLS.sub(" ", _STRINGS.sub(" ", text)))
    if path.endswith(".json"):
        words += [literal[1:-1] for literal in _STRINGS.findall(text)]
    return all(word in allowed for word in words) and bool(_ANCHOR.search(text))


def check_record(record: manifest_mod.FeatureRecord, project: Project, tree: Tree | None = None) -> None:
    """Refuse a manifest record that asks for more than the recipe could have done: deleting a file outside
    the folders afc creates (never `.git/`), pruning another folder, cutting text afc never inserts, or
    reaching any of it through a link (checked after resolving links: a link is never followed)."""
    roots = recipe_roots(project)

    def inside(path: str) -> bool:
        return not _in_git(path) and any(path.startswith(root + "/") for root in roots)

    bad = [f"{path}: afc never creates a file there" for path in record.files if not inside(path)]
    bad += [
        f"{folder}: afc never creates that folder"
        for folder in record.created_dirs
        if not (inside(folder) or folder in roots or any(root.startswith(folder + "/") for root in roots))
    ]
    for path, items in record.insertions.items():
        if _in_git(path) or path == manifest_mod.PATH:
            bad.append(f"{path}: afc never edits that file")
        bad += [
            f"{path}: {item.what}: not text afc inserts"
            for item in items
            if not could_have_inserted(path, item.text, project)
        ]
        commas = [i for i in items if i.text == ","]
        if path.endswith(".json") and commas and len(commas) > len(items) - len(commas):
            bad.append(f"{path}: a comma with no member afc inserts after it")
    if tree is not None:
        bad += [f"{path}: {why}" for path in [*record.files, *record.insertions] if (why := _linked(tree, path))]
        bad += [f"{folder}: {why}" for folder in record.created_dirs if (why := _linked(tree, folder))]
    if bad:
        raise BadInput(
            f"the afc manifest asks for what afc never does; fix or delete {manifest_mod.PATH} "
            + "(removing nothing):\n  - "
            + "\n  - ".join(bad),
            path=manifest_mod.PATH,
        )


def _in_git(path: str) -> bool:
    return any(part.lower() == ".git" for part in PurePosixPath(path).parts)


def _linked(tree: Tree, path: str) -> str | None:
    """Why `path` is not afc's to touch once links are resolved: a link on the way (afc never writes one, so
    it was put there since; following it would reach another file), or None."""
    try:
        real = tree.canonical(path)
    except Conflict as exc:
        return exc.message
    if real != path:
        return f"a link (to {real}); afc never writes links and will not follow this one: remove it by hand"
    return None


def remove_records(
    plan: Plan, project: Project, existing: manifest_mod.Manifest, names: list[str], force: bool
) -> None:
    """Undo what the manifest records for `names`: delete unchanged generated files, cut inserted text."""
    tree = plan.tree
    drift: list[str] = []
    inserted = 0
    for name in names:
        check_record(existing.features[name], project, tree)
    for name in names:
        record = existing.features.pop(name)
        drift += _delete_generated(plan, record, force)
        drift += _cut_insertions(plan, record, force)
        plan.prune_dirs += record.created_dirs
        inserted += sum(len(items) for items in record.insertions.values())
    if drift:
        raise Conflict(
            "afc will not remove what you changed after `afc add`; review it, or run again with --force",
            details=drift,
            code="drift",
        )
    artefact_notes(plan)
    if existing.features:
        tree.write(manifest_mod.PATH, manifest_mod.dump(existing))
    else:
        tree.delete(manifest_mod.PATH)
    plan.summary = removal_summary(plan.tree, inserted)


def removal_summary(tree: Tree, inserted: int) -> str:
    """Counted from the changes the plan lists, so the summary and the list below it agree (afc's own
    manifest is among the files deleted)."""

    def counted(n: int, what: str) -> str:
        return f"{n} {what}{'' if n == 1 else 's'}"

    changes = tree.changes()
    deleted = sum(1 for c in changes if c.kind is Kind.DELETE)
    edited = {c.path for c in changes if c.kind is Kind.UPDATE and not c.path.startswith(".afc/")}
    return (
        f"Deletes {counted(deleted, 'file')} afc generated and takes out {counted(inserted, 'insertion')} it made "
        f"in {counted(len(edited), 'file')} of yours."
    )


def artefact_notes(plan: Plan) -> None:
    """Say which install and build leftovers, and which links, go with the folders afc removes."""
    for rel in plan.prune_dirs:
        for leftover in plan.tree.artefacts(rel):
            shown = f"{leftover}/" if plan.tree.is_dir(leftover) else leftover  # a lock file is no folder
            plan.note(Level.INFO, "installed dependencies or build output; deleted with the folder", shown)
        for link in plan.tree.links(rel):
            plan.note(Level.INFO, "a link afc did not make: removed as a link, what it points at is left alone", link)


def _drifted(plan: Plan, force: bool, path: str, message: str, forced: str) -> list[str]:
    """A change the user made since `add`: a reason to stop, or with --force a warning and on we go."""
    if force:
        plan.note(Level.WARN, f"{message}; {forced}", path)
        return []
    return [f"{path}: {message}"]


def _delete_generated(plan: Plan, record: manifest_mod.FeatureRecord, force: bool) -> list[str]:
    drift = []
    for path, digest in sorted(record.files.items()):
        data = plan.tree.read_bytes(path)
        if data is None:
            plan.note(Level.INFO, "already gone", path)
            continue
        changed = sha256(data) != digest
        refusal = (
            _drifted(plan, force, path, "changed since afc wrote it", "removed because of --force") if changed else []
        )
        drift += refusal
        if not refusal:
            plan.tree.delete(path)
    return drift


def _cut_insertions(plan: Plan, record: manifest_mod.FeatureRecord, force: bool) -> list[str]:
    drift = []
    for path, items in sorted(record.insertions.items()):
        text = plan.tree.read_text(path)
        if text is None:
            message = "the file afc edited is gone (moved or deleted?); what afc inserted in it was not removed"
            drift += _drifted(plan, force, path, message, "nothing to remove there")
            continue
        new_text, missing = undo_for(path)(path, text, items)
        for item in missing:
            copies = len(look_alikes(new_text, item)) > 1  # a user's copy with afc's surroundings
            where = "stands in more than one place as afc left it" if copies else "is no longer there as written"
            message = f"{item.what}: the text afc inserted {where}"
            drift += _drifted(plan, force, path, message, "left as it is")
        if not new_text and any(_created(item) for item in items):
            plan.tree.delete(path)  # afc created the file (an env file for the secret, a .gitignore): it goes
        else:
            check_still_parses(path, text, new_text)
            plan.tree.write(path, encode(new_text))
    return drift


def _created(item: Insertion) -> bool:
    """An insertion that made its file: at its start, marked so in its first line."""
    return item.offset == 0 and ignorefile.CREATED in item.text.partition("\n")[0]
