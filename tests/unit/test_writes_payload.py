"""What a change carries and to whom (`writes/payload.py`), table-driven on both sides of each check: which
column names the row, which value is the kept row's and which the stated one, when a row is whole, and when
an owner's channel can be named (issue 20 item 5). Built from `Change` records directly: no parsing."""

from dataclasses import replace

import pytest

from afc_realtime.audience import Audience, Channel, Hop, Reach
from afc_realtime.datamodel import Table
from afc_realtime.writes import payload
from afc_realtime.writes.site import Change, Inside, Write

NOTES = Table("notes", ("id", "userId", "title", "slug"), {"userId": "users"}, keys=("id", "slug"))
NO_KEYS = Table("notes", ("id", "title"))
KEYLESS = Table("events", ("kind", "at"))
OWNED = Audience(Reach.PRIVATE, "owned", (Channel("user", "userId"),))
TWO_OWNERS = Audience(Reach.PRIVATE, "owned", (Channel("user", "userId"), Channel("team", "teamId")))
PUBLIC = Audience(Reach.PUBLIC, "served")


def write(change: Change | None, table: str | None = "notes", action: str = "created") -> Write:
    return Write("app/actions.ts", 3, "action add", "drizzle", table, action, None, change=change)


@pytest.mark.parametrize(
    ("table", "keys"),
    [(None, ()), (NOTES, ("id", "slug")), (NO_KEYS, ("id",)), (KEYLESS, ())],
)
def test_key_columns(table, keys):
    assert payload.key_columns(table) == keys


@pytest.mark.parametrize(
    ("change", "table", "column", "expected"),
    [
        # Prisma `include`: the kept row's own columns, never one the table does not have
        (Change(kept="row", kept_scalars=True), NOTES, "title", "row.title"),
        (Change(kept="row", kept_scalars=True, fields=(("tags", "t"),)), NOTES, "tags", "t"),
        (Change(kept="row", kept_scalars=True, fields=(("title", "t"),)), None, "title", "t"),
        (Change(kept_scalars=True, fields=(("title", "t"),)), NOTES, "title", "t"),
        # a kept row without `include`: the row's value; a `select` that drops the column: the stated one
        (Change(kept="row"), NOTES, "title", "row.title"),
        (Change(kept="row", kept_fields=("id",), fields=(("title", "t"),)), NOTES, "title", "t"),
        (Change(kept="row", kept_fields=("id",)), NOTES, "id", "row.id"),
        # stated values: the set value wins over the where's
        (Change(where=(("id", "id"),), fields=(("id", "other"),)), NOTES, "id", "other"),
        (Change(where=(("id", "id"),)), NOTES, "id", "id"),
        (Change(), NOTES, "id", None),
    ],
)
def test_value(change, table, column, expected):
    assert payload.value(change, column, table) == expected


@pytest.mark.parametrize(
    ("change", "table", "spreads", "fields"),
    [
        (Change(kept="r", kept_scalars=True, spreads=("x",)), NOTES, [], [(c, f"r.{c}") for c in NOTES.columns]),
        (Change(kept="r", kept_scalars=True, fields=(("title", "t"),)), None, [], [("title", "t")]),
        (Change(kept_scalars=True, fields=(("title", "t"),)), NOTES, [], [("title", "t")]),
        (
            Change(where=(("id", "id"), ("slug", "s")), fields=(("slug", "s2"), ("title", "t")), spreads=("x",)),
            NOTES,
            ["x"],
            [("id", "id"), ("slug", "s2"), ("title", "t")],
        ),
        (
            Change(fields=(("title", "t"),), kept="r", kept_fields=("id", "title")),
            NOTES,
            [],
            [("title", "r.title"), ("id", "r.id")],
        ),
        (Change(fields=(("title", "t"),), kept="r"), NOTES, [], [("title", "t")]),
        (Change(fields=(("title", "t"),), kept_fields=("id",)), NOTES, [], [("title", "t")]),
    ],
)
def test_row_fields(change, table, spreads, fields):
    assert payload.row_fields(change, table) == (spreads, fields)


@pytest.mark.parametrize(
    ("change", "table", "whole"),
    [
        (Change(kept="r"), NOTES, True),  # a kept `.returning()`
        (Change(kept="r"), None, True),
        (Change(kept="r", kept_fields=("id",)), NOTES, False),  # a `select`
        (Change(kept="r", kept_scalars=True), NOTES, True),  # `include`: its own columns are all there
        (Change(kept="r", kept_scalars=True), None, False),  # ... but afc does not know them
        (Change(kept_scalars=True), NOTES, False),
        (Change(fields=(("id", "1"),)), NOTES, False),
        (Change(kept="r", many=True), NOTES, False),
    ],
)
def test_complete(change, table, whole):
    assert payload.complete(change, table) is whole


@pytest.mark.parametrize(
    ("change", "table", "quote", "expected"),
    [
        (None, NOTES, '"', '{ table: "notes", action: "created", keys: {}, complete: false }'),
        (Change(many=True, kept="r"), NOTES, "'", "{ table: 'notes', action: 'created', keys: {}, complete: false }"),
        (
            Change(kept="row"),
            NOTES,
            '"',
            '{ table: "notes", action: "created", keys: { id: row.id }, row, complete: true }',
        ),
        (
            Change(kept="created"),
            NOTES,
            '"',
            '{ table: "notes", action: "created", keys: { id: created.id }, row: created, complete: true }',
        ),
        # the first key with a value names the row, and only that one
        (
            Change(where=(("slug", "slug"),), fields=(("title", "t"),)),
            NOTES,
            '"',
            '{ table: "notes", action: "created", keys: { slug }, row: { slug, title: t }, complete: false }',
        ),
        (
            Change(where=(("slug", "s"), ("id", "7"))),
            NOTES,
            '"',
            '{ table: "notes", action: "created", keys: { id: 7 }, row: { slug: s, id: 7 }, complete: false }',
        ),
        (Change(), NOTES, '"', '{ table: "notes", action: "created", keys: {}, complete: false }'),
        (
            Change(spreads=("x",)),
            KEYLESS,
            '"',
            '{ table: "notes", action: "created", keys: {}, row: { ...x }, complete: false }',
        ),
        # Prisma `include`: a whole row, written out column by column
        (
            Change(kept="r", kept_scalars=True),
            NO_KEYS,
            '"',
            '{ table: "notes", action: "created", keys: { id: r.id }, row: { id: r.id, title: r.title }, '
            "complete: true }",
        ),
    ],
)
def test_payload_exactly(change, table, quote, expected):
    assert payload.payload(write(change), table, quote) == expected


def test_a_write_to_no_named_table_says_so_with_an_empty_name():
    assert payload.payload(write(None, table=None), None, '"') == (
        '{ table: "", action: "created", keys: {}, complete: false }'
    )


@pytest.mark.parametrize(
    ("value", "checkable"),
    [
        ("userId", True),
        ("session.user.id", True),
        ("row.userId", True),
        ("Number(id)", True),
        ('"u1"', False),
        ("'u1'", False),
        ("`u1`", False),
        ("0", False),
        ("9", False),
        ("-1", False),
        ("true", False),
        ("false", False),
        ("null", False),
        ("undefined", False),
        ("nullable", True),
        ("trueUser", True),
    ],
)
def test_only_a_value_typescript_could_find_undefined_is_checked(value, checkable):
    assert payload._checkable(value) is checkable


def test_a_public_row_goes_to_public_in_the_files_quote():
    change = Change(fields=(("title", "t"),))
    assert payload.line(write(change), PUBLIC, NOTES, "'") == payload.Line(
        "{ table: 'notes', action: 'created', keys: {}, row: { title: t }, complete: false }", "'public'"
    )
    assert payload.line(write(Change(many=True)), PUBLIC, NOTES, '"') == payload.Line(
        '{ table: "notes", action: "created", keys: {}, complete: false }', '"public"'
    )


@pytest.mark.parametrize(
    ("change", "audience", "to", "checks"),
    [
        (
            Change(fields=(("userId", "session.user.id"),)),
            OWNED,
            "`user:${session.user.id}`",
            ("session.user.id != null",),
        ),
        (Change(kept="row"), OWNED, "`user:${row.userId}`", ("row.userId != null",)),
        (Change(fields=(("userId", '"u1"'),)), OWNED, '`user:${"u1"}`', ()),
        (
            Change(fields=(("userId", "uid"), ("teamId", "uid"))),
            TWO_OWNERS,
            "[`user:${uid}`, `team:${uid}`]",
            ("uid != null",),
        ),
        (
            Change(fields=(("userId", "u"), ("teamId", "t"))),
            TWO_OWNERS,
            "[`user:${u}`, `team:${t}`]",
            ("u != null", "t != null"),
        ),
        (Change(fields=(("userId", "u"),)), Audience(Reach.PRIVATE, "x", ()), "", ()),
    ],
)
def test_each_owner_gets_its_channel_and_its_check(change, audience, to, checks):
    sent = payload.line(write(change), audience, NOTES, '"')
    if not audience.channels:
        assert sent == payload.Line(payload.payload(write(change), NOTES, '"'), "[]", ())
        return
    assert sent == payload.Line(payload.payload(write(change), NOTES, '"'), to, checks)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            Change(many=True, fields=(("userId", "u"),)),
            "not broadcast: `notes` rows go to their owner (`userId`), and this write changes several rows at "
            "once, so afc cannot tell whose row it is (afc reads only what the write itself says)",
        ),
        (
            None,
            "not broadcast: `notes` rows go to their owner (`userId`), and this write changes several rows at "
            "once, so afc cannot tell whose row it is (afc reads only what the write itself says)",
        ),
        (
            Change(fields=(("title", "t"),)),
            "not broadcast: `notes` rows go to their owner (`userId`), and this write does not state `userId`, so "
            "afc cannot tell whose row it is (afc reads only what the write itself says)",
        ),
        (
            Change(fields=(("userId", "null"),)),
            "not broadcast: the write sets its owner `userId` to `null`: nobody owns the row",
        ),
        (
            Change(fields=(("userId", "undefined"),)),
            "not broadcast: the write sets its owner `userId` to `undefined`: nobody owns the row",
        ),
    ],
)
def test_a_row_whose_owner_the_write_does_not_name_is_not_sent(change, reason):
    assert payload.line(write(change), OWNED, NOTES, '"') == reason


def test_the_second_owner_missing_stops_the_broadcast_too():
    sent = payload.line(write(Change(fields=(("userId", "u"),))), TWO_OWNERS, NOTES, '"')
    assert isinstance(sent, str) and "does not state `teamId`" in sent


# Owner lookups (issue 18): which lookup a write gets, on both sides of each check. `messages.chatId` ->
# `chats.projectId` -> `projects.ownerId`: two hops, so the first hop and the last differ.
MESSAGES = Table("messages", ("id", "chatId", "body"), {"chatId": "chats"}, keys=("id",))
TWO_HOPS = Channel("user", "ownerId", (Hop("chatId", "chats", "id"), Hop("projectId", "projects", "id")))
VIA_CHAT = Audience(Reach.PRIVATE, "owned", (TWO_HOPS,))
VIA_TWO = Audience(Reach.PRIVATE, "owned", (TWO_HOPS, Channel("team", "teamId", (Hop("roomId", "rooms", "id"),))))


def looked_up(change: Change, audience: Audience = VIA_CHAT, action: str = "updated") -> payload.Line | str:
    return payload.line(write(change, "messages", action), audience, MESSAGES, '"', lookups=True)


def test_a_write_naming_the_first_hop_looks_up_through_that_table_and_the_rest():
    found = looked_up(Change(fields=(("chatId", "chatId"),), where=(("id", "id"),)))
    assert isinstance(found, payload.Line) and found.lookup is not None
    assert (found.lookup.table, found.lookup.key) == ("chats", "id")
    assert found.lookup.channels == (Channel("user", "ownerId", (Hop("projectId", "projects", "id"),)),)
    assert found.to == "ownersOfChats(chatId)" and found.checks == ("chatId != null",)


@pytest.mark.parametrize("owner", ["null", "undefined"])
def test_a_reference_set_to_nothing_is_not_looked_up_by_it(owner):
    found = looked_up(Change(fields=(("chatId", owner),), where=(("id", "id"),)))
    assert isinstance(found, str) and f"to `{owner}`: nobody owns the row" in found


def test_channels_reached_by_different_first_hops_are_looked_up_by_the_row_s_own_key():
    # the write states both first hops: whichever one were taken, it would look up through that table
    found = looked_up(Change(fields=(("chatId", "chatId"), ("roomId", "roomId")), where=(("id", "id"),)), VIA_TWO)
    assert isinstance(found, payload.Line) and found.lookup is not None
    assert (found.lookup.table, found.lookup.key) == ("messages", "id")


def test_a_literal_key_needs_no_check():
    found = looked_up(Change(where=(("id", '"m1"'),), fields=(("body", "b"),)))
    assert isinstance(found, payload.Line) and found.to == 'ownersOfMessages("m1")' and found.checks == ()


def test_several_stated_references_are_not_one_lookup():
    rows = ((("chatId", "a"), ("body", "x")), (("chatId", "b"), ("body", "y")))
    assert payload.stated_values(Change(many=True, rows=rows), "chatId", MESSAGES) == ["a", "b"]
    found = looked_up(Change(many=True, rows=rows), action="created")
    assert isinstance(found, str)  # two chats: neither one lookup by reference nor by a key


def test_rows_inserted_together_state_an_owner_only_when_every_one_does():
    some = Change(many=True, rows=((("chatId", "a"),), (("body", "x"),)))
    assert payload.stated_values(some, "chatId", MESSAGES) is None
    assert payload.stated_values(Change(many=True, rows=()), "chatId", MESSAGES) is None


@pytest.mark.parametrize(
    ("unmatched", "rows", "reason", "joined"),
    [
        ("it runs in a transaction", (), "not broadcast: x (afc reads only what the write itself says)", True),
        ("", (), "not broadcast: x (afc reads only what the write itself says)", False),
        (
            "it runs in a transaction",
            ((("a", "b"),),),
            "not broadcast: x (afc reads only what the write itself says)",
            False,
        ),
        ("it runs in a transaction", (), "not broadcast: the write sets its owner", False),
    ],
)
def test_why_the_filter_cannot_be_looked_up_either_joins_only_a_reason_about_what_the_write_says(
    unmatched, rows, reason, joined
):
    said = payload._unmatched(reason, Change(many=True, rows=rows, unmatched=unmatched))
    expected = "not broadcast: x, and afc cannot look its rows' owners up: it runs in a transaction"
    assert (said == expected) is joined and (said == reason) is not joined


def test_in_a_transaction_the_owners_are_read_through_its_client_into_a_list_sent_after():
    inside = Inside(None, "tx", Change(fields=(("chatId", "chatId"),), where=(("id", "id"),)))  # type: ignore[arg-type]
    sent = payload.line(
        replace(write(Change(), "messages", "updated"), inside=inside), VIA_CHAT, MESSAGES, '"', lookups=True
    )
    assert isinstance(sent, payload.Line)
    assert sent.before == "const realtimeOwners3: string[] = []" and sent.to == "realtimeOwners3"
    assert sent.inside == "if (chatId != null) realtimeOwners3.push(...(await ownersOfChats(chatId, tx)))"
    gone = Inside(None, "tx", Change(where=(("id", "id"),)))  # type: ignore[arg-type]
    deleted = payload.line(
        replace(write(Change(), "messages", "deleted"), inside=gone), VIA_CHAT, MESSAGES, '"', lookups=True
    )
    assert isinstance(deleted, payload.Line)
    assert deleted.inside == "if (id != null) realtimeOwners3.push(...(await ownersOfMessages(id, tx)))"


def test_a_masked_field_never_hides_the_key_the_filter_names():
    change = Change(where=(("id", "x"),), spreads=("input",), masked=("id", "images"))
    assert payload.row_fields(change, NOTES) == (["input"], [("id", "x"), ("images", "undefined")])


def test_without_a_table_nothing_is_looked_up():
    found = payload.line(write(Change(where=(("id", "id"),)), "messages", "updated"), VIA_CHAT, None, '"', lookups=True)
    assert isinstance(found, str) and "does not state `chatId`" in found


@pytest.mark.parametrize("owner", ["null", "undefined"])
def test_in_a_transaction_a_reference_set_to_nothing_is_looked_up_by_the_key(owner):
    inside = Inside(None, "tx", Change(fields=(("chatId", owner),), where=(("id", "id"),)))  # type: ignore[arg-type]
    sent = payload.line(
        replace(write(Change(), "messages", "updated"), inside=inside), VIA_CHAT, MESSAGES, '"', lookups=True
    )
    assert isinstance(sent, payload.Line)
    assert sent.inside == "if (id != null) realtimeOwners3.push(...(await ownersOfMessages(id, tx)))"


def test_without_a_table_nothing_is_looked_up_even_by_a_reference_the_write_states():
    change = Change(fields=(("chatId", "chatId"),), where=(("id", "id"),))
    found = payload.line(write(change, "messages", "updated"), VIA_CHAT, None, '"', lookups=True)
    assert isinstance(found, str) and "looks owners up only through the app's own database client" in found
