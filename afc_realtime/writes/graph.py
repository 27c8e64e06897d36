"""The project's own modules as a graph, built once per run: which file an import names (relative paths,
tsconfig `paths` aliases of the importing file's package, workspace package names) and what an exported
name is (through `export * from`, `export { x as y } from`, default exports). Each file is parsed once,
through the loader the scan already has; nothing here reads the disk but through the tree."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..edits import jsonfile
from ..edits.typescript import TsFile
from ..errors import BadInput
from ..project import join
from ..tree import Tree
from .scope import Local, declared_locally

if TYPE_CHECKING:
    from ast_grep_py import SgNode

EXTENSIONS = (".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs")
# Node.js built-ins imported without `node:` (`import crypto from "crypto"`)
BUILTINS = frozenset(
    [
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "crypto",
        "dns",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "querystring",
        "readline",
        "stream",
        "string_decoder",
        "timers",
        "tls",
        "url",
        "util",
        "v8",
        "vm",
        "worker_threads",
        "zlib",
    ]
)
OUTSIDE = "outside"  # an import afc cannot follow: a package of node_modules, or a file that is not there


@dataclass(frozen=True)
class Imported:
    """A local name bound by an import: the module it names (resolved when asked) and the name it exports
    (`default`, `*` for a namespace)."""

    specifier: str
    name: str


@dataclass
class Module:
    file: TsFile
    imports: dict[str, Imported] = field(default_factory=dict)
    declared: dict[str, SgNode] = field(default_factory=dict)  # top-level name -> its function or value
    exports: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # exported -> (local, or from)
    stars: list[str] = field(default_factory=list)  # `export * from "..."` specifiers


@dataclass(frozen=True)
class Binding:
    """What a name stands for in the end: a value or function node in a module, or an import from outside."""

    path: str
    name: str
    node: SgNode | None  # None: outside the project (see `specifier`), or nothing afc can read
    specifier: str = ""


class Graph:
    def __init__(self, tree: Tree, sources: Iterable[str], load: Callable[[str], TsFile | None], packages: list[str]):
        self.tree, self.load = tree, load
        self.sources = frozenset(sources)
        self._modules: dict[str, Module | None] = {}
        self._configs: dict[str, list[tuple[str, list[str], str]]] = {}  # per folder
        self._manifests: dict[str, dict[str, object]] = {}
        self._bare: dict[tuple[int, str], str | None] = {}
        self._names = _package_names(tree, packages)
        self._packages = packages
        self._dependencies: frozenset[str] | None = None

    # -- resolution --------------------------------------------------------------------------------------
    def target(self, importer: str, specifier: str) -> str | None:
        """The project file an import names, or None (a package outside the project, a missing file)."""
        folder = posixpath.dirname(importer)
        if specifier.startswith("."):
            return self._file(posixpath.normpath(_join(folder, specifier)))
        paths = self._paths(importer)
        key = (id(paths), specifier)  # a bare import means the same wherever the same tsconfig applies
        if key not in self._bare:
            self._bare[key] = self._bare_import(paths, specifier)
        return self._bare[key]

    def _bare_import(self, paths: list[tuple[str, list[str], str]], specifier: str) -> str | None:
        for pattern, targets, base in paths:
            star = pattern.find("*")
            if star < 0:
                matched = specifier == pattern
                rest = ""
            else:
                head, tail = pattern[:star], pattern[star + 1 :]
                matched = specifier.startswith(head) and specifier.endswith(tail) and len(specifier) >= len(pattern) - 1
                rest = specifier[len(head) : len(specifier) - len(tail)]
            if not matched:
                continue
            for target in targets:
                found = self._file(posixpath.normpath(_join(base, target.replace("*", rest))))
                if found is not None:
                    return found
        return self._package(specifier)

    def _file(self, base: str) -> str | None:
        stem = base
        for ext in (".js", ".jsx", ".mjs"):  # ESM imports name the emitted file: `./queries.js` is queries.ts
            if base.endswith(ext):
                stem = base[: -len(ext)]
        candidates = [base, *(stem + e for e in EXTENSIONS), *(f"{base}/index{e}" for e in EXTENSIONS)]
        return next(
            (c for c in candidates if c in self.sources and c.endswith(EXTENSIONS) and not c.endswith(".d.ts")), None
        )  # a `.json` or `.css` import is no module of functions

    def _paths(self, importer: str) -> list[tuple[str, list[str], str]]:
        """The `paths` of the nearest tsconfig.json above `importer` (with its relative `extends`), each with
        the folder its targets are relative to."""
        folder = posixpath.dirname(importer) or "."
        if folder not in self._configs:
            config = _join(folder, "tsconfig.json")
            # the walk already lists every file of the workspace folders: no disk probe per folder
            if config in self.sources or (folder == "." and self.tree.exists(config)):
                self._configs[folder] = _config_paths(self.tree, config, 0)
            else:
                self._configs[folder] = [] if folder == "." else self._paths(folder)
        return self._configs[folder]

    def _package(self, specifier: str) -> str | None:
        parts = specifier.split("/")
        name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
        folder = self._names.get(name)
        if folder is None:
            return None
        sub = specifier[len(name) :].lstrip("/")
        if folder not in self._manifests:
            found = jsonfile.to_python(_json(self.tree, join(folder, "package.json")))
            self._manifests[folder] = found if isinstance(found, dict) else {}
        manifest = self._manifests[folder]
        for target in _entry_targets(manifest, sub):
            found = self._file(posixpath.normpath(join(folder, target)))
            if found is None and "dist/" in target:  # built output named, sources beside it
                found = self._file(posixpath.normpath(join(folder, target.replace("dist/", "src/"))))
            if found is not None:
                return found
        guesses = [join(folder, "src", sub), join(folder, sub)] if sub else [join(folder, "src/index"), folder]
        return next((f for f in (self._file(posixpath.normpath(g)) for g in guesses) if f is not None), None)

    def dependency(self, specifier: str) -> bool:
        """Whether an import names a package the project depends on (in any of its package.json files) or
        a Node.js built-in: code that is not the project's, so afc has nothing of the project to follow."""
        if self._dependencies is None:
            found: set[str] = set()
            for folder in {".", *self._packages}:
                manifest = jsonfile.to_python(_json(self.tree, join(folder, "package.json")))
                for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
                    listed = manifest.get(key) if isinstance(manifest, dict) else None
                    if isinstance(listed, dict):
                        found.update(name for name in listed if isinstance(name, str))
            self._dependencies = frozenset(found)
        parts = specifier.split("/")
        name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
        return specifier.startswith("node:") or name in BUILTINS or name in self._dependencies

    def made_by_package(self, path: str, name: str) -> str | None:
        """The package a top-level name of module `path` is made by, when it is destructured from a call of
        a function that package exports (`export const { auth, signIn } = NextAuth(config)`): that code is
        the package's, not the project's."""
        module = self.module(path)
        if module is None:
            return None
        for statement in module.file.root.children():
            node = statement.field("declaration") if statement.kind() == "export_statement" else statement
            if node is None or node.kind() not in ("lexical_declaration", "variable_declaration"):
                continue
            for declarator in (d for d in node.children() if d.kind() == "variable_declarator"):
                pattern, value = declarator.field("name"), declarator.field("value")
                if pattern is None or value is None or pattern.kind() != "object_pattern":
                    continue
                names = {n.text() for n in pattern.find_all(kind="shorthand_property_identifier_pattern")}
                names |= {n.text() for n in pattern.find_all(kind="identifier")}
                while value is not None and value.kind() in ("await_expression", "parenthesized_expression"):
                    value = next((c for c in value.children() if c.is_named()), None)
                callee = value.field("function") if value is not None and value.kind() == "call_expression" else None
                imported = module.imports.get(callee.text().split(".")[0]) if callee is not None else None
                if name in names and imported is not None and self.dependency(imported.specifier):
                    return imported.specifier
        return None

    # -- modules and bindings ----------------------------------------------------------------------------
    def module(self, path: str) -> Module | None:
        if path not in self._modules:
            file = self.load(path) if path in self.sources else None
            self._modules[path] = None if file is None else self._read(file)
        return self._modules[path]

    def declared_locally(self, path: str, at: SgNode, name: str) -> Local | None:
        """What `name` is where `at` uses it, below the top level of the module at `path` (None: a top-level
        name, which `local` answers)."""
        return declared_locally(at, name)

    def _read(self, file: TsFile) -> Module:
        module = Module(file)
        for statement in file.root.children():
            kind = statement.kind()
            if kind == "import_statement":
                self._read_import(module, statement)
            elif kind == "export_statement":
                self._read_export(module, statement)
            else:
                _declare(module, statement)
        return module

    def _read_import(self, module: Module, statement: SgNode) -> None:
        source = statement.field("source")
        if source is None:
            return
        specifier = source.text().strip("\"'`")
        for clause in (c for c in statement.children() if c.kind() == "import_clause"):
            for part in clause.children():
                if part.kind() == "identifier":
                    module.imports[part.text()] = Imported(specifier, "default")
                elif part.kind() == "namespace_import":
                    ident = next((c for c in part.children() if c.kind() == "identifier"), None)
                    if ident is not None:
                        module.imports[ident.text()] = Imported(specifier, "*")
                elif part.kind() == "named_imports":
                    for spec in (s for s in part.children() if s.kind() == "import_specifier"):
                        name, alias = spec.field("name"), spec.field("alias")
                        if name is not None:
                            module.imports[(alias or name).text()] = Imported(specifier, name.text())

    def _read_export(self, module: Module, statement: SgNode) -> None:
        source = statement.field("source")
        specifier = source.text().strip("\"'`") if source is not None else None
        declaration, value = statement.field("declaration"), statement.field("value")
        if declaration is not None:
            for name in _declare(module, declaration):
                module.exports[name] = (name, None)
            if any(c.kind() == "default" for c in statement.children()):
                named = declaration.field("name")
                if named is not None:
                    module.exports["default"] = (named.text(), None)
                else:
                    module.declared["default"] = declaration
                    module.exports["default"] = ("default", None)
            return
        if value is not None:
            if value.kind() == "identifier":
                module.exports["default"] = (value.text(), None)
            else:
                module.declared["default"] = value
                module.exports["default"] = ("default", None)
            return
        for part in statement.children():
            if part.kind() == "export_clause":
                for spec in (s for s in part.children() if s.kind() == "export_specifier"):
                    local, alias = spec.field("name"), spec.field("alias")
                    if local is not None:
                        module.exports[(alias or local).text()] = (local.text(), specifier)
            elif part.kind() == "namespace_export" and specifier is not None:
                ident = next((c for c in part.children() if c.kind() == "identifier"), None)
                if ident is not None:
                    module.exports[ident.text()] = ("*", specifier)
            elif part.kind() == "*" and specifier is not None:
                module.stars.append(specifier)

    def exported(self, path: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> Binding | None:
        """What module `path` exports as `name`, through re-exports and barrels; None when it does not."""
        module = self.module(path)
        if module is None or (path, name) in seen:
            return None
        seen = seen | {(path, name)}
        if name == "*":
            return Binding(path, "*", module.file.root)
        if name in module.exports:
            local, source = module.exports[name]
            if source is None:
                return self.local(path, local, seen)
            target = self.target(path, source)
            if target is None:
                return Binding(path, local, None, source)
            return self.exported(target, local, seen)
        for star in module.stars:
            target = self.target(path, star)
            found = self.exported(target, name, seen) if target is not None else None
            if found is not None:
                return found
        return None

    def local(self, path: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> Binding | None:
        """What a top-level name of module `path` is: its own declaration, or the export it imports."""
        module = self.module(path)
        if module is None:
            return None
        if name in module.declared:
            return Binding(path, name, module.declared[name])
        imported = module.imports.get(name)
        if imported is None:
            return None
        target = self.target(path, imported.specifier)
        if target is None:
            return Binding(path, imported.name, None, imported.specifier)
        return self.exported(target, imported.name, seen) or Binding(path, name, None, imported.specifier)


def _join(folder: str, rel: str) -> str:
    return rel if folder in ("", ".") else f"{folder}/{rel}"


def _declare(module: Module, statement: SgNode) -> list[str]:
    """Record the top-level names a statement declares; return them."""
    names: list[str] = []
    kind = statement.kind()
    if kind in ("function_declaration", "generator_function_declaration", "class_declaration"):
        ident = statement.field("name")
        if ident is not None:
            module.declared[ident.text()] = statement
            names.append(ident.text())
    elif kind in ("lexical_declaration", "variable_declaration"):
        for declarator in (d for d in statement.children() if d.kind() == "variable_declarator"):
            ident, value = declarator.field("name"), declarator.field("value")
            if ident is not None and ident.kind() == "identifier" and value is not None:
                module.declared[ident.text()] = value
                names.append(ident.text())
    return names


def _json(tree: Tree, path: str) -> jsonfile.Node | None:
    text = tree.read_text(path)
    if text is None:
        return None
    try:
        return jsonfile.parse(text, path)
    except BadInput:  # a malformed file is reported where it matters (detection); here it resolves nothing
        return None


def _package_names(tree: Tree, packages: list[str]) -> dict[str, str]:
    out = {}
    for folder in packages:
        manifest = jsonfile.to_python(_json(tree, join(folder, "package.json")))
        name = manifest.get("name") if isinstance(manifest, dict) else None
        if isinstance(name, str) and name:
            out[name] = folder
    return out


def _first_string(value: object) -> str | None:
    """The target of an `exports` entry: a string, or the first of its conditions (types, import, default)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("types", "import", "default", "require", "node", *value):
            found = _first_string(value.get(key))
            if found is not None:
                return found
    return None


def _entry_targets(manifest: dict[str, object], sub: str) -> list[str]:
    exports = manifest.get("exports")
    wanted = f"./{sub}" if sub else "."
    found: list[str] = []
    if isinstance(exports, str) and not sub:
        found.append(exports)
    elif isinstance(exports, dict):
        for key, value in exports.items():
            star = key.find("*")
            target = _first_string(value)
            if target is None:
                continue
            if key == wanted:
                found.append(target)
            elif star >= 0 and wanted.startswith(key[:star]) and wanted.endswith(key[star + 1 :]):
                found.append(target.replace("*", wanted[star : len(wanted) - len(key) + star + 1]))
    if not sub:
        found += [v for k in ("types", "module", "main") if isinstance(v := manifest.get(k), str)]
    return [f.removesuffix(".d.ts") if f.endswith(".d.ts") else f for f in found]


def _config_paths(tree: Tree, config: str, depth: int) -> list[tuple[str, list[str], str]]:
    """(pattern, targets, the folder targets are relative to) of a tsconfig, its own before its base's."""
    data = jsonfile.to_python(_json(tree, config))
    if not isinstance(data, dict) or depth > 5:
        return []
    folder = posixpath.dirname(config) or "."
    options = data.get("compilerOptions") or {}
    paths = options.get("paths") if isinstance(options, dict) else None
    base_url = options.get("baseUrl") if isinstance(options, dict) else None
    base = posixpath.normpath(join(folder, base_url)) if isinstance(base_url, str) else folder
    own = [
        (str(pattern), [str(t) for t in targets], base)
        for pattern, targets in (paths.items() if isinstance(paths, dict) else [])
        if isinstance(targets, list)
    ]
    extends = data.get("extends")
    inherited: list[tuple[str, list[str], str]] = []
    for parent in [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []:
        if isinstance(parent, str) and parent.startswith("."):
            target = posixpath.normpath(join(folder, parent))
            target = target if target.endswith(".json") else f"{target}.json"
            inherited += _config_paths(tree, target, depth + 1)
    mine = {p for p, _, _ in own}
    # `baseUrl` alone resolves a bare import against it too (`import { getUser } from "models/user"`), after
    # every `paths` pattern; a package of node_modules is only tried when no file there matches
    fallback = [("*", ["*"], base)] if isinstance(base_url, str) else []
    return own + [entry for entry in inherited if entry[0] not in mine] + fallback
