"""The membership queries `authorize.ts` runs so a ticket grants `team:<id>` for each team the signed-in user
belongs to: one per membership table `audience.memberships` finds, in the app's ORM (Drizzle or Prisma),
through the app's own database client. Without these, nobody could join a tenant's channel, and
`audience.py` sends a tenant's rows to nobody."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from .audience import Membership, memberships
from .datamodel import SCHEMA_SKIP, DataModel, Table
from .dbclient import find_client
from .features.toolkit import module_import
from .project import Project
from .tree import Tree

INTEGER_COLUMN = re.compile(r"^(?:serial|bigserial|integer|int|bigint|smallint|smallserial|mediumint|tinyint)$")


@dataclass(frozen=True)
class Query:
    """One membership query: the imports it needs and the lines that add the user's tenants' channels."""

    imports: tuple[str, ...]
    lines: tuple[str, ...]
    kind: str
    table: str  # the membership table
    tenant: str  # the table whose channels it grants


def queries(project: Project, tree: Tree, model: DataModel, authorize: str) -> list[Query]:
    """A query for each membership table afc can reach through the app's client (others are left out: the
    plan then says nobody can join their channel, as `audience.py` decides with no query)."""
    found = []
    for membership in memberships(model):
        query = _query(project, tree, membership, authorize)
        if query is not None:
            found.append(query)
    return found


def _query(project: Project, tree: Tree, membership: Membership, authorize: str) -> Query | None:
    orm = membership.table.orm
    client = find_client(project, tree, "drizzle" if orm == "drizzle" else "prisma")
    if client is None:
        return None
    name, path = client.name, client.module
    client_import = _import_of(project, tree, authorize, name, path)
    kind, table, user, tenant = membership.kind, membership.table, membership.user_column, membership.tenant_column
    user_id = "Number(id)" if _is_integer(tree, table, user) else "id"
    rows = _variable(kind)
    if orm == "prisma":
        delegate = table.name[:1].lower() + table.name[1:]
        return Query(
            (f'import {client.binding()} from "{client_import}";',),
            (
                f"const {rows} = await {name}.{delegate}.findMany({{ where: {{ {user}: {user_id} }}, "
                f"select: {{ {tenant}: true }} }});",
                f"channels.push(...{rows}.map((row) => `{kind}:${{row.{tenant}}}`));",
            ),
            kind,
            table.name,
            membership.tenant.name,
        )
    schema = table.where.rsplit(":", 1)[0]
    table_import = _import_of(project, tree, authorize, table.name, schema.rsplit(".", 1)[0])
    if table_import.startswith(".") and _package_of(tree, schema) == client_import:
        table_import = client_import  # the package the app imports its client from exports its schema too
    imports = [f'import {client.binding()} from "{client_import}";', 'import { eq } from "drizzle-orm";']
    if table_import == client_import:
        both = f"{name}, {{ {table.name} }}" if client.default else f"{{ {name}, {table.name} }}"
        imports[0] = f'import {both} from "{client_import}";'
    else:
        imports.insert(1, f'import {{ {table.name} }} from "{table_import}";')
    return Query(
        tuple(imports),
        (
            f"const {rows} = await {name}",
            f"    .select({{ id: {table.name}.{tenant} }})",
            f"    .from({table.name})",
            f"    .where(eq({table.name}.{user}, {user_id}));",
            f"channels.push(...{rows}.map((row) => `{kind}:${{row.id}}`));",
        ),
        kind,
        table.name,
        membership.tenant.name,
    )


def _variable(kind: str) -> str:
    """`team` -> teams, `organization-unit` -> organizationUnits: the rows' variable."""
    first, *rest = kind.split("-")
    return first + "".join(part.capitalize() for part in rest) + "s"


def _import_of(project: Project, tree: Tree, authorize: str, name: str, module: str) -> str:
    """How the app's own files import `name` when they do from a package or an alias (`@app/db`, `@/db`);
    else the path from `authorize` to `module`."""
    pattern = re.compile(r"import\s*\{([^}]*)\}\s*from\s*[\"']([^\"'.][^\"']*)[\"']")
    for path in project.routes + project.pages + tree.walk(project.src, SCHEMA_SKIP - {"app"}):
        if not path.endswith((".ts", ".tsx")):
            continue
        for match in pattern.finditer(tree.read_text(path) or ""):
            imported = {
                part.strip().split(" as ")[0].removeprefix("type ").strip() for part in match.group(1).split(",")
            }
            if name in imported:
                return match.group(2)
    return module_import(project, authorize, module)


def _package_of(tree: Tree, path: str) -> str | None:
    """The name of the workspace package a file is in (its nearest `package.json`)."""
    for folder in PurePosixPath(path).parents:
        text = tree.read_text(f"{folder}/package.json") if str(folder) != "." else None
        if text is not None:
            found = re.search(r'"name"\s*:\s*"([^"]+)"', text)
            return found.group(1) if found else None
    return None


def _is_integer(tree: Tree, table: Table, column: str) -> bool:
    """Whether the user column holds numbers (`serial`, `integer`, Prisma `Int`): the session's id is a string."""
    path, _, line = table.where.rpartition(":")
    text = tree.read_text(path) or ""
    after = "\n".join(text.splitlines()[int(line or 1) - 1 :])
    if table.orm == "prisma":
        found = re.search(rf"^\s*{re.escape(column)}\s+(\w+)", after, re.MULTILINE)
        return found is not None and found.group(1) in ("Int", "BigInt")
    found = re.search(rf"\b{re.escape(column)}\s*:\s*(\w+)\s*\(", after)
    return found is not None and INTEGER_COLUMN.match(found.group(1)) is not None
