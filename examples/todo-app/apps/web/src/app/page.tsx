"use client";

import { useEffect, useState, type FormEvent } from "react";

type Todo = {
    id: number;
    title: string;
    completed: boolean;
    createdAt: string;
};

export default function Home() {
    const [todos, setTodos] = useState<Todo[]>([]);
    const [title, setTitle] = useState("");
    const [error, setError] = useState<string | null>(null);

    useEffect(() => {
        let cancelled = false;
        fetch("/api/todos", { cache: "no-store" })
            .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`GET /api/todos: ${res.status}`))))
            .then((data: Todo[]) => {
                if (!cancelled) {
                    setTodos(data);
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

    async function addTodo(event: FormEvent<HTMLFormElement>) {
        event.preventDefault();
        const trimmed = title.trim();
        if (!trimmed) {
            return;
        }
        const res = await fetch("/api/todos", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ title: trimmed }),
        });
        if (!res.ok) {
            setError(`POST /api/todos: ${res.status}`);
            return;
        }
        const created: Todo = await res.json();
        setTodos((prev) => [created, ...prev.filter((todo) => todo.id !== created.id)]);
        setTitle("");
        setError(null);
    }

    async function toggleTodo(todo: Todo) {
        const res = await fetch(`/api/todos/${todo.id}`, {
            method: "PATCH",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ completed: !todo.completed }),
        });
        if (res.ok) {
            const updated: Todo = await res.json();
            setTodos((prev) => prev.map((item) => (item.id === updated.id ? updated : item)));
        }
    }

    async function deleteTodo(todo: Todo) {
        const res = await fetch(`/api/todos/${todo.id}`, { method: "DELETE" });
        if (res.ok) {
            setTodos((prev) => prev.filter((item) => item.id !== todo.id));
        }
    }

    return (
        <main>
            <h1>Todos</h1>
            <p>
                Shared with everyone. <a href="/notes">My notes</a> are private (<a href="/login">sign in</a>).
            </p>
            <form onSubmit={addTodo} style={{ display: "flex", gap: "0.5rem", marginBottom: "1rem" }}>
                <input
                    data-testid="new-todo"
                    value={title}
                    onChange={(event) => setTitle(event.target.value)}
                    placeholder="What needs doing?"
                    aria-label="New todo"
                    style={{ flex: 1 }}
                />
                <button data-testid="add-todo" type="submit">
                    Add
                </button>
            </form>
            {error && <p role="alert">{error}</p>}
            <ul data-testid="todo-list">
                {todos.map((todo) => (
                    <li key={todo.id} data-testid="todo-item">
                        <label>
                            <input type="checkbox" checked={todo.completed} onChange={() => toggleTodo(todo)} />{" "}
                            <span style={{ textDecoration: todo.completed ? "line-through" : "none" }}>{todo.title}</span>
                        </label>{" "}
                        <button type="button" onClick={() => deleteTodo(todo)} aria-label={`Delete ${todo.title}`}>
                            ×
                        </button>
                    </li>
                ))}
            </ul>
        </main>
    );
}
