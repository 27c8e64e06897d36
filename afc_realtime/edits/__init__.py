"""Format-aware edits. Each finds *where* to change a file by its structure and expresses the change as
insertions of text, so that every edit has an exact inverse: removing the text it inserted."""
