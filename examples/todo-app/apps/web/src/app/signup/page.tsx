import { signUp } from "./actions";

const PROBLEMS: Record<string, string> = {
    invalid: "Give an email address and a password of at least 8 characters.",
    taken: "That email address has an account already: sign in instead.",
};

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
    const { error } = await searchParams;
    return (
        <main style={{ maxWidth: 480, margin: "3rem auto", fontFamily: "system-ui, sans-serif" }}>
            <h1>Create an account</h1>
            {error ? <p role="alert">{PROBLEMS[error] ?? "That did not work: try again."}</p> : null}
            <form action={signUp} style={{ display: "grid", gap: "0.5rem" }}>
                <input name="name" placeholder="Name" data-testid="name" />
                <input name="email" type="email" placeholder="Email" data-testid="email" required />
                <input
                    name="password"
                    type="password"
                    placeholder="Password (8 characters or more)"
                    data-testid="password"
                    minLength={8}
                    required
                />
                <button type="submit" data-testid="sign-up">
                    Create account
                </button>
            </form>
            <p>
                Have an account? <a href="/login">Sign in</a>
            </p>
        </main>
    );
}
