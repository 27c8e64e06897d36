import path from "node:path";

import { loadEnvConfig } from "@next/env";
import type { NextConfig } from "next";

// The monorepo keeps one env file at its root (`.env`, from `.env.example`); Next.js only looks
// in apps/web by itself. Load the root one so server code and `NEXT_PUBLIC_*` (inlined at build
// time) see it. Variables already set in the process environment win over the file.
const repoRoot = path.resolve(__dirname, "..", "..");
loadEnvConfig(repoRoot, process.env.NODE_ENV !== "production", { info: () => {}, error: console.error }, true);

const nextConfig: NextConfig = {
    reactStrictMode: true,
    transpilePackages: ["@todo/db"],
    outputFileTracingRoot: repoRoot,
};

export default nextConfig;
