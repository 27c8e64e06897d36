import { AuthError } from "next-auth";
import { redirect } from "next/navigation";

import { signIn } from "@/auth";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
    const { error } = await searchParams;

    async function login(formData: FormData) {
        "use server";
        try {
            await signIn("credentials", {
                email: formData.get("email"),
                password: formData.get("password"),
                redirectTo: "/notes",
            });
        } catch (err) {
            if (err instanceof AuthError) {
                redirect("/login?error=1");
            }
            throw err;
        }
    }

    return (
        <main style={{ maxWidth: 480, margin: "3rem auto", fontFamily: "system-ui, sans-serif" }}>
            <h1>Sign in</h1>
            {error ? <p role="alert">Wrong email or password.</p> : null}
            <form action={login} style={{ display: "grid", gap: "0.5rem" }}>
                <input name="email" type="email" placeholder="Email" data-testid="email" required />
                <input name="password" type="password" placeholder="Password" data-testid="password" required />
                <button type="submit" data-testid="sign-in">
                    Sign in
                </button>
            </form>
            <p>
                No account yet? <a href="/signup">Create one</a>
            </p>
        </main>
    );
}
