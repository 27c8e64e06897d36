"""TypeScript through a real parser (ast-grep / tree-sitter): find statements, imports and object
literals, and express additions as insertions of whole lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..textfile import BOM, indentation_at, line_end, line_number, line_start, style_of
from .insertion import Insertion, undo_insertions
from .result import Edit, Level, Skip

if TYPE_CHECKING:
    from ast_grep_py import SgNode


@dataclass(frozen=True)
class TsFile:
    """A TypeScript or TSX file with its syntax tree."""

    path: str
    text: str
    root: SgNode

    def line(self, node: SgNode) -> int:
        return line_number(self.text, node.range().start.index)


# Plain TypeScript for .ts files (where `<T>value` is a cast, not JSX); TSX for every other script (.tsx,
# .jsx, and .js, which Next.js lets hold JSX).
TYPESCRIPT_ONLY = (".ts", ".mts", ".cts")
# An `&` that does not start a character reference. TypeScript reads it as text in JSX, but tree-sitter's
# TSX grammar only takes `&name;`, `&#123;` or `&#x1F;` there, so `Tom & Jerry` or `href="?a=1&b=2"` (four in
# create-next-app's own page.tsx) would read as a syntax error.
BARE_AMPERSAND = re.compile(r"&(?!#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,5});|[A-Za-z]{1,30};)")
# What stands in for a bare `&` while parsing: one character, so every position stays, valid in JSX text and
# attribute strings (and, for the first look, where `&` is an operator in code: `|`, `||`, `|=`).
STAND_IN = "|"


def language_of(path: str) -> str:
    return "typescript" if path.endswith(TYPESCRIPT_ONLY) else "tsx"


def parse(text: str, language: str = "tsx") -> SgNode:
    """The root node of a parse, TSX by default (`language_of` tells which a file needs)."""
    from ast_grep_py import SgRoot

    return SgRoot(text, language).root()


def load(path: str, text: str) -> TsFile | Skip:
    """The parsed file, or a warning when it does not parse: such a file is never edited."""
    language = language_of(path)
    root = parse(text, language)
    if root.find(kind="ERROR") is not None and language == "tsx" and "&" in text:
        root = parse(_jsx_ampersands_stood_in(text))
    error = root.find(kind="ERROR")
    if error is not None:
        return Skip(path, "does not parse; left untouched", error.range().start.line + 1, level=Level.WARN)
    return TsFile(path, text, root)


def _jsx_ampersands_stood_in(text: str) -> str:
    """`text` with each bare `&` of JSX text and JSX attribute strings replaced by a stand-in of one
    character, every other character as it was (an `&&` in code stays: nodes' text is copied into edits).
    Where JSX text is comes from a first parse with every bare `&` stood in."""
    rough = parse(BARE_AMPERSAND.sub(STAND_IN, text))
    spans = [node.range() for node in rough.find_all(kind="jsx_text")]
    spans += [
        node.range()
        for attribute in rough.find_all(kind="jsx_attribute")
        for node in attribute.children()
        if node.kind() == "string"
    ]
    chars = list(text)
    for span in spans:
        start, end = span.start.index, span.end.index
        for match in BARE_AMPERSAND.finditer(text, start, end):
            chars[match.start()] = STAND_IN
    return "".join(chars)


def top_level_imports(root: SgNode) -> list[SgNode]:
    return [child for child in root.children() if child.kind() == "import_statement"]


def imports_name(root: SgNode, name: str, module: str) -> bool:
    for node in top_level_imports(root):
        source = node.field("source")
        if source is not None and source.text().strip("\"'") == module and name in _imported_names(node):
            return True
    return False


def _imported_names(node: SgNode) -> set[str]:
    return {ident.text() for ident in node.find_all(kind="identifier")}


def quote_of(root: SgNode) -> str:
    """The file's string quote, judged by its imports (double quotes when unsure)."""
    for node in top_level_imports(root):
        source = node.field("source")
        if source is not None:
            return source.text()[0]
    return '"'


def add_import(file: TsFile, name: str, module: str) -> Edit:
    """`import { name } from "module";` after the last top-level import (or any directive)."""
    text, root = file.text, file.root
    if imports_name(root, name, module):
        return Edit(file.path)
    what = f"import {name}"
    nl = style_of(text).newline
    quote = quote_of(root)
    semi = ";" if _uses_semicolons(root) else ""
    statement = f"import {{ {name} }} from {quote}{module}{quote}{semi}{nl}"
    anchors = top_level_imports(root) or directives(root)
    if anchors:
        end = line_end(text, anchors[-1].range().end.index)
        prefix = "" if text[:end].endswith("\n") else nl
        return Edit(file.path, (Insertion(end, prefix + statement, what),))
    return Edit(file.path, (Insertion(1 if text.startswith(BOM) else 0, statement, what),))


def directives(root: SgNode) -> list[SgNode]:
    out = []
    for child in root.children():
        first = child.child(0)
        if child.kind() == "expression_statement" and first is not None and first.kind() == "string":
            out.append(child)
        elif child.kind() != "comment":  # a licence header may stand above "use client"
            break
    return out


def _uses_semicolons(root: SgNode) -> bool:
    statements = [
        c for c in root.children() if c.kind() in ("import_statement", "expression_statement", "lexical_declaration")
    ]
    return not statements or any(c.text().rstrip().endswith(";") for c in statements)


def statement_line_insertion(text: str, before_node: SgNode, statement: str, what: str) -> Insertion | None:
    """A new line holding `statement`, just above `before_node`, indented as it is."""
    start = before_node.range().start.index
    head = line_start(text, start)
    if text[head:start].strip():
        return None
    nl = style_of(text).newline
    return Insertion(head, indentation_at(text, start) + statement + nl, what)


def line_after_insertion(text: str, node: SgNode, statement: str, what: str) -> Insertion:
    """A new line holding `statement`, just below the line where `node` ends, indented like `node`."""
    end = line_end(text, node.range().end.index)
    nl = style_of(text).newline
    prefix = "" if text[:end].endswith("\n") else nl
    return Insertion(end, prefix + indentation_at(text, node.range().start.index) + statement + nl, what)


def add_object_members(text: str, obj: SgNode, members: list[tuple[str, str]], what: str) -> Insertion | None:
    """Append `key: value` members to an object literal, one per line, laid out like its members."""
    pairs = [
        c
        for c in obj.children()
        if c.kind() in ("pair", "shorthand_property_identifier", "method_definition", "spread_element")
    ]
    present = {key.text().strip("\"'") for p in pairs if p.kind() == "pair" and (key := p.field("key")) is not None}
    present |= {p.text() for p in pairs if p.kind() == "shorthand_property_identifier"}
    missing = [(k, v) for k, v in members if k not in present]
    if not missing:
        return None
    nl = style_of(text).newline
    if not pairs:
        outer = indentation_at(text, obj.range().start.index)
        body = "".join(f"{nl}{outer}{style_of(text).indent}{k}: {v}," for k, v in missing)
        inside = text[obj.range().start.index + 1 : obj.range().end.index - 1]
        closing = "" if "\n" in inside else nl + outer  # `{}` opens onto lines of its own
        return Insertion(obj.range().start.index + 1, body + closing, what)
    last = pairs[-1]
    indent = indentation_at(text, last.range().start.index)
    after = last.range().end.index
    trailing = text[after:].lstrip(" \t").startswith(",")
    if trailing:
        comma_at = text.index(",", after) + 1
        return Insertion(comma_at, "".join(f"{nl}{indent}{k}: {v}," for k, v in missing), what)
    return Insertion(after, "".join(f",{nl}{indent}{k}: {v}" for k, v in missing), what)


undo = undo_insertions  # the inverse of every edit here: cut exactly the text that was inserted
