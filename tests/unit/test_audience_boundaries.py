"""`audience.py` on both sides of each check (issue 20 item 5): which table is the users', which a tenant's,
how a channel is named, which table a column points at, what `--public` and a served table name; table-driven
with names from real schemas (rallly, documenso, inbox-zero, papermark, dub, skateshop, umami, saas-starter)."""

import pytest

from afc_realtime import audience as a
from afc_realtime.audience import Audience, Channel, Exposure, Reach, decide
from afc_realtime.datamodel import DataModel, Table


def model(*tables: Table) -> DataModel:
    return DataModel({t.name: t for t in tables}, sources=["schema.ts"])


def table(name: str, *columns: str, **references: str) -> Table:
    return Table(name, ("id", *columns), dict(references))


USERS = table("users", "name")


@pytest.mark.parametrize(
    "name", ["users", "user", "User", "Users", "app_users", "appUser", "AppUsers", "auth_user", "authUsers"]
)
def test_every_spelling_of_the_users_table(name):
    assert a.is_user_table(table(name))


@pytest.mark.parametrize(
    "name", ["users_archive", "superusers", "user_settings", "UserTeam", "app", "auth", "appusers_log", "usersx"]
)
def test_tables_that_only_look_like_the_users_table(name):
    assert not a.is_user_table(table(name))


TENANTS = ["team", "Teams", "organization", "Organisation", "organisations", "organizations", "org", "orgs"]
TENANTS += ["tenant", "tenants", "workspace", "Workspaces", "company", "companies", "group", "groups"]


@pytest.mark.parametrize("name", TENANTS)
def test_every_spelling_of_a_tenant_table(name):
    assert a.is_tenant(table(name), model(table(name)))


@pytest.mark.parametrize("name", ["team_settings", "teamss", "organizer", "org_domains", "groupies", "companys"])
def test_tables_that_only_start_like_a_tenant_table(name):
    assert not a.is_tenant(table(name), model(table(name)))


@pytest.mark.parametrize("column", ["teamId", "orgId", "workspace_id", "tenantId", "companyId", "groupId"])
def test_a_table_a_tenant_column_points_at_is_a_tenant_whatever_its_name(column):
    space = table("Space")
    links = table("Link", column, **{column: "Space"})
    assert a.is_tenant(space, model(space, links))


@pytest.mark.parametrize("column", ["userId", "ownerId", "spaceRef", "postId"])
def test_a_table_other_columns_point_at_is_no_tenant(column):
    space = table("Space")
    links = table("Link", column, **{column: "Space"})
    assert not a.is_tenant(space, model(space, links))


def test_the_users_table_is_never_a_tenant():
    users = table("users")
    assert not a.is_tenant(users, model(users, table("docs", "teamId", teamId="users")))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("users", "user"),
        ("AppUser", "user"),
        ("teams", "team"),
        ("Organization", "organization"),
        ("companies", "company"),
        ("Workspace", "workspace"),
        ("OrganisationGroup", "organisation-group"),
        ("Oauth2Clients", "oauth2-client"),
        ("web3Wallets", "web3-wallet"),
        ("business", "business"),
        ("ss", "ss"),
        ("s", ""),
    ],
)
def test_channel_kind(name, kind):
    assert a.channel_kind(table(name)) == kind


@pytest.mark.parametrize(
    ("name", "singular"),
    [
        ("addresses", "address"),
        ("companies", "company"),
        ("boxes", "box"),
        ("wishes", "wish"),
        ("matches", "match"),
        ("posts", "post"),
        ("class", "class"),
        ("user_profiles", "userprofile"),
        ("Status", "statu"),  # afc's own rule: only `ss` keeps its `s`
        ("data", "data"),
    ],
)
def test_singular(name, singular):
    assert a._singular(name) == singular


ADDRESSES = table("addresses", "street")
ORDERS = table("orders", "userId", "addressId", "buyer_id", "shipTo", userId="users", shipTo="addresses")


@pytest.mark.parametrize(
    ("column", "target"),
    [
        ("userId", "users"),  # declared
        ("shipTo", "addresses"),  # declared, whatever its name
        ("addressId", "addresses"),  # by name: `address` + `Id`
        ("buyer_id", None),  # no `buyers` table
        ("id", None),
        ("total", None),
        ("addressLine", None),  # named after a table, but no `Id`
        ("address", None),
        ("_", None),
    ],
)
def test_target_of(column, target):
    found = a.target_of(ORDERS, column, model(USERS, ADDRESSES, ORDERS))
    assert (found.name if found else None) == target


def test_a_column_named_after_its_own_table_points_at_no_other_row():
    nodes = table("nodes", "nodeId")
    assert a.target_of(nodes, "nodeId", model(nodes)) is None


def test_a_declared_reference_to_a_table_afc_did_not_read_points_nowhere():
    orders = table("orders", "userId", userId="accounts")
    assert a.target_of(orders, "userId", model(USERS, orders)) is None


@pytest.mark.parametrize(
    ("chosen", "name", "named"),
    [
        ("todos", "todos", True),
        ("Todos", "todos", True),
        ("todo", "todos", False),
        ("todoss", "todos", False),
        ("contact_messages", "contactMessages", True),
        ("contactMessages", "contact_messages", True),
        ("contact", "contactMessages", False),
    ],
)
def test_public_names_a_table_by_its_code_name_or_its_sql_spelling(chosen, name, named):
    assert Exposure(chosen=frozenset({"other", chosen})).named(table(name)) is named


def test_names_a_table():
    schema = model(table("Post"), table("contactMessages"))
    for name in ("Post", "post", "contactMessages", "contact_messages", "CONTACT_MESSAGES"):
        assert a.names_a_table(name, schema)
    for name in ("posts", "contact", "messages"):
        assert not a.names_a_table(name, schema)


def test_places_are_found_under_either_spelling():
    exposure = Exposure({"contact_messages": ("GET /api/c (route.ts:1)",), "todos": ("page / (page.tsx:1)",)})
    assert exposure.places(table("contactMessages")) == ("GET /api/c (route.ts:1)",)
    assert exposure.places(table("todo")) == ()


def test_audience_labels_and_expressions():
    two = Audience(Reach.PRIVATE, "r", (Channel("user", "userId"), Channel("team", "teamId")))
    assert two.label() == "user:<userId>, team:<teamId>" and two.sent
    assert two.expression("row", '"') == "[`user:${row.userId}`, `team:${row.teamId}`]"
    assert Audience(Reach.PUBLIC, "r").expression("row", "'") == "'public'"
    assert Audience(Reach.PUBLIC, "r").label() == "public" and Audience(Reach.PUBLIC, "r").sent
    for reach in (Reach.NEVER, Reach.UNKNOWN):
        assert Audience(reach, "r").label() == "nobody" and not Audience(reach, "r").sent


@pytest.mark.parametrize(
    ("columns", "reach"),
    [
        (("id", "title"), Reach.PUBLIC),
        (("id", "title", "sessionToken"), Reach.NEVER),
        (("id", "title", "userSecret"), Reach.NEVER),
        (("id", "title", "apiKey"), Reach.NEVER),
        (("id", "title", "tokenCount"), Reach.PUBLIC),
        (("id", "title", "guestEmail"), Reach.UNKNOWN),
        (("id", "title", "authorName"), Reach.UNKNOWN),
        (("id", "title", "authorId"), Reach.UNKNOWN),
        (("id", "title", "teamName"), Reach.PUBLIC),
    ],
)
def test_a_served_table_is_public_only_without_credentials_personal_data_or_an_owner(columns, reach):
    polls = Table("polls", columns)
    served = Exposure({"polls": ("GET /api/polls (route.ts:1)", "page / (page.tsx:1)")})
    decided = decide("polls", model(USERS, polls), served)
    assert decided.reach is reach
    if reach is Reach.PUBLIC:
        assert decided.reason == "GET /api/polls (route.ts:1) (and 1 more) serves `polls` rows to anyone signed out"


def test_a_tenant_without_an_id_has_no_channel():
    teams = Table("teams", ("slug", "name"))
    members = table("members", "userId", "teamId", userId="users", teamId="teams")
    decided = decide("teams", model(USERS, teams, members))
    assert decided.reach is Reach.UNKNOWN and "has no `id` column" in decided.reason


def test_the_users_table_goes_to_its_own_channel_without_any_membership():
    assert decide("users", model(USERS)).label() == "user:<id>"


def test_the_first_user_and_tenant_columns_of_a_membership_table_are_taken():
    members = table("members", "userId", "invitedById", "teamId", "otherTeamId")
    members = Table(members.name, members.columns, {"invitedById": "users", "otherTeamId": "teams"})
    teams = table("teams")
    [found] = a.memberships(model(USERS, teams, members))
    assert (found.user_column, found.tenant_column, found.tenant.name) == ("userId", "teamId", "teams")


def test_a_membership_table_s_columns_are_read_in_any_order_and_it_needs_both_sides():
    tenant_first = table("members", "teamId", "userId", userId="users", teamId="teams")
    [found] = a.memberships(model(USERS, table("teams"), tenant_first))
    assert (found.user_column, found.tenant_column) == ("userId", "teamId")
    only_tenant = table("members", "teamId", "email", teamId="teams")
    assert a.memberships(model(USERS, table("teams"), only_tenant)) == []


@pytest.mark.parametrize(
    ("name", "membership"),
    [
        ("members", True),
        ("TeamMember", True),
        ("OrganisationMembership", True),
        ("users_to_teams", True),
        ("UserTeam", True),
        ("user_workspaces", True),
        ("docs", False),
        ("users_docs", False),
        ("team_docs", False),
    ],
)
def test_a_table_named_like_a_membership(name, membership):
    ties = table(name, "userId", "teamId", userId="users", teamId="teams")
    found = a.memberships(model(USERS, table("teams"), ties))
    assert bool(found) is membership


def test_one_membership_per_tenant_and_none_without_both_sides():
    first = table("members", "userId", "teamId", userId="users", teamId="teams")
    second = table("team_members", "userId", "teamId", userId="users", teamId="teams")
    only_user = table("user_members", "userId", userId="users")
    assert [m.table.name for m in a.memberships(model(USERS, table("teams"), first, second, only_user))] == ["members"]


def test_a_row_pointing_at_a_public_row_stays_public_and_at_a_cycle_ends():
    posts = table("posts", "title")
    tags = table("tags", "postId", "parentId", postId="posts", parentId="tags")
    served = Exposure({"posts": ("GET /p (r.ts:1)",), "tags": ("GET /t (r.ts:1)",)})
    assert decide("tags", model(posts, tags), served).reach is Reach.PUBLIC
    a_cycle = table("a", "bId", bId="b"), table("b", "aId", aId="a")
    served = Exposure({"a": ("GET /a (r.ts:1)",), "b": ("GET /b (r.ts:1)",)})
    assert decide("a", model(*a_cycle), served).reach is Reach.PUBLIC


def test_a_row_that_names_its_owner_adds_none_through_other_rows():
    # (owners through references: `posts.profileId` -> `profiles.userId` would name the same person again)
    profiles = table("profiles", "userId", userId="users")
    posts = table("posts", "userId", "profileId", userId="users", profileId="profiles")
    decided = decide("posts", model(USERS, profiles, posts))
    assert decided.label() == "user:<userId>" and len(decided.channels) == 1
    assert "profiles" not in decided.reason
    without = table("posts", "profileId", profileId="profiles")  # no owner of its own: the profile's owner
    assert decide("posts", model(USERS, profiles, without)).label() == "user:<profiles.userId>"


def test_a_personal_row_pointed_at_by_a_credential_row_goes_to_nobody_afc_can_name():
    addresses = table("addresses", "street")
    keys = table("keys", "addressId", "apiKey", addressId="addresses")
    decided = decide("addresses", model(addresses, keys))
    assert decided.reach is Reach.UNKNOWN and "go to nobody afc can name" in decided.reason


def test_a_write_that_names_no_table_goes_to_nobody_and_says_so():
    decided = decide(None, model(USERS))
    assert decided.reach is Reach.UNKNOWN and decided.reason.startswith("the written table is not in the schema")
    assert decide("", DataModel()).reason.startswith("the written table is not in a Drizzle or Prisma schema")


def test_every_owner_and_every_owner_left_out_is_named_in_the_reason():
    teams = table("teams")
    docs = table("docs", "userId", "editorId", "teamId", "orgId", userId="users", editorId="users", teamId="teams")
    decided = decide("docs", model(USERS, teams, docs))
    assert decided.label() == "user:<userId>, user:<editorId>"
    assert decided.reason.startswith("`docs` rows belong to their owner (`userId`, `editorId`); left out: `teamId`: ")
    assert "; `docs.orgId` looks like an owner, but it points at no table afc read (no declared reference, " in (
        decided.reason
    )


def test_a_row_pointing_at_a_credential_row_goes_to_the_owner_of_what_that_row_points_at():
    """`deliveries` -> `webhooks` (holds its secret, never sent, names no owner itself) -> `projects.ownerId`."""
    projects = table("projects", "ownerId", ownerId="users")
    hooks = table("webhooks", "secret", "projectId", projectId="projects")
    deliveries = table("deliveries", "webhookId", "status", webhookId="webhooks")
    tables = model(USERS, projects, hooks, deliveries)
    assert decide("webhooks", tables).reach is Reach.NEVER
    assert decide("deliveries", tables).label() == "user:<projects.ownerId>"
    orphan = table("webhooks", "secret", "projectId", projectId="projects")
    alone = model(USERS, table("projects", "name"), orphan, deliveries)
    assert decide("deliveries", alone).reach is not Reach.PRIVATE  # whose the project is, nobody says


def test_a_parent_row_afc_cannot_name_by_a_key_hands_down_no_owner():
    tasks = table("tasks", "projectId", "title", projectId="projects")
    keyless = Table("projects", ("slug", "ownerId"), {"ownerId": "users"})
    assert decide("tasks", model(USERS, keyless, tasks)).reach is Reach.UNKNOWN
    by_slug = Table("projects", ("slug", "ownerId"), {"ownerId": "users"}, keys=("slug",))
    assert decide("tasks", model(USERS, by_slug, tasks)).label() == "user:<projects.ownerId>"


def test_a_personal_row_is_its_owner_s_through_the_first_owned_row_pointing_at_it():
    """`shipments.toId` points at the address too, but shipments name no owner: `orders` decides."""
    addresses = table("addresses", "street")
    shipments = table("shipments", "toId", "carrier", toId="addresses")
    orders = table("orders", "userId", "addressId", userId="users", addressId="addresses")
    decided = decide("addresses", model(USERS, addresses, shipments, orders))
    assert decided.reach is Reach.UNKNOWN and "`orders.addressId` points at" in decided.reason
    assert "shipments" not in decided.reason


TEAM_TIES = (table("teams", "name"), table("members", "userId", "teamId", userId="users", teamId="teams"))
PROJECTS = table("projects", "ownerId", "teamId", ownerId="users", teamId="teams")
GROUPS = table("groups", "teamId", "name", teamId="teams")
AUTHORS, RECIPIENTS = table("authors", "penName"), table("recipients", "userId", "email", userId="users")


@pytest.mark.parametrize(
    ("row", "label", "reason"),
    [
        (
            table("notes", "teamId", "body", teamId="teams"),
            "team:<teamId>",
            "`notes` rows belong to their owner (`teamId`)",  # a team members join: nothing left out
        ),
        (
            table("docs", "groupId", "title", groupId="groups"),
            "team:<groups.teamId>",
            "`docs` rows belong to their owner (`groupId` -> `groups.teamId`)",  # a group nobody joins, a team's
        ),
        (
            table("letters", "recipientId", "body", recipientId="recipients"),
            "user:<recipients.userId>",
            "`letters` rows belong to their owner (`recipientId` -> `recipients.userId`)",
        ),
        (
            table("posts", "authorId", "body", authorId="authors"),
            "nobody",
            "`posts.authorId` names its owner by a `authors` row, and afc cannot tell which signed-in user that is",
        ),
        (
            table("tasks", "projectId", "title", projectId="projects"),
            "user:<projects.ownerId>, team:<projects.teamId>",
            "`tasks` rows belong to the owner of the `projects` row they point at "
            "(`projectId` -> `projects.ownerId`, `projectId` -> `projects.teamId`)",
        ),
    ],
)
def test_whose_a_row_is_through_what_its_owner_column_names(row, label, reason):
    decided = decide(row.name, model(USERS, *TEAM_TIES, PROJECTS, GROUPS, AUTHORS, RECIPIENTS, row))
    assert (decided.label(), decided.reason) == (label, reason)


def test_the_first_reason_a_row_cannot_be_placed_is_the_one_given():
    authors = table("authors", "penName")
    posts = table("posts", "authorId", "body", authorId="authors")
    drafts = table("drafts", "authorId", "body", authorId="authors")
    comments = table("comments", "postId", "draftId", "text", postId="posts", draftId="drafts")
    reviews = table("reviews", "authorId", "ownerId", "body", authorId="authors", ownerId="drafts")
    tables = model(USERS, authors, posts, drafts, comments, reviews)
    assert decide("comments", tables).reason == (
        "`comments` rows belong to `posts` rows (`postId`), which are not public, and afc cannot tell whose they are"
    )
    assert decide("reviews", tables).reason == (
        "`reviews.authorId` names its owner by a `authors` row, and afc cannot tell which signed-in user that is"
    )


def test_an_owner_column_pointing_at_its_own_table_names_nobody():
    people = table("people", "ownerId", "name", ownerId="people")
    decided = decide("people", model(USERS, people))
    assert decided.reach is Reach.UNKNOWN and decided.reason.startswith("`people.ownerId` names its owner by a")


def test_a_tenant_no_membership_ties_is_named_as_such_beside_one_that_is_tied():
    teams, orgs = table("teams", "name"), table("orgs", "name")
    members = table("members", "userId", "teamId", userId="users", teamId="teams")
    docs = table("docs", "orgId", "body", orgId="orgs")
    decided = decide("docs", model(USERS, teams, orgs, members, docs), Exposure(tenants=frozenset()))
    assert decided.reason.startswith("`orgId`: no membership table ties users to `orgs`")


# -- each a mutant the mutation run left alive (TESTING.md, "The security predicates, Python side") --------------


def test_a_group_users_join_is_a_tenant_and_never_the_membership_of_its_organisation():
    # `user_groups` has a user and an organisation, but `group_members` ties users to it: its owner is no member
    # of the organisation for that
    orgs = table("organizations", "name")
    groups = table("user_groups", "ownerId", "organizationId", ownerId="users", organizationId="organizations")
    group_members = table("group_members", "userId", "groupId", userId="users", groupId="user_groups")
    projects = table("projects", "organizationId", organizationId="organizations")
    tables = model(USERS, orgs, groups, group_members, projects)
    assert [(m.table.name, m.tenant.name) for m in a.memberships(tables)] == [("group_members", "user_groups")]
    decided = decide("projects", tables)
    assert (decided.reach, decided.label()) == (Reach.UNKNOWN, "nobody")
    assert decided.reason.startswith("`organizationId`: no membership table ties users to `organizations`")


def test_a_users_table_without_an_id_column_goes_to_nobody_not_to_the_team_it_points_at():
    users = Table("users", ("clerkId", "email", "teamId"), {"teamId": "teams"})
    members = table("members", "userId", "teamId", userId="users", teamId="teams")
    decided = decide("users", model(users, table("teams", "name"), members))
    assert decided == Audience(Reach.UNKNOWN, "`users` has no `id` column to name its channel by")


WEBHOOK_DELIVERIES = table("deliveries", "webhookId", "status", webhookId="webhooks")


def test_a_row_under_a_credential_row_goes_to_whoever_owns_that_row_through_its_own_parent():
    # the webhook's own `ownerId` points nowhere: its project's user owns it, and the delivery with it
    projects = table("projects", "userId", userId="users")
    webhooks = table("webhooks", "signingSecret", "projectId", "ownerId", projectId="projects")
    decided = decide("deliveries", model(USERS, projects, webhooks, WEBHOOK_DELIVERIES))
    assert decided.label() == "user:<projects.userId>"
    assert decided.reason.endswith("(`webhookId` -> `webhooks.projectId` -> `projects.userId`)")


def test_a_row_under_a_credential_row_nobody_owns_goes_to_nobody():
    webhooks = table("webhooks", "signingSecret", "url")
    decided = decide("deliveries", model(USERS, webhooks, WEBHOOK_DELIVERIES))
    assert decided == Audience(
        Reach.UNKNOWN,
        "`deliveries` rows belong to `webhooks` rows (`webhookId`), which are not public, and afc cannot tell "
        "whose they are",
    )


def test_a_cycle_through_a_credential_table_ends_with_no_owner():
    accounts = table("accounts", "password", "parentId", "planId", parentId="accounts", planId="plans")
    docs = table("docs", "groupId", groupId="plans")  # `groupId`: the plans are a tenant nobody joins
    posts = table("posts", "accountId", accountId="accounts")
    decided = decide("posts", model(USERS, accounts, docs, table("plans", "name"), posts))
    assert decided == Audience(
        Reach.UNKNOWN,
        "`posts.accountId` names its owner by a `accounts` row, and afc cannot tell which signed-in user that is",
    )


def test_a_workspace_nobody_joins_goes_to_the_owner_of_the_row_it_points_at_even_with_an_owner_afc_cannot_read():
    # `ownerId` points at no table; the billing profile names the user
    billing = table("billing_profiles", "userId", userId="users")
    workspaces = table("workspaces", "ownerId", "billingId", billingId="billing_profiles")
    decided = decide("workspaces", model(USERS, billing, workspaces))
    assert decided.label() == "user:<billing_profiles.userId>"


def test_a_team_nobody_joins_says_so_rather_than_what_its_parent_cannot_say():
    teams = table("teams", "companyId", companyId="companies")
    decided = decide("teams", model(USERS, teams, table("companies", "name")))
    assert decided.reason == (
        "no membership table ties users to `teams` (one with a user and a `teams` reference), so nobody could "
        "join a `team:` channel"
    )


def test_a_team_nobody_joins_is_named_as_such_when_the_app_has_no_sign_in_either():
    docs = table("docs", "teamId", teamId="teams")
    decided = decide("docs", model(USERS, table("teams", "name"), docs), Exposure(signed_in=False))
    assert decided.reason == (
        "`teamId`: no membership table ties users to `teams` (one with a user and a `teams` reference), so "
        "nobody could join a `team:` channel"
    )


def test_a_joinable_team_keyed_by_its_slug_gives_its_channel_and_no_note():
    teams = Table("teams", ("slug", "name"))
    members = table("members", "userId", "teamSlug", userId="users", teamSlug="teams")
    docs = table("docs", "teamSlug", teamSlug="teams")
    decided = decide("docs", model(USERS, teams, members, docs))
    assert (decided.label(), decided.reason) == ("team:<teamSlug>", "`docs` rows belong to their owner (`teamSlug`)")


def test_a_user_id_pointing_at_another_table_is_not_the_session_user_with_a_hosted_identity_provider():
    # Clerk: no users table, but `comments.userId` declares a reference to `members`, whose ids are not Clerk's
    comments = table("comments", "userId", "body", userId="members")
    decided = decide("comments", model(table("members", "clerkId"), comments), Exposure(external_users=True))
    assert decided == Audience(
        Reach.UNKNOWN,
        "`comments.userId` names its owner by a `members` row, and afc cannot tell which signed-in user that is",
    )


@pytest.mark.parametrize(
    ("tables", "written"),
    [
        # a self-reference by an owner column
        (
            (table("teams", "name"), table("employees", "teamId", "ownerId", teamId="teams", ownerId="employees")),
            "employees",
        ),
        # a two-table cycle through owner columns
        (
            (
                table("workspaces", "createdById", createdById="workspace_members"),
                table("workspace_members", "workspaceId", "role", workspaceId="workspaces"),
            ),
            "workspace_members",
        ),
        # a group pointing at itself and at a members table with no id
        (
            (
                table("groups", "groupId", "ownerId", groupId="groups", ownerId="members"),
                Table("members", ("name",)),
            ),
            "members",
        ),
    ],
)
def test_owner_columns_that_lead_back_to_a_table_being_decided_end_with_nobody(tables, written):
    assert decide(written, model(USERS, *tables)).reach is Reach.UNKNOWN


# an owner three references away from `a_rows`: four from a row that points at it
OWNER_CHAIN = (
    table("c_rows", "userId", userId="users"),
    table("b_rows", "cId", cId="c_rows"),
    table("a_rows", "bId", bId="b_rows"),
)


@pytest.mark.parametrize(
    ("parent", "row", "reason"),
    [
        (  # a tenant nobody joins: both reasons
            table("teams", "aId", aId="a_rows"),
            table("docs", "teamId", teamId="teams"),
            "`teamId`: no membership table ties users to `teams` (one with a user and a `teams` reference), so "
            "nobody could join a `team:` channel; `docs` rows belong to the owner of the `teams` row they point at "
            "(`teamId`), who is more than 3 references away: afc follows at most 3",
        ),
        (  # a named owner that is not a user
            table("authors", "aId", aId="a_rows"),
            table("posts", "authorId", authorId="authors"),
            "`posts` rows belong to the owner of the `authors` row they point at (`authorId`), who is more than 3 "
            "references away: afc follows at most 3",
        ),
    ],
)
def test_an_owner_too_far_is_named_as_such(parent, row, reason):
    decided = decide(row.name, model(USERS, *OWNER_CHAIN, parent, row))
    assert (decided.reach, decided.reason) == (Reach.UNKNOWN, reason)


def test_an_author_too_far_is_left_out_beside_an_owner_the_row_names():
    authors = table("authors", "aId", aId="a_rows")
    posts = table("posts", "authorId", "userId", authorId="authors", userId="users")
    decided = decide("posts", model(USERS, *OWNER_CHAIN, authors, posts))
    assert (decided.label(), decided.reason) == (
        "user:<userId>",
        "`posts` rows belong to their owner (`userId`); left out: `posts` rows belong to the owner of the "
        "`authors` row they point at (`authorId`), who is more than 3 references away: afc follows at most 3",
    )


def test_a_table_pointing_at_itself_is_judged_by_the_owned_rows_that_point_at_it_not_by_itself():
    categories = table("categories", "name", "parentId", parentId="categories")
    products = table("products", "categoryId", "userId", categoryId="categories", userId="users")
    decided = decide("categories", model(USERS, categories, products))
    assert (decided.reach, decided.reason) == (
        Reach.UNKNOWN,
        "`categories` rows are what `products.categoryId` points at, and `products` rows go to user:<userId>: a "
        "`categories` row is theirs, and afc cannot name its owner from the row",
    )


def test_a_table_keyed_by_its_path_pointing_at_itself_ends_its_search_for_owners():
    # no `id`: the self-reference names no key afc can follow, and the table is being decided all along
    folders = Table("folders", ("path", "parentPath"), {"parentPath": "folders"})
    workspaces = table("workspaces", "name", "rootFolder", rootFolder="folders")
    decided = decide("folders", model(USERS, folders, workspaces))
    assert decided.reason == (
        "`folders` rows are what `workspaces.rootFolder` points at, and `workspaces` rows go to nobody afc can "
        "name: a `folders` row is theirs, and afc cannot name its owner from the row"
    )


def test_a_table_decided_inside_a_cycle_is_decided_again_outside_it():
    # deciding `notes`, afc meets `workspaces` first from `addresses` (which it is deciding, so cut short:
    # nobody); met again from `notes` itself, a workspace's address names its user all the same
    notes = table("notes", "orgId", "workspaceId", "body", orgId="orgs", workspaceId="workspaces")
    orgs = table("orgs", "addressId", addressId="addresses")
    workspaces = table("workspaces", "addressId", addressId="addresses")
    addresses = table("addresses", "workspaceId", "userId", workspaceId="workspaces", userId="users")
    tables = model(USERS, notes, orgs, workspaces, addresses)
    decided = decide("notes", tables)
    assert decided.label() == "user:<addresses.userId>, user:<addresses.userId>"
    assert decided.reason == (
        "`notes` rows belong to their owner (`orgId` -> `orgs.addressId` -> `addresses.userId`, `workspaceId` -> "
        "`workspaces.addressId` -> `addresses.userId`)"
    )
    assert decide("workspaces", tables).label() == "user:<addresses.userId>"  # as from anywhere else


def test_the_owners_of_a_credential_row_read_inside_a_cycle_are_read_again_outside_it():
    # the fuzzer's shape (scripts/audience_fuzz.py): `orders` holds a token, so its owners are read apart; met
    # first inside the cycle through `members.orderId`, they were once kept as found there
    tables = model(
        table("groups", "createdById", "teamId", createdById="teams", teamId="orders"),
        table("orders", "docId", "token", docId="teams"),
        table("teams", "title", title="items"),
        table("items", "authorId", authorId="members"),
        table("members", "userId", "orderId"),
    )
    exposure = Exposure(
        served={"groups": ("GET /x",), "teams": ("GET /x",)},
        tenants=frozenset({"items", "members", "teams"}),
        external_users=True,
    )
    decided = decide("groups", tables, exposure)
    assert decided.label() == "user:<members.userId>"
    assert decided.reason.endswith(
        "`groups` rows belong to the owner of the `orders` row they point at (`teamId`), who is more than 3 "
        "references away: afc follows at most 3"
    )


def dense(tables: int, references: int) -> a.DataModel:
    """`t0`..`tN`, each pointing at the next `references` tables (round the ring): cycles everywhere."""
    return model(
        *(
            table(
                f"t{i}",
                *(f"ref{j}Id" for j in range(references)),
                **{f"ref{j}Id": f"t{(i + j + 1) % tables}" for j in range(references)},
            )
            for i in range(tables)
        )
    )


@pytest.mark.timeout(60)  # unbounded, this took minutes; bounded, under a second
def test_a_schema_dense_with_cycles_is_judged_again_only_so_often_then_as_first_found():
    run = a._Run(dense(20, 3), Exposure())
    assert decide("t0", run.model, None, run).reach is Reach.UNKNOWN
    assert run.judged_again == 100  # then each judgement kept as first found


def test_a_schema_with_a_few_cycles_is_judged_again_where_a_cycle_cut_it_short():
    run = a._Run(dense(4, 1), Exposure())  # one ring of four: t1, t2, t3 each met while t0 is being judged
    decide("t0", run.model, None, run)
    assert run.judged_again == 3
    chain = model(table("t0", "ref0Id", ref0Id="t1"), table("t1", "ref0Id", ref0Id="t2"), table("t2", "x"))
    run = a._Run(chain, Exposure())  # t1 and t2 judged while a table that points at them is being judged
    decide("t0", chain, None, run)
    assert run.judged_again == 2
    run = a._Run(model(table("t0", "x")), Exposure())
    decide("t0", run.model, None, run)
    assert run.judged_again == 0
