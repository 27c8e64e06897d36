import { scryptSync, timingSafeEqual } from "node:crypto";

import { eq } from "drizzle-orm";
import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";

import { db, users } from "@todo/db";

/** Passwords are stored as `scrypt$<salt>$<hash hex>` (Node's scrypt defaults: N=16384, r=8, p=1). */
function passwordMatches(password: string, stored: string): boolean {
    const [scheme, salt, hash] = stored.split("$");
    if (scheme !== "scrypt" || !salt || !hash) {
        return false;
    }
    const expected = Buffer.from(hash, "hex");
    const actual = scryptSync(password, salt, expected.length);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export const { handlers, auth, signIn, signOut } = NextAuth({
    secret: process.env.AUTH_SECRET ?? process.env.NEXTAUTH_SECRET,
    trustHost: true,
    session: { strategy: "jwt" },
    pages: { signIn: "/login" },
    providers: [
        Credentials({
            credentials: { email: {}, password: {} },
            async authorize(credentials) {
                const email = typeof credentials?.email === "string" ? credentials.email : "";
                const password = typeof credentials?.password === "string" ? credentials.password : "";
                const [user] = await db.select().from(users).where(eq(users.email, email));
                if (!user || !passwordMatches(password, user.passwordHash)) {
                    return null;
                }
                return { id: user.id, email: user.email, name: user.name };
            },
        }),
    ],
    callbacks: {
        session({ session, token }) {
            if (token.sub) {
                session.user.id = token.sub;
            }
            return session;
        },
    },
});
