"""The one edit primitive: insert text at an offset; its inverse removes exactly that text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Insertion:
    offset: int  # where, in the text as it was before any insertion of the same batch
    text: str
    what: str  # a short human description: "broadcast todo-created", "env NEXT_PUBLIC_WS_URL"


@dataclass(frozen=True)
class Placed:
    """An insertion as it stands in the edited text (offset in the final text)."""

    offset: int
    text: str
    what: str


def insert_all(text: str, insertions: list[Insertion]) -> tuple[str, list[Placed]]:
    """Apply insertions made against the same original text; return the new text and where each landed."""
    ordered = sorted(enumerate(insertions), key=lambda pair: (pair[1].offset, pair[0]))
    pieces, placed, cursor, shift = [], [], 0, 0
    for _, ins in ordered:
        pieces.append(text[cursor : ins.offset])
        pieces.append(ins.text)
        placed.append(Placed(ins.offset + shift, ins.text, ins.what))
        shift += len(ins.text)
        cursor = ins.offset
    pieces.append(text[cursor:])
    return "".join(pieces), placed


def find_placed(text: str, item: Placed) -> int | None:
    """Where `item.text` stands now: the occurrence nearest to where it was put, or None if it is gone."""
    best, start = None, 0
    while (found := text.find(item.text, start)) >= 0:
        if best is None or abs(found - item.offset) < abs(best - item.offset):
            best = found
        start = found + 1
    return best


def remove_all(text: str, items: list[Placed]) -> tuple[str, list[Placed]]:
    """Remove each placed insertion, last first; return the new text and the ones no longer found."""
    missing = []
    for item in sorted(items, key=lambda i: i.offset, reverse=True):
        at = find_placed(text, item)
        if at is None:
            missing.append(item)
            continue
        text = text[:at] + text[at + len(item.text) :]
    return text, missing
