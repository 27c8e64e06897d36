"use server";

import { signOut } from "@/auth";

/** The notes page's sign-out button: ends the session (the cookie goes with the answer), then opens sign-in. */
export async function leave(): Promise<void> {
    await signOut({ redirectTo: "/login" });
}
