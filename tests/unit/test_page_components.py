"""Which files show what a page shows (`pages/components.py`): the page and the app's files it imports,
through relative imports and the app's alias, each with whether it runs in the browser."""

from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Skip
from afc_realtime.pages.components import Component, components
from afc_realtime.project import detect
from afc_realtime.tree import Tree
from afc_realtime.writes.find import source_files
from afc_realtime.writes.graph import Graph

APP = "apps/web/src/app"
FILES = {
    "package.json": '{"name": "x", "workspaces": ["apps/*", "packages/*"]}\n',
    "apps/web/package.json": '{"name": "web", "dependencies": {"next": "15.5.0", "@x/ui": "*"}}\n',
    "apps/web/tsconfig.json": '{"compilerOptions": {"paths": {"~/*": ["./src/*"]}}}\n',
    "packages/ui/package.json": '{"name": "@x/ui", "main": "src/index.tsx"}\n',
    "packages/ui/src/index.tsx": '"use client";\nexport function Button() { return null; }\n',
    f"{APP}/page.tsx": (
        'import { LatestPost } from "~/app/_components/post";\nimport { Button } from "@x/ui";\n'
        'import { db } from "~/server/db";\nimport { useRealtime } from "~/lib/realtime/use-realtime";\n'
        "export default function Home() { return <LatestPost />; }\n"
    ),
    f"{APP}/_components/post.tsx": (
        '"use client";\nimport { usePosts } from "../../hooks/use-posts";\n'
        "export function LatestPost() { return null; }\n"
    ),
    "apps/web/src/hooks/use-posts.ts": 'import { api } from "~/trpc/react";\nexport function usePosts() {}\n',
    "apps/web/src/trpc/react.tsx": "export const api = {};\n",
    "apps/web/src/server/db.ts": "export const db = {};\n",
    "apps/web/src/lib/realtime/use-realtime.ts": "export function useRealtime() {}\n",
    f"{APP}/about/page.tsx": 'import Home from "../page";\nexport default function About() { return <Home />; }\n',
}


def found(files):
    tree = Tree.in_memory(files)
    project = detect(tree)

    def load(path):
        loaded = ts.load(path, tree.read_text(path) or "")
        return None if isinstance(loaded, Skip) else loaded

    graph = Graph(tree, source_files(project, tree), load, project.packages)
    return components(project, graph, project.helpers_dir)


def test_the_files_a_page_imports_are_followed_and_client_code_is_told_apart():
    by_path = {c.path: c for c in found(FILES)}
    assert by_path[f"{APP}/page.tsx"] == Component(f"{APP}/page.tsx", False, f"{APP}/page.tsx")
    assert by_path[f"{APP}/_components/post.tsx"] == Component(f"{APP}/_components/post.tsx", True, f"{APP}/page.tsx")
    # imported from a client component: client code, though it says nothing; and so on down
    assert by_path["apps/web/src/hooks/use-posts.ts"].client
    assert by_path["apps/web/src/trpc/react.tsx"].client
    # a server module of functions the page imports leads to no component: not followed (nor parsed)
    assert "apps/web/src/server/db.ts" not in by_path
    # not followed: a workspace package, afc's own helpers; a page another page imports is a page
    assert "packages/ui/src/index.tsx" not in by_path
    assert "apps/web/src/lib/realtime/use-realtime.ts" not in by_path
    assert sorted(c.path for c in found(FILES) if c.path.endswith("page.tsx")) == [
        f"{APP}/about/page.tsx",
        f"{APP}/page.tsx",
    ]


def test_a_file_reached_as_server_code_then_as_client_code_is_client_code():
    files = {
        **FILES,
        f"{APP}/page.tsx": FILES[f"{APP}/page.tsx"].replace(
            'import { db } from "~/server/db";', 'import { usePosts } from "~/hooks/use-posts";'
        ),
    }
    assert {c.path: c.client for c in found(files)}["apps/web/src/hooks/use-posts.ts"]
