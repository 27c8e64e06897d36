"""Writes with no statement of their own in the handler's body (issue 18): in a callback (`items.map(...)`,
`.forEach(async ...)`, `after(...)`), returned at once, under a condition. A callback with a block gets its
line right after the write; elsewhere the write is wrapped, `broadcastAfter(<write>, (written) => { ... })`,
which runs it, sends its change and gives its result back. Every edit comes out byte for byte."""

from afc_realtime.writes import actions, inserter
from afc_realtime.writes.site import Write
from tests.support.roundtrip import round_trip
from tests.support.writes import edits, sites, wire

PATH = "app/actions.ts"


HEAD = '"use server";\nexport async function act(items: { title: string }[], ok: boolean, id: number) {\n'


def action(body: str) -> str:
    return f"{HEAD}{body}}}\n"


def wired(body: str) -> str:
    text = action(body)
    return round_trip(inserter, text, *edits(wire(actions, PATH, text)))


def test_a_write_in_a_callback_with_a_block_gets_its_line_inside_the_callback():
    new = wired("  items.forEach(async (i) => {\n    await db.insert(todos).values({ title: i.title });\n  });\n")
    assert new == action(
        "  items.forEach(async (i) => {\n    await db.insert(todos).values({ title: i.title });\n"
        '    broadcast("todo-created", { table: "todos", action: "created", keys: {}, row: { title: i.title }, '
        'complete: false }, { to: "public" });\n  });\n'
    )


def test_an_arrow_returning_the_write_is_wrapped_in_place():
    new = wired("  await Promise.all(items.map((i) => db.insert(todos).values({ title: i.title })));\n")
    assert new == action(
        "  await Promise.all(items.map((i) => broadcastAfter(db.insert(todos).values({ title: i.title }), () => { "
        'broadcast("todo-created", { table: "todos", action: "created", keys: {}, row: { title: i.title }, '
        'complete: false }, { to: "public" }); })));\n'
    )


def test_a_write_under_a_condition_a_ternary_or_and_is_wrapped():
    for shape in (
        "  if (ok) await db.delete(todos).where(eq(todos.id, id));\n",
        "  ok ? await db.delete(todos).where(eq(todos.id, id)) : null;\n",
        "  ok && (await db.delete(todos).where(eq(todos.id, id)));\n",
    ):
        new = wired(shape)
        assert (
            'await broadcastAfter(db.delete(todos).where(eq(todos.id, id)), () => { broadcast("todo-deleted", '
            '{ table: "todos", action: "deleted", keys: { id }, row: { id }, complete: false }, { to: "public" }); })'
            in new
        ), new


def test_a_returned_row_is_read_from_the_wrapped_result():
    drizzle = wired("  return db.insert(todos).values({ title: 't' }).returning();\n")
    assert drizzle == action(
        "  return broadcastAfter(db.insert(todos).values({ title: 't' }).returning(), (written) => { "
        'if (written[0]) broadcast("todo-created", { table: "todos", action: "created", keys: { id: written[0].id }, '
        'row: written[0], complete: true }, { to: "public" }); });\n'
    )
    prisma = wired('  return prisma.post.update({ where: { id: "p" }, data: { title: "t" }, select: { id: true } });\n')
    assert (
        '(written) => { broadcast("post-updated", { table: "post", action: "updated", keys: { id: written.id }, '
        'row: { id: written.id, title: "t" }, complete: false }, { to: "public" }); })' in prisma
    )


def test_a_write_in_a_callback_inside_a_transaction_is_sent_after_it_commits():
    new = wired(
        "  await db.transaction(async (tx) => {\n"
        "    await Promise.all(items.map((i) => tx.insert(todos).values({ title: i.title, done: ok })));\n  });\n"
        "  await prisma.$transaction(items.map((i) => prisma.tag.create({ data: { name: i.title } })));\n"
    )
    # never from inside the transaction; `i` is out of scope after it: the change carries what is in scope
    assert new == action(
        "  await db.transaction(async (tx) => {\n"
        "    await Promise.all(items.map((i) => tx.insert(todos).values({ title: i.title, done: ok })));\n  });\n"
        '  broadcast("todo-created", { table: "todos", action: "created", keys: {}, row: { done: ok }, '
        'complete: false }, { to: "public" });\n'
        "  await prisma.$transaction(items.map((i) => prisma.tag.create({ data: { name: i.title } })));\n"
        '  broadcast("tag-created", { table: "tag", action: "created", keys: {}, complete: false }, '
        '{ to: "public" });\n'
    )
    [first, _] = sites(
        actions,
        PATH,
        action(
            "  await db.transaction(async (tx) => {\n"
            "    await Promise.all(items.map((i) => tx.insert(todos).values({ title: i.title, done: ok })));\n  });\n"
            "  await prisma.$transaction(items.map((i) => prisma.tag.create({ data: { name: i.title } })));\n"
        ),
    )
    assert isinstance(first, Write) and first.change.left_out == (
        "`title` (from `i`, declared inside the transaction)",
    )


def test_a_builder_kept_for_later_is_not_run_by_afc():
    # Old reason: "it runs under a condition"; it is kept before it runs (awaited at once after, it is wired:
    # the test below)
    text = action("  const q = ok ? db.delete(todos).where(eq(todos.id, id)) : undefined;\n  check();\n  await q;\n")
    [found] = sites(actions, PATH, text)
    assert isinstance(found, Write) and not found.wirable and found.reason.startswith("kept in `q` before it runs")


def test_a_returned_transaction_is_wrapped_once_per_write_and_sends_after_it_commits():
    new = wired(
        "  return db.transaction(async (tx) => {\n"
        "    await tx.update(todos).set({ done: ok }).where(eq(todos.id, id));\n"
        "    await tx.delete(todos).where(eq(todos.id, 0));\n  });\n"
    )
    assert new == action(
        "  return broadcastAfter(broadcastAfter(db.transaction(async (tx) => {\n"
        "    await tx.update(todos).set({ done: ok }).where(eq(todos.id, id));\n"
        "    await tx.delete(todos).where(eq(todos.id, 0));\n"
        '  }), () => { broadcast("todo-updated", { table: "todos", action: "updated", keys: { id }, '
        'row: { id, done: ok }, complete: false }, { to: "public" }); }), () => { broadcast("todo-deleted", '
        '{ table: "todos", action: "deleted", keys: { id: 0 }, row: { id: 0 }, complete: false }, '
        '{ to: "public" }); });\n'
    )


def test_writes_listed_in_promise_all_and_branches_of_a_returned_ternary_are_wrapped():
    new = wired(
        "  await Promise.all([\n    ok && prisma.post.delete({ where: { id: 'a' } }),\n"
        "    ...(ok ? [prisma.tag.create({ data: { name: 'n' } })] : []),\n  ]);\n"
        "  return ok ? prisma.tag.update({ where: { id: 't' }, data: { name: 'm' } }) : null;\n"
    )
    assert "    ok && broadcastAfter(prisma.post.delete({ where: { id: 'a' } }), (written) => {" in new
    assert "    ...(ok ? [broadcastAfter(prisma.tag.create({ data: { name: 'n' } }), (written) => {" in new
    assert (
        "  return ok ? broadcastAfter(prisma.tag.update({ where: { id: 't' }, data: { name: 'm' } }), (written)" in new
    )


def test_a_prisma_batch_transaction_is_wrapped_whole_and_sends_once_it_commits():
    new = wired(
        "  await Promise.all(items.map(async (i) =>\n"
        "    prisma.$transaction([prisma.tag.create({ data: { name: i.title } })])));\n"
    )
    assert (
        "    broadcastAfter(prisma.$transaction([prisma.tag.create({ data: { name: i.title } })]), () => { "
        'broadcast("tag-created", { table: "tag", action: "created", keys: {}, row: { name: i.title }, '
        'complete: false }, { to: "public" }); })));\n' in new
    )


def test_a_write_a_plain_function_returns_is_left_for_its_caller():
    # its caller may batch it (`prisma.$transaction([...])`), chain it or keep it: wrapping would break that
    for body in (
        "  const make = (id: string) => prisma.post.delete({ where: { id } });\n"
        "  await prisma.$transaction([make('a')]);\n",
        "  items.forEach((i) => db.insert(todos).values({ title: i.title }));\n",
    ):
        [found] = sites(actions, PATH, action(body))
        assert isinstance(found, Write) and not found.wirable, body
        assert "keep it first" not in found.reason  # never asks the user to rewrite the write
    [returned] = sites(actions, PATH, action("  const make = (id: string) => prisma.post.delete({ where: { id } });\n"))
    assert isinstance(returned, Write) and returned.reason.startswith(
        "returned at once from a function that is not async"
    )


def test_a_file_without_semicolons_gets_none_in_the_wrapper():
    text = (
        '"use server"\nexport async function act(id: number) {\n  return db.delete(todos).where(eq(todos.id, id))\n}\n'
    )
    new = round_trip(inserter, text, *edits(wire(actions, PATH, text)))
    assert new.endswith(
        ', () => { broadcast("todo-deleted", { table: "todos", action: "deleted", keys: { id }, '
        'row: { id }, complete: false }, { to: "public" }) })\n}\n'
    )


def test_a_branch_returned_from_a_plain_function_says_its_caller_may_batch_it():
    # Old reason: "it runs under a condition", true but not why: wrapped in an async function, it is the plain
    # function's caller that may keep or batch the query.
    text = action(
        "  const pick = () => {\n"
        "    return ok ? db.delete(todos).where(eq(todos.id, id)) : db.insert(todos).values({ title: 'x' });\n"
        "  };\n  await Promise.all([pick()]);\n"
    )
    found = [w for w in sites(actions, PATH, text) if isinstance(w, Write)]
    assert found and all(not w.wirable for w in found)
    assert all(w.reason.startswith("returned at once from a function that is not async") for w in found)


def test_a_write_kept_in_a_promise_the_next_statement_awaits_is_wrapped_where_it_is_kept():
    # `const p = ok ? prisma.x.update(...) : Promise.resolve(); await Promise.all([p, ...]);`: it runs at once
    # after, so wrapping it where it is kept changes nothing but the send. Old behaviour: "under a condition".
    new = wired(
        "  const p = ok ? prisma.tag.update({ where: { id }, data: { name: 'x' } }) : Promise.resolve();\n"
        "  await Promise.all([p, Promise.resolve()]);\n"
    )
    assert "const p = ok ? broadcastAfter(prisma.tag.update({ where: { id }, data: { name: 'x' } }), (written)" in new


def test_a_promise_kept_and_not_awaited_at_once_is_no_row_and_is_not_run_by_afc():
    # Old behaviour read `p.name` from the kept promise as if it were the row (a type error in the app); a
    # statement between the two may throw, and then the write never ran: not wired, with the reason.
    for body in (
        "  const p = prisma.tag.update({ where: { id }, data: { name: 'x' } });\n  check();\n  await p;\n",
        "  const p = ok ? prisma.tag.update({ where: { id }, data: { name: 'x' } }) : null;\n  check();\n  await p;\n",
    ):
        [found] = sites(actions, PATH, action(body))
        assert isinstance(found, Write) and not found.wirable and found.row is None, found
        assert "kept in `p` before it runs" in found.reason
