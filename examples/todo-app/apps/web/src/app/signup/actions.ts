"use server";

import { randomBytes, scryptSync } from "node:crypto";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";

import { signIn } from "@/auth";
import { db, users } from "@todo/db";

/** `scrypt$<salt>$<hash hex>`, the format `auth.ts` checks (Node's scrypt defaults: N=16384, r=8, p=1). */
function hashPassword(password: string): string {
    const salt = randomBytes(8).toString("hex");
    return `scrypt$${salt}$${scryptSync(password, salt, 64).toString("hex")}`;
}

/** Creates the account, then signs in as it and opens the notes. */
export async function signUp(formData: FormData): Promise<void> {
    const email = String(formData.get("email") ?? "").trim().toLowerCase();
    const name = String(formData.get("name") ?? "").trim() || email;
    const password = String(formData.get("password") ?? "");
    if (!email.includes("@") || password.length < 8) {
        redirect("/signup?error=invalid");
    }
    const taken = await db
        .insert(users)
        .values({ email, name, passwordHash: hashPassword(password) })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id });
    if (taken.length === 0) {
        redirect("/signup?error=taken");
    }
    try {
        await signIn("credentials", { email, password, redirectTo: "/notes" });
    } catch (err) {
        if (err instanceof AuthError) {
            redirect("/login?error=1");
        }
        throw err;
    }
}
