import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";

import * as schema from "./schema";

export * from "./schema";

type Database = PostgresJsDatabase<typeof schema>;

let instance: Database | undefined;

function connect(): Database {
    const url = process.env.DATABASE_URL;
    if (!url) {
        throw new Error("DATABASE_URL is not set");
    }
    const client = postgres(url, { max: 10 });
    return drizzle(client, { schema });
}

// Created on first use, so that importing this package (for example during `next build`)
// never opens a connection.
export const db: Database = new Proxy({} as Database, {
    get(_target, property) {
        instance ??= connect();
        const value = Reflect.get(instance, property, instance);
        return typeof value === "function" ? value.bind(instance) : value;
    },
});
