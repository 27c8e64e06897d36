"""The one edit primitive: insert at offsets, record where each landed (with its surroundings), remove again."""

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from afc_realtime.edits.insertion import (
    CONTEXT,
    Insertion,
    context_matches,
    find_placed,
    insert_all,
    look_alikes,
    remove_all,
)


def test_insert_all_keeps_the_order_of_insertions_at_one_offset_and_records_where_each_landed():
    text, placed = insert_all("abcdef", [Insertion(3, "Y", "y"), Insertion(0, "X", "x"), Insertion(3, "Z", "z")])
    assert text == "XabcYZdef"
    assert [(p.offset, p.text, p.what) for p in placed] == [(0, "X", "x"), (4, "Y", "y"), (5, "Z", "z")]
    for item in placed:
        assert text[item.offset : item.offset + len(item.text)] == item.text
        assert context_matches(text, item.offset, item) >= 1


def test_the_recorded_context_is_before_as_placed_and_after_as_it_was():
    original = "x" * 50 + "y" * 50
    text, [first, second] = insert_all(original, [Insertion(50, "A", "a"), Insertion(51, "B", "b")])
    assert text == "x" * 50 + "A" + "y" + "B" + "y" * 49
    assert context_matches(text, first.offset, first) == 1  # B stands within its after-context until removed
    assert context_matches(text, second.offset, second) == 2
    assert remove_all(text, [first, second]) == (original, [])
    assert len(first.before) == 16 and first.before != first.after and CONTEXT == 32


def test_context_covers_exactly_context_characters():
    original = "q" * 40 + "|" + "r" * 40
    text, [item] = insert_all(original, [Insertion(41, "INS", "i")])
    assert context_matches(text, item.offset, item) == 2
    far = "Z" + text[1:]  # 41 characters before: outside the context
    assert context_matches(far, item.offset, item) == 2
    near = text[: item.offset - CONTEXT] + "Z" + text[item.offset - CONTEXT + 1 :]
    assert context_matches(near, item.offset, item) == 1
    end = item.offset + len(item.text)
    after_near = text[: end + CONTEXT - 1] + "Z" + text[end + CONTEXT :]
    assert context_matches(after_near, item.offset, item) == 1
    after_far = text[: end + CONTEXT] + "Z" + text[end + CONTEXT + 1 :]
    assert context_matches(after_far, item.offset, item) == 2


def test_find_placed_without_recorded_context_takes_the_nearest():
    item = Insertion(10, "ab", "x")
    assert find_placed("ab........ab......ab", item) == 10
    assert find_placed("ab.......ab", item) == 9
    assert find_placed("...", item) is None
    assert find_placed("abab", Insertion(2, "ab", "x")) == 2
    assert find_placed("aaa", Insertion(1, "aa", "x")) in (0, 1)


HANDLER = (
    "export async function {name}() {{\n"
    "    const [row] = await db.insert(todos).values(body).returning();\n"
    "{line}"
    "    return NextResponse.json(row, {{ status: 201 }});\n"
    "}}\n"
)
LINE = '    broadcast("todo-created", row);\n'


def _wired(*names: str) -> tuple[str, str, list[Insertion]]:
    """Handlers with afc's line inserted in each: (original, text, placed)."""
    original = "".join(HANDLER.format(name=name, line="") for name in names)
    offsets = [m for m in range(len(original)) if original.startswith("    return", m)]
    text, placed = insert_all(original, [Insertion(at, LINE, "broadcast todo-created") for at in offsets])
    return original, text, placed


def test_a_copy_with_the_same_surroundings_is_neither_cut_nor_taken_for_afcs():
    # The user copied the wired POST handler as PUT, above it: both lines have the surroundings afc recorded.
    _, text, [placed] = _wired("POST")
    copied = text.replace("POST", "PUT") + text
    assert find_placed(copied, placed) is None
    assert remove_all(copied, [placed]) == (copied, [placed])


def test_identical_insertions_in_identical_places_are_all_removed_unless_a_copy_joins_them():
    original, text, placed = _wired("PUT", "PATCH")
    assert placed[0].before == placed[1].before and placed[0].after == placed[1].after  # twins
    assert remove_all(text, placed) == (original, [])
    assert remove_all(text, placed[::-1]) == (original, [])
    copied = text + HANDLER.format(name="POST", line=LINE)
    assert remove_all(copied, placed) == (copied, placed[::-1])


def test_three_identical_insertions_are_all_removed():
    # each removal leaves one twin fewer to expect: 3, then 2, then 1
    original, text, placed = _wired("PUT", "PATCH", "DELETE")
    assert len({(i.text, i.before, i.after) for i in placed}) == 1
    assert remove_all(text, placed) == (original, [])


def _periodic() -> tuple[str, Insertion]:
    """`Q` placed in the middle of `abab...c`: the 32 characters either side are all `abab...`."""
    text, [placed] = insert_all("ab" * 40 + "c", [Insertion(40, "Q", "q")])
    return text, placed


def test_only_the_places_with_the_most_of_the_recorded_surroundings_look_like_afcs():
    text, placed = _periodic()
    copied = text[:-1] + "Qc"  # a copy at 81 with afc's `before` but not its `after`
    assert look_alikes(copied, placed) == [40]
    assert find_placed(copied, placed) == 40


def test_a_text_whose_surroundings_both_changed_is_not_found():
    _, placed = _periodic()
    assert look_alikes("zzQyy", placed) == []
    assert find_placed("zzQyy", placed) is None


def test_one_recorded_side_is_enough_to_tell_apart_and_to_doubt():
    text, placed = _periodic()
    before_only = replace(placed, after="")
    assert look_alikes("Q" + text, before_only) == [41]  # the `Q` at 0 has not afc's `before`
    copied = text[:-1] + "Qc"  # a copy at 81 with the same `before`: cutting it or afc's gives other texts
    assert look_alikes(copied, before_only) == [40, 81]
    assert find_placed(copied, before_only) is None


def test_copies_whose_removal_gives_the_same_text_are_not_ambiguous():
    original = "a" * 100
    text, [placed] = insert_all(original, [Insertion(50, "a", "a")])
    assert remove_all(text, [placed]) == (original, [])
    original = "ab" * 40
    text, [placed] = insert_all(original, [Insertion(40, "ab", "ab")])
    assert find_placed(text, placed) == 40
    assert remove_all(text, [placed]) == (original, [])


def test_remove_all_reports_what_is_gone_and_keeps_the_rest():
    text, placed = insert_all("hello world", [Insertion(5, ",", "comma"), Insertion(11, "!", "bang")])
    edited = text.replace("!", "?")
    assert remove_all(edited, placed) == ("hello world?", [placed[1]])


@given(
    st.text(max_size=60),
    st.lists(st.tuples(st.integers(0, 60), st.text(min_size=1, max_size=8)), max_size=5),
)
def test_insert_then_remove_gives_the_text_back(original, raw):
    insertions = [Insertion(min(o, len(original)), t, "w") for o, t in raw]
    text, placed = insert_all(original, insertions)
    assert len(text) == len(original) + sum(len(t) for _, t in raw)
    restored, missing = remove_all(text, placed)
    assert missing == [] and restored == original


def test_an_insertion_is_an_immutable_hashable_value_with_no_context_by_default():
    import dataclasses

    import pytest

    item = Insertion(1, "x", "w")
    assert item.before == "" and item.after == "" and {item, Insertion(1, "x", "w")} == {item}
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.offset = 2  # type: ignore[misc]


def test_context_digests_survive_text_that_is_not_valid_unicode():
    original = "\ud800 lone surrogate from a broken file"
    text, [item] = insert_all(original, [Insertion(1, "X", "x")])
    assert find_placed(text, item) == 1 and remove_all(text, [item]) == (original, [])
