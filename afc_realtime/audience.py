"""Who may receive a written row: whoever may already read it, decided from the schema and from what the app
serves, failing closed (the rule Supabase Realtime follows with row-level security).

- A row with credentials is never sent (`columns.py` says which names are credentials).
- A user row goes to `user:<id>`; a team's (an organisation's...) to `team:<id>`, but only where a membership
  table ties users to teams: then `authorize.ts` grants those channels (`auth.py`), else nobody can join one.
- A row with an owner column goes to its owners' channels (where the users live with a hosted identity
  provider and the schema has no user table, a `userId` column holds the session's user id); a row that an
  owned row points at (an order's address) belongs to that owner too, and since afc cannot name the owner
  from it, it goes to nobody.
- `public` only for a table the app already serves to signed-out visitors (`reads.py` finds where), or that the
  user names with `--public TABLE`; rows that look personal (an email, an address) only with `--public`.
- Anything else goes to nobody, and the reason says why."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from . import columns as names
from .datamodel import DataModel, Table

USER_TABLES = re.compile(r"^(app_?|auth_?)?users?$", re.IGNORECASE)
TENANT_TABLES = re.compile(
    r"^(teams?|organi[sz]ations?|orgs?|tenants?|workspaces?|compan(y|ies)|groups?)$", re.IGNORECASE
)


class Reach(StrEnum):
    PUBLIC = "public"  # the app serves these rows to anyone, or the user said so: every browser may receive it
    PRIVATE = "private"  # only the channels named
    NEVER = "never"  # holds credentials
    UNKNOWN = "unknown"  # afc cannot tell, or nobody could join the owner's channel: not sent


MAX_HOPS = 3  # how many references afc follows from a row to the row that names its owner
# How many judgements one decision makes again because a cycle outside them cut them short (each path judged
# on its own), before it keeps each as first found: real schemas need a handful (at most 11 in the 17 corpus
# projects); a schema dense with cycles would otherwise take time exponential in its tables.
JUDGED_AGAIN = 100


@dataclass(frozen=True)
class Hop:
    """One reference followed from a row to the row it points at: `stream.chatId` -> `chat.id`."""

    column: str  # the column of the row before: `chatId`
    table: str  # the table it points at: `chat`
    key: str  # the column of that table it names: `id`


@dataclass(frozen=True)
class Channel:
    kind: str  # user, team, ...
    column: str  # the property holding the id: on the written row, or on the last table of `via`
    via: tuple[Hop, ...] = ()  # the references from the written row to the row that names the owner

    def label(self) -> str:
        if not self.via:
            return f"{self.kind}:<{self.column}>"
        return f"{self.kind}:<{self.via[-1].table}.{self.column}>"

    def path(self) -> str:
        """`chatId` -> `chat.userId`: how the owner is reached, for the plan."""
        steps = [f"`{self.via[0].column}`"] if self.via else []
        steps += [f"`{hop.table}.{nxt.column}`" for hop, nxt in zip(self.via, self.via[1:], strict=False)]
        steps.append(f"`{self.via[-1].table}.{self.column}`" if self.via else f"`{self.column}`")
        return " -> ".join(steps)


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


@dataclass(frozen=True)
class Exposure:
    """What makes a table's rows everyone's: where the app serves them to signed-out visitors (`reads.py`:
    table -> "GET /api/todos (path:line)"), and the tables the user named with `--public`."""

    served: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    chosen: frozenset[str] = frozenset()
    # The tenant tables whose channels `authorize.ts` grants (`access.py` could write their membership query);
    # None: every tenant a membership table ties users to.
    tenants: frozenset[str] | None = None
    # The app's users live with a hosted identity provider (Clerk, Supabase Auth), not in its schema: the
    # session's user id is what a `userId` column holds where the schema has no user table.
    external_users: bool = False
    signed_in: bool = True  # afc found how the app signs users in (`auth.py`): `authorize.ts` can ask who it is

    def named(self, table: Table) -> bool:
        return _spelled(table.name) in {_spelled(n) for n in self.chosen}

    def places(self, table: Table) -> tuple[str, ...]:
        return next((where for name, where in self.served.items() if _spelled(name) == _spelled(table.name)), ())


@dataclass(frozen=True)
class Membership:
    """A table that ties users to a tenant: `members(userId -> users, teamId -> teams)`. Its rows are what
    `authorize.ts` reads to grant `team:<teamId>` for each team the signed-in user belongs to."""

    table: Table
    user_column: str
    tenant_column: str
    tenant: Table

    @property
    def kind(self) -> str:
        return channel_kind(self.tenant)


def names_a_table(name: str, model: DataModel) -> bool:
    """Whether `--public NAME` names a table of `model` (by its code name or its SQL spelling)."""
    return any(_spelled(t) == _spelled(name) for t in model.tables)  # `post` is `Post` too


def _spelled(name: str) -> str:
    """`Post` and `post` (Prisma's model and client), `contactMessages` and `contact_messages` (a Drizzle export
    and its SQL name) name the same table."""
    return "".join(names.words(name))


def channel_kind(table: Table) -> str:
    """`users` -> user, `Organization` -> organization: the channel prefix for a tenant table's rows."""
    if is_user_table(table):
        return "user"
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", table.name).lower()
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def is_user_table(table: Table) -> bool:
    """The table of the app's users: what the session's user id names, so `user:<id>` is joinable."""
    return USER_TABLES.match(table.name) is not None


def is_tenant(table: Table, model: DataModel) -> bool:
    """Teams, organisations, workspaces: named so, or what other tables point at through a tenant column."""
    if is_user_table(table):
        return False
    if TENANT_TABLES.match(table.name):
        return True
    return any(
        target == table.name and names.owner_stem(column) in names.TENANT_STEMS
        for other in model.tables.values()
        for column, target in other.references.items()
    )


def is_identity(table: Table, model: DataModel) -> bool:
    """Users and tenants: the tables whose rows are someone."""
    return is_user_table(table) or is_tenant(table, model)


def target_of(table: Table, column: str, model: DataModel) -> Table | None:
    """The table a column points at: its declared reference, or a table named like its stem when it has none
    (`addressId` -> `addresses`, `user_id` -> `users`)."""
    declared = table.references.get(column)
    if declared is not None:
        return model.table(declared)
    parts = names.words(column)
    if parts[-1:] != ("id",):
        return None
    stem = "".join(parts[:-1])  # `id` alone: an empty stem, no table's
    return next((t for t in model.tables.values() if _singular(t.name) == stem and t is not table), None)


def _singular(name: str) -> str:
    plain = "".join(names.words(name))
    if plain.endswith("ies"):
        return plain[:-3] + "y"
    if plain.endswith(("sses", "shes", "ches", "xes")):
        return plain[:-2]
    return plain[:-1] if plain.endswith("s") and not plain.endswith("ss") else plain


def memberships(model: DataModel) -> list[Membership]:
    """Every table that ties users to a tenant (`members`, `team_members`, `memberships`), one per tenant."""
    found: dict[str, Membership] = {}
    for table in model.tables.values():
        if is_identity(table, model) or not _named_like_membership(table):
            continue
        user_column: str | None = None
        tenant: tuple[str, Table] | None = None  # the column and the table it points at
        for column in table.columns:
            target = target_of(table, column, model)
            if target is None:
                continue
            if is_user_table(target) and user_column is None:
                user_column = column
            elif is_tenant(target, model) and tenant is None:
                tenant = (column, target)
        if user_column and tenant and tenant[1].name not in found:
            found[tenant[1].name] = Membership(table, user_column, *tenant)
    return list(found.values())


def _named_like_membership(table: Table) -> bool:
    """`members`, `team_members`, `OrganizationMembership`, `users_to_teams`, `UserTeam`: not a `docs` table that
    happens to have a team and an author."""
    parts = names.words(table.name)
    if any(w.startswith("member") for w in parts):
        return True
    singular = {_singular(w) for w in parts}
    return "user" in singular and bool(singular & names.TENANT_STEMS)


def decide(
    table_name: str | None,
    model: DataModel,
    exposure: Exposure | None = None,
    _run: _Run | None = None,
) -> Audience:
    """Who may receive a row written to `table_name`; `exposure` is what makes a table public (none: no table
    is)."""
    run = _run or _Run(model, exposure or Exposure())
    table = model.table(table_name) if table_name else None
    if table is None:
        where = f"`{table_name}`" if table_name else "the written table"
        found = "the schema afc read" if model.sources else "a Drizzle or Prisma schema (none found)"
        return Audience(Reach.UNKNOWN, f"{where} is not in {found}, so afc cannot tell who may see its rows")
    if table.name in run.decided:
        return run.decided[table.name]
    outer, mark = frozenset(run.visiting), len(run.cut)
    decided = _decide(table, run)
    if run.keeps(outer, mark):
        run.decided[table.name] = decided
    return decided


@dataclass
class _Run:
    """One decision's shared state: each table judged once (a table met again on a cycle counts as not
    blocking, as the path that reached it judges it), the membership tables found once. A judgement that a
    cycle cut short is kept only where the cut was its own: met from elsewhere, a table is judged again."""

    model: DataModel
    exposure: Exposure
    decided: dict[str, Audience] = field(default_factory=dict)
    owned: dict[str, Audience] = field(default_factory=dict)  # as `decided`, credentials aside
    visiting: set[str] = field(default_factory=set)
    cut: list[str] = field(default_factory=list)  # the tables met again while being judged, in order
    owning: set[str] = field(default_factory=set)  # the credential tables whose owners are being read
    judged_again: int = 0  # judgements not kept (a cycle outside cut them short), against `JUDGED_AGAIN`
    _ties: list[Membership] | None = None

    def keeps(self, outer: frozenset[str], mark: int) -> bool:
        """Whether a judgement that began with `outer` being visited is kept: when nothing outside it cut it
        short (then it is the same from anywhere), or once `JUDGED_AGAIN` judgements were made again (a
        schema dense with cycles: from then on each is kept as first found, so deciding stays polynomial)."""
        if outer.isdisjoint(self.cut[mark:]) or self.judged_again >= JUDGED_AGAIN:
            return True
        self.judged_again += 1
        return False

    @property
    def ties(self) -> list[Membership]:
        if self._ties is None:
            self._ties = memberships(self.model)
        return self._ties

    def joinable(self) -> set[str]:
        """The tenant tables whose channels a signed-in member's ticket carries."""
        tied = {m.tenant.name for m in self.ties}
        return tied if self.exposure.tenants is None else tied & self.exposure.tenants


def _decide(table: Table, run: _Run) -> Audience:
    intrinsic = _intrinsic(table, run)
    if intrinsic is not None and intrinsic.reach is Reach.UNKNOWN and not is_identity(table, run.model):
        # an owner afc cannot reach (a `teamId` nobody can join): the owner of a row it points at may read it
        return _parents_if_owned(table, run) or intrinsic
    if intrinsic is not None:
        return intrinsic
    return _beyond_columns(table, run)


def _parents_if_owned(table: Table, run: _Run) -> Audience | None:
    run.visiting.add(table.name)
    try:
        found = _by_parents(table, run)
    finally:
        run.visiting.discard(table.name)
    return found if found is not None and found.reach is Reach.PRIVATE else None


def _beyond_columns(table: Table, run: _Run) -> Audience:
    """What the rows a table points at, or that point at it, decide; else public or nobody."""
    run.visiting.add(table.name)
    try:
        found = _by_parents(table, run) or _pointed_at_by_owned(table, run)
    finally:
        run.visiting.discard(table.name)
    return found or _public_or_nobody(table, run.exposure)


def _intrinsic(table: Table, run: _Run) -> Audience | None:
    """What the table's own name and columns decide: credentials, a user or tenant row, owner columns."""
    if names.is_credential_table(table.name):
        return Audience(Reach.NEVER, f"rows of `{table.name}` are credentials (sessions, keys or verification tokens)")
    credentials = [c for c in table.columns if names.is_credential(c)]
    if credentials:
        return Audience(Reach.NEVER, f"rows of `{table.name}` hold credentials ({', '.join(credentials)})")
    return _owned_by_columns(table, run)


def _owned_by_columns(table: Table, run: _Run) -> Audience | None:
    if is_identity(table, run.model):
        return _own_channel(table, run)
    return _by_owners(table, run)


def _owners_of(parent: Table, run: _Run) -> Audience:
    """Whose a parent row is, to whoever points at it: its decision, or for a row with credentials (never
    sent itself) who owns it all the same: a row pointing at it holds none of its credentials."""
    decided = decide(parent.name, run.model, run.exposure, run)
    if decided.reach is not Reach.NEVER:
        return decided
    if parent.name in run.owned:
        if parent.name in run.owning:  # a cycle back here finds no owner
            run.cut.append(parent.name)
        return run.owned[parent.name]
    outer, mark = frozenset(run.visiting), len(run.cut)
    run.owned[parent.name] = Audience(Reach.UNKNOWN, decided.reason)
    run.owning.add(parent.name)
    run.visiting.add(parent.name)
    try:
        found = _owned_by_columns(parent, run)
        if found is None or found.reach is not Reach.PRIVATE:
            found = _by_parents(parent, run) or found
    finally:
        run.visiting.discard(parent.name)
        run.owning.discard(parent.name)
    owners = found or Audience(Reach.UNKNOWN, decided.reason)
    if run.keeps(outer, mark):
        run.owned[parent.name] = owners
    else:
        del run.owned[parent.name]
    return owners


def _through(table: Table, column: str, parent: Table, owners: Audience) -> Audience | None:
    """The owners of `parent`, reached from a `table` row through its `column`; None when that names none
    (the parent's own key unknown, or the owner more than `MAX_HOPS` references away)."""
    key = table.target_key(column, parent)
    if key is None or not owners.channels:  # only a private audience has channels
        return None
    hop = Hop(column, parent.name, key)
    reached = tuple(Channel(c.kind, c.column, (hop, *c.via)) for c in owners.channels)
    channels = tuple(c for c in reached if len(c.via) <= MAX_HOPS)  # fewer owners than the parent's: never more
    if not channels:
        return Audience(
            Reach.UNKNOWN,
            f"`{table.name}` rows belong to the owner of the `{parent.name}` row they point at (`{column}`), "
            f"who is more than {MAX_HOPS} references away: afc follows at most {MAX_HOPS}",
        )
    paths = ", ".join(c.path() for c in channels)
    return Audience(
        Reach.PRIVATE,
        f"`{table.name}` rows belong to the owner of the `{parent.name}` row they point at ({paths})",
        channels,
    )


def _own_channel(table: Table, run: _Run) -> Audience:
    if "id" not in table.columns:
        return Audience(Reach.UNKNOWN, f"`{table.name}` has no `id` column to name its channel by")
    if not is_user_table(table) and table.name not in run.joinable():
        owned = _by_owners(table, run)
        if owned is None or owned.reach is not Reach.PRIVATE:
            run.visiting.add(table.name)
            try:
                owned = _by_parents(table, run)
            finally:
                run.visiting.discard(table.name)
        if owned is not None and owned.reach is Reach.PRIVATE:  # a group that belongs to a team or a user
            return owned
        return Audience(Reach.UNKNOWN, _no_membership(table, run))
    channel = Channel(channel_kind(table), "id")
    return Audience(Reach.PRIVATE, f"a `{table.name}` row goes to its own channel only", (channel,))


def _no_membership(tenant: Table, run: _Run) -> str:
    kind = channel_kind(tenant)
    tied = next((m for m in run.ties if m.tenant is tenant), None)
    if tied is not None and not run.exposure.signed_in:
        return (
            f"`{tied.table.name}` ties users to `{tenant.name}`, but afc found no sign-in it can ask who the user "
            "is from `authorize.ts` (Auth.js, NextAuth with exported options, Clerk, better-auth, Supabase Auth or "
            f"a session function of the app's), so nobody could join a `{kind}:` channel"
        )
    if tied is not None:
        return (
            f"`{tied.table.name}` ties users to `{tenant.name}`, but `authorize.ts` cannot read it (afc found no "
            f"database client exported as `drizzle(...)` or `new PrismaClient()`), so nobody could join a "
            f"`{kind}:` channel"
        )
    return (
        f"no membership table ties users to `{tenant.name}` (one with a user and a `{tenant.name}` reference), "
        f"so nobody could join a `{kind}:` channel"
    )


def _by_owners(table: Table, run: _Run) -> Audience | None:
    """The owners' channels, from owner columns; None when the row names no owner. An owner column that
    points at a row which is not someone (a `recipientId` naming a `Recipient`, a `groupId` naming a group
    no membership table ties users to) names that row's owners, reached through it. `tenant=False`: only
    columns that point at users or at a tenant other than the table's own kind (a group's team)."""
    model = run.model
    channels: list[Channel] = []
    unjoinable: list[str] = []
    joinable = run.joinable()
    for column in table.columns:
        target = target_of(table, column, model)
        named_owner = names.owner_stem(column) is not None
        if target is not None and is_user_table(target):
            channels.append(Channel("user", column))
        elif target is not None and is_tenant(target, model):
            if target.name in joinable:
                channels.append(Channel(channel_kind(target), column))
                continue
            reached = _reached(table, column, target, run)
            if reached is not None and reached.reach is Reach.PRIVATE:
                channels += reached.channels
                continue
            too_far = f"; {reached.reason}" if reached is not None else ""  # an owner past `MAX_HOPS`
            unjoinable.append(f"`{column}`: {_no_membership(target, run)}{too_far}")
        elif target is None and _session_user(column, run):  # a `userId`: a named owner
            channels.append(Channel("user", column))
        elif named_owner and target is None:
            unjoinable.append(
                f"`{table.name}.{column}` looks like an owner, but it points at no table afc read (no declared "
                "reference, and no table named like it), so afc cannot tell whose it is"
            )
        elif named_owner and target is not None:
            reached = _reached(table, column, target, run)
            if reached is not None and reached.reach is Reach.PRIVATE:
                channels += reached.channels
                continue
            unjoinable.append(
                reached.reason  # an owner past `MAX_HOPS`
                if reached is not None
                else f"`{table.name}.{column}` names its owner by a `{target.name}` row, and afc cannot tell which "
                "signed-in user that is"
            )
    direct = [c for c in channels if not c.via]
    channels = direct or channels  # a row that names its owner does not need another row's
    if channels:
        owners = ", ".join(c.path() for c in channels)
        reason = f"`{table.name}` rows belong to their owner ({owners})"
        if unjoinable:
            reason += "; left out: " + "; ".join(unjoinable)
        return Audience(Reach.PRIVATE, reason, tuple(channels))
    if unjoinable:
        return Audience(Reach.UNKNOWN, unjoinable[0])
    return None


def _session_user(column: str, run: _Run) -> bool:
    """A `userId` (`user_id`) column holds the signed-in user's id: where the users live with a hosted identity
    provider and the schema has no user table of its own."""
    if not run.exposure.external_users or names.owner_stem(column) != "user":
        return False
    return not any(is_user_table(t) for t in run.model.tables.values())


def _reached(table: Table, column: str, target: Table, run: _Run) -> Audience | None:
    """The owners of the `target` row a `table` row points at through `column`, if afc can name them."""
    if target is table:
        return None
    if target.name in run.visiting:
        run.cut.append(target.name)
        return None
    run.visiting.add(table.name)
    try:
        return _through(table, column, target, _owners_of(target, run))
    finally:
        run.visiting.discard(table.name)


def _by_parents(table: Table, run: _Run) -> Audience | None:
    """A row that points at a row nobody else may read (a comment on a private note) goes to that row's
    owners, reached through the reference (at most `MAX_HOPS` of them); where afc cannot name them, nobody."""
    found: list[Audience] = []  # PRIVATE ones: the nearest owner wins; else the first reason
    for column in table.columns:
        parent = target_of(table, column, run.model)
        if parent is None:
            continue
        if parent.name in run.visiting:
            run.cut.append(parent.name)
            continue
        inherited = _owners_of(parent, run)
        if inherited.reach is not Reach.PUBLIC:
            through = _through(table, column, parent, inherited)
            found.append(
                through
                or Audience(
                    Reach.UNKNOWN,
                    f"`{table.name}` rows belong to `{parent.name}` rows (`{column}`), which are not public, "
                    "and afc cannot tell whose they are",
                )
            )
    private = [a for a in found if a.reach is Reach.PRIVATE]
    if private:
        return min(private, key=lambda a: max(len(c.via) for c in a.channels))
    return found[0] if found else None


def _pointed_at_by_owned(table: Table, run: _Run) -> Audience | None:
    """A row that an owned row points at (an order's `addressId`, a meeting's `recordingId` where the meeting
    is owned through its own parent) is that owner's; afc cannot name the owner from the row itself, so it
    goes to nobody. Unless the app already serves the table to anyone, or the user
    named it: a table neither serves nor names goes to nobody anyway, so this only says the better reason, and
    looks at what the other table's own columns decide."""
    if run.exposure.places(table) or run.exposure.named(table):
        return None
    for other in run.model.tables.values():
        if other.name in run.visiting:  # the table itself (`_beyond_columns` put it there), or one being decided
            run.cut.append(other.name)
            continue
        for column in other.columns:
            if target_of(other, column, run.model) is not table:
                continue
            owner = _intrinsic(other, run)  # never public: what a table's own columns decide
            if owner is None:  # owned through its own parent (a meeting's)
                owner = _parents_if_owned(other, run)
            if owner is not None:
                whose = owner.label() if owner.reach is Reach.PRIVATE else "nobody afc can name"
                return Audience(
                    Reach.UNKNOWN,
                    f"`{table.name}` rows are what `{other.name}.{column}` points at, and `{other.name}` rows go to "
                    f"{whose}: a `{table.name}` row is theirs, and afc cannot name its owner from the row",
                )
    return None


def _public_or_nobody(table: Table, exposure: Exposure) -> Audience:
    flag = f"`--public {table.name}`"
    personal = [c for c in table.columns if names.is_personal(c)]
    if (personal or names.is_personal_table(table.name)) and not exposure.named(table):
        what = ", ".join(personal) if personal else f"a `{table.name}` table"
        return Audience(
            Reach.UNKNOWN,
            f"`{table.name}` rows look personal ({what}) and are tied to no user afc can name; {flag} sends "
            "them to everyone",
        )
    if exposure.named(table):
        return Audience(Reach.PUBLIC, f"{flag} sends `{table.name}` rows to everyone")
    places = exposure.places(table)
    if places:
        more = f" (and {len(places) - 1} more)" if len(places) > 1 else ""
        return Audience(Reach.PUBLIC, f"{places[0]}{more} serves `{table.name}` rows to anyone signed out")
    return Audience(
        Reach.UNKNOWN,
        f"`{table.name}` rows are tied to no user or team, and nothing afc found serves them to signed-out "
        f"visitors (a GET handler, Server Component or publicProcedure query without a session check); {flag} "
        "sends them to everyone",
    )
