"""Owner lookups (`lookups.py`) and the lines that call them (`writes/payload.py`, `writes/inserter.py`): a
write naming its owner's row by a reference or by its own key sends to what the lookup returns; a delete
looks the owner up before the row is gone; several rows at once, or nothing afc can read, still go to
nobody with the reason; the client is imported as the app's own code imports it."""

import pytest

from afc_realtime import lookups
from afc_realtime.audience import Audience, Channel, Hop, Reach
from afc_realtime.datamodel import DataModel, Table
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Edit, Skip
from afc_realtime.features import toolkit
from afc_realtime.writes import actions, approuter, inserter, payload
from afc_realtime.writes.site import Write
from tests.support.writes import sites

PATH = "app/actions.ts"
CHAT = Table("chat", ("id", "userId"), {"userId": "users"}, keys=("id",))
MESSAGES = Table("message", ("id", "chatId", "body"), {"chatId": "chat"}, keys=("id",))
VIA_CHAT = Audience(Reach.PRIVATE, "the chat's", (Channel("user", "userId", (Hop("chatId", "chat", "id"),)),))
INVITES = Table("invitations", ("id", "invitedBy", "role"), {"invitedBy": "users"}, keys=("id",))
INVITED = Audience(Reach.PRIVATE, "the inviter's", (Channel("user", "invitedBy"),))


def one_write(body: str) -> tuple[ts.TsFile, Write]:
    text = f'"use server";\nexport async function act(id: number, chatId: string) {{\n{body}\n}}\n'
    file = ts.load(PATH, text)
    assert isinstance(file, ts.TsFile)
    [found] = sites(actions, PATH, text)
    assert isinstance(found, Write), found
    return file, found


def test_a_child_row_stating_its_parent_sends_to_the_parents_owner_lookup():
    _, write = one_write("    await db.insert(message).values({ chatId, body: 'hi' });")
    sent = payload.line(write, VIA_CHAT, MESSAGES, '"', lookups=True)
    assert isinstance(sent, payload.Line)
    assert sent.to == "ownersOfChat(chatId)" and sent.checks == ("chatId != null",) and sent.before is None
    assert sent.lookup == lookups.Lookup("chat", "id", (Channel("user", "userId"),))
    without = payload.line(write, VIA_CHAT, MESSAGES, '"')  # no client to look it up through
    assert isinstance(without, str) and "looks owners up only through the app's own database client" in without


def test_an_update_by_key_looks_the_owner_up_after_and_a_delete_before_the_write():
    _, update = one_write("    await db.update(invitations).set({ role: 'admin' }).where(eq(invitations.id, id));")
    sent = payload.line(update, INVITED, INVITES, '"', lookups=True)
    assert isinstance(sent, payload.Line) and sent.to == "ownersOfInvitations(id)" and sent.before is None
    file, delete = one_write("    await db.delete(invitations).where(eq(invitations.id, id));")
    gone = payload.line(delete, INVITED, INVITES, '"', lookups=True)
    assert isinstance(gone, payload.Line) and gone.to == f"realtimeOwners{delete.line}"
    assert gone.before == f"const realtimeOwners{delete.line} = await ownersOfInvitations(id)"
    edit = inserter.broadcast(file, delete, "invitation-deleted", "broadcast", gone)
    assert isinstance(edit, Edit) and len(edit.insertions) == 2
    assert edit.insertions[0].text.strip() == f"const realtimeOwners{delete.line} = await ownersOfInvitations(id);"
    assert edit.insertions[0].offset < edit.insertions[1].offset  # before the delete, the broadcast after


def test_a_delete_outside_an_async_function_is_not_wired():
    route = "app/api/x/route.ts"
    text = "export function DELETE() {\n    db.delete(invitations).where(eq(invitations.id, 7));\n}\n"
    [delete] = sites(approuter, route, text)
    assert isinstance(delete, Write) and delete.wirable
    gone = payload.line(delete, INVITED, INVITES, '"', lookups=True)
    assert isinstance(gone, payload.Line)
    skipped = inserter.broadcast(file_of(text, route), delete, "invitation-deleted", "broadcast", gone)
    assert isinstance(skipped, Skip) and "lookup of the deleted row's owner" in skipped.reason


def test_a_write_with_no_filter_goes_to_nobody_with_the_reason():
    _, many = one_write("    await db.update(invitations).set({ role: 'admin' });")
    reason = payload.line(many, INVITED, INVITES, '"', lookups=True)
    assert isinstance(reason, str) and "does not state `invitedBy`" in reason
    assert reason.endswith("and afc cannot look its rows' owners up: it has no `where`")


OWNED_NOTES = Table("note", ("id", "userId", "read", "at"), {"userId": "User"}, keys=("id",), orm="prisma")
OWNED = Audience(Reach.PRIVATE, "owned", (Channel("user", "userId"),))
TABLE_LEVEL = "keys: {}, complete: false }"


def test_a_filter_naming_its_rows_by_another_column_looks_their_owners_up_before_the_write():
    file, by_role = one_write("    await db.delete(invitations).where(eq(invitations.role, 'x'));")
    sent = payload.line(by_role, INVITED, INVITES, '"', lookups=True)
    assert isinstance(sent, payload.Line) and sent.to == f"realtimeOwners{by_role.line}" and sent.checks == ()
    assert (
        sent.before
        == f"const realtimeOwners{by_role.line} = await ownersOfInvitationsMatching(eq(invitations.role, 'x'))"
    )
    assert sent.lookup == lookups.Lookup("invitations", "", INVITED.channels, matching=True)
    edit = inserter.broadcast(file, by_role, "invitation-deleted", "broadcast", sent)
    assert isinstance(edit, Edit) and edit.insertions[0].offset < edit.insertions[1].offset  # read first
    _, several = one_write(
        "    await prisma.note.updateMany({\n        where: { read: false, at: { lt: since } },\n"
        "        data: { read: true },\n    });"
    )
    many = payload.line(several, OWNED, OWNED_NOTES, '"', lookups=True)
    assert isinstance(many, payload.Line) and many.payload.endswith(TABLE_LEVEL)
    assert many.before is not None and many.before.endswith(
        "await ownersOfNoteMatching({ read: false, at: { lt: since } })"  # one line: the filter, repeated
    )


@pytest.mark.parametrize(
    ("body", "to"),
    [
        # the owner an equality of the filter states names every row's channel
        ("await prisma.note.updateMany({ where: { userId: id, read: false }, data: { read: true } });", "`user:${id}`"),
        (
            "await db.update(note).set({ read: true }).where(and(eq(note.userId, chatId), eq(note.read, false)));",
            "`user:${chatId}`",
        ),
        # several rows inserted: the owners they state
        (
            "await prisma.note.createMany({ data: [{ userId: id, at: 1 }, { userId: chatId, at: 2 }] });",
            "[`user:${id}`, `user:${chatId}`]",
        ),
        ("await db.insert(note).values([{ userId: id, read: true }, { userId: id, read: false }]);", "`user:${id}`"),
        ("await prisma.note.createMany({ data: items.map((item) => ({ at: item.at, userId: id })) });", "`user:${id}`"),
    ],
)
def test_several_rows_go_to_the_owners_their_write_states(body, to):
    _, write = one_write(f"    {body}")
    sent = payload.line(write, OWNED, OWNED_NOTES, '"', lookups=True)
    assert isinstance(sent, payload.Line) and sent.to == to and sent.lookup is None, sent
    assert sent.payload.endswith(TABLE_LEVEL) or "keys: {}" in sent.payload


@pytest.mark.parametrize(
    ("body", "why"),
    [
        # the owner depends on the callback's item: no one owner, and an insert has no filter to look up
        ("await prisma.note.createMany({ data: items.map((item) => ({ userId: item.owner })) });", "several rows"),
        ("await prisma.note.createMany({ data: rows });", "several rows"),
        # an upsert may create its row: looked up before, no row would name its owner
        (
            "await prisma.note.upsert({ where: { at: 1 }, create: { read: true }, update: { read: true } });",
            "an upsert may create its row",
        ),
        # a filter afc cannot evaluate again: another value the second time, or a query of its own
        ("await prisma.note.deleteMany({ where: { at: { lt: new Date() } } });", "holds `new Date()`"),
        ("await db.delete(note).where(lt(note.at, sql`now()`));", "holds `sql`now()``"),
        ("await db.delete(note).where(eq(note.read, await isRead()));", "holds `await isRead()`"),
        ("await prisma.note.deleteMany({ where: { read: false /* old */ } });", "holds a comment"),
        # inside a transaction, after other statements (which may change which rows match), where no line of
        # its own can read them in the transaction: a batch, a transaction returned (wrapped), a nested callback
        (
            "await prisma.$transaction([prisma.note.findMany(), prisma.note.deleteMany({ where: { read } })]);",
            "it runs in a transaction",
        ),
        (
            "return db.transaction(async (tx) => { await audit(tx, id); "
            "await tx.delete(note).where(eq(note.read, true)); });",
            "it runs in a transaction, after other statements of it",
        ),
        (
            "await db.transaction(async (tx) => { await audit(tx, id); "
            "await Promise.all([1].map(async () => { await tx.delete(note).where(eq(note.read, true)); })); });",
            "it runs in a transaction",
        ),
    ],
)
def test_rows_whose_owners_afc_cannot_read_go_to_nobody_with_the_reason(body, why):
    _, write = one_write(f"    {body}")
    sent = payload.line(write, OWNED, OWNED_NOTES, '"', lookups=True)
    assert isinstance(sent, str) and why in sent and sent.startswith("not broadcast: `note` rows go to"), sent


@pytest.mark.parametrize(
    "body",
    [
        "await db.transaction(async (tx) => {\n        await tx.delete(note).where(eq(note.read, true));\n"
        "        await tx.insert(note).values({ userId: id });\n    });",
        "await prisma.$transaction([prisma.note.deleteMany({ where: { read: true } }), prisma.note.create({ data })]);",
    ],
)
def test_the_first_write_of_a_transaction_looks_its_rows_owners_up_before_the_transaction(body):
    text = f'"use server";\nexport async function act(id: number) {{\n    {body}\n}}\n'
    file = ts.load(PATH, text)
    assert isinstance(file, ts.TsFile)
    write, second = sites(actions, PATH, text)
    assert isinstance(write, Write) and isinstance(second, Write)
    sent = payload.line(write, OWNED, OWNED_NOTES, '"', lookups=True)
    assert isinstance(sent, payload.Line) and sent.before is not None and "ownersOfNoteMatching(" in sent.before
    edit = inserter.broadcast(file, write, "note-deleted", "broadcast", sent)
    assert isinstance(edit, Edit)
    lookup, line = (file.text[: i.offset].count("\n") for i in edit.insertions)
    transaction = next(n for n, text in enumerate(file.text.splitlines()) if "transaction" in text)
    assert lookup == transaction < line  # read before the transaction begins, sent once it committed


@pytest.mark.parametrize(
    ("body", "pushed"),
    [
        # after another statement of the transaction, by its own filter, named with what is declared in it
        (
            "await db.transaction(async (tx) => {\n        const flag = await audit(tx, id);\n"
            "        await tx.delete(note).where(eq(note.read, flag));\n    });",
            "ownersOfNoteMatching(eq(note.read, flag), tx)",
        ),
        (
            "await prisma.$transaction(async (trx) => {\n        await trx.note.create({ data: { userId: id } });\n"
            "        await trx.note.updateMany({ where: { read: false }, data: { read: true } });\n    });",
            "ownersOfNoteMatching({ read: false }, trx)",
        ),
        # by its key, declared in the transaction: a row the transaction itself may have written
        (
            "await db.transaction(async (tx) => {\n"
            "        const [made] = await tx.insert(note).values({}).returning();\n"
            "        for (const n of [1, 2]) {\n            await tx.delete(note).where(eq(note.id, made.id));\n"
            "        }\n    });",
            "ownersOfNote(made.id, tx)",
        ),
    ],
)
def test_a_later_write_of_a_transaction_looks_its_owners_up_inside_it_through_its_client(body, pushed):
    text = f'"use server";\nexport async function act(id: number) {{\n    {body}\n}}\n'
    file = ts.load(PATH, text)
    assert isinstance(file, ts.TsFile)
    write = sites(actions, PATH, text)[-1]
    assert isinstance(write, Write) and write.inside is not None, write
    sent = payload.line(write, OWNED, OWNED_NOTES, '"', lookups=True)
    held = f"realtimeOwners{write.line}"
    assert isinstance(sent, payload.Line), sent
    assert sent.before == f"const {held}: string[] = []" and sent.to == held
    assert sent.inside is not None and sent.inside.endswith(f"{held}.push(...(await {pushed}))")
    edit = inserter.broadcast(file, write, "note-changed", "broadcast", sent)
    assert isinstance(edit, Edit), edit
    declared, looked_up, line = (file.text[: i.offset].count("\n") for i in edit.insertions)
    lines = file.text.splitlines()
    transaction = next(n for n, text in enumerate(lines) if "transaction(" in text)
    # the list declared before the transaction, filled right before the write in it, sent once it committed
    assert declared == transaction and lines[looked_up].lstrip().startswith("await t") and line > looked_up
    assert lines[line - 1].strip() == "});"
    assert all(toolkit._source_line(i.text.rstrip("\n")) for i in edit.insertions)


def test_a_later_write_of_a_transaction_with_no_filter_keeps_its_own_reason():
    # rows afc cannot see and no filter: the transaction is not what stops a lookup, and the reason says so
    body = "await prisma.$transaction(async (tx) => { await audit(tx); await tx.note.createMany({ data: rows }); });"
    _, write = one_write(f"    {body}")
    sent = payload.line(write, OWNED, OWNED_NOTES, '"', lookups=True)
    assert isinstance(sent, str) and "changes several rows at once" in sent and "transaction" not in sent, sent


def test_several_rows_pointing_at_one_parent_look_its_owner_up():
    for body in (
        "await prisma.message.deleteMany({ where: { chatId } });",
        "await db.delete(message).where(and(eq(message.chatId, chatId), gt(message.id, 10)));",
    ):
        _, write = one_write(f"    {body}")
        sent = payload.line(write, VIA_CHAT, MESSAGES, '"', lookups=True)
        assert isinstance(sent, payload.Line) and sent.to == "ownersOfChat(chatId)" and sent.before is None


def test_a_lookup_is_named_by_its_table_and_key_and_a_clash_is_refused():
    assert lookups.Lookup("viewer_groups", "id", ()).function() == "ownersOfViewerGroups"
    assert lookups.Lookup("Invitation", "slug", ()).function() == "ownersOfInvitationBySlug"
    found = lookups.Lookups()
    first = lookups.Lookup("chat", "id", (Channel("user", "userId"),))
    found.add(first)
    assert found.can_add(first)
    assert not found.can_add(lookups.Lookup("chat", "id", (Channel("user", "ownerId"),)))


def file_of(text: str, path: str = "apps/web/src/app/api/x/route.ts") -> ts.TsFile:
    loaded = ts.load(path, text)
    assert isinstance(loaded, ts.TsFile)
    return loaded


def test_the_client_is_imported_as_the_writes_file_imports_it():
    default = file_of('import prisma from "@/lib/prisma";\nawait prisma.chat.create({ data: {} });\n')
    assert lookups.client_at(default, 2, "prisma") == lookups.Client("prisma", "default", "@/lib/prisma", True)
    aliased = file_of('import { db as database } from "../../db";\nawait database.insert(t).values({});\n')
    assert lookups.client_at(aliased, 2, "drizzle") == lookups.Client("drizzle", "db", "apps/web/src/app/db")
    local = file_of("const db = drizzle(client);\nawait db.insert(t).values({});\n")
    assert lookups.client_at(local, 2, "drizzle") is None  # declared here: nothing another module can import
    elsewhere = file_of('import { db } from "@/db";\nawait db.insert(t).values({});\n')
    assert lookups.client_at(elsewhere, 1, "drizzle") is None  # no write on that line


def test_a_client_the_writing_module_builds_is_passed_to_every_lookup_it_calls():
    own = file_of('const db = drizzle(process.env["URL"]!);\nawait db.insert(t).values({});\n')
    assert lookups.client_declared(own, 2) == "db"
    exported = file_of("export const db = drizzle(pool);\nawait db.update(t).set({});\n")
    assert lookups.client_declared(exported, 2) == "db"
    # the other side: a client imported, built by something else, or declared in a function
    assert lookups.client_declared(file_of('import { db } from "@/db";\nawait db.insert(t).values({});\n'), 2) is None
    assert lookups.client_declared(file_of("const db = makeDb();\nawait db.insert(t).values({});\n"), 2) is None
    inner = file_of("async function f() {\n  const db = drizzle(url);\n  await db.insert(t).values({});\n}\n")
    assert lookups.client_declared(inner, 3) is None
    _, write = one_write("    await db.insert(message).values({ chatId, body: 'hi' });")
    sent = payload.line(write, VIA_CHAT, MESSAGES, '"', lookups=True, through="db")
    assert isinstance(sent, payload.Line) and sent.to == "ownersOfChat(chatId, db)"
    _, gone = one_write("    await db.delete(invitations).where(eq(invitations.role, 'x'));")
    held = payload.line(gone, INVITED, INVITES, '"', lookups=True, through="db")
    assert isinstance(held, payload.Line) and held.before is not None and held.before.endswith("'x'), db)")
    assert toolkit._source_line(f"    {held.before};")  # `remove` may cut it
    assert toolkit._source_line(f"    broadcast('', {sent.payload}, {{ to: {sent.to} }});")
    model = DataModel({"chat": Table("chat", ("id", "userId"), {}, where="db/schema.ts:3")})
    schema = 'import { pgTable, text } from "drizzle-orm/pg-core";\n'
    lookup = lookups.Lookup("chat", "id", (Channel("user", "userId"),))
    text = lookups._drizzle(lookup, model, "db", "".join(lookups.DIALECTS["pg"]))
    # typed by the dialect's database class, which the module's client and a transaction's both extend;
    # required: there is no client to default to
    assert 'ownersOfChat(key: (typeof chat.$inferSelect)["id"], client: PgDatabase<any, any, any>)' in text
    assert lookups.dialect(_Tree({"db/schema.ts": schema}), model.tables["chat"]) == "pg"
    assert lookups.dialect(_Tree({"db/schema.ts": schema.replace("pg-core", "mysql-core")}), model.tables["chat"])
    assert lookups.dialect(_Tree({"db/schema.ts": "export const chat = table();\n"}), model.tables["chat"]) is None


class _Tree:
    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def read_text(self, path: str) -> str | None:
        return self.files.get(path)


def test_a_prisma_lookup_reads_one_row_per_reference_and_a_drizzle_one_joins():
    votes = Table("Vote", ("id", "messageId"), {"messageId": "Message"}, where="s.prisma:1", orm="prisma")
    message = Table("Message", ("id", "chatId"), {"chatId": "Chat"}, where="s.prisma:1", orm="prisma")
    chat = Table("Chat", ("id", "userId"), {"userId": "User"}, where="s.prisma:1", orm="prisma")
    model = DataModel({t.name: t for t in (votes, message, chat)})
    lookup = lookups.Lookup("Message", "id", (Channel("user", "userId", (Hop("chatId", "Chat", "id"),)),))
    text = lookups._prisma(lookup, model, _NoTree(), "prisma")
    # through the client it is given (a transaction's), else the app's: typed by the delegates it reads
    assert 'ownersOfMessage(key: string, client: Pick<typeof prisma, "message" | "chat"> = prisma)' in text
    assert "await client.message.findFirst({ where: { id: key }, select: { chatId: true } });" in text
    assert "row0x0 && row0x0.chatId != null ? await client.chat.findFirst({ where: { id: row0x0.chatId }" in text
    assert "if (row0x1?.userId != null) channels.push(`user:${row0x1.userId}`);" in text
    drizzle = lookups.Lookup("message", "id", (Channel("user", "userId", (Hop("chatId", "chat", "id"),)),))
    joined = lookups._drizzle(drizzle, model, "db")
    assert ".innerJoin(chat, eq(message.chatId, chat.id))" in joined and ".where(eq(message.id, key));" in joined
    assert '(key: (typeof message.$inferSelect)["id"], client: Pick<typeof db, "select"> = db)' in joined
    assert "const found0 = await client\n" in joined


class _NoTree:
    def read_text(self, path: str) -> None:
        return None


def test_a_compound_unique_key_states_each_of_its_fields():
    members = Table("userTeam", ("userId", "teamId", "role"), {"userId": "User"}, orm="prisma")
    owned = Audience(Reach.PRIVATE, "owned", (Channel("user", "userId"),))
    _, write = one_write(
        "    await prisma.userTeam.delete({ where: { userId_teamId: { userId: id, teamId: chatId } } });"
    )
    assert write.change is not None and dict(write.change.where) == {"userId": "id", "teamId": "chatId"}
    sent = payload.line(write, owned, members, '"')
    assert isinstance(sent, payload.Line) and sent.to == "`user:${id}`"
    _, other = one_write("    await prisma.userTeam.delete({ where: { settings: { userId: id } } });")
    assert other.change is not None and other.change.where == ()  # a relation filter, not a key


def test_a_wrapped_delete_looks_its_owner_up_before_and_sends_after():
    # Old behaviour left it unwired ("cannot place the lookup ... before the write"): the wrapper now reads
    # the owners first and only then runs the delete, `ownersOf(key).then((owners) => broadcastAfter(...))`.
    body = "    await Promise.all([7, 8].map((id) => db.delete(invitations).where(eq(invitations.id, id))));"
    file, delete = one_write(body)
    assert delete.wrapped
    gone = payload.line(delete, INVITED, INVITES, '"', lookups=True)
    assert isinstance(gone, payload.Line) and gone.before is not None
    edit = inserter.broadcast(file, delete, "invitation-deleted", "broadcast", gone)
    assert isinstance(edit, Edit), edit
    held = f"realtimeOwners{delete.line}"
    wired = edit.insertions[0].text + "<write>" + edit.insertions[1].text
    assert wired == (
        f"ownersOfInvitations(id).then(({held}) => broadcastAfter(<write>, () => "
        '{ if (id != null) broadcast("invitation-deleted", { table: "invitations", action: "deleted", '
        f"keys: {{ id }}, row: {{ id }}, complete: false }}, {{ to: {held} }}); }}))"
    )
    # a delete in a transaction goes out once the transaction committed: its owners are read before the
    # transaction starts, by a key in scope there (what is declared inside is left out of the change)
    batch = "    return prisma.$transaction([prisma.invitations.delete({ where: { id } })]);"
    file, listed = one_write(batch)
    gone = payload.line(listed, INVITED, INVITES, '"', lookups=True)
    assert isinstance(gone, payload.Line) and listed.wrapped
    edit = inserter.broadcast(file, listed, "invitation-deleted", "broadcast", gone)
    assert isinstance(edit, Edit), edit
    assert edit.insertions[0].text == f"ownersOfInvitations(id).then((realtimeOwners{listed.line}) => broadcastAfter("
    assert file.text[edit.insertions[0].offset :].startswith("prisma.$transaction(")
    # the other side: no key in scope before the transaction (declared inside it): nothing to look up by
    inner = (
        "    return prisma.$transaction(async (tx) => {\n      const k = 7;\n"
        "      await tx.invitations.delete({ where: { id: k } });\n    });"
    )
    file, hidden = one_write(inner)
    assert isinstance(payload.line(hidden, INVITED, INVITES, '"', lookups=True), str)
