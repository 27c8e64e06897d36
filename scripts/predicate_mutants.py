"""Mutation testing of afc's security predicates (TESTING.md, "The security predicates, Python side").

Single-point mutants made on the AST of each target module: a comparison turned over at its boundary (`<` to
`<=`, `==` to `!=`, `in` to `not in`), `and`/`or` swapped, one operand of an `and`/`or` dropped, a `not`
dropped, a condition made always true or always false, a number moved by one, a string emptied, one word left
out of a set or tuple of words, `startswith`/`endswith` and `any`/`all` swapped, a `continue` or `break` taken
out, and in every regular expression: an alternative left out, an anchor dropped, a `?` made mandatory, one
character left out of a class. Prose (messages longer than a few words), docstrings, annotations, decorators
and default arguments are not mutated.

Each mutant runs only the fast tests that cover its module, in a forked copy of one Python process that has
already imported the tests (so no mutant pays for pytest's start-up): the mutated function's code is swapped
in, or the mutated constant rebound wherever it is imported. A mutant is killed when a test fails or times out.

    .venv/bin/python scripts/predicate_mutants.py                  # every target, the summary and survivors
    .venv/bin/python scripts/predicate_mutants.py --only columns   # one module (a suffix of its name)
    .venv/bin/python scripts/predicate_mutants.py --show columns:17 # one mutant's change (MODULE:NUMBER)
    .venv/bin/python scripts/predicate_mutants.py --run columns:17 # run one mutant, say killed or survived
    options: --jobs N (parallel mutants, 2), --max-seconds S (wall-clock cap, 1800), --json FILE
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import importlib
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNIT = "tests/unit/"

# module -> (the functions mutated, None for all of it; the fast tests that must notice)
TARGETS: dict[str, tuple[frozenset[str] | None, tuple[str, ...]]] = {
    "afc_realtime.columns": (None, ("test_columns.py", "test_audience.py")),
    "afc_realtime.redact": (None, ("test_redact.py",)),
    "afc_realtime.audience": (None, ("test_audience.py", "test_audience_boundaries.py")),
    "afc_realtime.datamodel": (None, ("test_datamodel.py", "test_audience.py")),
    "afc_realtime.writes.payload": (None, ("test_writes_payload.py", "test_writes_change.py", "test_lookups.py")),
    "afc_realtime.writes.naming": (None, ("test_writes_naming.py", "test_page_feeds.py")),
    "afc_realtime.writes.change": (
        frozenset({"stable", "drizzle_where", "prisma_where", "selected", "prisma_kept", "drizzle_kept"}),
        ("test_writes_change.py",),
    ),
    "afc_realtime.pages.site": (
        frozenset({"feeds_of", "_feeds", "_router_of", "_last", "events_of"}),
        ("test_pages.py", "test_page_strategies.py", "test_page_feeds.py"),
    ),
    "afc_realtime.pages.refresh": (
        frozenset({"tables_read", "_query_table"}),
        ("test_page_strategies.py", "test_page_feeds.py"),
    ),
}

REGEX_CALLS = frozenset({"compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall", "finditer"})
CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
ATTR_SWAP = {"startswith": "endswith", "endswith": "startswith", "lstrip": "rstrip", "rstrip": "lstrip"}
NAME_SWAP = {"any": "all", "all": "any"}


@dataclass(frozen=True)
class Mutant:
    module: str
    number: int
    path: tuple[tuple[str, int | None], ...]  # fields from the module node to the mutated node
    scope: tuple[str, ...]  # the outermost function (Class, method) or () for module level
    kind: str
    arg: object
    line: int
    before: str
    after: str = ""

    @property
    def name(self) -> str:
        return f"{self.module.removeprefix('afc_realtime.')}:{self.number}"


# -- making mutants -------------------------------------------------------------------------------------------


def _prose(text: str) -> bool:
    return len(text) > 24 and " " in text


def regex_variants(pattern: str, anchored: bool = False) -> list[tuple[str, str]]:
    """(mutated pattern, what changed) for one regular expression. `anchored`: it is only ever used with
    `match` (which anchors at the start itself), so dropping a `^` would change nothing: not made."""
    out: list[tuple[str, str]] = []
    groups: list[list[int]] = [[-1]]  # per open group: the index of its `(` then each `|`
    spans: list[tuple[int, list[int], int]] = []  # (open, bars, close)
    classes: list[tuple[int, int]] = []
    i, in_class = 0, -1
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class >= 0:
            if c == "]" and i > in_class + 1 and not (i == in_class + 2 and pattern[in_class + 1] == "^"):
                classes.append((in_class, i))
                in_class = -1
        elif c == "[":
            in_class = i
        elif c == "(":
            groups.append([i])
        elif c == "|":
            groups[-1].append(i)
        elif c == ")" and len(groups) > 1:
            opened = groups.pop()
            spans.append((opened[0], opened[1:], i))
        elif c == "$" or c == "^" and not anchored:
            out.append((pattern[:i] + pattern[i + 1 :], f"anchor {c!r} dropped"))
        elif c == "?" and i and pattern[i - 1] not in "(*+?}":
            out.append((pattern[:i] + pattern[i + 1 :], f"`{pattern[max(0, i - 8) : i + 1]}`: `?` made mandatory"))
        i += 1
    spans.append((groups[0][0], groups[0][1:], len(pattern)))
    for start, bars, end in spans:
        if not bars:
            continue
        inner = start + 1
        if start >= 0 and pattern[inner : inner + 1] == "?":  # (?:  (?P<name>  (?<!
            inner = pattern.index(":", inner) + 1 if pattern[inner + 1 : inner + 2] == ":" else inner
        edges = [inner, *[b + 1 for b in bars]]
        stops = [*bars, end]
        for k, (a, b) in enumerate(zip(edges, stops, strict=True)):
            cut = (a, b + 1) if k < len(bars) else (bars[-1], b)
            out.append((pattern[: cut[0]] + pattern[cut[1] :], f"alternative `{pattern[a:b]}` left out"))
    for start, end in classes:
        body = start + 1 + (pattern[start + 1] == "^")
        items, j = [], body
        while j < end:
            size = 2 if pattern[j] == "\\" else 1
            if pattern[j + size : j + size + 1] == "-" and j + size + 1 < end:
                size += 2 if pattern[j + size + 1] != "\\" else 3
            items.append((j, j + size))
            j += size
        if len(items) > 1:
            for a, b in items:
                out.append((pattern[:a] + pattern[b:], f"`{pattern[a:b]}` left out of `{pattern[start : end + 1]}`"))
    seen, valid = set(), []
    for mutated, what in out:
        if mutated == pattern or mutated in seen:
            continue
        try:
            re.compile(mutated)
        except re.error:
            continue
        seen.add(mutated)
        valid.append((mutated, what))
    return valid


class _Collector:
    def __init__(self, module: str, source: str, only: frozenset[str] | None, tree: ast.Module) -> None:
        self.module, self.source, self.only = module, source, only
        self.found: list[Mutant] = []
        self.words: set[int] = set()  # string elements of a word list: left out one by one, never emptied
        self.anchored = _match_only(tree, source)  # the patterns only ever used with `match`

    def add(self, node: ast.AST, path: tuple, scope: tuple[str, ...], kind: str, arg: object, after: str) -> None:
        before = ast.get_source_segment(self.source, node) or ast.unparse(node)
        line = getattr(node, "lineno", 0)
        self.found.append(Mutant(self.module, len(self.found) + 1, path, scope, kind, arg, line, before, after))

    def visit(self, node: ast.AST, path: tuple, scope: tuple[str, ...], regex: bool = False) -> None:
        if isinstance(node, (ast.JoinedStr, ast.Import, ast.ImportFrom)):
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not scope:  # a module-level function
                self._function(node, path, (node.name,))
            else:  # a function inside one: part of the outer function's code
                for k, stmt in enumerate(node.body):
                    self.visit(stmt, (*path, ("body", k)), scope)
            return
        if isinstance(node, ast.ClassDef):
            for k, stmt in enumerate(node.body):
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._function(stmt, (*path, ("body", k)), (node.name, stmt.name))
            return
        if isinstance(node, ast.If) and _type_checking(node.test):
            return
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)) and not scope and self.only is not None:
            return  # only the named functions
        if not scope and isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.visit(node.value, (*path, ("value", None)), scope)
            return
        self._mutations(node, path, scope, regex)
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns", "decorator_list", "type_comment"):
                continue
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        self.visit(item, (*path, (field, k)), scope, self._regex_arg(node, field, k))
            elif isinstance(value, ast.AST):
                self.visit(value, (*path, (field, None)), scope)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, path: tuple, scope: tuple[str, ...]) -> None:
        if self.only is not None and not set(scope) & self.only:
            return
        offset = _docstring_offset(node.body)
        for k, stmt in enumerate(node.body[offset:]):
            self.visit(stmt, (*path, ("body", k + offset)), scope)

    @staticmethod
    def _regex_arg(node: ast.AST, field: str, k: int) -> bool:
        return (
            isinstance(node, ast.Call)
            and field == "args"
            and k == 0
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in REGEX_CALLS
        )

    def _mutations(self, node: ast.AST, path: tuple, scope: tuple[str, ...], regex: bool) -> None:
        add = self.add
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                swapped = CMP_SWAP.get(type(op))
                if swapped is not None:
                    add(node, path, scope, "cmpop", (k, swapped.__name__), f"op {k}: {swapped.__name__}")
        elif isinstance(node, ast.BoolOp):
            add(node, path, scope, "boolop", None, "and/or swapped")
            for k, value in enumerate(node.values):
                add(node, path, scope, "drop_operand", k, f"without `{ast.unparse(value)}`")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, path, scope, "not", None, ast.unparse(node.operand))
        elif isinstance(node, ast.Constant) and not isinstance(node.value, bool | type(None)):
            if isinstance(node.value, str) and regex:
                for mutated, what in regex_variants(node.value, id(node) in self.anchored):
                    add(node, path, scope, "const", mutated, what)
            elif isinstance(node.value, str) and node.value and not _prose(node.value) and id(node) not in self.words:
                add(node, path, scope, "const", "", '""')
            elif isinstance(node.value, int):
                for delta in (1, -1):
                    add(node, path, scope, "const", node.value + delta, str(node.value + delta))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            add(node, path, scope, "const", not node.value, str(not node.value))
        elif isinstance(node, (ast.Set, ast.Tuple, ast.List)) and len(node.elts) > 1:
            if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                self.words.update(id(e) for e in node.elts)
                for k, elt in enumerate(node.elts):
                    add(node, path, scope, "drop_elt", k, f"without {ast.unparse(elt)}")
        elif isinstance(node, ast.Dict) and len(node.keys) > 1:
            for k, key in enumerate(node.keys):
                if key is not None:
                    add(node, path, scope, "drop_elt", k, f"without {ast.unparse(key)}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            numeric = any(isinstance(s, ast.Constant) and isinstance(s.value, int) for s in (node.left, node.right))
            if numeric:
                add(node, path, scope, "binop", None, "+/- swapped")
        elif isinstance(node, ast.Attribute) and node.attr in ATTR_SWAP and isinstance(node.ctx, ast.Load):
            add(node, path, scope, "attr", ATTR_SWAP[node.attr], ATTR_SWAP[node.attr])
        elif isinstance(node, ast.Name) and node.id in NAME_SWAP and isinstance(node.ctx, ast.Load):
            add(node, path, scope, "name", NAME_SWAP[node.id], NAME_SWAP[node.id])
        elif isinstance(node, (ast.Continue, ast.Break)):
            add(node, path, scope, "pass", None, "pass")
        if isinstance(node, (ast.If, ast.While, ast.IfExp)) and not isinstance(node.test, ast.Constant):
            for value in (True, False):
                add(node.test, (*path, ("test", None)), scope, "const_expr", value, f"condition always {value}")
        if isinstance(node, ast.comprehension):
            for k, cond in enumerate(node.ifs):
                add(cond, (*path, ("ifs", k)), scope, "const_expr", True, "filter always True")


def _match_only(tree: ast.Module, source: str) -> set[int]:
    """The ids of the pattern constants of `tree` used only through `match`/`fullmatch`: `re.match(P, ..)`,
    or `NAME = re.compile(P)` where every use of NAME in `source` is `NAME.match(` or `NAME.fullmatch(`."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, node = node.targets[0].id, node.value  # type: ignore[assignment]
            uses = re.findall(rf"(?<![\w.]){re.escape(name)}\.(\w+)\(", source)
            if not uses or set(uses) - {"match", "fullmatch"}:
                continue
            if _is_re_call(node, ("compile",)):
                found.add(id(node.args[0]))  # type: ignore[attr-defined]
        elif _is_re_call(node, ("match", "fullmatch")):
            found.add(id(node.args[0]))  # type: ignore[attr-defined]
    return found


def _is_re_call(node: ast.AST, names: tuple[str, ...]) -> bool:
    return (
        isinstance(node, ast.Call)
        and bool(node.args)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "re"
        and node.func.attr in names
    )


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    return body[_docstring_offset(body) :]


def _docstring_offset(body: list[ast.stmt]) -> int:
    first = body[0] if body else None
    is_doc = (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    )
    return 1 if is_doc else 0


def _type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def source_of(module: str) -> tuple[Path, str]:
    file = ROOT / (module.replace(".", "/") + ".py")
    return file, file.read_text()


def mutants_of(module: str) -> list[Mutant]:
    _, source = source_of(module)
    tree = ast.parse(source)
    collector = _Collector(module, source, TARGETS[module][0], tree)
    for k, stmt in enumerate(_without_docstring(tree.body)):
        collector.visit(stmt, (("body", k + _docstring_offset(tree.body)),), ())
    return collector.found


def _locate(tree: ast.AST, path: tuple) -> tuple[ast.AST, str, int | None]:
    node = tree
    for field, index in path[:-1]:
        value = getattr(node, field)
        node = value[index] if index is not None else value
    field, index = path[-1]
    return node, field, index


def mutated_tree(mutant: Mutant) -> ast.Module:
    _, source = source_of(mutant.module)
    tree = ast.parse(source)
    parent, field, index = _locate(tree, mutant.path)
    old = getattr(parent, field)[index] if index is not None else getattr(parent, field)
    new = _mutate(copy.deepcopy(old), mutant.kind, mutant.arg)
    if index is not None:
        getattr(parent, field)[index] = new
    else:
        setattr(parent, field, new)
    return ast.fix_missing_locations(tree)


def _mutate(node: ast.AST, kind: str, arg: object) -> ast.AST:
    if kind == "cmpop":
        assert isinstance(node, ast.Compare) and isinstance(arg, tuple)
        node.ops[arg[0]] = getattr(ast, arg[1])()
    elif kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "drop_operand":
        assert isinstance(node, ast.BoolOp) and isinstance(arg, int)
        rest = node.values[:arg] + node.values[arg + 1 :]
        return rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
    elif kind == "not":
        assert isinstance(node, ast.UnaryOp)
        return node.operand
    elif kind in ("const", "const_expr"):
        return ast.Constant(value=arg)
    elif kind == "drop_elt":
        assert isinstance(arg, int)
        if isinstance(node, ast.Dict):
            del node.keys[arg], node.values[arg]
        else:
            assert isinstance(node, (ast.Set, ast.Tuple, ast.List))
            del node.elts[arg]
    elif kind == "binop":
        assert isinstance(node, ast.BinOp)
        node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
    elif kind == "attr":
        assert isinstance(node, ast.Attribute) and isinstance(arg, str)
        node.attr = arg
    elif kind == "name":
        assert isinstance(node, ast.Name) and isinstance(arg, str)
        node.id = arg
    elif kind == "pass":
        return ast.Pass()
    return node


def describe(mutant: Mutant) -> str:
    tree = mutated_tree(mutant)
    parent, field, index = _locate(tree, mutant.path)
    new = getattr(parent, field)[index] if index is not None else getattr(parent, field)
    before = " ".join(mutant.before.split())
    after = " ".join(ast.unparse(new).split())
    if mutant.kind == "const" and isinstance(mutant.arg, str) and mutant.arg and mutant.after != '""':
        return f"line {mutant.line}: {mutant.after} in {before[:60]}"
    if mutant.kind == "drop_elt":
        return f"line {mutant.line}: {mutant.after} in {before[:40]}..."
    return f"line {mutant.line}: {before} ⟶ {after}"


# -- running them ---------------------------------------------------------------------------------------------


def _apply(mutant: Mutant) -> None:
    """In the forked child: put the mutant in place of the original, in the loaded modules."""
    file, _ = source_of(mutant.module)
    original = importlib.import_module(mutant.module)
    namespace: dict[str, object] = {
        "__name__": mutant.module,
        "__package__": mutant.module.rpartition(".")[0],
        "__file__": str(file),
        "__builtins__": builtins,
    }
    exec(compile(mutated_tree(mutant), str(file), "exec"), namespace)
    if mutant.scope:
        old, new = _function(original.__dict__, mutant.scope), _function(namespace, mutant.scope)
        old.__code__ = new.__code__
    else:
        for name, value in namespace.items():
            old = original.__dict__.get(name)
            if name.startswith("__") or callable(value) and not hasattr(value, "pattern") or old is None:
                continue
            try:
                same = bool(old == value)
            except Exception:
                same = False
            if not same:
                _rebind(old, value)
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("afc_realtime"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _function(names: dict[str, object], scope: tuple[str, ...]) -> object:
    obj: object = names[scope[0]]
    for part in scope[1:]:
        obj = type.__getattribute__(obj, "__dict__")[part] if isinstance(obj, type) else getattr(obj, part)
    for unwrap in ("fget", "__func__", "__wrapped__"):
        obj = getattr(obj, unwrap, obj)
    return obj


def _rebind(old: object, new: object) -> None:
    for module in list(sys.modules.values()):
        names = getattr(module, "__dict__", None)
        if not isinstance(names, dict) or not getattr(module, "__name__", "").startswith(("afc_realtime", "tests")):
            continue
        for name, value in list(names.items()):
            if value is old:
                names[name] = new


def _tests(module: str) -> list[str]:
    tests = [UNIT + t for t in TARGETS[module][1]]
    missing = [t for t in tests if not (ROOT / t).is_file()]
    if missing:  # never let pytest fall back to every test (the browser tier included)
        sys.exit(f"no such test file: {', '.join(missing)}")
    return tests


class _Forker:
    """A pytest plugin: the session collects every target's tests once; then, instead of running them, it forks
    once per mutant, and the child puts its mutant in place and runs only its module's tests (stopping at the
    first failure). A child that outlives its module's time limit is killed (a hang: counted as caught)."""

    def __init__(self, mutants: list[Mutant], jobs: int, cap: float, progress: Path | None) -> None:
        self.mutants, self.jobs, self.cap, self.progress = mutants, jobs, cap, progress
        self.outcome = {m.name: "not run" for m in mutants}
        self.failed: str | None = None

    def _items(self, session: object, module: str) -> list[object]:
        files = set(TARGETS[module][1])
        return [i for i in session.items if Path(str(i.path)).name in files]  # type: ignore[attr-defined]

    @staticmethod
    def _child(items: list[object], mutant: Mutant | None) -> int:
        pid = os.fork()
        if pid:
            return pid
        code = 0
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            if mutant is not None:
                _apply(mutant)
            for k, item in enumerate(items):
                reports = item.ihook.pytest_runtest_protocol(
                    item=item, nextitem=items[k + 1] if k + 1 < len(items) else None
                )  # type: ignore[attr-defined]
                del reports
                if item.session.testsfailed:  # type: ignore[attr-defined]
                    code = 1
                    break
        except BaseException:
            code = 99
        os._exit(code)

    def _wait(self, pid: int, limit: float) -> str:
        began = time.monotonic()
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
            if time.monotonic() - began > limit:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout"
            time.sleep(0.01)

    def _done(self, mutant: Mutant, result: str) -> None:
        self.outcome[mutant.name] = result
        if self.progress is not None:
            with self.progress.open("a") as out:
                out.write(json.dumps({"mutant": mutant.name, "outcome": result}) + "\n")

    def pytest_runtestloop(self, session: object) -> bool:
        modules = sorted({m.module for m in self.mutants})
        items = {m: self._items(session, m) for m in modules}
        limit = {}
        for module in modules:
            started = time.monotonic()
            if self._wait(self._child(items[module], None), 300) != "survived":
                self.failed = f"the tests of {module} fail (or hang) without any mutant"
                return True
            limit[module] = max(10.0, 8 * (time.monotonic() - started))
        queue, running = list(self.mutants), {}
        deadline = time.monotonic() + self.cap
        while queue or running:
            while queue and len(running) < self.jobs and time.monotonic() < deadline:
                mutant = queue.pop(0)
                running[self._child(items[mutant.module], mutant)] = (mutant, time.monotonic())
            if not running:
                break
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(0.01)
                for other, (mutant, began) in list(running.items()):
                    if time.monotonic() - began > limit[mutant.module]:
                        os.kill(other, signal.SIGKILL)
                        os.waitpid(other, 0)
                        self._done(mutant, "timeout")
                        del running[other]
                continue
            if pid in running:
                mutant, _ = running.pop(pid)
                self._done(mutant, "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed")
        return True


def run(mutants: list[Mutant], jobs: int, cap: float, progress: Path | None = None) -> dict[str, str]:
    """Mutant name -> killed / timeout / survived / not run; each outcome also appended to `progress`."""
    import pytest

    forker = _Forker(mutants, jobs, cap, progress)
    modules = sorted({m.module for m in mutants})
    tests = sorted({t for m in modules for t in _tests(m)})
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--no-header", "-o", "addopts=", *tests]
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        pytest.main(args, plugins=[forker])
    finally:
        os.dup2(saved, 1)
    if forker.failed:
        sys.exit(forker.failed)
    return forker.outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], help="a module name suffix (columns, writes.change)")
    parser.add_argument("--show", help="MODULE:NUMBER: print that mutant's change")
    parser.add_argument("--run", action="append", default=[], help="MODULE:NUMBER: run just that mutant")
    parser.add_argument("--survivors", help="a --json file of an earlier run: run again only what survived there")
    parser.add_argument("--resume", help="a .progress.jsonl of a run cut short: keep its outcomes, run the rest")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--json", help="write every mutant and its outcome here")
    args = parser.parse_args()
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("HYPOTHESIS_PROFILE", "mutation")
    modules = [m for m in TARGETS if not args.only or any(m.endswith(o) for o in args.only)]
    every = {m.name: m for module in modules for m in mutants_of(module)}
    if args.show:
        print(describe(every[args.show]))
        return
    chosen = [every[n] for n in args.run] if args.run else list(every.values())
    if args.survivors:
        again = {r["mutant"] for r in json.loads(Path(args.survivors).read_text()) if r["outcome"] != "killed"}
        chosen = [m for m in chosen if m.name in again]
    earlier: dict[str, str] = {}
    if args.resume:
        for row in Path(args.resume).read_text().splitlines():
            earlier |= {json.loads(row)["mutant"]: json.loads(row)["outcome"]}
        chosen_all, chosen = chosen, [m for m in chosen if m.name not in earlier]
    started = time.monotonic()
    progress = Path(args.json).with_suffix(".progress.jsonl") if args.json else None
    if progress is not None:
        progress.write_text("")
    outcome = run(chosen, args.jobs, args.max_seconds, progress) if chosen else {}
    if args.resume:
        outcome |= {name: result for name, result in earlier.items() if name in {m.name for m in chosen_all}}
        chosen = chosen_all
    print(f"{len(chosen)} mutants in {time.monotonic() - started:.0f} s", flush=True)
    print(f"{'module':<28} {'mutants':>7} {'killed':>7} {'timeout':>7} {'survived':>8} {'not run':>7} {'score':>7}")
    for module in modules:
        mine = [outcome[m.name] for m in chosen if m.module == module]
        if not mine:
            continue
        counts = {k: mine.count(k) for k in ("killed", "timeout", "survived", "not run")}
        ran = len(mine) - counts["not run"]
        score = (counts["killed"] + counts["timeout"]) / ran * 100 if ran else 0.0
        print(
            f"{module.removeprefix('afc_realtime.'):<28} {len(mine):>7} {counts['killed']:>7} {counts['timeout']:>7} "
            f"{counts['survived']:>8} {counts['not run']:>7} {score:>6.1f}%"
        )
    for mutant in chosen:
        if outcome[mutant.name] in ("survived", "not run"):
            print(f"{outcome[mutant.name]}: {mutant.name} ({'.'.join(mutant.scope) or 'module'}) {describe(mutant)}")
    if args.json:
        rows = [{"mutant": m.name, "outcome": outcome[m.name], "change": describe(m)} for m in chosen]
        Path(args.json).write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    sys.exit(1 if any(v == "survived" for v in outcome.values()) else 0)


if __name__ == "__main__":
    main()
