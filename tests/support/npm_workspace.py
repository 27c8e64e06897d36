"""An npm-workspaces project (no bun, no lockfile yet), scoped like most: `@acme/web` and `@acme/db`. Under
npm, a workspace is linked into `node_modules/<its name>`: the service named `ws` once hid the `ws` library
there. Used by tests/test_npm_workspaces.py with a real `npm install` from the registry."""

from __future__ import annotations

from tests.support.projects import ENV_EXAMPLE, PAGE, ROUTE, TODOS_SCHEMA, TSCONFIG

NPM_WORKSPACE = {
    "package.json": """{
  "name": "acme",
  "private": true,
  "workspaces": [
    "apps/web",
    "packages/*"
  ],
  "scripts": {
    "dev": "npm run dev --workspaces --if-present"
  }
}
""",
    ".gitignore": "node_modules\n.next\n",
    ".env.example": ENV_EXAMPLE,
    "apps/web/package.json": """{
  "name": "@acme/web",
  "private": true,
  "scripts": {
    "dev": "next dev --port 3000"
  },
  "dependencies": {
    "@acme/db": "*",
    "next": "15.5.0",
    "react": "19.1.0",
    "react-dom": "19.1.0"
  }
}
""",
    "apps/web/tsconfig.json": TSCONFIG,
    "apps/web/src/app/page.tsx": PAGE,
    "apps/web/src/app/api/todos/route.ts": ROUTE.replace("@app/db", "@acme/db"),
    "packages/db/package.json": '{\n  "name": "@acme/db",\n  "private": true,\n  "main": "src/schema.ts"\n}\n',
    "packages/db/src/schema.ts": TODOS_SCHEMA,
}
