import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";

import * as schema from "./schema";

export * from "./schema";

type Database = PostgresJsDatabase<typeof schema>;

let instance: Database | undefined;

// Connects on first use, so that `next build` never opens a connection.
export const db: Database = new Proxy({} as Database, {
    get(_target, property) {
        if (!instance) {
            const url = process.env.DATABASE_URL;
            if (!url) {
                throw new Error("DATABASE_URL is not set");
            }
            instance = drizzle(postgres(url, { max: 5 }), { schema });
        }
        const value = Reflect.get(instance, property, instance);
        return typeof value === "function" ? value.bind(instance) : value;
    },
});
