"""The round trip every edit promises: `before -> edit -> after`, and `after -> inverse -> before`, byte for byte."""

from __future__ import annotations

from types import ModuleType

from afc_realtime.edits.result import Edit, Skip, apply_edits


def round_trip(module: ModuleType, before: str, *results: Edit | Skip, after: str | None = None) -> str:
    """Apply the edits, check the text against `after` (when given), undo them with `module.undo` (the
    format's own inverse) and check that exactly `before` comes back. Returns the edited text."""
    edits = [r for r in results if isinstance(r, Edit)]
    assert len(edits) == len(results), f"expected edits, got {[r for r in results if isinstance(r, Skip)]}"
    assert edits and any(not e.empty for e in edits), "nothing to round-trip: every edit is empty"
    path = edits[0].path
    edited, placed = apply_edits(before, edits)
    if after is not None:
        assert edited == after
    restored, missing = module.undo(path, edited, placed)
    assert missing == [], f"the inverse lost track of {missing}"
    assert restored == before
    return edited
