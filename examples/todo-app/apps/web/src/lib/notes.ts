import { db, notes } from "@todo/db";

/** Saves a note of the signed-in user's (the caller checks who that is). */
export async function saveNote(userId: string, body: string): Promise<void> {
    await db.insert(notes).values({ userId, body });
}
