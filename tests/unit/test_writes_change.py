"""The change a write states, read from the write itself (`writes/change.py`), and the one payload built from
it (`writes/payload.py`): stable values only, keys from the primary key or a unique column, never a field a
`select` drops, the owner's channel from the value the change carries."""

import pytest

from afc_realtime.audience import Audience, Channel, Reach
from afc_realtime.datamodel import Table
from afc_realtime.edits import typescript as ts
from afc_realtime.writes import actions, change, payload
from afc_realtime.writes.site import Write
from tests.support.writes import sites

PATH = "app/actions.ts"
NOTES = Table("notes", ("id", "userId", "title", "slug"), {"userId": "users"}, keys=("id", "slug"))
POSTS = Table("Post", ("id", "title", "authorId"), {"authorId": "User"}, orm="prisma", keys=("id",))
OWNED = Audience(Reach.PRIVATE, "owned", (Channel("user", "userId"),))
BY_AUTHOR = Audience(Reach.PRIVATE, "owned", (Channel("user", "authorId"),))


def one_write(body: str) -> Write:
    text = f'"use server";\nexport async function act(id: string, input: {{ title: string }}) {{\n{body}\n}}\n'
    [found] = sites(actions, PATH, text)
    assert isinstance(found, Write), found
    return found


def node(expression: str):
    file = ts.load("x.ts", f"const v = {expression};\n")
    assert isinstance(file, ts.TsFile)
    return file.root.find(kind="variable_declarator").field("value")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("id", True),
        ("session.user.id", True),
        ("session?.user?.id", True),
        ('"literal"', True),
        ("42", True),
        ("-1", True),
        ("`plain`", True),
        ("params['id']", True),
        ("Number(id)", True),  # a pure conversion of a stable value
        ("input.title as string", True),
        ("crypto.randomUUID()", False),
        ("new Date()", False),
        ("Date.now()", False),
        ("input.title.trim()", False),
        ("Number(await next())", False),
        ("`${Date.now()}`", False),
        ("count++", False),
        ("!done", False),
        ("rows[i]", False),
    ],
)
def test_only_values_that_evaluate_the_same_again_are_stable(expression, expected):
    assert change.stable(node(expression)) is expected


def test_an_insert_without_returning_states_its_values_and_leaves_out_calls():
    write = one_write(
        "    await db.insert(notes).values({ title: input.title, userId: session.user.id, "
        "id: crypto.randomUUID(), createdAt: new Date(), ...extra });"
    )
    assert write.wirable and write.row is None and write.after
    assert write.change is not None
    assert write.change.fields == (("title", "input.title"), ("userId", "session.user.id"))
    assert write.change.spreads == ("extra",)
    assert [item.split(" ")[0] for item in write.change.left_out] == ["`id`", "`createdAt`"]
    sent = payload.line(write, OWNED, NOTES, '"')
    assert sent == payload.Line(
        '{ table: "notes", action: "created", keys: {}, row: { ...extra, title: input.title, userId: session.user.id },'
        " complete: false }",
        "`user:${session.user.id}`",
        ("session.user.id != null",),
    )


def test_a_field_left_out_after_a_spread_is_never_sent_with_the_spread_s_value():
    """`{ ...input, images: JSON.stringify(input.images) }` writes the string, not `input.images` (a corpus
    store's update: sending the spread as it is was a type error against the row, and a wrong value)."""
    after = one_write(
        "    await db.update(notes).set({ ...extra, title: slugify(extra.title) }).where(eq(notes.id, id));"
    )
    assert after.change is not None and after.change.masked == ("title",)
    sent = payload.line(after, OWNED, NOTES, '"')
    assert isinstance(sent, str)  # the owner is not stated: the row's payload is checked below
    assert payload.payload(after, NOTES, '"') == (
        '{ table: "notes", action: "updated", keys: { id }, row: { ...extra, id, title: undefined }, complete: false }'
    )
    # a spread after the field wins in the write itself: its value is the written one, nothing to mask
    before = one_write("    await db.update(notes).set({ title: slugify(x), ...extra }).where(eq(notes.id, id));")
    assert (
        before.change is not None
        and before.change.masked == ()
        and "undefined" not in payload.payload(before, NOTES, '"')
    )
    # a spread afc reads field by field: the replaced field is dropped, not sent with the input's value
    typed = one_write(
        "    const body = (await req.json()) as { title: string; userId: string };\n"
        "    await db.insert(notes).values({ ...body, title: slugify(body.title) });"
    )
    assert typed.change is not None and typed.change.fields == (("userId", "body.userId"),)
    assert typed.change.masked == ()


def test_an_identifier_is_read_through_its_declaration():
    write = one_write(
        "    const body = (await req.json()) as { title: string; userId: string };\n"
        "    await db.insert(notes).values(body);"
    )
    assert write.change is not None and write.change.fields == (("title", "body.title"), ("userId", "body.userId"))
    literal = one_write('    const values = { title: "x", userId };\n    await db.insert(notes).values(values);')
    assert literal.change is not None and literal.change.fields == (
        ("title", "values.title"),
        ("userId", "values.userId"),
    )
    spread = one_write(
        "    const body = (await req.json()) as { userId: string };\n"
        "    await db.insert(notes).values({ ...body, title: input.title });"
    )
    assert spread.change is not None and spread.change.spreads == ()
    assert spread.change.fields == (("userId", "body.userId"), ("title", "input.title"))
    unknown = one_write("    await db.insert(notes).values(input2);")
    assert unknown.change is not None and unknown.change.fields == ()
    assert unknown.change.left_out == ("the fields of `input2` (afc cannot see what it holds)",)
    assert payload.line(unknown, OWNED, NOTES, '"') == (
        "not broadcast: `notes` rows go to their owner (`userId`), and this write does not state `userId`, "
        "so afc cannot tell whose row it is (afc reads only what the write itself says)"
    )


def test_several_rows_are_one_change_with_no_row():
    rows = one_write("    const rows: Note[] = [];\n    await db.insert(notes).values(rows);")
    literal = one_write("    await db.insert(notes).values([{ title: 'a' }, { title: 'b' }]);")
    for write in (rows, literal):
        assert write.change is not None and write.change.many
        assert payload.payload(write, NOTES, '"') == '{ table: "notes", action: "created", keys: {}, complete: false }'
    assert isinstance(payload.line(rows, OWNED, NOTES, '"'), str)  # whose rows? nobody can tell: not sent


def test_update_keys_come_from_an_equality_on_the_key_never_from_another_column():
    by_key = one_write("    await db.update(notes).set({ title: input.title }).where(eq(notes.id, id));")
    assert payload.payload(by_key, NOTES, '"') == (
        '{ table: "notes", action: "updated", keys: { id }, row: { id, title: input.title }, complete: false }'
    )
    by_owner = one_write(
        "    await db.update(notes).set({ title: input.title })"
        ".where(and(eq(notes.id, Number(id)), eq(notes.userId, session.user.id)));"
    )
    assert by_owner.change is not None
    assert by_owner.change.where == (("id", "Number(id)"), ("userId", "session.user.id"))
    sent = payload.line(by_owner, OWNED, NOTES, '"')
    assert isinstance(sent, payload.Line) and sent.to == "`user:${session.user.id}`"
    assert "keys: { id: Number(id) }" in sent.payload
    by_unique = one_write("    await db.update(notes).set({ title: input.title }).where(eq(notes.slug, slug));")
    assert "keys: { slug }" in payload.payload(by_unique, NOTES, '"')
    by_other = one_write("    await db.update(notes).set({ title: input.title }).where(eq(notes.title, old));")
    assert "keys: {}" in payload.payload(by_other, NOTES, '"')  # not a key: names no single row
    unstable = one_write("    await db.update(notes).set({ title: 'x' }).where(eq(notes.id, nextId()));")
    assert "keys: {}" in payload.payload(unstable, NOTES, '"')
    either = one_write("    await db.update(notes).set({ title: 'x' }).where(or(eq(notes.id, a), eq(notes.id, b)));")
    assert "keys: {}" in payload.payload(either, NOTES, '"')


def test_delete_by_key():
    write = one_write("    await db.delete(notes).where(eq(notes.id, id));")
    assert payload.payload(write, NOTES, '"') == (
        '{ table: "notes", action: "deleted", keys: { id }, row: { id }, complete: false }'
    )


def test_a_prisma_select_limits_what_is_read_from_the_kept_result():
    write = one_write(
        "    const post = await prisma.post.create({ data: { title: input.title, authorId: session.user.id }, "
        "select: { id: true } });\n    return post.id;"
    )
    assert write.change is not None and write.change.kept_fields == ("id",)
    sent = payload.line(write, BY_AUTHOR, POSTS, '"')
    assert isinstance(sent, payload.Line)
    assert sent.to == "`user:${session.user.id}`"  # never `post.authorId`: the select drops it
    assert "post.authorId" not in sent.payload + sent.to
    assert sent.payload == (
        '{ table: "post", action: "created", keys: { id: post.id }, '
        "row: { title: input.title, authorId: session.user.id, id: post.id }, complete: false }"
    )


def test_a_prisma_include_sends_the_row_s_own_columns_only():
    write = one_write(
        "    const post = await prisma.post.update({ where: { id }, data: { title: 'x' }, include: { author: true } });"
    )
    sent = payload.line(write, BY_AUTHOR, POSTS, '"')
    assert isinstance(sent, payload.Line)
    assert "row: { id: post.id, title: post.title, authorId: post.authorId }, complete: true" in sent.payload


MEMBERS = Table("Member", ("id", "teamId", "userId", "role"), {"userId": "User"}, orm="prisma", keys=("id",))


def test_a_prisma_upsert_by_a_compound_key_states_the_key_fields_and_what_create_and_update_share():
    write = one_write(
        "    await prisma.member.upsert({ where: { teamId_userId: { teamId: input.title, userId } }, "
        "create: { teamId: input.title, userId, role: 'member' }, update: { role: 'member' }, });"
    )
    assert write.change.where == (("teamId", "input.title"), ("userId", "userId"))
    assert write.change.fields == (("role", "'member'"),)  # `teamId` and `userId` only in `create`: not sure
    sent = payload.line(write, OWNED, MEMBERS, '"')
    assert isinstance(sent, payload.Line) and sent.to == "`user:${userId}`"  # the owner, from the compound key
    assert "row: { teamId: input.title, userId, role: 'member' }" in sent.payload
    # a filter on one field is no compound key; differing values are not stated
    other = one_write(
        "    await prisma.member.upsert({ where: { id: { in: [id] } }, create: { role: 'a' }, update: { role: 'b' } });"
    )
    assert other.change.where == () and other.change.fields == ()


def test_a_prisma_write_not_kept_and_many():
    created = one_write("    await prisma.post.create({ data: { title: input.title, authorId: userId } });")
    sent = payload.line(created, BY_AUTHOR, POSTS, '"')
    assert isinstance(sent, payload.Line) and sent.to == "`user:${userId}`" and sent.checks == ("userId != null",)
    many = one_write("    await prisma.post.updateMany({ where: { authorId: userId }, data: { title: 'x' } });")
    assert payload.payload(many, POSTS, '"') == '{ table: "post", action: "updated", keys: {}, complete: false }'
    # the owner its filter states owns every row it changes (issue 18: it was not sent before)
    owned = payload.line(many, BY_AUTHOR, POSTS, '"')
    assert isinstance(owned, payload.Line) and owned.to == "`user:${userId}`" and owned.checks == ("userId != null",)
    everyone = one_write("    await prisma.post.updateMany({ data: { title: 'x' } });")
    assert isinstance(payload.line(everyone, BY_AUTHOR, POSTS, '"'), str)
    public = Audience(Reach.PUBLIC, "tied to no one")
    assert payload.line(many, public, POSTS, "'") == payload.Line(
        "{ table: 'post', action: 'updated', keys: {}, complete: false }", "'public'"
    )


def test_a_write_under_a_condition_or_returned_at_once_is_wrapped_and_one_never_run_is_not():
    # once "not wired" (afc asked users to keep the row); the write is wrapped now (test_writes_wrap.py)
    conditional = one_write("    if (input.title) await db.delete(notes).where(eq(notes.id, id));")
    assert conditional.wirable and conditional.wrapped and conditional.change.where == (("id", "id"),)
    returned = one_write("    return db.delete(notes).where(eq(notes.id, id));")
    assert returned.wirable and returned.wrapped
    # a builder nobody awaits never runs: wrapping it would run it, so it is left, with the reason
    kept_for_later = one_write("    const later = input.title ? db.delete(notes).where(eq(notes.id, id)) : null;")
    assert not kept_for_later.wirable and kept_for_later.reason.startswith("kept in `later` before it runs")


# -- Boundaries (issue 20 item 5): what a change carries, each check on both sides.


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("this", True),
        ("this.userId", True),
        ("null", True),
        ("undefined", True),
        ("true", True),
        ("false", True),
        ("(id)", True),
        ("id!", True),
        ("id satisfies string", True),
        ("(f())", False),
        ("`a${id}b${user.id}`", True),
        ("`a${id}b${f()}`", False),
        ("`a${id /* the key */}`", True),
        ("f().id", False),
        ("rows[0]", True),
        ("f()[0]", False),
        ("rows[`k`]", False),
        ("-x", False),
        ("+1", False),
        ("String(id)", True),
        ("BigInt(id)", True),
        ("Boolean(id)", True),
        ("Number(id, 10)", False),
        ("Number()", False),
        ("parseInt(id)", False),
        ("Number(f())", False),
        ("a + b", False),
        ("[id]", False),
        ("{ id }", False),
        ("x = 1", False),
    ],
)
def test_stable_on_both_sides(expression, expected):
    assert change.stable(node(expression)) is expected


def test_nothing_is_not_stable():
    assert change.stable(None) is False


def test_a_shorthand_property_is_its_variable():
    assert change.stable(node("{ id }").find(kind="shorthand_property_identifier")) is True


@pytest.mark.parametrize(
    ("condition", "found"),
    [
        ("eq(notes.id, id)", (("id", "id"),)),
        ("eq(schema.notes.id, id)", (("id", "id"),)),
        ("(eq(notes.id, id))", (("id", "id"),)),
        ("eq((notes.id), id)", (("id", "id"),)),
        ("eq(notes.id, Number(id))", (("id", "Number(id)"),)),
        ("and(eq(notes.id, id), eq(notes.userId, session.user.id))", (("id", "id"), ("userId", "session.user.id"))),
        ("and(eq(notes.id, id), or(eq(notes.slug, s), eq(notes.slug, t)))", (("id", "id"),)),
        ("or(eq(notes.id, id), eq(notes.slug, s))", ()),
        ("ne(notes.id, id)", ()),
        ("inArray(notes.id, ids)", ()),
        ("eq(others.id, id)", ()),
        ("eq(notesArchive.id, id)", ()),
        ("eq(notes.id, f())", ()),
        ("eq(notes.id)", ()),
        ("eq(notes.id, id, x)", ()),
        ("eq(id, notes.id)", ()),
        ("eq(notes['id'], id)", ()),
        ("and()", ()),
        ("notes", ()),
    ],
)
def test_drizzle_where_states_only_equalities_on_the_written_table(condition, found):
    assert change.drizzle_where(node(condition), "notes") == found


def test_drizzle_where_of_nothing():
    assert change.drizzle_where(None, "notes") == ()


@pytest.mark.parametrize(
    ("where", "found"),
    [
        ("{ id, userId: session.user.id }", (("id", "id"), ("userId", "session.user.id"))),
        ("{ _id: key }", (("_id", "key"),)),
        ("{ AND: [a, b], id }", (("id", "id"),)),
        ("{ AND: filters, OR: undefined, id }", (("id", "id"),)),  # an operator, not a column
        ("{ eTag: tag }", (("eTag", "tag"),)),
        ("({ id })", (("id", "id"),)),
        ("where", ()),
    ],
)
def test_prisma_where_states_its_plain_equalities(where, found):
    assert change.prisma_where(node(where)) == found
    assert change.prisma_where(None) == ()


@pytest.mark.parametrize(
    ("select", "kept"),
    [
        ("{ id: true, title: true, body: false }", ("id", "title")),
        ("{ id: t.id, slug: t.slug }", ("id", "slug")),
        ("({ id: true })", ("id",)),
        ("{ id }", ("id",)),
        ("{ ...base, id: true }", ("id",)),  # what a spread keeps, afc cannot name: it sends none of it
        ("{}", ()),
        ("fields", None),
    ],
)
def test_selected(select, kept):
    assert change.selected(node(select)) == kept
    assert change.selected(None) is None


def call(expression: str, function: str):
    root = node(expression)
    return next(c for c in [root, *root.find_all(kind="call_expression")] if c.field("function").text() == function)


@pytest.mark.parametrize(
    ("expression", "kept"),
    [
        ("prisma.post.create({ data, select: { id: true } })", (("id",), False)),
        ("prisma.post.create({ data, select: {} })", ((), False)),
        ("prisma.post.create({ data, select: fields })", ((), False)),
        ("prisma.post.create({ data, select: { id: true }, include: { tags: true } })", (("id",), False)),
        ("prisma.post.create({ data, include: { tags: true } })", (None, True)),
        ("prisma.post.create({ data })", (None, False)),
        ("prisma.post.create()", (None, False)),
    ],
)
def test_prisma_kept(expression, kept):
    assert change.prisma_kept(call(expression, "prisma.post.create")) == kept


@pytest.mark.parametrize(
    ("expression", "kept"),
    [
        ("db.insert(notes).values(v).returning()", None),
        ("db.insert(notes).values(v).returning({ id: notes.id })", ("id",)),
        ("db.insert(notes).values(v).returning({})", ()),
        ("db.insert(notes).values(v)", None),
        ("db.insert(notes).values(v).returning(fields)", ()),  # not read: nothing, never the whole row
        ("db.insert(notes).values(v).onConflictDoNothing().returning({ slug: notes.slug })", ("slug",)),
    ],
)
def test_drizzle_kept(expression, kept):
    assert change.drizzle_kept(call(expression, "db.insert")) == kept
