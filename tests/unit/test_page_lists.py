"""The event lists afc writes into pages (`pages/lists.py`): found again in the page as it stands, told apart
from a list edited by hand, and extended by insertions of their own that `remove` takes out exactly."""

import pytest

from afc_realtime.edits import pages
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Edit
from afc_realtime.pages import find, lists
from afc_realtime.pages.site import Read
from tests.support.roundtrip import round_trip

PATH = "apps/web/src/app/x/page.tsx"

SERVER = """import { db, todos } from "@typed/db";

export default async function Board() {
    const rows = await db.select().from(todos);
    return (
        <main>
            <RealtimeRefresh events={EVENTS} />
            <p>{rows.length}</p>
        </main>
    );
}
"""

SWR = """'use client'
import useSWR from 'swr'

export function Notes() {
  const { data } = useSWR('/api/notes', fetcher)
  useRealtimeSWR('/api/notes', EVENTS)
  return <p>{data}</p>
}

export function Other() {
  const { data } = useSWR('/api/other', fetcher)
  useRealtimeSWR('/api/other', ['other-created'])
  return <p>{data}</p>
}
"""

LIST = """"use client";
export default function Todos() {
    const [todos, setTodos] = useState([]);
    useRealtimeList("todo", "/api/todos", setTodos);
    useEffect(() => { fetch("/api/todos").then((r) => r.json()).then(setTodos); }, []);
    return <p>{todos.length}</p>;
}
"""


def load(text: str) -> ts.TsFile:
    file = ts.load(PATH, text)
    assert isinstance(file, ts.TsFile)
    return file


def first_read(file: ts.TsFile) -> Read:
    read = next(r for r in find.reads(file) if isinstance(r, Read))
    return read


def test_the_refresh_list_is_found_and_read():
    file = load(SERVER.replace("EVENTS", '["todo-created"]'))
    array = lists.found(file, first_read(file))
    assert array is not None and lists.events_in(array) == ["todo-created"]
    assert lists.line_of(array) == '<RealtimeRefresh events={["todo-created"]} />'


def test_a_key_hooks_list_is_the_one_in_the_component_that_reads():
    file = load(SWR.replace("EVENTS", "['note-created']"))
    [notes, other] = [r for r in find.reads(file) if isinstance(r, Read)]
    found = lists.found(file, notes)
    assert found is not None and lists.events_in(found) == ["note-created"]
    assert lists.line_of(found) == "useRealtimeSWR('/api/notes', ['note-created'])"
    found = lists.found(file, other)
    assert found is not None and lists.events_in(found) == ["other-created"]


def test_no_list_where_afc_wrote_none():
    file = load(SERVER.replace("            <RealtimeRefresh events={EVENTS} />\n", ""))
    assert lists.found(file, first_read(file)) is None
    listed = load(LIST)  # `useRealtimeList` follows every event of its resource: no list to extend
    assert lists.found(listed, first_read(listed)) is None


def test_a_list_with_anything_but_event_strings_is_not_afcs():
    file = load(SERVER.replace("EVENTS", '["todo-created", ...extra]'))
    array = lists.found(file, first_read(file))
    assert array is not None and lists.events_in(array) is None


@pytest.mark.parametrize(
    ("events", "added", "after"),
    [
        (["todo-deleted"], ["todo-deleted"], '["todo-created", "todo-deleted", "todo-updated"]'),
        (["note-created"], ["note-created"], '["note-created", "todo-created", "todo-updated"]'),
        (["zed-created"], ["zed-created"], '["todo-created", "todo-updated", "zed-created"]'),
        (
            ["todo-created", "a-created", "todo-deleted", "b-created"],
            ["a-created", "b-created", "todo-deleted"],
            '["a-created", "b-created", "todo-created", "todo-deleted", "todo-updated"]',
        ),
    ],
)
def test_each_new_event_goes_in_at_its_sorted_place_and_comes_out_exactly(events, added, after):
    before = SERVER.replace("EVENTS", '["todo-created", "todo-updated"]')
    file = load(before)
    array = lists.found(file, first_read(file))
    assert array is not None
    edit = lists.extend(file, array, events, "follow")
    assert edit.subject == ", ".join(added) and len(edit.insertions) == len(added)
    assert all(lists.ITEM.match(i.text) for i in edit.insertions)
    edited = round_trip(pages, before, edit)
    assert f"<RealtimeRefresh events={{{after}}} />" in edited


def test_the_files_quotes_are_kept():
    before = SWR.replace("EVENTS", "['note-created']")
    file = load(before)
    array = lists.found(file, first_read(file))
    assert array is not None
    edited = round_trip(pages, before, lists.extend(file, array, ["note-deleted"], "follow"))
    assert "useRealtimeSWR('/api/notes', ['note-created', 'note-deleted'])" in edited


def test_nothing_to_add_is_an_empty_edit():
    file = load(SERVER.replace("EVENTS", '["todo-created"]'))
    array = lists.found(file, first_read(file))
    assert array is not None
    edit = lists.extend(file, array, ["todo-created"], "follow")
    assert isinstance(edit, Edit) and edit.empty


def test_a_line_is_afcs_when_it_is_a_recorded_line_once_the_recorded_items_are_out():
    recorded = ['            <RealtimeRefresh events={["todo-created"]} />\n']
    assert lists.written('<RealtimeRefresh events={["todo-created"]} />', recorded, [])
    extended = '<RealtimeRefresh events={["todo-created", "todo-deleted"]} />'
    assert lists.written(extended, recorded, [', "todo-deleted"'])
    assert not lists.written(extended, recorded, [])  # an event added by hand
    by_hand = '<RealtimeRefresh events={["todo-created", "note-created"]} />'
    assert not lists.written(by_hand, recorded, [', "todo-deleted"'])
    assert not lists.written('<RealtimeRefresh events={["todo-created"]} />', [], [])  # afc wrote no line here


def test_a_key_hooks_list_is_the_one_for_the_reads_key():
    """Two reads in one component, a line for the first only (`add` writes one per component): the second
    read has no list of its own, and the first's is not made to follow the second's events."""
    text = SWR.replace("EVENTS", "['note-created']").replace(
        "  useRealtimeSWR('/api/notes', ['note-created'])\n",
        "  const { data: tags } = useSWR('/api/tags', fetcher)\n  useRealtimeSWR('/api/notes', ['note-created'])\n",
    )
    file = load(text)
    [notes, tags, _] = [r for r in find.reads(file) if isinstance(r, Read)]
    assert notes.key == "'/api/notes'" and tags.key == "'/api/tags'"
    found = lists.found(file, notes)
    assert found is not None and lists.events_in(found) == ["note-created"]
    assert lists.found(file, tags) is None
