"use server";

import { auth } from "@/auth";
import { saveNote } from "@/lib/notes";

/** The notes page's form: saves a note for the signed-in user. Returns what went wrong, if anything. */
export async function addNote(body: string): Promise<string | null> {
    const session = await auth();
    const userId = session?.user?.id;
    if (!userId) {
        return "sign in first";
    }
    const trimmed = body.trim();
    if (trimmed.length === 0 || trimmed.length > 500) {
        return "a note is 1 to 500 characters";
    }
    await saveNote(userId, trimmed);
    return null;
}
