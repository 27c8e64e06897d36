"""The module graph: which project file an import names (relative with extensions and index files, tsconfig
`paths` of the importing file's package with `extends`, workspace package names with `exports`, `main` or
`src/index.ts`) and what an exported name is through barrels and renames; each file parsed once."""

from afc_realtime.edits import typescript as ts
from afc_realtime.tree import Tree
from afc_realtime.writes.graph import Graph

FILES = {
    "package.json": '{ "name": "root", "workspaces": ["apps/*", "packages/*"] }',
    "apps/web/package.json": '{ "name": "web" }',
    "apps/web/tsconfig.json": '{ "extends": "./tsconfig.base.json" }',
    "apps/web/tsconfig.base.json": '{\n  // comments allowed\n  "compilerOptions": {\n'
    '    "paths": { "@/*": ["./src/*"], "~db": ["./src/lib/db/index.ts"] }\n  }\n}',
    "apps/web/src/app/api/route.ts": "export {};",
    "apps/web/src/lib/db/index.ts": 'export * from "./queries";\nexport { remove as deletePost } from "./deletes";\n',
    "apps/web/src/lib/db/queries.ts": "export async function createPost() {}\nexport default createPost;\n",
    "apps/web/src/lib/db/deletes.tsx": "export const remove = async () => {};\n",
    "apps/web/src/lib/esm.ts": "export const esm = 1;\n",
    "packages/db/package.json": '{ "name": "@acme/db", "exports": { ".": "./src/index.ts", '
    '"./client": { "types": "./dist/client.d.ts", "default": "./dist/client.js" } } }',
    "packages/db/src/index.ts": 'export * from "./client";\n',
    "packages/db/src/client.ts": "export const db = 1;\n",
    "packages/api/package.json": '{ "name": "@acme/api", "main": "./dist/index.js" }',
    "packages/api/src/index.ts": "export const router = 1;\n",
    "packages/bare/package.json": '{ "name": "@acme/bare" }',
    "packages/bare/src/index.ts": "export const bare = 1;\n",
    "packages/bare/src/sub/thing.ts": "export const thing = 1;\n",
}
PACKAGES = ["apps/web", "packages/api", "packages/bare", "packages/db"]
ROUTE = "apps/web/src/app/api/route.ts"


def graph(files=FILES, loaded=None):
    tree = Tree.in_memory(files)

    def load(path):
        if loaded is not None:
            loaded.append(path)
        file = ts.load(path, tree.read_text(path) or "")
        return file if isinstance(file, ts.TsFile) else None

    return Graph(tree, list(files), load, PACKAGES)  # as the scan gives it: every file the walk found


def test_relative_imports_with_extensions_index_files_and_esm_names():
    g = graph()
    assert g.target(ROUTE, "../../lib/db/queries") == "apps/web/src/lib/db/queries.ts"
    assert g.target(ROUTE, "../../lib/db") == "apps/web/src/lib/db/index.ts"
    assert g.target(ROUTE, "../../lib/db/deletes") == "apps/web/src/lib/db/deletes.tsx"
    assert g.target(ROUTE, "../../lib/esm.js") == "apps/web/src/lib/esm.ts"


def test_tsconfig_paths_of_the_importing_package_through_extends():
    g = graph()
    assert g.target(ROUTE, "@/lib/db/queries") == "apps/web/src/lib/db/queries.ts"
    assert g.target(ROUTE, "@/lib/db") == "apps/web/src/lib/db/index.ts"
    assert g.target(ROUTE, "~db") == "apps/web/src/lib/db/index.ts"
    # a file of another package does not see the app's alias
    assert g.target("packages/api/src/index.ts", "@/lib/db") is None


def test_a_base_url_resolves_bare_imports_after_paths_and_before_packages():
    files = {
        **FILES,
        "apps/web/tsconfig.json": '{ "compilerOptions": { "baseUrl": ".", "paths": { "@/lib/*": ["src/lib/*"] } } }',
        "apps/web/models/user.ts": "export async function getUser() {}\n",
    }
    g = graph(files)
    assert g.target(ROUTE, "models/user") == "apps/web/models/user.ts"  # baseUrl alone, no `paths` for it
    assert g.target(ROUTE, "@/lib/esm") == "apps/web/src/lib/esm.ts"  # `paths` first
    assert g.target(ROUTE, "@acme/db") == "packages/db/src/index.ts"  # no file under baseUrl: the package
    assert g.target(ROUTE, "stripe") is None
    assert graph().target(ROUTE, "src/lib/esm") is None  # without baseUrl, never


def test_workspace_packages_by_name_exports_main_and_src_index():
    g = graph()
    assert g.target(ROUTE, "@acme/db") == "packages/db/src/index.ts"
    assert g.target(ROUTE, "@acme/db/client") == "packages/db/src/client.ts"  # dist named, sources beside it
    assert g.target(ROUTE, "@acme/api") == "packages/api/src/index.ts"
    assert g.target(ROUTE, "@acme/bare") == "packages/bare/src/index.ts"
    assert g.target(ROUTE, "@acme/bare/sub/thing") == "packages/bare/src/sub/thing.ts"


def test_missing_and_outside_imports_resolve_to_nothing():
    g = graph()
    assert g.target(ROUTE, "../../lib/nothing") is None
    assert g.target(ROUTE, "@acme/unknown") is None
    assert g.target(ROUTE, "stripe") is None
    assert g.target(ROUTE, "@/lib/absent") is None
    assert g.target("apps/web/package.json", "./tsconfig.json") is None  # not a module, never parsed


def test_exported_names_through_barrels_renames_and_defaults():
    g = graph()
    found = g.exported("apps/web/src/lib/db/index.ts", "createPost")
    assert found is not None and found.path == "apps/web/src/lib/db/queries.ts"
    assert found.node.kind() == "function_declaration"
    renamed = g.exported("apps/web/src/lib/db/index.ts", "deletePost")
    assert renamed is not None and renamed.path == "apps/web/src/lib/db/deletes.tsx" and renamed.name == "remove"
    default = g.exported("apps/web/src/lib/db/queries.ts", "default")
    assert default is not None and default.name == "createPost"
    client = g.exported("packages/db/src/index.ts", "db")
    assert client is not None and client.path == "packages/db/src/client.ts" and client.node.text() == "1"
    assert g.exported("apps/web/src/lib/db/index.ts", "nothing") is None


def test_an_import_of_a_module_outside_the_project_is_named_not_followed():
    files = {**FILES, ROUTE: 'import Stripe from "stripe";\nimport { createPost } from "@/lib/db";\n'}
    g = graph(files)
    outside = g.local(ROUTE, "Stripe")
    assert outside is not None and outside.node is None and outside.specifier == "stripe"
    inside = g.local(ROUTE, "createPost")
    assert inside is not None and inside.path == "apps/web/src/lib/db/queries.ts"


def test_a_cycle_of_re_exports_ends():
    files = {
        **FILES,
        "apps/web/src/lib/a.ts": 'export * from "./b";\n',
        "apps/web/src/lib/b.ts": 'export * from "./a";\n',
    }
    assert graph(files).exported("apps/web/src/lib/a.ts", "x") is None


def test_each_file_is_parsed_once():
    loaded = []
    g = graph(loaded=loaded)
    for _ in range(3):
        g.exported("apps/web/src/lib/db/index.ts", "createPost")
        g.exported("apps/web/src/lib/db/index.ts", "deletePost")
    assert sorted(loaded) == sorted(set(loaded))
