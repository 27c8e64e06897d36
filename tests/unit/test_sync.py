"""What a sync does with a page that subscribes already (`features/sync.py`, `_Lists`): it extends the list
afc's records wrote, as `remove` would find it (after an earlier sync's items too), once per list; a list
edited by hand, or one no record wrote, is left with a warning that says what to add."""

from afc_realtime import manifest as manifest_mod
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.insertion import Insertion, insert_all
from afc_realtime.edits.result import Edit, Level, Skip
from afc_realtime.features.sync import _Lists
from afc_realtime.pages import find
from afc_realtime.pages.site import Feed, Read

PAGE = "apps/web/src/app/board/page.tsx"
BEFORE = """import { db, todos } from "@typed/db";

export default async function Board() {
    const rows = await db.select().from(todos);
    return (
        <main>
            <p>{rows.length}</p>
        </main>
    );
}
"""
LINE = '            <RealtimeRefresh events={["todo-created"]} />\n'
CREATED = Feed("apps/web/src/app/api/todos/route.ts", "POST", "todos", "todo", "todo-created")
DELETED = Feed("apps/web/src/app/api/todos/route.ts", "DELETE", "todos", "todo", "todo-deleted")
UPDATED = Feed("apps/web/src/app/api/todos/route.ts", "PATCH", "todos", "todo", "todo-updated")


def added() -> tuple[str, Insertion]:
    text, [line] = insert_all(BEFORE, [Insertion(BEFORE.index("            <p>"), LINE, "refresh on todo-created")])
    return text, line


def lists_for(text: str, records: dict[str, dict[str, list[Insertion]]]):
    from afc_realtime.tree import Tree

    manifest = manifest_mod.Manifest(
        {name: manifest_mod.FeatureRecord(name, "0", insertions=ins) for name, ins in records.items()}
    )
    tree = Tree.in_memory({PAGE: text, manifest_mod.PATH: manifest_mod.dump(manifest)})
    file = ts.load(PAGE, text)
    assert isinstance(file, ts.TsFile)
    [read] = [r for r in find.reads(file) if isinstance(r, Read)]
    return _Lists(tree, manifest_mod.load(tree.read_text(manifest_mod.PATH))), file, read


def test_the_list_add_wrote_gains_what_it_lacks_once():
    text, line = added()
    extend, file, read = lists_for(text, {"websocket": {PAGE: [line]}})
    [edit] = extend(file, read, [CREATED, DELETED])
    assert isinstance(edit, Edit) and [i.text for i in edit.insertions] == [', "todo-deleted"']
    assert extend.gained == {PAGE: ["todo-deleted"]}
    assert extend(file, read, [CREATED, DELETED]) == ()  # the same list asked again: nothing twice
    assert extend(file, read, [CREATED]) == ()  # nothing it lacks


def test_a_list_an_earlier_sync_extended_is_still_afcs():
    text, line = added()
    at = text.index('"todo-created"') + len('"todo-created"')
    synced, [item] = insert_all(text, [Insertion(at, ', "todo-deleted"', "follow todo-deleted")])
    extend, file, read = lists_for(synced, {"websocket": {PAGE: [line]}, "sync:1": {PAGE: [item]}})
    [edit] = extend(file, read, [CREATED, DELETED, UPDATED])
    assert isinstance(edit, Edit) and [i.text for i in edit.insertions] == [', "todo-updated"']


def test_a_list_edited_by_hand_or_not_afcs_is_left_with_a_warning():
    text, line = added()
    by_hand = text.replace('["todo-created"]', '["todo-created", "note-created"]')
    for page, records in ((by_hand, {"websocket": {PAGE: [line]}}), (text, {"websocket": {}})):
        extend, file, read = lists_for(page, records)
        [skip] = extend(file, read, [CREATED, DELETED])
        assert isinstance(skip, Skip) and skip.level is Level.WARN
        assert "not as afc wrote it" in skip.reason and "add todo-deleted to it yourself" in skip.reason
        assert extend.gained == {}


def test_an_earlier_syncs_item_taken_out_by_hand_leaves_the_list_alone():
    text, line = added()
    at = text.index('"todo-created"') + len('"todo-created"')
    _, [item] = insert_all(text, [Insertion(at, ', "todo-deleted"', "follow todo-deleted")])
    extend, file, read = lists_for(text, {"websocket": {PAGE: [line]}, "sync:1": {PAGE: [item]}})
    [skip] = extend(file, read, [CREATED, DELETED])
    assert isinstance(skip, Skip) and "not as afc wrote it" in skip.reason
