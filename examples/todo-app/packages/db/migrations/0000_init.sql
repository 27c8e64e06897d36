CREATE TABLE IF NOT EXISTS "todos" (
    "id" serial PRIMARY KEY NOT NULL,
    "title" text NOT NULL,
    "completed" boolean DEFAULT false NOT NULL,
    "created_at" timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE IF NOT EXISTS "users" (
    "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    "email" text NOT NULL UNIQUE,
    "name" text NOT NULL,
    "password_hash" text NOT NULL
);

CREATE TABLE IF NOT EXISTS "notes" (
    "id" serial PRIMARY KEY NOT NULL,
    "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
    "body" text NOT NULL,
    "created_at" timestamp with time zone DEFAULT now() NOT NULL
);
