import { desc } from "drizzle-orm";
import { NextResponse } from "next/server";
import { z } from "zod";

import "@/env";
import { db, todos } from "@todo/db";

export const dynamic = "force-dynamic";

const createTodo = z.object({
    title: z.string().trim().min(1).max(200),
});

export async function GET() {
    const rows = await db.select().from(todos).orderBy(desc(todos.createdAt), desc(todos.id));
    return NextResponse.json(rows);
}

export async function POST(req: Request) {
    const body = await req.json().catch(() => null);
    const parsed = createTodo.safeParse(body);
    if (!parsed.success) {
        return NextResponse.json({ error: parsed.error.flatten() }, { status: 400 });
    }
    const { title } = parsed.data;

    const [inserted] = await db.insert(todos).values({ title }).returning();

    return NextResponse.json(inserted, { status: 201 });
}
