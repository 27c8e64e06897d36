// Event names and bodies. Runtime-agnostic.
//
// Event names on the HTTP side are kebab-case `<resource>-<action>`; on the wire they become
// `<resource>:<action>`. The LAST hyphen separates the action: `user-profile-updated` -> `user-profile:updated`.
// One length limit everywhere: MAX_EVENT_NAME_LENGTH is also the router's maxParamLength, so a name the
// service accepts is never cut off by the router first (a longer one gets 414 from the router).

export const EVENT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;
export const WIRE_TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*:[a-z0-9]+$/;
export const MAX_EVENT_NAME_LENGTH = 100;
/** Deepest JSON nesting accepted in an event body (objects and arrays); deeper gets 400. */
export const MAX_JSON_DEPTH = 64;

export interface Envelope {
    type: string;
    payload: unknown;
}

export function isValidEventName(name: string): boolean {
    return name.length <= MAX_EVENT_NAME_LENGTH && EVENT_NAME.test(name);
}

export function isValidWireType(type: unknown): type is string {
    return typeof type === "string" && type.length <= MAX_EVENT_NAME_LENGTH && WIRE_TYPE.test(type);
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

/**
 * An event name checked once: its wire type and the start of its envelope's text. An app posts a handful of
 * names over and over, so each is validated (two regular expressions) once rather than on every POST.
 */
export interface KnownEvent {
    type: string;
    /** `{"type":"<type>","payload":` - the envelope up to its payload (JSON.stringify's own key order). */
    prefix: string;
}

const known = new Map<string, KnownEvent>();
/** Most names remembered; past it the cache starts over (a caller inventing names cannot grow memory). */
const MAX_KNOWN_EVENTS = 1_000;

/** The checked name, or undefined when it is not a valid event name. */
export function knownEvent(name: string): KnownEvent | undefined {
    let event = known.get(name);
    if (event) return event;
    if (!isValidEventName(name)) return undefined;
    const type = eventType(name);
    event = { type, prefix: `{"type":${JSON.stringify(type)},"payload":` };
    if (known.size >= MAX_KNOWN_EVENTS) known.clear();
    known.set(name, event);
    return event;
}

/** The same text as serializeEvent(name, payload), for a name already checked by knownEvent(). */
export function serializeKnownEvent(event: KnownEvent, payload: unknown): string {
    return `${event.prefix}${JSON.stringify(payload)}}`;
}

/**
 * True when JSON text nests objects/arrays deeper than `limit`. A linear scan that skips strings, run before
 * JSON.parse so that hostile nesting costs neither a stack overflow nor a 500.
 */
export function jsonTooDeep(text: string, limit = MAX_JSON_DEPTH): boolean {
    let depth = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
            if (c === 0x5c) i++; // backslash: skip the escaped character
            else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) {
            depth++;
            if (depth > limit) return true;
        } else if (c === 0x7d || c === 0x5d) depth--;
    }
    return false;
}
