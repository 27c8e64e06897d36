"""The web app's env schema (a zod object over process.env, or t3's createEnv): declare the realtime
variables, all optional, so the app starts with or without them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .insertion import Insertion, undo_insertions
from .result import Edit, Skip
from .typescript import TsFile, add_import, add_object_members, quote_of, top_level_imports

if TYPE_CHECKING:
    from ast_grep_py import SgNode

SERVER = [("WS_INTERNAL_URL", "z.string().url().optional()"), ("WS_EVENTS_SECRET", "z.string().min(1).optional()")]
CLIENT = [("NEXT_PUBLIC_WS_URL", "z.string().url().optional()")]
ALL_KEYS = [k for k, _ in SERVER + CLIENT]


def _object_arg(call: SgNode) -> SgNode | None:
    args = call.field("arguments")
    return next((c for c in args.children() if c.kind() == "object"), None) if args is not None else None


def _zod_object_parsed_from_env(root: SgNode) -> SgNode | None:
    """The object literal in `z.object({...})` that is parsed from process.env (directly or via a name)."""
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        args = call.field("arguments")
        if fn is None or fn.kind() != "member_expression" or args is None or "process.env" not in args.text():
            continue
        prop = fn.field("property")
        if prop is None or prop.text() not in ("parse", "safeParse"):
            continue
        target = fn.field("object")
        if target is not None and target.kind() == "identifier":
            target = _declared_value(root, target.text())
        callee = target.field("function") if target is not None and target.kind() == "call_expression" else None
        if target is not None and callee is not None and callee.text().endswith(".object"):
            return _object_arg(target)
    return None


def _declared_value(root: SgNode, name: str) -> SgNode | None:
    for declarator in root.find_all(kind="variable_declarator"):
        declared = declarator.field("name")
        if declared is not None and declared.text() == name:
            return declarator.field("value")
    return None


def _create_env_sections(root: SgNode) -> dict[str, SgNode]:
    for call in root.find_all(kind="call_expression"):
        fn = call.field("function")
        if fn is None or fn.text() != "createEnv":
            continue
        options = _object_arg(call)
        if options is None:
            continue
        sections = {}
        for pair in options.children():
            key, value = pair.field("key"), pair.field("value")
            if pair.kind() == "pair" and key is not None and value is not None and value.kind() == "object":
                sections[key.text()] = value
        return sections
    return {}


def declare(file: TsFile) -> Edit | Skip:
    """Insertions declaring the realtime variables (and `import { z } from "zod"` when the file has no `z`
    of its own: a `createEnv({ extends: [...] })` file often has none), or the reason the file was left alone."""
    z = zod_name(file.root)
    server, client = _named(SERVER, z), _named(CLIENT, z)
    zod = _zod_object_parsed_from_env(file.root)
    if zod is not None:  # the schema's own `z.object(...)` names zod already: the same name, no import
        own = next((a.text() for a in zod.ancestors() if a.kind() == "call_expression"), "z.").split(".")[0].strip()
        own = own if own.isidentifier() else z
        members = _named(SERVER, own) + _named(CLIENT, own)
        ins = add_object_members(file.text, zod, members, "env schema: realtime variables")
        return Edit(file.path, (ins,) if ins else ())
    sections = _create_env_sections(file.root)
    if "server" in sections or "client" in sections:
        runtime_key = "runtimeEnv" if "runtimeEnv" in sections else "experimental__runtimeEnv"
        # only keys a section declares: t3-env types the runtime object by the schemas' keys
        declared = [
            k
            for section, members in (("server", SERVER), ("client", CLIENT))
            if section in sections
            for k, _ in members
        ]
        runtime_vars = declared if runtime_key == "runtimeEnv" else [k for k, _ in CLIENT if "client" in sections]
        runtime = [(k, env_access(file.root, k)) for k in runtime_vars]
        wanted = [("server", server), ("client", client), (runtime_key, runtime)]
        found = {
            section: add_object_members(
                file.text, sections[section], members, f"env schema ({section}): realtime variables"
            )
            for section, members in wanted
            if section in sections
        }
        uses_z = found.get("server") is not None or found.get("client") is not None
        return _with_zod(file, [i for i in found.values() if i is not None], uses_z)
    return Skip(file.path, "no zod object parsed from process.env and no createEnv call found")


def _with_zod(file: TsFile, insertions: list[Insertion], uses_z: bool = True) -> Edit:
    """The edit, with the zod import the inserted `z.string()` needs when nothing in the file binds `z` (nor
    imports zod under a name of its own)."""
    if insertions and uses_z and zod_name(file.root) == "z" and not binds(file.root, "z"):
        insertions = [*add_import(file, "z", "zod").insertions, *insertions]
    return Edit(file.path, tuple(insertions))


def zod_name(root: SgNode) -> str:
    """The name the file gives zod's `z` (`import { z as zod } from "zod"`, `import * as v from "zod/v4"`),
    `z` when it imports none."""
    for node in top_level_imports(root):
        source = node.field("source")
        if source is None or source.text().strip("\"'").split("/")[0] != "zod":
            continue
        for spaced in node.find_all(kind="namespace_import"):
            return next((c.text() for c in spaced.children() if c.kind() == "identifier"), "z")
        for spec in node.find_all(kind="import_specifier"):
            name, alias = spec.field("name"), spec.field("alias")
            if name is not None and name.text() == "z":
                return (alias or name).text()
    return "z"


def _named(members: list[tuple[str, str]], z: str) -> list[tuple[str, str]]:
    return [(key, z + value.removeprefix("z")) for key, value in members]


def binds(root: SgNode, name: str) -> bool:
    """Whether the module binds `name` at the top: an import of any form, or a declaration."""
    for node in top_level_imports(root):
        clause = next((c for c in node.children() if c.kind() == "import_clause"), None)
        if clause is None:
            continue
        bound = [c for c in clause.children() if c.kind() == "identifier"]  # a default import
        bound += [i for n in clause.find_all(kind="namespace_import") for i in n.children() if i.kind() == "identifier"]
        for spec in clause.find_all(kind="import_specifier"):
            local = spec.field("alias") or spec.field("name")
            bound += [local] if local is not None else []
        if any(node.text() == name for node in bound):
            return True
    for decl in root.children():
        target = decl.field("declaration") if decl.kind() == "export_statement" else decl
        if target is None or target.kind() not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in target.children():
            named = declarator.field("name") if declarator.kind() == "variable_declarator" else None
            if named is not None and named.text() == name:
                return True
    return False


def env_access(root: SgNode, key: str) -> str:
    """`process.env.KEY`, or `process.env["KEY"]` where the file reads the environment that way (as
    `noPropertyAccessFromIndexSignature` requires): the file's own style, by majority."""
    dotted = sum(1 for n in root.find_all(kind="member_expression") if _is_process_env(n.field("object")))
    bracketed = sum(1 for n in root.find_all(kind="subscript_expression") if _is_process_env(n.field("object")))
    if bracketed > dotted:
        quote = quote_of(root)
        return f"process.env[{quote}{key}{quote}]"
    return f"process.env.{key}"


def _is_process_env(node: SgNode | None) -> bool:
    return node is not None and node.text().replace(" ", "") == "process.env"


undo = undo_insertions  # the inverse: cut exactly the members that were inserted
