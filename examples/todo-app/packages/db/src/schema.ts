import { boolean, pgTable, serial, text, timestamp, uuid } from "drizzle-orm/pg-core";

// Shared by everyone who opens the app: a todo belongs to no user.
export const todos = pgTable("todos", {
    id: serial("id").primaryKey(),
    title: text("title").notNull(),
    completed: boolean("completed").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

// The people who sign in (Auth.js, credentials provider). The hash never leaves the server.
export const users = pgTable("users", {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
});

// Private: each note is seen by the user who wrote it, and nobody else.
export const notes = pgTable("notes", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Todo = typeof todos.$inferSelect;
export type NewTodo = typeof todos.$inferInsert;
export type User = typeof users.$inferSelect;
export type Note = typeof notes.$inferSelect;
