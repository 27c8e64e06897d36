"""The project's tables, read from its Drizzle schema (TypeScript, through the parser) and its Prisma schema:
each table's columns as code names them, which columns point at which table, and where it is declared.
That is what afc needs to decide who may receive a written row (see `audience.py`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .edits import typescript as ts
from .edits.result import Skip
from .tree import Tree

if TYPE_CHECKING:
    from ast_grep_py import SgNode

DRIZZLE_TABLES = re.compile(r"Table$|^table$")  # pgTable, mysqlTable, sqliteTable, a pgTableCreator's createTable
SCHEMA_SKIP = frozenset({"node_modules", ".next", ".turbo", "dist", "build", "out", ".git", "coverage", ".afc", "app"})
TS_SOURCE = (".ts", ".mts", ".cts", ".js", ".mjs")


@dataclass(frozen=True)
class Table:
    name: str  # as code names it: the Drizzle export (`todos`) or the Prisma model (`Post`)
    columns: tuple[str, ...]  # property names on a row
    references: dict[str, str] = field(default_factory=dict)  # column -> the table it points at
    where: str = ""  # path:line of the declaration
    orm: str = "drizzle"
    keys: tuple[str, ...] = ()  # the columns that name one row: the primary key, then the unique ones
    targets: dict[str, str] = field(default_factory=dict)  # column -> the column it points at (`chat.id`: id)

    def target_key(self, column: str, parent: Table) -> str | None:
        """The column of `parent` that `column` names: the declared one, else its primary key (or `id`)."""
        declared = self.targets.get(column)
        if declared is not None:
            return declared if declared in parent.columns else None
        if parent.keys:
            return parent.keys[0]
        return "id" if "id" in parent.columns else None


@dataclass
class DataModel:
    tables: dict[str, Table] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # the schema files read
    problems: list[Skip] = field(default_factory=list)  # schema files that could not be read

    def table(self, name: str) -> Table | None:
        """The table a write names: `todos` (Drizzle), or `post`/`Post` (Prisma's client uses camelCase)."""
        found = self.tables.get(name)
        if found is None:
            found = self.tables.get(name[:1].upper() + name[1:])
        return found


def read(tree: Tree, folders: list[str]) -> DataModel:
    """Every Drizzle and Prisma table declared in `folders` (the workspace's packages and apps)."""
    model = DataModel()
    for folder in folders:
        for path in tree.walk(folder, SCHEMA_SKIP):
            if path.endswith(".prisma"):
                _read_prisma(path, tree.read_text(path) or "", model)
            elif path.endswith(TS_SOURCE) and not path.endswith(".d.ts"):
                text = tree.read_text(path) or ""
                if "drizzle-orm/" in text and "Table(" in text:
                    _read_drizzle(path, text, model)
    return model


# -- Drizzle --------------------------------------------------------------------------------------------


def _read_drizzle(path: str, text: str, model: DataModel) -> None:
    loaded = ts.load(path, text)
    if isinstance(loaded, Skip):
        model.problems.append(loaded)
        return
    model.sources.append(path)
    for declarator in loaded.root.find_all(kind="variable_declarator"):
        name, value = declarator.field("name"), declarator.field("value")
        if name is None or value is None or name.kind() != "identifier":
            continue
        fn = value.field("function")  # only a call has one
        if fn is None or not DRIZZLE_TABLES.search(fn.text()):
            continue
        columns = _columns_object(value)
        if columns is None:
            continue
        names, references, targets = _drizzle_columns(columns)
        where = f"{path}:{loaded.line(declarator)}"
        table = Table(name.text(), names, references, where, "drizzle", _drizzle_keys(columns), targets)
        model.tables[table.name] = table


def _columns_object(call: SgNode) -> SgNode | None:
    """The `{ id: serial("id"), ... }` of `pgTable("todos", {...})`, or of its `(t) => ({...})` form."""
    args = call.field("arguments")
    for arg in args.children() if args is not None else []:
        body = arg.field("body") if arg.kind() == "arrow_function" else arg
        while body is not None and body.kind() == "parenthesized_expression":
            body = next((c for c in body.children() if c.is_named()), None)
        if body is not None and body.kind() == "object":
            return body
    return None


def _drizzle_columns(columns: SgNode) -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
    names, references, targets = [], {}, {}
    for column, pair in _pairs(columns):
        names.append(column)
        target = re.search(r"\.references\(\s*\(\s*\)\s*(?::\s*\w+\s*)?=>\s*(\w+)\.(\w+)", pair.text())
        if target:
            references[column] = target.group(1)
            targets[column] = target.group(2)
    return tuple(names), references, targets


def _drizzle_keys(columns: SgNode) -> tuple[str, ...]:
    """`id: serial("id").primaryKey()` first, then `.unique()` columns, in declaration order."""
    primary, unique = [], []
    for column, pair in _pairs(columns):
        if re.search(r"\.primaryKey\(", pair.text()):
            primary.append(column)
        elif re.search(r"\.unique\(", pair.text()):
            unique.append(column)
    return (*primary, *unique)


def _pairs(columns: SgNode) -> list[tuple[str, SgNode]]:
    """Each `name: builder(...)` of a columns object with its name unquoted (a spread or a brace has no key)."""
    return [(key.text().strip("\"'"), pair) for pair in columns.children() if (key := pair.field("key")) is not None]


# -- Prisma ---------------------------------------------------------------------------------------------

PRISMA_SCALARS = frozenset(
    {"String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes", "Unsupported"}
)
_MODEL = re.compile(r"^\s*model\s+(\w+)\s*\{\s*$")
_FIELD = re.compile(r"^\s*(\w+)\s+(\w+)(\[\])?(\?)?(.*)")  # never an `@@id([...])` line
_RELATION = re.compile(r"@relation\((?:[^)]*?)fields:\s*\[([^\]]*)\]")
_REFERENCES = re.compile(r"@relation\((?:[^)]*?)references:\s*\[([^\]]*)\]")


def _read_prisma(path: str, text: str, model: DataModel) -> None:
    """Prisma's schema language, line by line: `model Name {` ... `}`, one field a line."""
    model.sources.append(path)
    current: tuple[str, int, list[str], dict[str, str]] | None = None
    keys: list[str] = []
    targets: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.partition("//")[0]
        if current is None:
            opened = _MODEL.match(body)
            if opened:
                current = (opened.group(1), number, [], {})
            continue
        if body.strip() == "}":
            name, start, columns, references = current
            primary = [k for k in keys if k.startswith("@id ")]
            ordered = tuple(k.partition(" ")[2] for k in [*primary, *(k for k in keys if k not in primary)])
            where = f"{path}:{start}"
            model.tables[name] = Table(name, tuple(columns), references, where, "prisma", ordered, targets)
            current, keys, targets = None, [], {}
            continue
        found = _FIELD.match(body)
        if found is None:
            continue
        relation = _RELATION.search(found.group(5))
        if relation:  # `author User @relation(fields: [authorId], references: [id])`: authorId points at User
            fields = [c.strip() for c in relation.group(1).split(",")]
            pointed = _REFERENCES.search(found.group(5))
            keyed = [c.strip() for c in pointed.group(1).split(",")] if pointed else []
            current[3].update(dict.fromkeys(fields, found.group(2)))
            targets.update(zip(fields, keyed, strict=False))
        elif found.group(2) in PRISMA_SCALARS or _is_enum(found.group(2), text):
            current[2].append(found.group(1))  # relation fields (another model's type) are not on the row
            key = re.search(r"@(id|unique)\b", found.group(5))
            if key:
                keys.append(f"@{key.group(1)} {found.group(1)}")


def _is_enum(type_name: str, text: str) -> bool:
    return re.search(rf"^\s*enum\s+{re.escape(type_name)}\s*\{{", text, re.MULTILINE) is not None
