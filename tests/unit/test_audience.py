import pytest

from afc_realtime.audience import Exposure, Hop, Reach, decide, memberships
from afc_realtime.datamodel import DataModel, Table


def model(*tables: Table) -> DataModel:
    return DataModel({t.name: t for t in tables}, sources=["schema.ts"])


USERS = Table("users", ("id", "email", "passwordHash"))
TEAMS = Table("teams", ("id", "name"))
NOTES = Table("notes", ("id", "userId", "body"), {"userId": "users"})
DOCS = Table("docs", ("id", "teamId", "authorId", "body"), {"teamId": "teams", "authorId": "users"})
TODOS = Table("todos", ("id", "title"))


def test_rows_with_credentials_are_never_sent():
    audience = decide("users", model(USERS, NOTES))
    assert audience.reach is Reach.NEVER and "passwordHash" in audience.reason and not audience.sent


def test_an_owned_row_goes_to_its_owners_channel():
    audience = decide("notes", model(USERS, NOTES))
    assert audience.reach is Reach.PRIVATE and audience.label() == "user:<userId>"
    assert audience.expression("note", '"') == "`user:${note.userId}`"


MEMBERS = Table("members", ("id", "userId", "teamId", "role"), {"userId": "users", "teamId": "teams"})
SERVED = Exposure({"todos": ("GET /api/todos (apps/web/src/app/api/todos/route.ts:4)",)})


def test_a_row_with_several_owners_goes_to_each_joinable_one():
    # Old behaviour sent `team:<teamId>` too, a channel nobody could join: now only with a membership table.
    audience = decide("docs", model(USERS, TEAMS, DOCS, MEMBERS))
    assert audience.expression("doc", '"') == "[`team:${doc.teamId}`, `user:${doc.authorId}`]"
    without = decide("docs", model(USERS, TEAMS, DOCS))
    assert without.expression("doc", '"') == "`user:${doc.authorId}`"
    assert "no membership table ties users to `teams`" in without.reason


def test_a_tenant_row_goes_to_its_own_channel_only_where_users_can_join_it():
    audience = decide("teams", model(TEAMS, DOCS, USERS, MEMBERS))
    assert audience.reach is Reach.PRIVATE and audience.expression("team", '"') == "`team:${team.id}`"
    nobody = decide("teams", model(TEAMS, DOCS, USERS))
    assert nobody.reach is Reach.UNKNOWN and "nobody could join a `team:` channel" in nobody.reason


def test_a_team_owned_row_without_a_membership_table_goes_to_nobody():
    projects = Table("projects", ("id", "teamId", "title"), {"teamId": "teams"})
    audience = decide("projects", model(USERS, TEAMS, projects))
    assert audience.reach is Reach.UNKNOWN and "no membership table ties users to `teams`" in audience.reason
    assert decide("projects", model(USERS, TEAMS, projects, MEMBERS)).label() == "team:<teamId>"


@pytest.mark.parametrize(
    "table",
    [
        Table("members", ("id", "userId", "teamId"), {"userId": "users", "teamId": "teams"}),
        Table("team_members", ("id", "user_id", "team_id")),  # references by name only
        Table("Membership", ("id", "userId", "teamId"), {"userId": "users", "teamId": "teams"}),
        Table("users_to_teams", ("userId", "teamId"), {"userId": "users", "teamId": "teams"}),
    ],
)
def test_a_membership_table_ties_users_to_a_tenant(table):
    found = memberships(model(USERS, TEAMS, table))
    assert [(m.table.name, m.kind) for m in found] == [(table.name, "team")]


def test_a_content_table_with_a_team_and_an_author_is_no_membership():
    assert memberships(model(USERS, TEAMS, DOCS)) == []


def test_a_row_tied_to_no_one_is_public_only_where_the_app_serves_it_to_anyone():
    audience = decide("todos", model(TODOS, USERS), SERVED)
    assert audience.reach is Reach.PUBLIC and audience.expression("todo", "'") == "'public'"
    assert (
        audience.reason
        == "GET /api/todos (apps/web/src/app/api/todos/route.ts:4) serves `todos` rows to anyone signed out"
    )
    unserved = decide("todos", model(TODOS, USERS))
    assert unserved.reach is Reach.UNKNOWN and not unserved.sent
    assert "nothing afc found serves them" in unserved.reason and "`--public todos`" in unserved.reason
    chosen = decide("todos", model(TODOS, USERS), Exposure(chosen=frozenset({"todos"})))
    assert chosen.reach is Reach.PUBLIC and "`--public todos`" in chosen.reason


STORE = (
    Table("users", ("id", "name")),
    Table("orders", ("id", "userId", "addressId", "total"), {"userId": "users", "addressId": "addresses"}),
    Table("addresses", ("id", "street", "city", "zip")),
)


def test_a_row_an_owned_row_points_at_belongs_to_that_owner():
    assert decide("orders", model(*STORE)).label() == "user:<userId>"
    addresses = decide("addresses", model(*STORE))
    assert addresses.reach is Reach.UNKNOWN and not addresses.sent
    assert "`orders.addressId` points at" in addresses.reason and "user:<userId>" in addresses.reason
    # The same when the reference is only a name (`addressId` -> `addresses`).
    loose = (STORE[0], Table("orders", ("id", "userId", "addressId")), STORE[2])
    assert "`orders.addressId` points at" in decide("addresses", model(*loose)).reason
    # Served to anyone, an address still looks personal: only the user's own `--public addresses` sends it.
    served = decide("addresses", model(*STORE), Exposure({"addresses": ("GET /api/a (route.ts:1)",)}))
    assert served.reach is Reach.UNKNOWN and "look personal (street, city, zip)" in served.reason
    assert decide("addresses", model(*STORE), Exposure(chosen=frozenset({"addresses"}))).reach is Reach.PUBLIC


def test_a_pointed_at_table_the_app_serves_to_anyone_stays_public():
    posts = Table("posts", ("id", "title"))
    comments = Table("comments", ("id", "postId", "userId", "body"), {"postId": "posts", "userId": "users"})
    served = Exposure({"posts": ("page / (apps/web/src/app/page.tsx:1)",)})
    assert decide("posts", model(USERS, posts, comments), served).reach is Reach.PUBLIC
    assert "`comments.postId` points at" in decide("posts", model(USERS, posts, comments)).reason


@pytest.mark.parametrize(
    ("table", "personal"),
    [
        (Table("contact_messages", ("id", "email", "message")), "email"),
        (Table("newsletter_subscribers", ("id", "email")), "email"),
        (Table("payments", ("id", "amount", "stripeCustomerId")), "stripeCustomerId"),
        (Table("leads", ("id", "phoneNumber")), "phoneNumber"),
        (Table("visits", ("id", "ipAddress", "path")), "ipAddress"),
        (Table("contacts", ("id", "notes")), "a `contacts` table"),
    ],
)
def test_personal_rows_go_to_everyone_only_when_the_user_names_the_table(table, personal):
    served = Exposure({table.name: ("GET /api/x (route.ts:1)",)})
    audience = decide(table.name, model(USERS, table), served)
    assert audience.reach is Reach.UNKNOWN and f"look personal ({personal})" in audience.reason
    assert f"`--public {table.name}` sends them to everyone" in audience.reason
    chosen = decide(table.name, model(USERS, table), Exposure(chosen=frozenset({table.name})))
    assert chosen.reach is Reach.PUBLIC


@pytest.mark.parametrize(
    "table",
    [
        Table("sessions", ("sessionToken", "userId", "expires")),  # Auth.js
        Table("session", ("id", "user_id", "expires_at")),  # Lucia: the id is the token
        Table("verification", ("id", "identifier", "value", "expiresAt")),  # better-auth
        Table("verificationTokens", ("identifier", "token", "expires")),  # Auth.js
        Table("account", ("id", "userId", "accessToken", "refreshToken", "password")),  # better-auth
        Table("api_keys", ("id", "userId", "prefix")),
    ],
)
def test_credential_tables_are_never_sent_whatever_else_they_hold(table):
    audience = decide(table.name, model(USERS, table), Exposure(chosen=frozenset({table.name})))
    assert audience.reach is Reach.NEVER and not audience.sent


def test_an_unreferenced_author_is_nobody_not_public():
    posts = Table("posts", ("id", "authorId", "title"))
    audience = decide("posts", model(USERS, posts), Exposure({"posts": ("GET /api/posts (route.ts:1)",)}))
    assert audience.reach is Reach.UNKNOWN and "`posts.authorId` looks like an owner" in audience.reason


def test_what_afc_cannot_tell_is_not_sent():
    unknown_table = decide("widgets", model(TODOS))
    assert unknown_table.reach is Reach.UNKNOWN and "`widgets` is not in the schema" in unknown_table.reason
    no_schema = decide("todos", DataModel())
    assert no_schema.reach is Reach.UNKNOWN and "none found" in no_schema.reason
    unplaced_owner = decide("posts", model(Table("posts", ("id", "createdBy"))))
    assert unplaced_owner.reach is Reach.UNKNOWN and "createdBy" in unplaced_owner.reason


def test_an_owner_column_without_a_declared_reference_is_matched_by_name():
    posts = Table("posts", ("id", "userId"))
    assert decide("posts", model(posts, Table("users", ("id", "email")))).label() == "user:<userId>"


def test_a_child_of_a_private_row_goes_to_that_rows_owner_through_the_reference():
    # Old behaviour sent a child of an owned row to nobody; its parent's owner may read it, so now to them.
    comments = Table("comments", ("id", "noteId", "text"), {"noteId": "notes"})
    audience = decide("comments", model(USERS, NOTES, comments))
    assert audience.reach is Reach.PRIVATE and audience.label() == "user:<notes.userId>"
    assert audience.channels[0].via == (Hop("noteId", "notes", "id"),)
    assert "`comments` rows belong to the owner of the `notes` row they point at (`noteId` -> `notes.userId`)" in (
        audience.reason
    )
    ownerless = Table("notes", ("id", "body"))
    unknown = decide("comments", model(ownerless, comments))
    assert unknown.reach is Reach.UNKNOWN and "`notes`" in unknown.reason
    replies = Table("replies", ("id", "todoId"), {"todoId": "todos"})
    served = Exposure({"todos": SERVED.served["todos"], "replies": ("GET /api/replies (route.ts:1)",)})
    assert decide("replies", model(TODOS, replies), served).reach is Reach.PUBLIC
    assert decide("replies", model(TODOS, replies)).reach is Reach.UNKNOWN


def test_a_membership_authorize_cannot_read_joins_no_one():
    cannot = Exposure(tenants=frozenset())
    audience = decide("docs", model(USERS, TEAMS, DOCS, MEMBERS), cannot)
    assert audience.label() == "user:<authorId>" and "`members` ties users to `teams`, but" in audience.reason
    assert decide("teams", model(USERS, TEAMS, MEMBERS), cannot).reach is Reach.UNKNOWN
    can = Exposure(tenants=frozenset({"teams"}))
    assert decide("teams", model(USERS, TEAMS, MEMBERS), can).label() == "team:<id>"
    # which of the two it lacks: a database client, or a sign-in afc can ask who the user is
    assert "cannot read it (afc found no database client exported as" in audience.reason
    signed_out = Exposure(tenants=frozenset(), signed_in=False)
    unsigned = decide("docs", model(USERS, TEAMS, DOCS, MEMBERS), signed_out)
    assert "but afc found no sign-in it can ask who the user is from `authorize.ts`" in unsigned.reason


CHATS = Table("chat", ("id", "userId", "title"), {"userId": "users"}, targets={"userId": "id"})
STREAMS = Table("stream", ("id", "chatId"), {"chatId": "chat"}, keys=("id",), targets={"chatId": "id"})
PARTS = Table("part", ("id", "streamId"), {"streamId": "stream"}, keys=("id",))
CHUNKS = Table("chunk", ("id", "partId"), {"partId": "part"}, keys=("id",))
BITS = Table("bit", ("id", "chunkId"), {"chunkId": "chunk"}, keys=("id",))


def test_an_owner_two_and_three_references_away_is_followed_and_four_is_not():
    two = decide("part", model(USERS, CHATS, STREAMS, PARTS))
    assert two.label() == "user:<chat.userId>"
    assert two.channels[0].via == (Hop("streamId", "stream", "id"), Hop("chatId", "chat", "id"))
    assert "(`streamId` -> `stream.chatId` -> `chat.userId`)" in two.reason
    three = decide("chunk", model(USERS, CHATS, STREAMS, PARTS, CHUNKS))
    assert three.reach is Reach.PRIVATE and len(three.channels[0].via) == 3
    four = decide("bit", model(USERS, CHATS, STREAMS, PARTS, CHUNKS, BITS))
    assert four.reach is Reach.UNKNOWN and "more than 3 references away" in four.reason


def test_a_cycle_of_references_without_an_owner_ends_and_names_nobody():
    a = Table("a", ("id", "bId"), {"bId": "b"})
    b = Table("b", ("id", "aId"), {"aId": "a"})
    audience = decide("a", model(a, b))
    assert audience.reach is Reach.UNKNOWN and not audience.channels
    owned_b = Table("b", ("id", "aId", "userId"), {"aId": "a", "userId": "users"})
    assert decide("a", model(USERS, a, owned_b)).label() == "user:<b.userId>"


def test_a_parent_with_credentials_still_names_the_owner_of_its_children():
    links = Table("links", ("id", "password", "userId"), {"userId": "users"})
    views = Table("views", ("id", "linkId"), {"linkId": "links"})
    assert decide("links", model(USERS, links, views)).reach is Reach.NEVER
    assert decide("views", model(USERS, links, views)).label() == "user:<links.userId>"


def test_an_owner_column_naming_a_row_that_is_not_someone_is_followed_to_its_owner():
    envelopes = Table("envelope", ("id", "userId"), {"userId": "users"})
    recipients = Table("recipient", ("id", "envelopeId", "email"), {"envelopeId": "envelope"})
    fields = Table("field", ("id", "recipientId"), {"recipientId": "recipient"})
    audience = decide("field", model(USERS, envelopes, recipients, fields))
    assert audience.label() == "user:<envelope.userId>"
    orphan = Table("recipient", ("id", "email"))
    assert "names its owner by a `recipient` row" in decide("field", model(USERS, orphan, fields)).reason


def test_a_group_no_membership_ties_users_to_goes_to_the_team_it_belongs_to():
    groups = Table("viewerGroup", ("id", "teamId"), {"teamId": "teams"})
    entries = Table("groupEntry", ("id", "groupId"), {"groupId": "viewerGroup"})
    tables = (USERS, TEAMS, MEMBERS, groups, entries)
    assert decide("viewerGroup", model(*tables)).label() == "team:<teamId>"
    assert decide("groupEntry", model(*tables)).label() == "team:<viewerGroup.teamId>"
    no_members = (USERS, TEAMS, groups, entries)
    assert decide("groupEntry", model(*no_members)).reach is Reach.UNKNOWN
    ownerless = Table("viewerGroup", ("id", "name"))
    alone = decide("groupEntry", model(USERS, ownerless, entries))
    assert alone.reach is Reach.UNKNOWN and "no membership table ties users to `viewerGroup`" in alone.reason


def test_of_several_owned_parents_the_nearest_owner_wins():
    rows = Table("row", ("id", "partId", "chatId"), {"partId": "part", "chatId": "chat"})
    audience = decide("row", model(USERS, CHATS, STREAMS, PARTS, rows))
    assert audience.channels[0].via == (Hop("chatId", "chat", "id"),)  # one reference, not three


def test_a_row_naming_its_owner_does_not_add_owners_reached_through_another_row():
    accounts = Table("account", ("id", "userId"), {"userId": "users"})
    mailboxes = Table("mailbox", ("id", "userId", "accountId"), {"userId": "users", "accountId": "account"})
    assert decide("mailbox", model(USERS, accounts, mailboxes)).label() == "user:<userId>"
    alone = Table("mailbox", ("id", "accountId"), {"accountId": "account"})
    assert decide("mailbox", model(USERS, accounts, alone)).label() == "user:<account.userId>"


def test_an_owner_afc_cannot_reach_leaves_the_owner_of_a_parent_and_never_public():
    rows = Table("job", ("id", "teamId", "chatId"), {"chatId": "chat"})  # `teamId`: no `teams` table at all
    assert decide("job", model(USERS, CHATS, rows)).label() == "user:<chat.userId>"
    lone = Table("job", ("id", "teamId"))
    served = Exposure({"job": ("GET /api/jobs (route.ts:1)",)})
    assert decide("job", model(USERS, lone), served).reach is Reach.UNKNOWN


STORES = Table("stores", ("id", "userId", "name"))  # Clerk's user id, no users table
ORDERS = Table("orders", ("id", "storeId", "amount"), {"storeId": "stores"})


def test_a_user_id_of_a_hosted_identity_provider_names_the_signed_in_user():
    # Clerk and Supabase Auth keep the users outside the app's schema: `userId` holds the session's user id.
    hosted = Exposure(external_users=True)
    assert decide("stores", model(STORES, ORDERS), hosted).label() == "user:<userId>"
    order = decide("orders", model(STORES, ORDERS), hosted)
    assert order.reach is Reach.PRIVATE and order.label() == "user:<stores.userId>"
    # the other side: with the users in the app's own database, an unreferenced `userId` names no one afc knows
    nobody = decide("stores", model(STORES, ORDERS))
    assert nobody.reach is Reach.UNKNOWN and "`stores.userId` looks like an owner" in nobody.reason
    # a schema with its own users table: the column must point at it (by reference or name), never assumed
    own_users = decide("stores", model(STORES, ORDERS, Table("app_users", ("id", "email"))), hosted)
    assert own_users.reach is Reach.UNKNOWN and "`stores.userId` looks like an owner" in own_users.reason
    # only a user column: an unreferenced `customerId` or `authorId` is not the session's user
    for column in ("customerId", "authorId"):
        other = decide("stores", model(Table("stores", ("id", column))), hosted)
        assert other.reach is Reach.UNKNOWN and f"`stores.{column}` looks like an owner" in other.reason


def test_a_row_a_child_of_an_owned_row_points_at_names_those_owners_in_its_reason():
    # Old reason: "tied to no user or team", although the rows pointing at it are owned through their parent.
    # It still goes to nobody (a recording may be pointed at by several accounts' meetings).
    mailboxes = Table("mailboxes", ("id", "userId"), {"userId": "users"})
    meetings = Table(
        "meetings", ("id", "mailboxId", "recordingId"), {"mailboxId": "mailboxes", "recordingId": "recordings"}
    )
    recordings = Table("recordings", ("id", "status"))
    audience = decide("recordings", model(USERS, mailboxes, meetings, recordings))
    assert audience.reach is Reach.UNKNOWN and not audience.sent
    assert "`recordings` rows are what `meetings.recordingId` points at" in audience.reason
    assert "user:<mailboxes.userId>" in audience.reason
    # the other side: pointed at by rows nobody owns, it is still tied to no one
    loose = Table("meetings", ("id", "recordingId"), {"recordingId": "recordings"})
    alone = decide("recordings", model(USERS, loose, recordings))
    assert alone.reach is Reach.UNKNOWN and "tied to no user or team" in alone.reason
