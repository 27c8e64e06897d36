CREATE TABLE IF NOT EXISTS "todos" (
    "id" serial PRIMARY KEY NOT NULL,
    "title" text NOT NULL,
    "completed" boolean DEFAULT false NOT NULL,
    "created_at" timestamp with time zone DEFAULT now() NOT NULL
);
