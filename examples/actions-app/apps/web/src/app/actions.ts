"use server";

import { revalidatePath } from "next/cache";

import { db, messages } from "@/db";

export async function postMessage(formData: FormData) {
    const body = String(formData.get("body") ?? "").trim();
    if (!body) {
        return;
    }
    const [message] = await db.insert(messages).values({ body: body.slice(0, 280) }).returning();
    if (!message) {
        throw new Error("the message was not saved");
    }
    revalidatePath("/");
}
