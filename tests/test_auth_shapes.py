"""Each authentication shape real projects write (tests/support/auth_projects.py), as a user of it sees
`afc add websocket`: the ticket route asks that authentication who the browser is, with the name the module
exports it by; every app type-checks against the real libraries (in one `tsc` run: the apps import by
relative path; the NextAuth v4 app resolves `next-auth` to v4, the others to Auth.js v5) and `remove` gives
every byte back."""

import shutil

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.auth_projects import NEXTAUTH_V4_APPS, PROBES, SHAPES, TSCONFIG
from tests.support.projects import fingerprint, make_project
from tests.support.typecheck import assert_typechecks

# Resolved from the installed libraries, never from the stubs of tests/support/typecheck.py.
REAL = ("next-auth", "better-auth", "@clerk/nextjs", "@supabase/ssr", "@supabase/supabase-js", "iron-session")

runner = CliRunner()

# What each app's authorize.ts says, in order (imports first).
EXPECTED = {
    "authjs-cached": ('import { auth } from "../../server/identity/index";', "const session = await auth();"),
    "nextauth-v4": (
        'import { getServerSession } from "next-auth/next";',
        'import { authOptions } from "../../pages/api/auth/[...nextauth]";',
        'import client from "../database";',
        "const session = await getServerSession(authOptions);",
        "const teams = await client.member.findMany({ where: { userId: id }, select: { teamId: true } });",
    ),
    "better-auth-renamed": (
        'import { authLib } from "../../utils/auth";',
        "const session = await authLib.api.getSession({ headers: request.headers });",
    ),
    "better-auth-default": (
        'import auth from "../../auth/server";',
        "const session = await auth.api.getSession({ headers: request.headers });",
    ),
    "clerk": ('import { auth } from "@clerk/nextjs/server";', "const { userId } = await auth();"),
    "lucia-style": (
        'import { validateRequest } from "../server/session";',
        "const session = await validateRequest();",
        "const found = session?.user?.id;",
    ),
    "iron-session": ('import { getSession } from "../session";', "const found = session?.userId;"),
    "supabase": (
        'import { createClient } from "../../utils/supabase/server";',
        "const supabase = await createClient();",
        "const { data } = await supabase.auth.getUser();",
    ),
    "own-session": ('import { getSession } from "../auth/session";', "const found = session?.user?.id;"),
    "session-request": (
        'import { NextRequest } from "next/server";',
        'import { getSession } from "../../server/auth/session";',
        "export async function authorize(request: Request)",
        "const session = await getSession(new NextRequest(request));",
        "const found = session?.user?.id;",
    ),
    "lucia-request": (
        'import { validateRequest } from "../server/auth";',
        "export async function authorize(request: Request)",
        "const session = await validateRequest(request);",
        "const found = session?.user?.id;",
    ),
    "iron-session-direct": (
        'import { getIronSession } from "iron-session";',
        'import { cookies } from "next/headers";',
        'import { sessionOptions, type SessionData } from "../session";',
        "const session = await getIronSession<SessionData>(await cookies(), sessionOptions);",
        "const found = session?.userId;",
    ),
    "iron-session-pages": (
        'import { getIronSession } from "iron-session";',
        'import { ironOptions } from "../iron";',
        'import type { AppSession } from "../types";',
        "const session = await getIronSession<AppSession>(await cookies(), ironOptions);",
        "const found = session?.user?.id;",
    ),
    "nextauth-pages": (
        'import { getServerSession } from "next-auth";',
        'import { authOptions } from "../../server/auth";',
        "const session = await getServerSession(authOptions);",
    ),
}


def test_each_auth_shape_is_asked_type_checks_and_comes_out(tmp_path, auth_toolchain, node):
    combined = tmp_path / "combined"
    (combined / "src").mkdir(parents=True)
    (combined / "tsconfig.json").write_text(TSCONFIG)
    before = {}
    for shape, files in SHAPES.items():
        project = make_project(tmp_path / shape, files)
        before[shape] = fingerprint(project)
        result = runner.invoke(app, ["add", "websocket", "-C", str(project), "--yes"])
        assert result.exit_code == 0, result.output
        authorize = (project / "src/lib/realtime/authorize.ts").read_text()
        at = [authorize.find(line) for line in EXPECTED[shape]]
        assert -1 not in at and at == sorted(at), f"{shape}:\n{authorize}"
        assert "import { auth }" not in authorize or shape in ("authjs-cached", "clerk"), authorize
        shutil.copytree(project / "src", combined / "src" / shape)
    for path, text in PROBES.items():  # lines that fail only against the real libraries
        (combined / "src" / path).write_text(text)
    v4 = {f"src/{shape}/node_modules/next-auth": "next-auth-v4" for shape in NEXTAUTH_V4_APPS}
    assert_typechecks(combined, auth_toolchain, node, tmp_path / "tc", alias_src=False, real=REAL, links=v4)
    for shape in SHAPES:
        result = runner.invoke(app, ["remove", "websocket", "-C", str(tmp_path / shape), "--yes"])
        assert result.exit_code == 0, result.output
        assert fingerprint(tmp_path / shape) == before[shape], shape
