import path from "node:path";

import { loadEnvConfig } from "@next/env";
import type { NextConfig } from "next";

// One env file at the repository root (`.env`, from `.env.example`); Next.js only looks in apps/web by
// itself. Variables already set in the process environment win over the file.
const repoRoot = path.resolve(__dirname, "..", "..");
loadEnvConfig(repoRoot, process.env.NODE_ENV !== "production", { info: () => {}, error: console.error }, true);

const nextConfig: NextConfig = {
    reactStrictMode: true,
    outputFileTracingRoot: repoRoot,
};

export default nextConfig;
