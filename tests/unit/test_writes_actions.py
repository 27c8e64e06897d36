from afc_realtime.audience import Audience, Channel, Reach
from afc_realtime.edits.result import Skip
from afc_realtime.tree import Tree
from afc_realtime.writes import actions, inserter
from afc_realtime.writes.site import Write
from tests.support.roundtrip import round_trip
from tests.support.writes import edits, sites, wire

OWNED = Audience(Reach.PRIVATE, "owned", (Channel("user", "userId"),))

PATH = "app/(dashboard)/actions.ts"

MODULE = """"use server";

import { db, todos } from "@/db";

export const createTodo = validatedAction(schema, async (data, formData) => {
    const [todo] = await db.insert(todos).values({ title: data.title }).returning();
    if (!todo) {
        return { error: "not saved" };
    }
    revalidatePath("/todos");
    return { success: true };
});

export async function renameTodo(id: number, title: string) {
    const [todo] = await db.update(todos).set({ title }).where(eq(todos.id, id)).returning();
    redirect("/todos");
}

export async function deleteTodo(id: number) {
    await db.delete(todos).where(eq(todos.id, id));
}

export async function ping() {
    return "pong";
}
"""


def test_every_exported_async_function_of_a_use_server_module_through_wrappers():
    found = sites(actions, PATH, MODULE)
    assert [(r.handler, r.row, r.action, r.maybe_undefined) for r in found if isinstance(r, Write)] == [
        ("action createTodo", "todo", "created", False),
        ("action renameTodo", "todo", "updated", True),
        ("action deleteTodo", None, "deleted", False),
    ]
    assert [(r.subject, r.reason) for r in found if isinstance(r, Skip)] == [
        ("action ping", "does not write to the database in its own body")
    ]
    new = round_trip(inserter, MODULE, *edits(wire(actions, PATH, MODULE, OWNED, ("id", "userId"))))
    # after the write, past the guard that narrows it; no response carries the row
    assert (
        '    }\n    if (todo.userId != null) broadcast("todo-created", { table: "todos", action: "created", '
        "keys: { id: todo.id }, row: todo, complete: true }, { to: `user:${todo.userId}` });\n    revalidatePath" in new
    )
    assert (
        '.returning();\n    if (todo && todo.userId != null) broadcast("todo-updated", { table: "todos", '
        'action: "updated", keys: { id: todo.id }, row: todo, complete: true }, { to: `user:${todo.userId}` });\n'
        '    redirect("/todos");' in new
    )
    # the delete states no owner: nobody, and the plan says why
    assert any("does not state `userId`" in r.reason for r in wire(actions, PATH, MODULE, OWNED) if isinstance(r, Skip))


def test_function_level_use_server_inside_a_server_component():
    text = (
        'import { db, notes } from "@/db";\n\n'
        "export default function Page() {\n"
        "  async function addNote(formData: FormData) {\n"
        "    'use server'\n"
        "    const note = await prisma.note.create({ data: { body: String(formData.get('body')) } })\n"
        "    revalidatePath('/')\n"
        "  }\n"
        "  return <form action={addNote} />\n"
        "}\n"
    )
    [write] = sites(actions, "app/page.tsx", text)
    assert isinstance(write, Write) and (write.handler, write.orm, write.table, write.row) == (
        "action addNote",
        "prisma",
        "note",
        "note",
    )
    new = round_trip(inserter, text, *edits(wire(actions, "app/page.tsx", text)))
    assert (
        '} })\n    broadcast("note-created", { table: "note", action: "created", keys: { id: note.id }, row: note, '
        'complete: true }, { to: "public" })\n    revalidatePath' in new
    )


def test_files_are_the_ones_that_say_use_server():
    tree = Tree.in_memory(
        {
            "apps/web/app/actions.ts": MODULE,
            "apps/web/app/page.tsx": "export default function P() { return null }\n",
            "packages/x/actions.ts": '"use server";\n',
        }
    )

    class P:
        web = "apps/web"

    sources = ["apps/web/app/actions.ts", "apps/web/app/page.tsx", "packages/x/actions.ts"]
    assert actions.files(P(), tree, sources) == ["apps/web/app/actions.ts"]  # type: ignore[arg-type]
