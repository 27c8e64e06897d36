"""`afc status` reads each record as `remove` cuts it (`status.py`): what was added on top first, the latest
first, each from the text the later ones leave, so an event a sync added inside the line `add` wrote is no
drift of either; a line changed by hand still is."""

from afc_realtime import manifest as manifest_mod
from afc_realtime.edits.insertion import Insertion, insert_all
from afc_realtime.status import status
from afc_realtime.tree import Tree

PAGE = "apps/web/src/app/page.tsx"
BEFORE = (
    "export default function Page() {\n    return (\n        <main>\n            <p>hi</p>\n        </main>\n"
    "    );\n}\n"
)
LINE = '            <RealtimeRefresh events={["todo-created"]} />\n'


def wired(by_hand: str | None = None) -> Tree:
    at = BEFORE.index("            <p>")
    added, [line] = insert_all(BEFORE, [Insertion(at, LINE, "refresh on todo-created")])
    end = added.index('"todo-created"') + len('"todo-created"')
    synced, [item] = insert_all(added, [Insertion(end, ', "todo-deleted"', "follow todo-deleted")])
    manifest = manifest_mod.Manifest(
        {
            "websocket": manifest_mod.FeatureRecord("websocket", "0", insertions={PAGE: [line]}),
            "sync:1": manifest_mod.FeatureRecord("sync:1", "0", insertions={PAGE: [item]}, events=["todo-deleted"]),
        }
    )
    text = synced if by_hand is None else synced.replace('"todo-deleted"', by_hand)
    return Tree.in_memory({PAGE: text, manifest_mod.PATH: manifest_mod.dump(manifest)})


def test_an_event_a_sync_added_inside_adds_line_is_no_drift():
    reports = {r.name: r for r in status(wired())}
    assert [r.name for r in status(wired())] == ["sync:1", "websocket"]
    assert not reports["websocket"].drifted and reports["websocket"].insertions_ok == 1
    assert not reports["sync:1"].drifted and reports["sync:1"].insertions_ok == 1


def test_a_list_changed_by_hand_is_drift():
    reports = {r.name: r for r in status(wired(by_hand='"note-created"'))}
    assert reports["sync:1"].insertions_gone == [f"{PAGE}: follow todo-deleted"]
    assert reports["websocket"].insertions_gone == [f"{PAGE}: refresh on todo-created"]
