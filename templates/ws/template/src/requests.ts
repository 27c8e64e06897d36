// Who may POST /events/:name, and with which name: the checks made before the body is read, once for both
// servers. Runtime-agnostic: each server passes its request's headers and acts on the answer.

import { authorizeEvent } from "./auth";
import { knownEvent, MAX_EVENT_NAME_LENGTH, type KnownEvent } from "./events";

export interface EventHead {
    name: string;
    origin: string | undefined;
    fetchSite: string | undefined;
    authorization: string | undefined;
    /** The peer address; asked for only when no secret is set (loopback callers only). */
    remote: () => string | undefined;
}

/** POST /events/revoke?to=...: closes every socket joined to `to` (not an event name: it has no hyphen). */
export const REVOKE = "revoke";

export type EventCheck =
    | { ok: true; event: KnownEvent | typeof REVOKE }
    | { ok: false; status: 400 | 401 | 403; error: string; warn?: [object, string] };

/** A request made by a browser page (fetch, form, beacon): it carries Origin or Sec-Fetch-Site. */
export function fromBrowserPage(origin: string | undefined, fetchSite: string | undefined): boolean {
    return origin !== undefined || (fetchSite !== undefined && fetchSite !== "none");
}

/** The browser-page check, the bearer secret (or loopback), then the event name (or `revoke`). */
export function checkEventHead(secret: string | undefined, head: EventHead): EventCheck {
    if (fromBrowserPage(head.origin, head.fetchSite)) {
        return {
            ok: false,
            status: 403,
            error: "POST /events is for the web app's server, not for browsers",
            warn: [{ origin: head.origin }, "event refused: sent by a browser page"],
        };
    }
    const auth = authorizeEvent(secret, head.authorization, secret === undefined ? head.remote() : undefined);
    if (!auth.ok) return { ok: false, status: auth.status, error: auth.message, warn: [{ status: auth.status }, "event refused"] };
    const event = head.name === REVOKE ? REVOKE : knownEvent(head.name);
    if (!event) {
        return {
            ok: false,
            status: 400,
            error: `event name must be kebab-case <resource>-<action> of at most ${MAX_EVENT_NAME_LENGTH} characters, e.g. todo-created`,
        };
    }
    return { ok: true, event };
}
