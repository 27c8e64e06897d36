"""A five-app Turborepo, as a dict of path -> text: five Next.js apps (only `apps/app` writes to the
database) beside library packages that depend on `next` without being apps (a CMS client, SEO helpers, a
shared Next.js config)."""

from __future__ import annotations

import json

from tests.support.projects import AFC_PROJECT
from tests.support.real_projects import MARKETING_PAGE


def _package(name: str, scripts: dict[str, str] | None = None, **deps: str) -> str:
    manifest: dict[str, object] = {"name": name, "private": True}
    if scripts:
        manifest["scripts"] = scripts
    manifest["dependencies"] = {"next": "15.5.0", "react": "19.1.0", **deps}
    return json.dumps(manifest, indent=4) + "\n"


FIVE_APPS = {
    **{k: v for k, v in AFC_PROJECT.items() if not k.startswith("apps/web/")},
    # the marketing site: `next dev`, App Router under src/
    "apps/web/package.json": _package("web", {"dev": "next dev", "build": "next build"}),
    "apps/web/src/app/page.tsx": MARKETING_PAGE,
    # the product: the only app that writes
    "apps/app/package.json": _package("app", {"dev": "next dev -p 3001"}, zod="^3.24.0"),
    "apps/app/tsconfig.json": AFC_PROJECT["apps/web/tsconfig.json"],
    "apps/app/src/app/page.tsx": AFC_PROJECT["apps/web/src/app/page.tsx"],
    "apps/app/src/app/api/todos/route.ts": AFC_PROJECT["apps/web/src/app/api/todos/route.ts"],
    "apps/app/src/env.ts": AFC_PROJECT["apps/web/src/env.ts"],
    # docs: Pages Router, no scripts of its own (turbo runs it), a next.config.mjs
    "apps/docs/package.json": _package("docs"),
    "apps/docs/next.config.mjs": "export default {};\n",
    "apps/docs/pages/index.tsx": MARKETING_PAGE,
    # an admin built with `next build` only, app/ at its root
    "apps/admin/package.json": _package("admin", {"build": "next build", "dev": "turbo run build --watch"}),
    "apps/admin/app/page.tsx": MARKETING_PAGE,
    # a studio on its own port
    "apps/studio/package.json": _package("studio", {"dev": "next dev --port 3333"}),
    "apps/studio/src/pages/index.tsx": MARKETING_PAGE,
    # libraries that depend on `next`, not apps
    "packages/cms/package.json": _package("@mini/cms"),
    "packages/cms/src/index.ts": 'export { draftMode } from "next/headers";\n',
    "packages/seo/package.json": _package("@mini/seo"),
    "packages/seo/src/metadata.ts": 'import type { Metadata } from "next";\n\nexport const base: Metadata = {};\n',
    "packages/next-config/package.json": _package("@mini/next-config"),
    "packages/next-config/index.mjs": "export const config = { reactStrictMode: true };\n",
}

APPS = ("apps/web", "apps/admin", "apps/app", "apps/docs", "apps/studio")
LIBRARIES = ("packages/cms", "packages/seo", "packages/next-config")
