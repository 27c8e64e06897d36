// Event names on the HTTP side are kebab-case `<resource>-<action>`; on the wire they become
// `<resource>:<action>`. The LAST hyphen separates the action: `user-profile-updated` -> `user-profile:updated`.

export const EVENT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;

export interface Envelope {
    type: string;
    payload: unknown;
}

export function isValidEventName(name: string): boolean {
    return name.length <= 200 && EVENT_NAME.test(name);
}

/** Wire type for a valid event name; throws on an invalid one. */
export function eventType(name: string): string {
    if (!isValidEventName(name)) throw new Error(`invalid event name: ${name}`);
    const cut = name.lastIndexOf("-");
    return `${name.slice(0, cut)}:${name.slice(cut + 1)}`;
}

/** The exact text sent to every browser: serialized once per broadcast. */
export function serializeEvent(name: string, payload: unknown): string {
    const envelope: Envelope = { type: eventType(name), payload };
    return JSON.stringify(envelope);
}
