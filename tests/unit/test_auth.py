"""The app's authentication found by what its modules build, never by a file's name, and the call
`authorize.ts` makes to it: on both sides of every check (found, and what looks alike but is not)."""

import pytest

from afc_realtime.auth import AuthSetup, detect_auth
from afc_realtime.authcall import call_of
from afc_realtime.project import detect
from afc_realtime.tree import Tree
from tests.support.auth_projects import SHAPES, app

AUTHORIZE = "src/lib/realtime/authorize.ts"


def found(files: dict[str, str]) -> AuthSetup:
    tree = Tree.in_memory(files)
    return detect_auth(detect(tree), tree)


def imports(files: dict[str, str]) -> tuple[str, ...]:
    tree = Tree.in_memory(files)
    project = detect(tree)
    call = call_of(detect_auth(project, tree), project, AUTHORIZE)
    return call.imports if call else ()


@pytest.mark.parametrize(
    ("shape", "kind", "module", "export"),
    [
        ("authjs-cached", "authjs", "src/server/identity/index.ts", "auth"),
        ("nextauth-v4", "nextauth", "src/pages/api/auth/[...nextauth].ts", "authOptions"),
        ("better-auth-renamed", "better-auth", "src/utils/auth.ts", "authLib"),
        ("better-auth-default", "better-auth", "src/auth/server.ts", "default"),
        ("clerk", "clerk", None, "auth"),
        ("lucia-style", "session", "src/lib/server/session.ts", "validateRequest"),
        ("iron-session", "session", "src/lib/session.ts", "getSession"),
        ("supabase", "supabase", "src/utils/supabase/server.ts", "createClient"),
        ("own-session", "session", "src/lib/auth/session.ts", "getSession"),
        ("session-request", "session", "src/server/auth/session.ts", "getSession"),
        ("lucia-request", "session", "src/lib/server/auth.ts", "validateRequest"),
        ("iron-session-direct", "iron-session", "src/lib/session.ts", "sessionOptions"),
        ("iron-session-pages", "iron-session", "src/lib/iron.ts", "ironOptions"),
        ("nextauth-pages", "nextauth", "src/server/auth.ts", "authOptions"),
    ],
)
def test_each_shape_is_found_by_what_its_module_builds(shape, kind, module, export):
    setup = found(SHAPES[shape])
    assert (setup.kind, setup.module, setup.export) == (kind, module, export)


def test_a_session_function_is_read_where_the_handlers_read_the_user_id():
    assert found(SHAPES["lucia-style"]).path == ("user", "id")  # `const { user } = await validateRequest()`
    assert found(SHAPES["iron-session"]).path == ("userId",)
    assert found(SHAPES["own-session"]).path == ("user", "id")
    assert found(SHAPES["lucia-style"]).flavour == "Lucia-style"
    assert found(SHAPES["iron-session"]).flavour == "iron-session"


def test_the_exported_name_is_imported_never_a_guessed_auth():
    assert imports(SHAPES["better-auth-renamed"]) == ('import { authLib } from "../../utils/auth";',)
    assert imports(SHAPES["better-auth-default"]) == ('import auth from "../../auth/server";',)
    renamed = app(
        "next-auth",
        {
            "src/lib/identity.ts": 'import NextAuth from "next-auth";\n'
            "export const { auth: getSession } = NextAuth({});\n"
        },
    )
    assert imports(renamed) == ('import { getSession } from "../identity";',)
    setup = found(renamed)
    assert call_of(setup, detect(Tree.in_memory(renamed)), AUTHORIZE).lines[0] == "const session = await getSession();"


def test_better_auth_built_by_a_factory_of_the_projects():
    files = app(
        "better-auth",
        {
            "src/auth/factory.ts": 'import { betterAuth } from "better-auth";\n'
            "export function initAuth(secret: string) {\n    return betterAuth({ secret });\n}\n",
            "src/auth/server.ts": 'import { initAuth } from "./factory";\nexport const auth = initAuth("s");\n',
        },
    )
    setup = found(files)
    assert (setup.kind, setup.module, setup.export) == ("better-auth", "src/auth/server.ts", "auth")


def test_nextauth_v4_options_imported_from_where_they_live():
    files = app(
        "next-auth",
        {
            "src/lib/auth-options.ts": "export const options = { providers: [] };\n",
            "src/app/api/me/route.ts": 'import { getServerSession } from "next-auth";\n'
            'import { options } from "../../../lib/auth-options";\n'
            "export async function GET() {\n    return Response.json(await getServerSession(options));\n}\n",
        },
    )
    setup = found(files)
    assert (setup.kind, setup.module, setup.export, setup.library) == (
        "nextauth",
        "src/lib/auth-options.ts",
        "options",
        "next-auth",
    )


def test_an_alias_or_package_the_app_imports_by_is_kept():
    files = {
        **SHAPES["better-auth-renamed"],
        "tsconfig.json": '{ "compilerOptions": { "paths": { "~/*": ["./src/*"] } } }',
        "src/app/api/x/route.ts": 'import { authLib } from "~/utils/auth";\nexport const GET = () => authLib;\n',
    }
    assert imports(files) == ('import { authLib } from "~/utils/auth";',)


# -- what looks alike but is not -------------------------------------------------------------------------


def test_nothing_found_is_none():
    assert found(app("", {})).kind == "none"


def test_better_auth_named_in_a_file_but_never_built_is_none():
    files = app("better-auth", {"src/lib/auth.ts": "// we use betterAuth( later\nexport const auth = {};\n"})
    assert found(files).kind == "none"


def test_nextauth_v4_exported_nothing_afc_can_import_is_none():
    # the options are built per request from req/res (a factory): nothing authorize.ts can hand getServerSession
    files = app(
        "next-auth",
        {
            "src/lib/session.ts": 'import { getServerSession } from "next-auth";\n'
            "export const getSession = (req: unknown, res: unknown) => getServerSession(req, res, makeOptions(req));\n"
            "declare function makeOptions(req: unknown): object;\n",
        },
    )
    assert found(files).kind == "none"


def session_given(argument: str, parameter: str = "req?: Request", handler: str = "req: Request") -> AuthSetup:
    """A session function declared with `parameter`, called as `getSession(<argument>)` by a handler of
    `handler`."""
    name = parameter.split(":")[0].rstrip("?")
    body = f"    return {{ user: {{ id: String({name}) }} }};\n"
    session = f"export async function getSession({parameter}) {{\n{body}}}\n"
    return found(
        app(
            "",
            {
                "src/lib/session.ts": session,
                "src/app/api/x/route.ts": 'import { getSession } from "../../../lib/session";\n'
                f"export async function GET({handler}) {{\n    const s = await getSession({argument});\n"
                "    return Response.json(s.user.id);\n}\n",
            },
        )
    )


def test_a_session_function_given_the_handlers_request_is_called_with_the_ticket_routes():
    assert (session_given("req").kind, session_given("req").request) == ("session", "Request")
    assert session_given("req", "req").request == "Request"  # untyped: a Request
    next_request = session_given("request", "request: NextRequest", "request: NextRequest")
    assert (next_request.kind, next_request.request) == ("session", "NextRequest")


def test_a_session_function_given_anything_but_a_request_the_ticket_route_has_is_not_used():
    assert session_given("req.headers").kind == "none"  # not the request itself
    assert session_given("token", handler="req: Request, token: string").kind == "none"  # another parameter
    assert session_given("req, res", "req: Request, res: Response", "req: Request, res: Response").kind == "none"
    assert session_given("req", "req: NextApiRequest", "req: NextApiRequest").kind == "none"  # the Pages Router's


def test_a_session_function_whose_id_is_never_read_is_not_used():
    session = "export async function getSession(req?: Request) {\n    return { user: { id: String(req) } };\n}\n"
    unread = app(
        "",
        {
            "src/lib/session.ts": session,
            "src/app/api/x/route.ts": 'import { getSession } from "../../../lib/session";\n'
            "export async function GET() {\n    const s = await getSession();\n"
            "    return Response.json(Boolean(s));\n}\n",
        },
    )
    assert found(unread).kind == "none"


def test_a_handlers_own_local_helper_or_a_packages_function_is_no_session_function():
    local = app(
        "",
        {
            "src/app/api/x/route.ts": "async function getUser() {\n    return { id: 1 };\n}\n"
            "export async function GET() {\n    const user = await getUser();\n    return Response.json(user.id);\n}\n",
        },
    )
    assert found(local).kind == "none"
    package = app(
        "",
        {
            "src/app/api/x/route.ts": 'import { getUser } from "some-sdk";\n'
            "export async function GET() {\n    const user = await getUser();\n    return Response.json(user.id);\n}\n",
        },
    )
    assert found(package).kind == "none"


def test_tests_and_scripts_are_not_the_apps_authentication():
    files = app(
        "better-auth",
        {
            "src/__tests__/auth.test.ts": 'import { betterAuth } from "better-auth";\n'
            "export const auth = betterAuth({});\n"
        },
    )
    assert found(files).kind == "none"


def test_the_plan_names_what_the_ticket_route_asks():
    assert found(SHAPES["better-auth-renamed"]).ticket_route() == (
        "a ticket route that asks better-auth (`authLib.api.getSession` from src/utils/auth.ts) who the browser is"
    )
    assert "no authentication found" in AuthSetup("none").ticket_route()


# -- when none is found, the plan and the next steps say so ----------------------------------------------


def _plan(files: dict[str, str], public: bool = True):
    from afc_realtime.features.websocket import plan_add

    tree = Tree.in_memory(files)
    return plan_add(detect(tree), tree, public=public)


def _tabs(plan) -> str:
    return next(
        s.why for s in plan.next_steps if s.command is None and ("two browser tabs" in s.why or "live" in s.why)
    )


def test_without_authentication_the_plan_says_private_events_reach_nobody():
    from tests.support.projects import AUTH_PROJECT

    no_auth = {k: v for k, v in AUTH_PROJECT.items() if k != "apps/web/src/auth.ts"}
    plan = _plan(no_auth)
    warned = [n for n in plan.notes if n.path == "apps/web/src/lib/realtime/authorize.ts"]
    assert len(warned) == 1 and "private events (to `user:` or `team:` channels) reach nobody" in warned[0].message
    # todo-created goes to `public`: two tabs do show it
    assert _tabs(plan).startswith("open http://localhost:3000 in two browser tabs")

    private_only = _plan(no_auth, public=False)  # note-created alone, to its owner's channel
    assert "reach nobody until apps/web/src/lib/realtime/authorize.ts says who is asking" in _tabs(private_only)
    assert "two browser tabs" not in _tabs(private_only)

    with_auth = _plan(AUTH_PROJECT, public=False)
    assert not [n for n in with_auth.notes if n.path == "apps/web/src/lib/realtime/authorize.ts"]
    assert "reach nobody" not in _tabs(with_auth)  # (no page of this app reads notes: no tabs promised either)


def test_an_export_named_like_a_local_of_authorize_is_imported_under_another_name():
    files = app(
        "",
        {
            "src/lib/user.ts": "export async function user() {\n    return { id: 1 };\n}\n",
            "src/app/actions.ts": '"use server";\nimport { user } from "../lib/user";\n'
            "export async function me() {\n    const me = await user();\n    return me.id;\n}\n",
        },
    )
    tree = Tree.in_memory(files)
    project = detect(tree)
    call = call_of(detect_auth(project, tree), project, AUTHORIZE)
    assert call is not None and call.imports == ('import { user as appAuth } from "../user";',)
    assert call.lines[0] == "const session = await appAuth();"


def test_a_function_that_writes_or_a_react_hook_is_no_session_function():
    for name in ("createSession", "SignOutUser", "useSession"):
        files = app(
            "",
            {
                "src/lib/s.ts": f"export async function {name}() {{\n    return {{ user: {{ id: 1 }} }};\n}}\n",
                "src/app/actions.ts": f'"use server";\nimport {{ {name} }} from "../lib/s";\n'
                f"export async function me() {{\n    const s = await {name}();\n    return s.user.id;\n}}\n",
            },
        )
        assert found(files).kind == "none", name


def test_clerk_is_asked_where_the_app_imports_it_from():
    v4 = app(
        "@clerk/nextjs",
        {
            "src/app/api/me/route.ts": 'import { auth } from "@clerk/nextjs";\n'
            "export async function GET() {\n    return Response.json(auth().userId);\n}\n"
        },
    )
    assert imports(v4) == ('import { auth } from "@clerk/nextjs";',)
    assert imports(SHAPES["clerk"]) == ('import { auth } from "@clerk/nextjs/server";',)  # imports nothing: v5 on


def test_iron_session_in_the_handlers_is_asked_with_the_apps_options_and_data_type():
    direct, pages = found(SHAPES["iron-session-direct"]), found(SHAPES["iron-session-pages"])
    assert (direct.data, direct.path) == (("src/lib/session.ts", "SessionData"), ("userId",))
    assert (pages.data, pages.path) == (("src/lib/types.ts", "AppSession"), ("user", "id"))
    route = SHAPES["iron-session-direct"]["src/app/api/me/route.ts"]
    # options the app does not export, a data type it does not name, or another package's getIronSession
    local = route.replace("sessionOptions } from", "} from").replace(
        "export async function GET",
        'const sessionOptions = { password: "", cookieName: "c" };\nexport async function GET',
    )
    untyped = route.replace("getIronSession<SessionData>", "getIronSession")
    other = route.replace('from "iron-session"', 'from "./iron"')
    for text in (local, untyped, other):
        assert found({**SHAPES["iron-session-direct"], "src/app/api/me/route.ts": text}).kind == "none", text
