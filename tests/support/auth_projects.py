"""One small single app per authentication shape real projects write, found by what their modules build
(`afc_realtime/auth.py`): Auth.js v5 behind React's `cache`, NextAuth v4 options exported from
`pages/api/auth/[...nextauth].ts` with a Prisma client cached on `globalThis` and default-exported, better-auth
exported under another name and as a default, Clerk, a Lucia-style `validateRequest`, an iron-session
`getSession`, Supabase's server client, a session function of the app's own with a numeric id, and those
that take the request: the app's own `getSession(request)`, a Lucia-style `validateRequest(req)`,
iron-session called in an App Router handler and in a Pages Router one, NextAuth v4's `getServerSession(req,
res, authOptions)`. No import alias: every app imports by relative path, so `tests/test_auth_shapes.py`
type-checks them all in one run."""

from __future__ import annotations

PACKAGE = """{
  "name": "shape",
  "private": true,
  "scripts": { "dev": "next dev" },
  "dependencies": {
    "next": "15.5.0",
    "react": "19.1.0"%s
  }
}
"""

TSCONFIG = """{
  "compilerOptions": {
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "noUnusedLocals": true,
    "module": "esnext",
    "moduleResolution": "bundler",
    "jsx": "preserve"
  },
  "exclude": ["node_modules"]
}
"""


def app(dependency: str, files: dict[str, str]) -> dict[str, str]:
    extra = f',\n    "{dependency}": "*"' if dependency else ""
    page = {"src/app/page.tsx": "export default function Page() {\n    return null;\n}\n"}
    return {"package.json": PACKAGE % extra, "package-lock.json": "{}\n", "tsconfig.json": TSCONFIG, **page, **files}


AUTHJS_CACHED = app(
    "next-auth",
    {
        # Auth.js v5 in a module named for nothing afc knows, its `auth` renamed and wrapped in React's cache
        "src/server/identity/index.ts": """import NextAuth from "next-auth";
import { cache } from "react";

const { auth: uncached, handlers } = NextAuth({ providers: [] });

export const auth = cache(uncached);
export { handlers };
""",
        "src/app/api/me/route.ts": """import { NextResponse } from "next/server";

import { auth } from "../../../server/identity";

export async function GET() {
    const session = await auth();
    return NextResponse.json({ signedIn: Boolean(session?.user) });
}
""",
    },
)

PRISMA_MEMBERS = """generator client {
  provider = "prisma-client-js"
}

model User {
  id    String @id @default(cuid())
}

model Team {
  id    String @id @default(cuid())
  title String
}

model Member {
  id     String @id @default(cuid())
  userId String
  user   User   @relation(fields: [userId], references: [id])
  teamId String
  team   Team   @relation(fields: [teamId], references: [id])
}

model Project {
  id     String @id @default(cuid())
  title  String
  teamId String
  team   Team   @relation(fields: [teamId], references: [id])
}
"""

NEXTAUTH_V4 = app(
    "next-auth",
    {
        # NextAuth v4: the options live in the Pages Router's catch-all, the handlers ask getServerSession
        "src/pages/api/auth/[...nextauth].ts": """import NextAuth, { type NextAuthOptions } from "next-auth";

export const authOptions: NextAuthOptions = {
    providers: [],
    callbacks: {
        session: ({ session, token }) => ({ ...session, user: { ...session.user, id: token.sub } }),
    },
};

export default NextAuth(authOptions);
""",
        # the client cached on globalThis, built under another name and exported as the default
        "src/lib/database.ts": """import { PrismaClient } from "@prisma/client";

declare global {
    var cachedPrisma: PrismaClient | undefined;
}

const client = globalThis.cachedPrisma ?? new PrismaClient();
if (process.env.NODE_ENV !== "production") globalThis.cachedPrisma = client;

export default client;
""",
        "src/app/api/projects/route.ts": """import { getServerSession } from "next-auth/next";
import { NextResponse } from "next/server";

import client from "../../../lib/database";
import { authOptions } from "../../../pages/api/auth/[...nextauth]";

export async function POST(req: Request) {
    const session = await getServerSession(authOptions);
    if (!session) return NextResponse.json({ error: "sign in" }, { status: 401 });
    const { title, teamId } = (await req.json()) as { title: string; teamId: string };
    const project = await client.project.create({ data: { title, teamId } });
    return NextResponse.json(project, { status: 201 });
}
""",
        "prisma/schema.prisma": PRISMA_MEMBERS,
    },
)

BETTER_AUTH_RENAMED = app(
    "better-auth",
    {
        # outside lib/auth.ts, exported as `authLib`: `import { auth }` would be TS2724
        "src/utils/auth.ts": """import { betterAuth } from "better-auth";

export const authLib = betterAuth({ emailAndPassword: { enabled: true } });
""",
    },
)

BETTER_AUTH_DEFAULT = app(
    "better-auth",
    {
        "src/auth/server.ts": """import { betterAuth } from "better-auth";

export default betterAuth({ emailAndPassword: { enabled: true } });
""",
    },
)

CLERK = app(
    "@clerk/nextjs", {"src/app/api/me/route.ts": "export async function GET() {\n    return Response.json({});\n}\n"}
)

LUCIA_STYLE = app(
    "",
    {
        # sessions of the app's own in the Lucia guide's style, read by a Server Action
        # (the session's id is the token's SHA-256, as the guide has it, with the @oslojs helpers)
        "src/lib/server/session.ts": """import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { cookies } from "next/headers";
import { cache } from "react";

export interface User {
    id: string;
    email: string;
}
export interface Session {
    id: string;
    userId: string;
    expiresAt: Date;
}
type Validated = { user: User; session: Session } | { user: null; session: null };

async function readToken(token: string): Promise<Validated> {
    const id = encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
    return token.length > 0
        ? { user: { id: token, email: "" }, session: { id, userId: token, expiresAt: new Date() } }
        : { user: null, session: null };
}

export const validateRequest = cache(async (): Promise<Validated> => {
    const token = (await cookies()).get("session")?.value ?? "";
    return readToken(token);
});
""",
        "src/app/notes/actions.ts": """"use server";

import { validateRequest } from "../../lib/server/session";

export async function renameNote(title: string): Promise<string> {
    const { user } = await validateRequest();
    if (!user) throw new Error("sign in");
    return `${user.id}:${title}`;
}
""",
    },
)

IRON_SESSION = app(
    "iron-session",
    {
        "src/lib/session.ts": """import { getIronSession } from "iron-session";
import { cookies } from "next/headers";

export interface SessionData {
    userId?: number;
    isLoggedIn: boolean;
}

const sessionOptions = { password: process.env.SESSION_SECRET ?? "", cookieName: "app-session" };

export async function getSession() {
    return getIronSession<SessionData>(await cookies(), sessionOptions);
}
""",
        "src/app/api/profile/route.ts": """import { getSession } from "../../../lib/session";

export async function GET() {
    const session = await getSession();
    if (!session.isLoggedIn) return Response.json({ error: "sign in" }, { status: 401 });
    return Response.json({ userId: session.userId });
}
""",
    },
)

SUPABASE = app(
    "@supabase/ssr",
    {
        "src/utils/supabase/server.ts": """import { createServerClient } from "@supabase/ssr";
import { cookies } from "next/headers";

export async function createClient() {
    const cookieStore = await cookies();
    return createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL ?? "", process.env.NEXT_PUBLIC_SUPABASE_KEY ?? "", {
        cookies: { getAll: () => cookieStore.getAll() },
    });
}
""",
    },
)

OWN_SESSION = app(
    "",
    {
        # a signed cookie of the app's own; the user id is a number (a `serial` key)
        "src/lib/auth/session.ts": """import { cookies } from "next/headers";

export type SessionData = { user: { id: number }; expires: string };

function verify(token: string): SessionData | null {
    const id = Number(token.split(".")[0]);
    return Number.isInteger(id) ? { user: { id }, expires: "" } : null;
}

export async function getSession(): Promise<SessionData | null> {
    const token = (await cookies()).get("session")?.value;
    return token ? verify(token) : null;
}
""",
        "src/app/(dashboard)/actions.ts": """"use server";

import { getSession } from "../../lib/auth/session";

export async function whoAmI(): Promise<number | null> {
    const session = await getSession();
    return session ? session.user.id : null;
}
""",
    },
)

# The session functions and libraries that take the request, as the handlers hold it.
SESSION_REQUEST = app(
    "",
    {
        # a session function of the app's own that reads Next's cookie API off the request
        "src/server/auth/session.ts": """import type { NextRequest } from "next/server";

export type Session = { user: { id: string; name: string } };

export async function getSession(request: NextRequest): Promise<Session | null> {
    const token = request.cookies.get("sid")?.value;
    return token ? { user: { id: token, name: "" } } : null;
}
""",
        "src/app/api/notes/route.ts": """import type { NextRequest } from "next/server";

import { getSession } from "../../../server/auth/session";

export async function GET(request: NextRequest) {
    const session = await getSession(request);
    if (!session) return Response.json({ error: "sign in" }, { status: 401 });
    return Response.json({ owner: session.user.id });
}
""",
    },
)

LUCIA_REQUEST = app(
    "",
    {
        # Lucia-style, validating the request's own cookie header; the user id a number
        "src/lib/server/auth.ts": """export interface User {
    id: number;
    username: string;
}
type Validated = { user: User; session: { id: string } } | { user: null; session: null };

export async function validateRequest(request: Request): Promise<Validated> {
    const token = /(?:^|; )auth_session=([^;]+)/.exec(request.headers.get("cookie") ?? "")?.[1];
    if (!token) return { user: null, session: null };
    return { user: { id: Number(token), username: "" }, session: { id: token } };
}
""",
        "src/app/api/posts/route.ts": """import { validateRequest } from "../../../lib/server/auth";

export async function POST(req: Request) {
    const { user } = await validateRequest(req);
    if (!user) return new Response(null, { status: 401 });
    return Response.json({ author: user.id });
}
""",
    },
)

IRON_SESSION_OPTIONS = """import type { SessionOptions } from "iron-session";

export interface SessionData {
    userId?: string;
}

export const sessionOptions: SessionOptions = {
    password: process.env.SECRET_COOKIE_PASSWORD ?? "",
    cookieName: "app-session",
};
"""

IRON_SESSION_DIRECT = app(
    "iron-session",
    {
        # iron-session called in the handler itself, with options and data type exported by the app
        "src/lib/session.ts": IRON_SESSION_OPTIONS,
        "src/app/api/me/route.ts": """import { getIronSession } from "iron-session";
import { cookies } from "next/headers";

import { type SessionData, sessionOptions } from "../../../lib/session";

export async function GET() {
    const session = await getIronSession<SessionData>(await cookies(), sessionOptions);
    return Response.json({ userId: session.userId ?? null });
}
""",
    },
)

IRON_SESSION_PAGES = app(
    "iron-session",
    {
        # the Pages Router's `getIronSession(req, res, options)`; the data type in a module of its own
        "src/lib/types.ts": "export interface AppSession {\n    user?: { id: number; login: string };\n}\n",
        "src/lib/iron.ts": """export const ironOptions = {
    password: process.env.SECRET_COOKIE_PASSWORD ?? "",
    cookieName: "pages-session",
};
""",
        "src/pages/api/user.ts": """import { getIronSession } from "iron-session";
import type { NextApiRequest, NextApiResponse } from "next";

import { ironOptions } from "../../lib/iron";
import type { AppSession } from "../../lib/types";

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
    const session = await getIronSession<AppSession>(req, res, ironOptions);
    res.json({ id: session.user?.id ?? null });
}
""",
    },
)

NEXTAUTH_PAGES = app(
    "next-auth",
    {
        # NextAuth v4 asked in a Pages Router handler with its request and response
        "src/server/auth.ts": """import type { NextAuthOptions } from "next-auth";

export const authOptions: NextAuthOptions = { providers: [] };
""",
        "src/pages/api/me.ts": """import type { NextApiRequest, NextApiResponse } from "next";
import { getServerSession } from "next-auth";

import { authOptions } from "../../server/auth";

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
    const session = await getServerSession(req, res, authOptions);
    res.json({ signedIn: Boolean(session) });
}
""",
    },
)

SHAPES = {
    "authjs-cached": AUTHJS_CACHED,
    "nextauth-v4": NEXTAUTH_V4,
    "better-auth-renamed": BETTER_AUTH_RENAMED,
    "better-auth-default": BETTER_AUTH_DEFAULT,
    "clerk": CLERK,
    "lucia-style": LUCIA_STYLE,
    "iron-session": IRON_SESSION,
    "supabase": SUPABASE,
    "own-session": OWN_SESSION,
    "session-request": SESSION_REQUEST,
    "lucia-request": LUCIA_REQUEST,
    "iron-session-direct": IRON_SESSION_DIRECT,
    "iron-session-pages": IRON_SESSION_PAGES,
    "nextauth-pages": NEXTAUTH_PAGES,
}

# The apps that use NextAuth v4: they resolve `next-auth` to v4, the others to Auth.js v5.
NEXTAUTH_V4_APPS = ("nextauth-v4", "nextauth-pages")

# Written beside the apps in the one `tsc` run of tests/test_auth_shapes.py: each line under
# `@ts-expect-error` must fail, which only the real libraries make it do (a stub typed loosely, or a library
# missing, leaves the directive unused: an error). They pin what authorize.ts's lines rely on.
PROBES = {
    "probes.ts": """// @ts-expect-error Auth.js v5 (what `next-auth` is outside the v4 apps) has no getServerSession
import { getServerSession } from "next-auth";
import { auth as clerkAuth } from "@clerk/nextjs/server";

import { authLib } from "./better-auth-renamed/utils/auth";
import { createClient } from "./supabase/utils/supabase/server";

export async function probes(): Promise<void> {
    // @ts-expect-error better-auth's getSession is asked with the request's headers
    await authLib.api.getSession({});
    // @ts-expect-error Clerk's auth() is a promise from v6 on
    void clerkAuth().userId;
    const { data } = await (await createClient()).auth.getUser();
    // @ts-expect-error Supabase gives no user when signed out
    void data.user.id;
    void getServerSession;
}
""",
    "nextauth-v4/probe.ts": """import { getServerSession } from "next-auth/next";

import { authOptions } from "./pages/api/auth/[...nextauth]";

export async function probe(): Promise<unknown> {
    const session = await getServerSession(authOptions);
    // @ts-expect-error NextAuth v4's Session names no user id (authorize.ts reads it through a cast)
    return session?.user?.id;
}
""",
}
