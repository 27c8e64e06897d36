"""The lines of `authorize.ts` that ask the app's authentication (`auth.py` found it) who the browser is:
its imports, the statements that end with the user id in `id` (or `userId` for Clerk), and whether they need
the request. Each imports the binding under the name the module exports it by (a default export as `auth`),
so a renamed export (`export const authLib = betterAuth(...)`) is imported as what it is."""

from __future__ import annotations

from dataclasses import dataclass

from .auth import AuthSetup
from .features.toolkit import module_import
from .project import Project

# The names authorize.ts itself binds: an export of the same name is imported under another.
TAKEN = frozenset({"session", "found", "id", "user", "supabase", "data", "channels", "authorize", "request", "Grant"})


@dataclass(frozen=True)
class Call:
    imports: tuple[str, ...]
    lines: tuple[str, ...]  # statements that leave the user's id (string, or empty) in `who`
    who: str = "id"
    request: bool = False  # whether they read the request (its headers)


def call_of(setup: AuthSetup, project: Project, authorize: str, membership: bool = False) -> Call | None:
    """The call for `setup` from the module at `authorize`; None without authentication. With `membership`,
    the id is always in `id` (the membership queries read it)."""
    if setup.kind == "none":
        return None
    if setup.kind == "clerk":
        clerk = "const { userId: id } = await auth();" if membership else "const { userId } = await auth();"
        where = setup.library or "@clerk/nextjs/server"
        return Call((f'import {{ auth }} from "{where}";',), (clerk,), "id" if membership else "userId")
    name = setup.local if setup.local not in TAKEN else "appAuth"  # `export const session = ...` stays callable
    where = setup.specifier or module_import(project, authorize, _stem(setup.module))
    renamed = setup.export if name == setup.export else f"{setup.export} as {name}"
    binding = f"import {name} from" if setup.export == "default" else f"import {{ {renamed} }} from"
    imports = [f'{binding} "{where}";']
    if setup.kind == "authjs":
        return Call(tuple(imports), (f"const session = await {name}();", "const id = session?.user?.id;"))
    if setup.kind == "nextauth":
        imports.insert(0, f'import {{ getServerSession }} from "{setup.library or "next-auth"}";')
        return Call(
            tuple(imports),
            (
                f"const session = await getServerSession({name});",
                # v4's Session names no id unless the app declares one: read it as the app's callbacks put it
                "const user = session?.user as { id?: string | null } | undefined;",
                "const id = user?.id;",
            ),
        )
    if setup.kind == "better-auth":
        lines: tuple[str, ...] = (
            f"const session = await {name}.api.getSession({{ headers: request.headers }});",
            "const id = session?.user.id;",
        )
        return Call(tuple(imports), lines, request=True)
    if setup.kind == "supabase":
        lines = (
            f"const supabase = await {name}();",
            "const { data } = await supabase.auth.getUser();",
            "const id = data.user?.id;",
        )
        return Call(tuple(imports), lines)
    read = "?.".join(("session", *setup.path))
    found = (f"const found = {read};", "const id = found == null ? null : String(found);")  # a number too
    if setup.kind == "iron-session":
        # the ticket route is the App Router's: the cookies from next/headers, whichever router the app reads
        # them in (`getIronSession(req, res, options)` in a Pages Router handler)
        data = _data_import(setup, project, authorize, where)
        imports[0] = f'import {{ {renamed}{data[1]} }} from "{where}";'
        session = f"const session = await getIronSession<{data[0]}>(await cookies(), {name});"
        heads = ['import { getIronSession } from "iron-session";', 'import { cookies } from "next/headers";']
        return Call((*heads, *imports, *data[2:]), (session, *found))
    if setup.request == "NextRequest":  # the ticket route is given a Request: the same request, as Next's
        imports.insert(0, 'import { NextRequest } from "next/server";')
    given = {"": "", "Request": "request", "NextRequest": "new NextRequest(request)"}[setup.request]
    return Call(tuple(imports), (f"const session = await {name}({given});", *found), request=bool(given))


def _data_import(setup: AuthSetup, project: Project, authorize: str, where: str) -> tuple[str, ...]:
    """iron-session's data type: (its local name, what to add to the options' import, other import lines)."""
    module, export = setup.data or (setup.module, "SessionData")
    if module == setup.module:
        return (export, f", type {export}")
    path = module_import(project, authorize, _stem(module))
    return (export, "", f'import type {{ {export} }} from "{path}";')


def _stem(module: str | None) -> str | None:
    if module is None:
        return None
    return module.rsplit(".", 1)[0] if module.rsplit("/", 1)[-1].count(".") else module
