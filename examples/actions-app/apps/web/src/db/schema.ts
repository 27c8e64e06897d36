import { pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

// A guestbook: every message is public, tied to no user.
export const messages = pgTable("messages", {
    id: serial("id").primaryKey(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Message = typeof messages.$inferSelect;
