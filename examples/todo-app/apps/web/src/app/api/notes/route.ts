import { desc, eq } from "drizzle-orm";
import { NextResponse } from "next/server";
import { z } from "zod";

import { auth } from "@/auth";
import { db, notes } from "@todo/db";

export const dynamic = "force-dynamic";

const createNote = z.object({
    body: z.string().trim().min(1).max(500),
});

// The signed-in user's own notes, newest first.
export async function GET() {
    const session = await auth();
    const userId = session?.user?.id;
    if (!userId) {
        return NextResponse.json({ error: "sign in first" }, { status: 401 });
    }
    const rows = await db.select().from(notes).where(eq(notes.userId, userId)).orderBy(desc(notes.id));
    return NextResponse.json(rows);
}

export async function POST(req: Request) {
    const session = await auth();
    const userId = session?.user?.id;
    if (!userId) {
        return NextResponse.json({ error: "sign in first" }, { status: 401 });
    }
    const parsed = createNote.safeParse(await req.json().catch(() => null));
    if (!parsed.success) {
        return NextResponse.json({ error: parsed.error.flatten() }, { status: 400 });
    }

    const [created] = await db.insert(notes).values({ userId, body: parsed.data.body }).returning();

    return NextResponse.json(created, { status: 201 });
}
