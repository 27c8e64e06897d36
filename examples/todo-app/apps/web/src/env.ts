import { z } from "zod";

export const env = z
    .object({
        NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
        // Defaults to the database of compose.dev.yml, so a fresh clone builds before `.env` exists.
        DATABASE_URL: z.string().url().default("postgres://postgres:postgres@localhost:5432/todo"),
        MINIO_ENDPOINT: z.string().url().optional(),
        MINIO_ACCESS_KEY: z.string().optional(),
        MINIO_SECRET_KEY: z.string().optional(),
        MINIO_BUCKET: z.string().default("uploads"),
        NEXTAUTH_URL: z.string().url().optional(),
        NEXTAUTH_SECRET: z.string().min(1).optional(),
    })
    .parse(process.env);
