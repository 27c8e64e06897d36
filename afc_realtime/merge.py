"""A three-way merge of text, line by line (diff3, as `git merge-file --diff3` does it), in memory.

afc merges itself rather than calling copier's `run_update` or `git merge-file`: copier's update needs the
template in a git repository with tags and writes straight into the project (afc's template ships inside
the wheel, and afc plans in memory and applies all-or-nothing); `git merge-file` needs the three versions
as files on disk and git installed. This is pure: base, ours and theirs in, the merged text and how many
conflicts out."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Merged:
    text: str
    conflicts: int  # regions both sides changed differently, written between conflict markers


def _matches(base: list[str], other: list[str]) -> dict[int, int]:
    """Base line index -> the index of the same line in `other`, for the lines the two have in common
    (increasing in both, so the pairs never cross)."""
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return {a + n: b + n for a, b, size in matcher.get_matching_blocks() for n in range(size)}


def _closed(lines: list[str]) -> list[str]:
    """A side of a conflict, its last line ended so the next marker starts a line of its own."""
    return [*lines[:-1], lines[-1] + "\n"] if lines and not lines[-1].endswith("\n") else lines


def merge3(base: str, ours: str, theirs: str, labels: tuple[str, str, str] = ("ours", "base", "theirs")) -> Merged:
    """`ours` and `theirs` both made from `base`: every change of either side, once; where both changed the
    same lines differently, both versions between markers (`<<<<<<<`, `|||||||` base, `=======`, `>>>>>>>`),
    labelled with `labels` (ours, base, theirs)."""
    a = base.splitlines(keepends=True)
    b = ours.splitlines(keepends=True)
    c = theirs.splitlines(keepends=True)
    to_b, to_c = _matches(a, b), _matches(a, c)
    out: list[str] = []
    conflicts = i = j = k = 0
    while i < len(a) or j < len(b) or k < len(c):
        if i < len(a) and to_b.get(i) == j and to_c.get(i) == k:  # a line all three have, in step
            out.append(a[i])
            i, j, k = i + 1, j + 1, k + 1
            continue
        # The next base line both sides still have ends this unstable chunk (or the end of every text).
        m = next((n for n in range(i, len(a)) if n in to_b and n in to_c), len(a))
        jm, km = (to_b[m], to_c[m]) if m < len(a) else (len(b), len(c))
        old, mine, new = a[i:m], b[j:jm], c[k:km]
        if mine in (old, new):
            out += new
        elif new == old:
            out += mine
        else:
            conflicts += 1
            out += [f"<<<<<<< {labels[0]}\n", *_closed(mine), f"||||||| {labels[1]}\n", *_closed(old)]
            out += ["=======\n", *_closed(new), f">>>>>>> {labels[2]}\n"]
        i, j, k = m, jm, km
    return Merged("".join(out), conflicts)
