"""What a column's or a table's name says about its rows: credentials (never sent), personal data (never sent
to everyone unless the user says so), an owner (the row belongs to someone). Names are split into words
(`api_key_hash` and `apiKeyHash` are both api, key, hash), so a look-alike such as `hashtag` or `tokenCount`
is judged by its words, not by a substring. When in doubt a name counts as a credential: a false alarm
costs a broadcast, a miss leaks a secret."""

from __future__ import annotations

import re
from functools import lru_cache

# A word that is a credential wherever it appears: `passwordHash`, `sessionToken`, `userSecret`, `totpSecret`.
CREDENTIAL_WORDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "hash",
        "hashed",
        "token",
        "tokens",
        "secret",
        "secrets",
        "salt",
        "otp",
        "totp",
        "hotp",
        "jwt",
        "cookie",
        "credential",
        "credentials",
        "verifier",
        "apikey",
        "encrypted",
        "ciphertext",
        "mnemonic",
    }
)
# `key` and `code` are credentials only after these words: `apiKey`, `private_key`, `backupCodes`, `resetCode`
# (while `key`, `countryCode` and `promoCode` are not).
SECRET_KEY_OWNERS = frozenset({"api", "private", "secret", "access", "signing", "encryption", "license", "public"})
SECRET_CODE_OWNERS = frozenset(
    {"backup", "recovery", "reset", "verification", "auth", "authorization", "otp", "invite", "access"}
)
# `tokenCount`, `max_tokens`, `inputTokens`: how many tokens a language model used, not a credential.
TOKEN_MEASURES = frozenset({"count", "usage", "used", "limit"})
TOKEN_MEASURED = frozenset({"max", "input", "output", "prompt", "completion", "total"})
# Auth.js `session_state`: the provider's session, as good as a token.
CREDENTIAL_PAIRS = frozenset({("session", "state")})
# Tables whose every row is a credential whatever its columns are called: Lucia's `session` (its id is the
# session token), better-auth's `verification` (its `value` is the token), Auth.js `verificationTokens`.
CREDENTIAL_TABLES = re.compile(
    r"^(auth_?|user_?)?sessions?$|^verifications?$|^verification_?tokens?$|^password_?resets?$|^api_?keys?$",
    re.IGNORECASE,
)

# A word that says the row holds a person's data: `email`, `phoneNumber`, `shippingAddress`, `stripeCustomerId`,
# `cardLast4`, `ipAddress`, `dateOfBirth`. A bare `name` is not one (products, teams and tags have names); a
# person's name is `firstName`, `last_name`, `fullName`, `surname`, or a person's role before `name`
# (`authorName`, `guestName`, `inviteeName`, `viewerName`, `displayName`: rallly, inbox-zero, papermark, umami).
PERSONAL_WORDS = frozenset(
    {
        "email",
        "emails",
        "phone",
        "mobile",
        "telephone",
        "address",
        "street",
        "city",
        "postcode",
        "postal",
        "zip",
        "birthday",
        "birthdate",
        "dob",
        "birth",
        "ssn",
        "passport",
        "customer",
        "card",
        "iban",
        "payment",
        "billing",
        "shipping",
        "ip",
        "surname",
    }
)
NAME_QUALIFIERS = frozenset(
    {"first", "last", "full", "given", "family", "middle", "legal", "real", "sur", "display"}
    | {"author", "guest", "invitee", "viewer", "licensee", "contact", "sender", "recipient", "from"}
)
PERSONAL_TABLES = re.compile(
    r"^(address(es)?|contacts?|contact_?messages?|customers?|subscribers?|newsletter_?subscribers?|payments?|"
    r"invoices?|people|persons?|patients?|leads?|profiles?)$",
    re.IGNORECASE,
)

# Who a row belongs to: a user (`userId`, `user_id`, `ownerId`, `authorId`, `createdById`, `created_by`,
# `profileId`, `accountId`, `customerId`) or a tenant (`teamId`, `organizationId`, `workspace_id`).
TENANT_STEMS = frozenset({"team", "org", "organization", "organisation", "tenant", "workspace", "company", "group"})
OWNER_STEMS = TENANT_STEMS | frozenset(
    {"user", "owner", "owneruser", "author", "creator", "createdby", "createdbyuser", "updatedby", "profile"}
    | {"member", "account", "customer", "assignee", "sender", "recipient"}
)


@lru_cache(maxsize=4096)
def words(name: str) -> tuple[str, ...]:
    """`api_key_hash` -> (api, key, hash); `sessionToken` -> (session, token); `HTTPHeader` -> (http, header)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return tuple(w.lower() for w in re.split(r"[\s_\-.]+", spaced) if w)


@lru_cache(maxsize=4096)
def is_credential(column: str) -> bool:
    parts = words(column)
    for i, word in enumerate(parts):
        before = parts[i - 1] if i else ""
        after = parts[i + 1] if i + 1 < len(parts) else ""
        if word in ("token", "tokens") and (after in TOKEN_MEASURES or before in TOKEN_MEASURED):
            continue
        if word in CREDENTIAL_WORDS or (before, word) in CREDENTIAL_PAIRS:
            return True
        if word in ("key", "keys") and before in SECRET_KEY_OWNERS:
            return True
        if word in ("code", "codes") and before in SECRET_CODE_OWNERS:
            return True
    return False


def is_credential_table(table: str) -> bool:
    return CREDENTIAL_TABLES.match(table) is not None


@lru_cache(maxsize=4096)
def is_personal(column: str) -> bool:
    parts = words(column)
    if any(word in PERSONAL_WORDS for word in parts):
        return True
    return any(word == "name" and i and parts[i - 1] in NAME_QUALIFIERS for i, word in enumerate(parts))


def is_personal_table(table: str) -> bool:
    return PERSONAL_TABLES.match(table) is not None


@lru_cache(maxsize=4096)
def owner_stem(column: str) -> str | None:
    """`userId` -> user, `created_by` -> createdby, `organization_id` -> organization; None for a column that
    does not name an owner (`title`, `postId`, `id`)."""
    parts = words(column)
    stem = "".join(parts[:-1] if parts[-1:] == ("id",) else parts)  # a lone `id` leaves no stem: not an owner
    return stem if stem in OWNER_STEMS else None
