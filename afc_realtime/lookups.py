"""Owner lookups: where a write names the row that holds its owner only by a reference (`stream.chatId`, and
the owner is `chat.userId`) or by its own key (an update by `id` that does not restate `invitedBy`), afc
generates a small typed function that reads the owner from the database, and the wired line sends to what it
returns (`{ to: ownersOfChat(chatId) }`). One module of them, `owners.ts` beside `broadcast.ts`, created by
`add` and deleted by `remove`; it reads through the app's own client (the one `authorize.ts` uses: `access.py`),
or the client a call passes (a transaction's `tx`), with a join per reference (Drizzle) or one `findFirst` per
reference (Prisma). A row that is not found, or a query that fails, gives no channel: nobody."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from . import access
from . import columns as names
from .audience import Channel, Hop
from .datamodel import DataModel, Table
from .dbclient import find_client
from .edits.typescript import TsFile
from .project import Project
from .tree import Tree

MODULE = "owners"  # the module's name beside `broadcast.ts`
PRISMA_TYPES = {"String": "string", "Int": "number", "Float": "number", "BigInt": "bigint"}


@dataclass(frozen=True)
class Lookup:
    """The channels of the owners of the `table` row whose `key` column holds the value it is called with,
    each reached from that row through its `via`."""

    table: str  # as the schema names it: the Drizzle export, the Prisma model
    key: str
    channels: tuple[Channel, ...]
    # called with a write's own filter instead of a key (a Prisma `where` object, a Drizzle condition): the
    # owners of every row it matches
    matching: bool = False

    def function(self) -> str:
        """`ownersOfChat`, `ownersOfInvitationsBySlug`, `ownersOfNotesMatching`: the exported function's name."""
        name = "ownersOf" + _pascal(self.table)
        if self.matching:
            return f"{name}Matching"
        return name if self.key == "id" else f"{name}By{_pascal(self.key)}"


def _pascal(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in names.words(name))


@dataclass
class Lookups:
    """The lookups one run's wired lines call, by function name."""

    found: dict[str, Lookup] = field(default_factory=dict)

    def can_add(self, lookup: Lookup) -> bool:
        """False when another lookup of the same name reads other owners (then the write is not wired)."""
        return self.found.get(lookup.function(), lookup) == lookup

    def add(self, lookup: Lookup) -> None:
        self.found.setdefault(lookup.function(), lookup)


@dataclass(frozen=True)
class Client:
    """The app's database client for one ORM: its exported name (`default` for a default export) and its
    module: a path without extension, or the specifier the app imports it by (`@/lib/prisma`)."""

    orm: str
    name: str
    module: str
    specifier: bool = False  # `module` is an import specifier, not a path
    # declared in the writing module and exported by none (`const db = drizzle(...)` in `lib/db/queries.ts`):
    # the lookups take it as a parameter every call passes, typed by its dialect (`dialect`)
    local: bool = False

    def statement(self, importer: str, project: Project, tree: Tree) -> tuple[str, str]:
        """(the module `importer` imports the client from, the binding it names it by)."""
        if self.specifier:
            return self.module, self.name
        return access._import_of(project, tree, importer, self.name, self.module), self.name


def client(project: Project, tree: Tree, orm: str) -> Client | None:
    """The module exporting the app's `drizzle(...)` or `new PrismaClient()`, as `authorize.ts` finds it
    (`dbclient.py`: under any name, or as the default export)."""
    found = find_client(project, tree, orm)
    if found is None:
        return None
    return Client(orm, "default" if found.default else found.name, found.module)


def client_at(file: TsFile, line: int, orm: str) -> Client | None:
    """The client a write at `line` of `file` writes through, where the file imports it (`import prisma from
    "@/lib/prisma"`, `import { db } from "../db"`): the lookups import it the same way. None for a client
    declared in the file itself, a transaction's `tx` or tRPC's `ctx.db`."""
    receiver = _receiver(file, line)
    imported = _imported(file, receiver) if receiver is not None else None
    if imported is None:
        return None
    specifier, name = imported
    if specifier.startswith("."):
        target = posixpath.normpath(posixpath.join(posixpath.dirname(file.path), specifier))
        return Client(orm, name, re.sub(r"\.(ts|tsx|js|mjs)$", "", target))
    return Client(orm, name, specifier, specifier=True)


def client_declared(file: TsFile, line: int) -> str | None:
    """The name of the Drizzle client a write at `line` writes through where `file` itself builds it, at its
    top level (`const db = drizzle(...)`): what the lookups are given by every call in that file."""
    receiver = _receiver(file, line)
    for statement in file.root.children():
        declaration = statement.field("declaration") if statement.kind() == "export_statement" else statement
        if receiver is None or declaration is None or declaration.kind() != "lexical_declaration":
            continue
        for declarator in (c for c in declaration.children() if c.kind() == "variable_declarator"):
            name, value = declarator.field("name"), declarator.field("value")
            if name is not None and name.text() == receiver and value is not None and _BUILDS.search(value.text()):
                return receiver
    return None


_BUILDS = re.compile(r"^drizzle\s*\(")


def _receiver(file: TsFile, line: int) -> str | None:
    """The name a write at `line` starts from: `db` of `db.insert(...)`, `prisma` of `prisma.post.create`."""
    for call in file.root.find_all(kind="call_expression"):
        if file.line(call) != line:
            continue
        receiver = call.field("function")
        while receiver is not None and receiver.kind() in ("member_expression", "call_expression"):
            receiver = receiver.field("object" if receiver.kind() == "member_expression" else "function")
        if receiver is not None and receiver.kind() == "identifier":
            return receiver.text()
    return None


# a Drizzle dialect's database class, which the app's client and a transaction's both extend
DIALECTS = {
    "pg": ("PgDatabase", "<any, any, any>"),
    "mysql": ("MySqlDatabase", "<any, any, any, any>"),
    "sqlite": ("BaseSQLiteDatabase", "<any, any, any, any>"),
}


def dialect(tree: Tree, table: Table) -> str | None:
    """`pg`, `mysql` or `sqlite`: the `drizzle-orm/<dialect>-core` the table's schema module imports."""
    found = re.findall(r"drizzle-orm/(pg|mysql|sqlite)-core", tree.read_text(table.where.rpartition(":")[0]) or "")
    return found[0] if len(set(found)) == 1 else None


def _imported(file: TsFile, local: str) -> tuple[str, str] | None:
    """(specifier, imported name or `default`) of the import that binds `local` in `file`."""
    for statement in file.root.children():
        source = statement.field("source") if statement.kind() == "import_statement" else None
        if source is None or statement.text().startswith("import type"):
            continue
        for clause in (c for c in statement.children() if c.kind() == "import_clause"):
            for part in clause.children():
                if part.kind() == "identifier" and part.text() == local:
                    return source.text().strip("\"'`"), "default"
                for spec in part.find_all(kind="import_specifier") if part.kind() == "named_imports" else []:
                    name, alias = spec.field("name"), spec.field("alias")
                    if name is not None and (alias or name).text() == local:
                        return source.text().strip("\"'`"), name.text()
    return None


def render(
    lookups: list[Lookup], model: DataModel, project: Project, tree: Tree, path: str, clients: list[Client]
) -> str:
    """The text of `owners.ts` at `path`: one function per lookup, through the client of its table's ORM."""
    imports: dict[str, list[str]] = {}
    bodies = []
    for lookup in sorted(lookups, key=lambda found: found.function()):
        table = model.tables[lookup.table]
        orm_client = next(c for c in clients if c.orm == table.orm)
        local = _local(orm_client)
        given = None  # the client's type, where every call passes it
        if orm_client.local:
            kind = dialect(tree, table) or "pg"
            given = "".join(DIALECTS[kind])
            imports.setdefault(f"drizzle-orm/{kind}-core", [f"type {DIALECTS[kind][0]}"])
        else:
            module, name = orm_client.statement(path, project, tree)
            imports.setdefault(module, [])
            named = f"default as {local}" if name == "default" else name
            if named not in imports[module]:
                imports[module].append(named)
        if table.orm == "prisma":
            bodies.append(_prisma(lookup, model, tree, local))
            continue
        operators = imports.setdefault("drizzle-orm", [])
        # `eq` for a key or a join; the type of a filter for a write's own
        for used_name, needed in (("eq", not lookup.matching or _joins(lookup)), ("type SQL", lookup.matching)):
            if needed and used_name not in operators:
                operators.append(used_name)
        for used in _tables_of(lookup, model):
            schema = used.where.rsplit(":", 1)[0]
            source = access._import_of(project, tree, path, used.name, schema.rsplit(".", 1)[0])
            if source.startswith(".") and not orm_client.local and access._package_of(tree, schema) == module:
                source = module  # the package the app imports its client from exports its schema too
            imports.setdefault(source, [])
            if used.name not in imports[source]:
                imports[source].append(used.name)
        bodies.append(_drizzle(lookup, model, local, given))
    head = [
        "// Who owns the rows a write names by a reference, its key or its filter: the owner lookups the lines",
        "// `afc add websocket` wired call (`afc remove websocket` deletes this file). Each returns the channels",
        "// of the row's owners, none when the row is not found, and never throws: a failed lookup sends nothing.",
        "// Each reads through the app's client, or the one it is given: a transaction's (`tx`), so that it sees",
        "// the transaction's own changes. In PostgreSQL a failed statement aborts the transaction it runs in: a",
        "// lookup failing inside one (a lost connection, a missing grant) makes the transaction's next statement",
        "// throw, so the transaction rolls back and nothing is sent (MySQL and SQLite carry on).",
    ]
    lines = [f'import {{ {", ".join(sorted(named))} }} from "{module}";' for module, named in sorted(imports.items())]
    warn = [
        "function failed(lookup: string, err: unknown): string[] {",
        "    console.warn(`[realtime] ${lookup} failed: ${err instanceof Error ? err.message : String(err)}`);",
        "    return [];",
        "}",
    ]
    return "\n".join([*head, *lines, "", *warn, *bodies]) + "\n"


def _local(found: Client) -> str:
    """The name the lookups call the client by: its own, or for a default export one of the ORM's."""
    return found.name if found.name != "default" else ("prisma" if found.orm == "prisma" else "db")


def _joins(lookup: Lookup) -> bool:
    return any(c.via for c in lookup.channels)


def _tables_of(lookup: Lookup, model: DataModel) -> list[Table]:
    found = [lookup.table] + [hop.table for c in lookup.channels for hop in c.via]
    return [model.tables[name] for name in dict.fromkeys(found)]


def _paths(lookup: Lookup) -> dict[tuple[Hop, ...], list[tuple[int, Channel]]]:
    """The channels grouped by the references that reach them (one query each), numbered for their aliases."""
    grouped: dict[tuple[Hop, ...], list[tuple[int, Channel]]] = {}
    for i, channel in enumerate(lookup.channels):
        grouped.setdefault(channel.via, []).append((i, channel))
    return grouped


def _doc(lookup: Lookup) -> str:
    owners = ", ".join(c.label() for c in lookup.channels)
    if lookup.matching:
        return f"/** The `{lookup.table}` rows `where` matches (read before the write changes them) -> {owners}. */"
    return f"/** The `{lookup.table}` row whose `{lookup.key}` is `key` -> {owners}. */"


def _pushes(row: str, numbered: list[tuple[int, Channel]], field_of: dict[int, str], found: str = "?.") -> list[str]:
    """A channel for each owner the row names (none for a null owner, or no row)."""
    return [
        f"        if ({row}{found}{field_of[i]} != null) channels.push(`{c.kind}:${{{row}.{field_of[i]}}}`);"
        for i, c in numbered
    ]


def _drizzle(lookup: Lookup, model: DataModel, db: str, given: str | None = None) -> str:
    """The lookup through the app's client `db`, or through the one each call passes, of type `given`."""
    start = lookup.table
    parameter = "where: SQL | undefined" if lookup.matching else f'key: (typeof {start}.$inferSelect)["{lookup.key}"]'
    client = f"client: {given}" if given else _client_parameter(db, ["select"])
    lines = [
        "",
        _doc(lookup),
        f"export async function {lookup.function()}({parameter}, {client}): Promise<string[]> {{",
        "    try {",
        "        const channels: string[] = [];",
    ]
    for n, (via, numbered) in enumerate(_paths(lookup).items()):
        last = via[-1].table if via else start
        fields = ", ".join(f"owner{i}: {last}.{c.column}" for i, c in numbered)
        lines.append(f"        const found{n} = await client")
        lines.append(f"            .select({{ {fields} }})")
        lines.append(f"            .from({start})")
        before = start
        for hop in via:
            lines.append(f"            .innerJoin({hop.table}, eq({before}.{hop.column}, {hop.table}.{hop.key}))")
            before = hop.table
        lines.append(
            "            .where(where);" if lookup.matching else f"            .where(eq({start}.{lookup.key}, key));"
        )
        lines.append(f"        for (const row of found{n}) {{")
        lines += ["    " + push for push in _pushes("row", numbered, {i: f"owner{i}" for i, _ in numbered}, ".")]
        lines.append("        }")
    return "\n".join([*lines, *_closing(lookup)])


def _prisma(lookup: Lookup, model: DataModel, tree: Tree, client_name: str) -> str:
    if lookup.matching:
        return _prisma_matching(lookup, client_name)
    start = model.tables[lookup.table]
    client = _client_parameter(client_name, _delegates(lookup))
    lines = [
        "",
        _doc(lookup),
        f"export async function {lookup.function()}(key: {_prisma_type(tree, start, lookup.key)}, {client}): "
        "Promise<string[]> {",
        "    try {",
        "        const channels: string[] = [];",
    ]
    for n, (via, numbered) in enumerate(_paths(lookup).items()):
        table, key, value = start.name, lookup.key, "key"
        for step, hop in enumerate(via):  # one row at a time along the references, each by its key
            row = f"row{n}x{step}"
            lines.append(_find(row, "client", table, key, value, (hop.column,), step > 0))
            table, key, value = hop.table, hop.key, f"{row}.{hop.column}"
        final = f"row{n}x{len(via)}"
        lines.append(_find(final, "client", table, key, value, tuple(c.column for _, c in numbered), bool(via)))
        lines += _pushes(final, numbered, {i: c.column for i, c in numbered})
    return "\n".join([*lines, *_closing(lookup)])


def _prisma_matching(lookup: Lookup, client_name: str) -> str:
    """The owners of every row a `where` matches: the rows' references (or owners), then, one hop at a time,
    the owners of the rows they point at (`findMany` with `in`). Typed by the client's own `findMany`."""
    delegate = _delegate(lookup.table)
    # never `undefined` (a write's filter is there): `exactOptionalPropertyTypes` refuses it for `where?:`
    where = f'NonNullable<NonNullable<Parameters<typeof {client_name}.{delegate}.findMany>[0]>["where"]>'
    lines = [
        "",
        _doc(lookup),
        f"export async function {lookup.function()}(where: {where}, "
        f"{_client_parameter(client_name, _delegates(lookup))}): Promise<string[]> {{",
        "    try {",
        "        const channels: string[] = [];",
    ]
    for n, (via, numbered) in enumerate(_paths(lookup).items()):
        table, filter_text = lookup.table, "where"
        for step, hop in enumerate(via):
            rows = f"rows{n}x{step}"
            lines.append(_find_many(rows, "client", table, filter_text, (hop.column,)))
            values = f"{rows}.flatMap((row) => (row.{hop.column} != null ? [row.{hop.column}] : []))"
            table, filter_text = hop.table, f"{{ {hop.key}: {{ in: {values} }} }}"
        final = f"rows{n}x{len(via)}"
        lines.append(_find_many(final, "client", table, filter_text, tuple(c.column for _, c in numbered)))
        lines.append(f"        for (const row of {final}) {{")
        lines += ["    " + push for push in _pushes("row", numbered, {i: c.column for i, c in numbered}, ".")]
        lines.append("        }")
    return "\n".join([*lines, *_closing(lookup)])


def _find_many(rows: str, client_name: str, table: str, where: str, columns: tuple[str, ...]) -> str:
    select = ", ".join(f"{c}: true" for c in dict.fromkeys(columns))
    given = "where" if where == "where" else f"where: {where}"
    call = f"await {client_name}.{_delegate(table)}.findMany({{ {given}, select: {{ {select} }} }})"
    return f"        const {rows} = {call};"


def _client_parameter(app_client: str, members: list[str]) -> str:
    """`client: Pick<typeof db, "select"> = db`: what the lookup reads through, the app's client unless the
    call passes another. Only the members the lookup uses are asked for, so a transaction's client (`tx`,
    which lacks `$transaction`, `batch`, ...) fits as well as the app's client, extended or not."""
    picked = " | ".join(f'"{m}"' for m in members)
    return f"client: Pick<typeof {app_client}, {picked}> = {app_client}"


def _delegates(lookup: Lookup) -> list[str]:
    """The Prisma delegates a lookup reads: its table's and each reference's (`chat`, `message`)."""
    found = [lookup.table] + [hop.table for c in lookup.channels for hop in c.via]
    return [_delegate(t) for t in dict.fromkeys(found)]


def _delegate(table: str) -> str:
    return table[:1].lower() + table[1:]


def _closing(lookup: Lookup) -> list[str]:
    """The end every lookup shares: its channels, or none (and a warning) when the query failed."""
    return [
        "        return channels;",
        "    } catch (err) {",
        f'        return failed("{lookup.function()}", err);',
        "    }",
        "}",
    ]


def _find(row: str, client_name: str, table: str, key: str, value: str, columns: tuple[str, ...], guarded: bool) -> str:
    """`const row = await prisma.chat.findFirst({ where: { id: key }, select: { userId: true } });`, guarded by
    the previous row and its reference being there."""
    delegate = table[:1].lower() + table[1:]
    select = ", ".join(f"{c}: true" for c in dict.fromkeys(columns))
    call = f"await {client_name}.{delegate}.findFirst({{ where: {{ {key}: {value} }}, select: {{ {select} }} }})"
    if guarded:
        previous = value.split(".", 1)[0]
        call = f"{previous} && {value} != null ? {call} : null"
    return f"        const {row} = {call};"


def _prisma_type(tree: Tree, table: Table, column: str) -> str:
    """The TypeScript type of a Prisma scalar column (`String` -> string), read from the schema."""
    path, _, line = table.where.rpartition(":")
    text = tree.read_text(path) or ""
    after = "\n".join(text.splitlines()[int(line or 1) - 1 :])
    found = re.search(rf"^\s*{re.escape(column)}\s+(\w+)", after, re.MULTILINE)
    return PRISMA_TYPES.get(found.group(1), "string") if found else "string"
