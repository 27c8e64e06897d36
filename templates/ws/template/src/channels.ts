// Channel names: who receives an event. Runtime-agnostic (used by the Fastify server and by tickets).
//
//   public            every socket joins it (unless WS_PUBLIC=false); events without `to` go here
//   user:<id>         one user's sockets
//   <kind>:<id>       app-defined, e.g. team:7, org:acme, doc:3f2a
//
// Grammar (one rule everywhere, wire.ts, rendered from templates/ws/wire.json like the web helpers' copy):
//   kind = [a-z][a-z0-9-]{0,31}      id = [A-Za-z0-9_-]{1,64}
// so a channel is at most 97 characters, never contains a comma, a space or a second colon.

import { CHANNEL_PATTERN, MAX_CHANNEL_LENGTH, MAX_EVENT_CHANNELS } from "./wire";

export { CHANNEL_PATTERN, MAX_EVENT_CHANNELS, MAX_TICKET_CHANNELS } from "./wire";
export const PUBLIC_CHANNEL = "public";

export function isValidChannel(value: unknown): value is string {
    return typeof value === "string" && value.length <= MAX_CHANNEL_LENGTH && CHANNEL_PATTERN.test(value);
}

export type ChannelList = { ok: true; channels: string[] } | { ok: false; message: string };

const TO_GRAMMAR = "`to` must list channels such as public, user:42 or team:7 (kind [a-z][a-z0-9-]*, id [A-Za-z0-9_-]+)";

/**
 * The value of the `to` query parameter of POST /events: a comma-separated list of channels. Duplicates are
 * removed; an empty value or any invalid name refuses the whole list (nothing is sent).
 */
export function parseChannelList(raw: unknown): ChannelList {
    if (raw === undefined) return { ok: true, channels: [PUBLIC_CHANNEL] };
    if (typeof raw !== "string") return { ok: false, message: "`to` must be given once, as a comma-separated list" };
    if (raw === "") return { ok: false, message: "`to` is empty: leave it out to send to public" };
    const channels = [...new Set(raw.split(","))];
    if (channels.length > MAX_EVENT_CHANNELS) {
        return { ok: false, message: `\`to\` lists more than ${MAX_EVENT_CHANNELS} channels` };
    }
    for (const channel of channels) {
        if (!isValidChannel(channel)) return { ok: false, message: TO_GRAMMAR };
    }
    return { ok: true, channels };
}

/**
 * The query string of POST /events (without its `?`; undefined when there is none), parsed strictly: no
 * query means `public`; otherwise exactly one `to` and nothing else. `?to=`, `?to[]=`, `?To=`, a repeated
 * `to` or any other key is refused, never read as "no `to`" (which would widen the event to public).
 */
export function parseEventQuery(query: string | undefined): ChannelList {
    if (query === undefined || query === "") return parseChannelList(undefined);
    // The form the web helpers send, `to=<list>`, without building a URLSearchParams (once per event).
    if (query.startsWith("to=") && !query.includes("&")) {
        const raw = query.slice(3);
        if (!raw.includes("+")) {
            try {
                return parseChannelList(raw.includes("%") ? decodeURIComponent(raw) : raw);
            } catch {
                return { ok: false, message: TO_GRAMMAR }; // a malformed escape
            }
        }
    }
    let to: string | undefined;
    for (const [key, value] of new URLSearchParams(query)) {
        if (key !== "to") return { ok: false, message: `unknown query parameter ${JSON.stringify(key.slice(0, 40))}: only \`to\`` };
        if (to !== undefined) return { ok: false, message: "`to` must be given once, as a comma-separated list" };
        to = value;
    }
    return parseChannelList(to ?? "");
}
