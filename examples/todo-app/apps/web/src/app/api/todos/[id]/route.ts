import { eq } from "drizzle-orm";
import { NextResponse } from "next/server";
import { z } from "zod";

import "@/env";
import { db, todos } from "@todo/db";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

const todoId = z.coerce.number().int().positive();

const updateTodo = z
    .object({
        title: z.string().trim().min(1).max(200).optional(),
        completed: z.boolean().optional(),
    })
    .refine((value) => value.title !== undefined || value.completed !== undefined, {
        message: "Nothing to update",
    });

export async function PATCH(req: Request, { params }: Context) {
    const id = todoId.safeParse((await params).id);
    if (!id.success) {
        return NextResponse.json({ error: "Invalid id" }, { status: 400 });
    }
    const parsed = updateTodo.safeParse(await req.json().catch(() => null));
    if (!parsed.success) {
        return NextResponse.json({ error: parsed.error.flatten() }, { status: 400 });
    }

    const [updated] = await db.update(todos).set(parsed.data).where(eq(todos.id, id.data)).returning();
    if (!updated) {
        return NextResponse.json({ error: "Not found" }, { status: 404 });
    }

    return NextResponse.json(updated);
}

export const DELETE = async (_req: Request, { params }: Context) => {
    const id = todoId.safeParse((await params).id);
    if (!id.success) {
        return NextResponse.json({ error: "Invalid id" }, { status: 400 });
    }

    const [deleted] = await db.delete(todos).where(eq(todos.id, id.data)).returning();
    if (!deleted) {
        return NextResponse.json({ error: "Not found" }, { status: 404 });
    }

    return NextResponse.json(deleted);
};
