import { desc } from "drizzle-orm";

import { db, messages } from "@/db";

import { postMessage } from "./actions";

// Read on every request: the list comes from the database, never from the build.
export const dynamic = "force-dynamic";

export default async function GuestbookPage() {
    const rows = await db.select().from(messages).orderBy(desc(messages.id)).limit(50);
    return (
        <main>
            <h1>Guestbook</h1>
            <form action={postMessage}>
                <input name="body" placeholder="Say something" aria-label="Message" required />
                <button type="submit">Post</button>
            </form>
            <ul data-testid="messages">
                {rows.map((row) => (
                    <li key={row.id}>{row.body}</li>
                ))}
            </ul>
        </main>
    );
}
