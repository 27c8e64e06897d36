"""Who may receive a written row: decided from the schema, failing closed. A row with credentials is never
sent; an identity or tenant row (a user, a team) goes to its own channel; a row with an owner column goes
to its owner's channel; a row tied to no one goes to `public`; anything afc cannot tell is not sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .datamodel import DataModel, Table

CREDENTIAL = re.compile(r"password|passwd|hash|token|secret|api_?key|private_?key|salt|otp", re.IGNORECASE)
IDENTITY_NAMES = re.compile(
    r"^(users?|teams?|organi[sz]ations?|orgs?|tenants?|workspaces?|compan(y|ies)|groups?)$", re.IGNORECASE
)
OWNER_COLUMN = re.compile(
    r"^(user|owner|author|creator|created_?by|team|org|organi[sz]ation|tenant|workspace|company|group|member)"
    r"(_?id)?$",
    re.IGNORECASE,
)


class Reach(StrEnum):
    PUBLIC = "public"  # tied to no one: every browser may receive it
    PRIVATE = "private"  # only the channels named
    NEVER = "never"  # holds credentials
    UNKNOWN = "unknown"  # afc cannot tell: not sent


@dataclass(frozen=True)
class Channel:
    kind: str  # user, team, ...
    column: str  # the row's property holding the id

    def label(self) -> str:
        return f"{self.kind}:<{self.column}>"


@dataclass(frozen=True)
class Audience:
    reach: Reach
    reason: str
    channels: tuple[Channel, ...] = ()

    @property
    def sent(self) -> bool:
        return self.reach in (Reach.PUBLIC, Reach.PRIVATE)

    def label(self) -> str:
        if self.reach is Reach.PUBLIC:
            return "public"
        return ", ".join(c.label() for c in self.channels) if self.channels else "nobody"

    def expression(self, row: str, quote: str) -> str:
        """The `to` of the broadcast: "public", `user:${row.userId}`, or a list of those."""
        if self.reach is Reach.PUBLIC:
            return f"{quote}public{quote}"
        items = [f"`{c.kind}:${{{row}.{c.column}}}`" for c in self.channels]
        return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"


def channel_kind(table: Table) -> str:
    """`users` -> user, `Organization` -> organization: the channel prefix for a tenant table's rows."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", table.name).lower()
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def is_identity(table: Table, model: DataModel) -> bool:
    """Users, teams, organisations: named so, or what other tables point to through an owner column."""
    if IDENTITY_NAMES.match(table.name):
        return True
    return any(
        target == table.name and OWNER_COLUMN.match(column)
        for other in model.tables.values()
        for column, target in other.references.items()
    )


def decide(table_name: str | None, model: DataModel, _seen: frozenset[str] = frozenset()) -> Audience:
    """Who may receive a row written to `table_name`."""
    table = model.table(table_name) if table_name else None
    if table is None:
        where = f"`{table_name}`" if table_name else "the written table"
        found = "the schema afc read" if model.sources else "a Drizzle or Prisma schema (none found)"
        return Audience(Reach.UNKNOWN, f"{where} is not in {found}, so afc cannot tell who may see its rows")
    credentials = [c for c in table.columns if CREDENTIAL.search(c)]
    if credentials:
        return Audience(Reach.NEVER, f"rows of `{table.name}` hold credentials ({', '.join(credentials)})")
    if is_identity(table, model):
        if "id" not in table.columns:
            return Audience(Reach.UNKNOWN, f"`{table.name}` has no `id` column to name its channel by")
        channel = Channel(channel_kind(table), "id")
        return Audience(Reach.PRIVATE, f"a `{table.name}` row goes to its own channel only", (channel,))
    return _by_references(table, model, _seen | {table.name})


def _by_references(table: Table, model: DataModel, seen: frozenset[str]) -> Audience:
    channels, parents = [], []
    for column in table.columns:
        target = model.table(table.references.get(column, ""))
        if target is not None and is_identity(target, model):
            channels.append(Channel(channel_kind(target), column))
        elif target is not None:
            parents.append((column, target))
        elif OWNER_COLUMN.match(column):
            owner = _owner_by_name(column, model)
            if owner is None:
                return Audience(
                    Reach.UNKNOWN, f"`{table.name}.{column}` looks like an owner, but afc cannot tell whose it is"
                )
            channels.append(Channel(channel_kind(owner), column))
    if channels:
        owners = ", ".join(f"`{c.column}`" for c in channels)
        return Audience(Reach.PRIVATE, f"`{table.name}` rows belong to their owner ({owners})", tuple(channels))
    for column, parent in parents:
        if parent.name in seen:
            continue
        inherited = decide(parent.name, model, seen)
        if inherited.reach is not Reach.PUBLIC:
            return Audience(
                Reach.UNKNOWN,
                f"`{table.name}` rows belong to `{parent.name}` rows (`{column}`), which are not public, "
                "and afc cannot tell whose they are",
            )
    return Audience(Reach.PUBLIC, f"`{table.name}` rows are tied to no user or team (--no-public leaves them out)")


def _owner_by_name(column: str, model: DataModel) -> Table | None:
    """`userId` with no declared reference: the identity table named like its stem, if there is one."""
    stem = re.sub(r"_?id$", "", column, flags=re.IGNORECASE).lower()
    for table in model.tables.values():
        if is_identity(table, model) and channel_kind(table).replace("-", "") == stem.replace("_", ""):
            return table
    return None
