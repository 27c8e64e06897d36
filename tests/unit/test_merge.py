"""The three-way merge: each side's changes arrive once, conflicts are marked as git marks them."""

from hypothesis import given
from hypothesis import strategies as st

from afc_realtime.merge import merge3

BASE = "one\ntwo\nthree\nfour\nfive\n"


def test_changes_on_both_sides_in_different_places_both_arrive():
    ours = BASE.replace("two\n", "TWO (yours)\n")
    theirs = BASE.replace("four\n", "FOUR (template)\n") + "six\n"
    merged = merge3(BASE, ours, theirs)
    assert merged.conflicts == 0
    assert merged.text == "one\nTWO (yours)\nthree\nFOUR (template)\nfive\nsix\n"


def test_the_same_lines_changed_differently_are_both_kept_between_markers():
    merged = merge3(BASE, BASE.replace("three", "mine"), BASE.replace("three", "new"), ("yours", "base", "afc"))
    assert merged.conflicts == 1
    assert merged.text == (
        "one\ntwo\n<<<<<<< yours\nmine\n||||||| base\nthree\n=======\nnew\n>>>>>>> afc\nfour\nfive\n"
    )


def test_the_same_change_on_both_sides_is_made_once():
    same = BASE.replace("three", "3")
    assert merge3(BASE, same, same).text == same and merge3(BASE, same, same).conflicts == 0


def test_a_deletion_on_one_side_and_nothing_on_the_other():
    assert merge3(BASE, BASE.replace("two\n", ""), BASE).text == BASE.replace("two\n", "")
    assert merge3(BASE, BASE, BASE.replace("five\n", "")).text == BASE.replace("five\n", "")


def test_each_conflict_is_counted():
    ours = BASE.replace("one", "1").replace("five", "5")
    theirs = BASE.replace("one", "I").replace("five", "V")
    assert merge3(BASE, ours, theirs).conflicts == 2


def test_a_side_without_a_final_newline_still_gets_markers_on_lines_of_their_own():
    merged = merge3("a\nb", "a\nB", "a\nbee")
    assert merged.text == "a\n<<<<<<< ours\nB\n||||||| base\nb\n=======\nbee\n>>>>>>> theirs\n"


def test_a_file_both_sides_created_differently_is_one_conflict():
    merged = merge3("", "x\n", "y\n")
    assert merged.conflicts == 1 and "x\n" in merged.text and "y\n" in merged.text


lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n", "}\n", "\n"]), max_size=25)


@given(lines, lines)
def test_one_side_unchanged_gives_the_other(base, other):
    base_text, other_text = "".join(base), "".join(other)
    assert merge3(base_text, base_text, other_text).text == other_text
    assert merge3(base_text, other_text, base_text).text == other_text
    assert merge3(base_text, other_text, other_text).text == other_text
    assert merge3(base_text, other_text, other_text).conflicts == 0


@given(st.lists(st.text("xyz", min_size=1, max_size=3), min_size=6, max_size=30), st.data())
def test_edits_apart_are_both_applied(words, data):
    """Distinct lines; ours replaces one line, theirs another at least two lines away: no conflict, both in."""
    base = [f"{i}:{w}\n" for i, w in enumerate(words)]
    i = data.draw(st.integers(0, len(base) - 1))
    j = data.draw(st.integers(0, len(base) - 1).filter(lambda n: abs(n - i) >= 2))
    ours, theirs, both = list(base), list(base), list(base)
    ours[i] = both[i] = "mine\n"
    theirs[j] = both[j] = "template\n"
    merged = merge3("".join(base), "".join(ours), "".join(theirs))
    assert merged.conflicts == 0 and merged.text == "".join(both)
