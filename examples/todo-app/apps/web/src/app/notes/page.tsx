"use client";

import { useEffect, useState, type FormEvent } from "react";

import { leave } from "../signout/actions";
import { addNote } from "./actions";

type Note = {
    id: number;
    userId: string;
    body: string;
    createdAt: string;
};

export default function NotesPage() {
    const [notes, setNotes] = useState<Note[]>([]);
    const [body, setBody] = useState("");
    const [error, setError] = useState<string | null>(null);

    useEffect(() => {
        let cancelled = false;
        fetch("/api/notes", { cache: "no-store" })
            .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`GET /api/notes: ${res.status}`))))
            .then((data: Note[]) => {
                if (!cancelled) {
                    setNotes(data);
                }
            })
            .catch((err: unknown) => {
                if (!cancelled) {
                    setError(String(err));
                }
            });
        return () => {
            cancelled = true;
        };
    }, []);

    async function submit(event: FormEvent<HTMLFormElement>) {
        event.preventDefault();
        const trimmed = body.trim();
        if (!trimmed) {
            return;
        }
        const failed = await addNote(trimmed); // a Server Action: it returns no note, so read the list again
        if (failed) {
            setError(failed);
            return;
        }
        setBody("");
        const res = await fetch("/api/notes", { cache: "no-store" });
        if (res.ok) {
            setNotes(await res.json());
        }
    }

    return (
        <main style={{ maxWidth: 560, margin: "3rem auto", fontFamily: "system-ui, sans-serif" }}>
            <h1>My notes</h1>
            <p>
                Only you see these. <a href="/">Shared todos</a>
            </p>
            <form action={leave}>
                <button type="submit" data-testid="sign-out">
                    Sign out
                </button>
            </form>
            <form onSubmit={submit} style={{ display: "flex", gap: "0.5rem" }}>
                <input
                    value={body}
                    onChange={(event) => setBody(event.target.value)}
                    placeholder="Write a note"
                    data-testid="new-note"
                    style={{ flex: 1 }}
                />
                <button type="submit" data-testid="add-note">
                    Add
                </button>
            </form>
            {error ? <p role="alert">{error}</p> : null}
            <ul data-testid="note-list">
                {notes.map((note) => (
                    <li key={note.id}>{note.body}</li>
                ))}
            </ul>
        </main>
    );
}
