"""Where the app serves a table to signed-out visitors (`reads.py`), on both sides of each check: the same read
with and without a session check, in each kind of entry point."""

import pytest

from afc_realtime import reads
from afc_realtime.datamodel import DataModel, Table
from afc_realtime.edits import typescript as ts
from afc_realtime.edits.result import Skip
from afc_realtime.project import detect
from afc_realtime.tree import Tree

MODEL = DataModel({t.name: t for t in (Table("posts", ("id", "title")), Table("Post", ("id", "title")))}, ["s.ts"])
BASE = {
    "package.json": '{"name": "x", "workspaces": ["apps/*", "packages/*"]}\n',
    "apps/web/package.json": '{"name": "web", "dependencies": {"next": "15.5.0"}}\n',
    "apps/web/src/app/.gitkeep": "",  # an app has an app/ folder (project.py)
}
APP = "apps/web/src/app"


def served(files):
    tree = Tree.in_memory({**BASE, **files})

    def load(path):
        loaded = ts.load(path, tree.read_text(path) or "")
        return None if isinstance(loaded, Skip) else loaded

    return reads.served(detect(tree), tree, load, MODEL)


GET = """import { db, posts } from "@app/db";

export async function GET() {
    %s
    return Response.json(await db.select().from(posts));
}
"""
PAGE = """import { db, posts } from "@app/db";

export default async function Page() {
    %s
    const rows = await db.query.posts.findMany();
    return <ul>{rows.map((p) => <li key={p.id}>{p.title}</li>)}</ul>;
}
"""
CHECKS = [
    "const session = await auth();",
    "const session = await getServerSession(authOptions);",
    "const user = await currentUser();",
    "const { data } = await supabase.auth.getUser();",
    'if (!(await getSession())) redirect("/sign-in");',
    'redirect("/login");',
    "const token = cookies().get('sid');",
    "await requireAdmin();",  # an admin gate (rallly's control panel layout)
]


def test_a_get_handler_without_a_session_check_serves_the_table():
    assert served({f"{APP}/api/posts/route.ts": GET % ""}) == {
        "posts": ("GET /api/posts (apps/web/src/app/api/posts/route.ts:3)",)
    }


@pytest.mark.parametrize("check", CHECKS)
def test_a_get_handler_with_a_session_check_does_not(check):
    assert served({f"{APP}/api/posts/route.ts": GET % check}) == {}


@pytest.mark.parametrize(
    "route",
    [
        "api/share/[slug]",
        "api/share/[share-id]",
        "api/posts/[id]",
        "api/[...path]",
        "api/users/[userId]/posts",
        "[[...slug]]",
    ],
)
def test_a_url_with_a_key_serves_whoever_holds_the_url_not_everyone(route):
    # umami's share links: `GET /api/share/[slug]` reads one share by its slug, with no session check
    assert served({f"{APP}/{route}/route.ts": GET % ""}) == {}
    assert served({f"{APP}/{route}/page.tsx": PAGE % ""}) == {}


@pytest.mark.parametrize("locale", ["[locale]", "[lang]", "[lng]", "[language]"])
def test_a_locale_in_the_url_names_no_row(locale):
    path = f"{APP}/{locale}/(marketing)/counter/page.tsx"
    assert served({path: PAGE % ""}) == {"posts": (f"page /{locale}/counter ({path}:1)",)}


def test_a_wrapped_get_counts_its_wrapper():
    wrapped = (
        'import { db, posts } from "@app/db";\n\n'
        "export const GET = withAuth(async () => Response.json(await db.select().from(posts)));\n"
    )
    plain = wrapped.replace("withAuth(", "cached(")
    assert served({f"{APP}/api/posts/route.ts": wrapped}) == {}
    assert "posts" in served({f"{APP}/api/posts/route.ts": plain})


def test_only_reads_in_get_count():
    post_only = GET.replace("GET", "POST") % ""
    assert served({f"{APP}/api/posts/route.ts": post_only}) == {}


def test_a_server_component_page_serves_what_it_reads_unless_it_or_a_layout_checks():
    assert served({f"{APP}/(blog)/page.tsx": PAGE % ""}) == {"posts": ("page / (apps/web/src/app/(blog)/page.tsx:1)",)}
    assert served({f"{APP}/page.tsx": PAGE % "const session = await auth();"}) == {}
    guarded = (
        "export default async function Layout({ children }) {\n    await requireUser();\n    return children;\n}\n"
    )
    assert served({f"{APP}/dash/page.tsx": PAGE % "", f"{APP}/dash/layout.tsx": guarded}) == {}
    assert served({f"{APP}/page.tsx": '"use client";\n' + PAGE % ""}) == {}


def test_a_middleware_that_looks_at_sessions_may_guard_any_path():
    files = {f"{APP}/api/posts/route.ts": GET % ""}
    assert served({**files, "apps/web/middleware.ts": 'export { auth as middleware } from "@/auth";\n'}) == {}
    assert "posts" in served({**files, "apps/web/middleware.ts": "export function middleware() {}\n"})


def test_public_procedure_queries_serve_protected_ones_do_not():
    router = """export const postRouter = {
  all: publicProcedure.query(({ ctx }) => ctx.db.post.findMany()),
  mine: protectedProcedure.query(({ ctx }) => ctx.db.post.findMany({ where: { id: ctx.session.user.id } })),
};
"""
    found = served({"packages/api/package.json": '{"name": "api"}\n', "packages/api/src/router/post.ts": router})
    assert found == {"Post": ("publicProcedure query all (packages/api/src/router/post.ts:2)",)}
    # a query with an input reads the rows its input names (`post.byId`): served to whoever holds the id
    keyed = router.replace("publicProcedure.query(", "publicProcedure.input(z.object({ id: z.string() })).query(")
    assert served({"packages/api/package.json": '{"name": "api"}\n', "packages/api/src/router/post.ts": keyed}) == {}
    sessioned = router.replace("ctx.db.post.findMany())", "ctx.session ? ctx.db.post.findMany() : [])")
    assert (
        served({"packages/api/package.json": '{"name": "api"}\n', "packages/api/src/router/post.ts": sessioned}) == {}
    )


def test_a_pages_api_handler_serves_what_it_reads():
    handler = (
        'import { db, posts } from "@app/db";\n\nexport default async function handler(req, res) {\n'
        "    %s\n    res.json(await db.select().from(posts));\n}\n"
    )
    assert served({"apps/web/pages/api/posts.ts": handler % ""}) == {
        "posts": ("API /api/posts (apps/web/pages/api/posts.ts:3)",)
    }
    assert (
        served({"apps/web/pages/api/posts.ts": handler % "const session = await getServerSession(req, res, o);"}) == {}
    )
    assert served({"apps/web/pages/api/posts/[id].ts": handler % ""}) == {}  # a key in the URL


def data_paths(files):
    tree = Tree.in_memory({**BASE, **files})

    def load(path):
        loaded = ts.load(path, tree.read_text(path) or "")
        return None if isinstance(loaded, Skip) else loaded

    return reads.DataPaths(detect(tree), tree, load, MODEL)


ROUTER = """import { createTRPCRouter, publicProcedure } from "../trpc";

export const postRouter = createTRPCRouter({
    latest: publicProcedure.query(({ ctx }) => ctx.db.query.posts.findFirst()),
    hello: publicProcedure.query(() => "hi"),
    create: publicProcedure.mutation(({ ctx }) => ctx.db.insert(posts).values({ title: "x" })),
});
"""


def test_a_components_data_path_is_followed_to_the_tables_it_reads():
    paths = data_paths(
        {
            f"{APP}/api/posts/route.ts": GET % "",
            f"{APP}/api/posts/[id]/route.ts": GET % "",  # another URL: not the list's
            "apps/web/src/server/api/routers/post.ts": ROUTER,
        }
    )
    assert paths.route("/api/posts") == (frozenset({"posts"}), f"GET /api/posts ({APP}/api/posts/route.ts:3)")
    assert paths.route("/api/notes") is None
    tables, place = paths.procedure("post", "latest") or (None, "")
    assert tables == frozenset({"posts"}) and place.startswith("query post.latest (apps/web/src/server/api/routers")
    assert paths.procedure("post", "hello") is None  # reads no table afc sees
    assert paths.procedure("admin.post", "latest") is not None  # a nested router: its own name
    assert paths.procedure("user", "latest") is None
    assert paths.procedure("post", "create") is None  # a mutation is no read
    assert paths.table("Post") == "Post" and paths.table("unknown") == "unknown"


HELPER = """import { db, posts } from "@app/db";

export async function listPosts() {
    %s
    return db.select().from(posts);
}
"""
HELPER_PAGE = """import { listPosts } from "@/lib/posts";

export default async function Page() {
    const rows = await listPosts();
    return <ul>{rows.map((p) => <li key={p.id}>{p.title}</li>)}</ul>;
}
"""


def test_a_page_serves_what_a_helper_it_calls_reads_unless_the_helper_checks():
    """One step, as the page's refresh follows it (`DataPaths.called`): `listPosts()` of `@/lib/posts`."""
    helper = "apps/web/src/lib/posts.ts"
    files = {
        f"{APP}/page.tsx": HELPER_PAGE,
        "apps/web/tsconfig.json": '{"compilerOptions": {"paths": {"@/*": ["./src/*"]}}}\n',
    }
    assert served({**files, helper: HELPER % ""}) == {"posts": ("page / (apps/web/src/app/page.tsx:1)",)}
    assert served({**files, helper: HELPER % "const session = await auth();"}) == {}
    admin = "export default async function Layout({ children }) {\n    await requireAdmin();\n    return children;\n}\n"
    assert served({**files, helper: HELPER % "", f"{APP}/layout.tsx": admin}) == {}
    # a helper the page imports but does not call is not read by it
    uncalled = HELPER_PAGE.replace("await listPosts()", "[] as { id: number; title: string }[]")
    assert served({**files, f"{APP}/page.tsx": uncalled, helper: HELPER % ""}) == {}


# A page that reads through a chain of helpers, each in a module of its own: the page calls `step1()` of
# `@/lib/step1`, which calls `step2()` of `@/lib/step2`, ..., and the last reads `posts`.
CHAIN_PAGE = """import { step1 } from "@/lib/step1";

export default async function Page() {
    const rows = await step1();
    return <ul>{rows.map((p) => <li key={p.id}>{p.title}</li>)}</ul>;
}
"""
TSCONFIG = {"apps/web/tsconfig.json": '{"compilerOptions": {"paths": {"@/*": ["./src/*"]}}}\n'}


def chain(steps: int, check_at: int | None = None, back_to: int | None = None) -> dict[str, str]:
    """The page and `steps` helper modules; `check_at`: the step whose helper checks the session first;
    `back_to`: the last helper also calls that step's helper again (a cycle)."""
    files = {f"{APP}/page.tsx": CHAIN_PAGE, **TSCONFIG}
    for step in range(1, steps + 1):
        check = "    const session = await auth();\n" if step == check_at else ""
        if step < steps:
            head = f'import {{ step{step + 1} }} from "@/lib/step{step + 1}";\n'
            body = f"    return step{step + 1}();\n"
        else:
            head = 'import { db, posts } from "@app/db";\n'
            body = "    return db.select().from(posts);\n"
            if back_to is not None:
                head += f'import {{ step{back_to} }} from "@/lib/step{back_to}";\n'
                body = f"    if (Math.random() > 2) return step{back_to}();\n" + body
        files[f"apps/web/src/lib/step{step}.ts"] = f"{head}\nexport async function step{step}() {{\n{check}{body}}}\n"
    return files


def followed_paths(files) -> reads.DataPaths:
    """The recipe's `DataPaths`: with the import graph, so helpers are followed."""
    from afc_realtime.writes.find import source_files
    from afc_realtime.writes.graph import Graph

    tree = Tree.in_memory({**BASE, **files})

    def load(path):
        loaded = ts.load(path, tree.read_text(path) or "")
        return None if isinstance(loaded, Skip) else loaded

    project = detect(tree)
    return reads.DataPaths(project, tree, load, MODEL, Graph(tree, source_files(project, tree), load, project.packages))


def page_tables(files) -> set[str]:
    """What the Server Component page's refresh follows: the tables its calls read (`DataPaths.called`)."""
    return followed_paths(files).called(f"{APP}/page.tsx", ("step1",))


PUBLIC_PAGE = {"posts": ("page / (apps/web/src/app/page.tsx:1)",)}


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_a_pages_reads_are_followed_three_steps_on_both_sides(steps):
    """page -> lib/queries.ts -> lib/db/posts.ts: the page refreshes on `posts` and serves it signed out."""
    assert page_tables(chain(steps)) == {"posts"}
    assert served(chain(steps)) == PUBLIC_PAGE


def test_a_read_four_steps_away_is_not_the_pages():
    """Deeper than three steps nothing counts: no refresh on it, and nothing served (failing closed)."""
    assert page_tables(chain(4)) == set()
    assert served(chain(4)) == {}


def test_a_cycle_of_helpers_is_followed_once():
    assert page_tables(chain(2, back_to=1)) == {"posts"}
    assert served(chain(2, back_to=1)) == PUBLIC_PAGE
    assert page_tables(chain(3, back_to=2)) == {"posts"}


@pytest.mark.parametrize("check_at", [1, 2, 3])
def test_a_session_check_at_any_step_keeps_the_table_private(check_at):
    assert served(chain(3, check_at=check_at)) == {}
    assert page_tables(chain(3, check_at=check_at)) == {"posts"}  # the page still refreshes on what it reads


def test_a_client_component_on_the_way_is_not_followed():
    files = chain(2)
    files["apps/web/src/lib/step1.ts"] = '"use client";\n' + files["apps/web/src/lib/step1.ts"]
    assert page_tables(files) == set() and served(files) == {}


CHAIN_ROUTE = """import { step1 } from "@/lib/step1";

export async function GET() {
    return Response.json(await step1());
}
"""


def route_chain(steps: int, check_at: int | None = None) -> dict[str, str]:
    """A GET route that reads through the same chain of helpers (and no page)."""
    files = {k: v for k, v in chain(steps, check_at).items() if k != f"{APP}/page.tsx"}
    return {**files, f"{APP}/api/posts/route.ts": CHAIN_ROUTE}


def route_tables(files):
    found = followed_paths(files).route("/api/posts")
    return found[0] if found is not None else None


PUBLIC_ROUTE = {"posts": ("GET /api/posts (apps/web/src/app/api/posts/route.ts:3)",)}


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_a_get_routes_reads_are_followed_three_steps_on_both_sides(steps):
    """The list page that fetches the route follows the tables its helpers read; signed out, it serves them."""
    assert route_tables(route_chain(steps)) == {"posts"}
    assert served(route_chain(steps)) == PUBLIC_ROUTE


def test_a_get_routes_read_four_steps_away_is_not_followed():
    assert route_tables(route_chain(4)) is None  # as before: the writes at its URL feed the page
    assert served(route_chain(4)) == {}


@pytest.mark.parametrize("check_at", [1, 2, 3])
def test_a_session_check_in_a_helper_of_a_get_route_keeps_the_table_private(check_at):
    assert served(route_chain(3, check_at=check_at)) == {}


def test_a_helpers_session_check_counts_even_when_the_page_reads_itself():
    """Failing closed: the page reads `posts` itself and calls a helper that checks the session."""
    page = PAGE % "await requirePlan();"
    files = {
        f"{APP}/page.tsx": 'import { requirePlan } from "@/lib/plan";\n' + page,
        "apps/web/src/lib/plan.ts": "export async function requirePlan() {\n    await auth();\n}\n",
        **TSCONFIG,
    }
    assert served(files) == {}
    assert served({**files, "apps/web/src/lib/plan.ts": "export async function requirePlan() {}\n"}) == {
        "posts": ("page / (apps/web/src/app/page.tsx:1)",)
    }


HELPER_ROUTER = """import { createTRPCRouter, publicProcedure } from "../trpc";
import { latestPost } from "@/lib/step1";

export const postRouter = createTRPCRouter({
    latest: publicProcedure.query(({ ctx }) => latestPost(ctx.db)),
});
"""


def procedure_chain(steps: int, check_at: int | None = None) -> dict[str, str]:
    """A tRPC public query whose resolver reads through the chain of helpers (`step1` named `latestPost`)."""
    files = {k: v for k, v in chain(steps, check_at).items() if k != f"{APP}/page.tsx"}
    files["apps/web/src/lib/step1.ts"] = files["apps/web/src/lib/step1.ts"].replace("step1()", "latestPost()")
    return {**files, "apps/web/src/server/api/routers/post.ts": HELPER_ROUTER}


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_a_procedures_reads_are_followed_three_steps_on_both_sides(steps):
    found = followed_paths(procedure_chain(steps)).procedure("post", "latest")
    assert found is not None and found[0] == frozenset({"posts"})
    assert served(procedure_chain(steps)) == {
        "posts": ("publicProcedure query latest (apps/web/src/server/api/routers/post.ts:5)",)
    }


def test_a_procedures_read_four_steps_away_or_behind_a_check_is_not_served():
    assert followed_paths(procedure_chain(4)).procedure("post", "latest") is None
    assert served(procedure_chain(4)) == {}
    assert served(procedure_chain(3, check_at=2)) == {}
