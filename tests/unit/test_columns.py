"""Column and table names from real schemas (Auth.js, better-auth, Lucia, Clerk webhooks, SaaS starters, stores,
LLM apps), on both sides of each check."""

import pytest

from afc_realtime import columns
from afc_realtime.columns import is_credential, is_personal, words

CREDENTIALS = [
    # Auth.js / NextAuth `accounts`, `sessions`, `verificationTokens`
    "access_token",
    "refresh_token",
    "id_token",
    "session_state",
    "oauth_token_secret",
    "oauth_token",
    "sessionToken",
    "token",
    # better-auth `account`
    "accessToken",
    "refreshToken",
    "idToken",
    "password",
    # Lucia
    "hashed_password",
    "hashedPassword",
    # the rest of the usual suspects
    "passwordHash",
    "password_hash",
    "apiKey",
    "api_key",
    "api_key_hash",
    "keyHash",
    "secret",
    "userSecret",
    "clientSecret",
    "webhookSecret",
    "totpSecret",
    "twoFactorSecret",
    "backupCodes",
    "recovery_codes",
    "resetToken",
    "passwordResetToken",
    "verificationToken",
    "verification_code",
    "inviteCode",
    "otp",
    "salt",
    "privateKey",
    "private_key",
    "credentialPublicKey",  # WebAuthn authenticators
    "codeVerifier",
    "encryptedPassword",
]
NOT_CREDENTIALS = [
    "tokenCount",  # LLM apps: how many tokens a message used
    "max_tokens",
    "inputTokens",
    "token_usage",
    "hashtag",  # a word, not a hash
    "hashtags",
    "key",  # a settings row's key
    "countryCode",
    "promoCode",
    "title",
    "secretary",
]


@pytest.mark.parametrize("name", CREDENTIALS)
def test_credentials(name):
    assert columns.is_credential(name)


@pytest.mark.parametrize("name", NOT_CREDENTIALS)
def test_look_alikes_that_are_not_credentials(name):
    assert not columns.is_credential(name)


PERSONAL = [
    "email",
    "emailVerified",
    "phone",
    "phoneNumber",
    "mobile",
    "address",
    "shippingAddress",
    "billing_address",
    "street",
    "city",
    "zip",
    "postalCode",
    "dateOfBirth",
    "birthday",
    "firstName",
    "last_name",
    "fullName",
    "surname",
    "stripeCustomerId",
    "customer_id",
    "cardLast4",
    "card_brand",
    "iban",
    "paymentIntentId",
    "ipAddress",
    "ip",
    "lastIp",
]
NOT_PERSONAL = ["name", "title", "tip", "recipe", "zipped", "username", "shipped", "description", "slug", "status"]


@pytest.mark.parametrize("name", PERSONAL)
def test_personal(name):
    assert columns.is_personal(name)


@pytest.mark.parametrize("name", NOT_PERSONAL)
def test_not_personal(name):
    assert not columns.is_personal(name)


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("userId", "user"),
        ("user_id", "user"),
        ("userID", "user"),
        ("ownerId", "owner"),
        ("authorId", "author"),
        ("createdById", "createdby"),
        ("created_by", "createdby"),
        ("createdBy", "createdby"),
        ("profileId", "profile"),
        ("teamId", "team"),
        ("organization_id", "organization"),
        ("orgId", "org"),
        ("workspaceId", "workspace"),
        ("tenant_id", "tenant"),
    ],
)
def test_owner_names(name, stem):
    assert columns.owner_stem(name) == stem


@pytest.mark.parametrize("name", ["id", "postId", "title", "users", "teamName", "authored", "userAgent"])
def test_not_owner_names(name):
    assert columns.owner_stem(name) is None


@pytest.mark.parametrize(
    ("table", "credential"),
    [
        ("sessions", True),
        ("session", True),
        ("user_sessions", True),
        ("verification", True),
        ("verificationTokens", True),
        ("verification_token", True),
        ("api_keys", True),
        ("password_resets", True),
        ("session_notes", False),
        ("verifications_log", False),
        ("todos", False),
    ],
)
def test_credential_tables(table, credential):
    assert columns.is_credential_table(table) is credential


@pytest.mark.parametrize(
    ("table", "personal"),
    [("addresses", True), ("contact_messages", True), ("customers", True), ("subscribers", True), ("posts", False)],
)
def test_personal_tables(table, personal):
    assert columns.is_personal_table(table) is personal


# -- Boundaries, one word at a time (issue 20 item 5): each credential, personal and owner word of `columns.py`
# is met alone in a column name from a real schema (rallly, documenso, inbox-zero, papermark, dub, skateshop,
# umami, saas-starter, Auth.js, better-auth, Lucia), so leaving any one word out of its list fails a test; and
# the same word where it is no credential or no owner, so widening a check fails one too. The lists are
# written out here, never read from the module: a test that reads the module's own set cannot see it shrink.

ONE_CREDENTIAL_WORD = [
    ("password", "password"),
    ("passwd", "passwd"),
    ("passphrase", "walletPassphrase"),
    ("hash", "keyHash"),
    ("hashed", "hashedKey"),
    ("token", "qrToken"),
    ("tokens", "restrictedTokens"),
    ("secret", "webhookSecret"),
    ("secrets", "clientSecrets"),
    ("salt", "salt"),
    ("otp", "otp"),
    ("totp", "totpUri"),
    ("hotp", "hotpCounter"),
    ("jwt", "refreshJwt"),
    ("cookie", "sessionCookie"),
    ("credential", "cscCredential"),
    ("credentials", "credentials"),
    ("verifier", "codeVerifier"),
    ("apikey", "openaiApikey"),
    ("encrypted", "encryptedSad"),
    ("ciphertext", "ciphertext"),
    ("mnemonic", "walletMnemonic"),
]
# `key` / `code` after each word that makes them secret, and after words that do not
SECRET_KEYS = ["apiKey", "privateKey", "accessKey", "signingKey", "encryption_key", "licenseKey", "publicKey"]
SECRET_KEYS += ["api_keys", "signingKeys"]
NOT_SECRET_KEYS = ["key", "idempotencyKey", "deduplicationKey", "storeKey", "partialKey", "activeKey", "dataKey"]
SECRET_CODES = ["backupCodes", "recoveryCode", "resetCode", "verificationCode", "authCode", "authorizationCode"]
SECRET_CODES += ["inviteCode", "accessCode", "recovery_codes"]
NOT_SECRET_CODES = ["code", "countryCode", "promoCode", "referralCode", "responseCode", "currencyCode"]
# a language model's token counts, each measure word on its own, and `token` where it is a credential again
TOKEN_MEASURES = ["tokenCount", "token_usage", "tokensUsed", "tokenLimit"]
TOKEN_MEASURES += ["max_tokens", "inputTokens", "outputTokens", "promptTokens", "completion_tokens", "totalTokens"]
TOKENS_THAT_ARE_CREDENTIALS = ["tokenExpiry", "tokenHash", "accessTokens", "tokens", "token", "pushToken"]


@pytest.mark.parametrize(("word", "name"), ONE_CREDENTIAL_WORD)
def test_each_credential_word_alone_makes_a_credential(word, name):
    assert word in columns.words(name)
    assert columns.is_credential(name)


@pytest.mark.parametrize("name", [*SECRET_KEYS, *SECRET_CODES, *TOKENS_THAT_ARE_CREDENTIALS, "session_state"])
def test_keys_codes_and_tokens_that_are_credentials(name):
    assert columns.is_credential(name)


@pytest.mark.parametrize("name", [*NOT_SECRET_KEYS, *NOT_SECRET_CODES, *TOKEN_MEASURES, "state", "sessionStatus"])
def test_keys_codes_and_tokens_that_are_not(name):
    assert not columns.is_credential(name)


ONE_PERSONAL_WORD = [
    ("email", "inviteeEmail"),
    ("emails", "organisationEmails"),
    ("phone", "phone"),
    ("mobile", "mobile"),
    ("telephone", "telephone"),
    ("address", "fromAddress"),
    ("street", "street"),
    ("city", "city"),
    ("postcode", "postcode"),
    ("postal", "postalCode"),
    ("zip", "zip"),
    ("birthday", "birthday"),
    ("birthdate", "birthdate"),
    ("dob", "dob"),
    ("birth", "dateOfBirth"),
    ("ssn", "ssn"),
    ("passport", "passportNumber"),
    ("customer", "lemonSqueezyCustomerId"),
    ("card", "cardLast4"),
    ("iban", "iban"),
    ("payment", "stripePaymentIntentId"),
    ("billing", "billingReason"),
    ("shipping", "shippingMethod"),
    ("ip", "visitorIp"),
    ("surname", "surname"),
]
# a person's name: a bare `name` is not (products, teams, tags and bots have names)
PERSONAL_NAMES = ["firstName", "last_name", "fullName", "givenName", "familyName", "middleName", "legalName"]
PERSONAL_NAMES += ["realName", "sur_name", "authorName", "guestName", "inviteeName", "viewerName", "displayName"]
PERSONAL_NAMES += ["licenseeName", "contactName", "senderName", "recipientName", "fromName"]
NOT_PERSONAL_NAMES = ["name", "teamName", "botName", "planName", "folderName", "eventName", "appName", "name_first"]


@pytest.mark.parametrize(("word", "name"), ONE_PERSONAL_WORD)
def test_each_personal_word_alone_makes_personal_data(word, name):
    assert word in columns.words(name)
    assert columns.is_personal(name)


@pytest.mark.parametrize("name", PERSONAL_NAMES)
def test_a_persons_name_is_personal(name):
    assert columns.is_personal(name)


@pytest.mark.parametrize("name", NOT_PERSONAL_NAMES)
def test_other_names_are_not(name):
    assert not columns.is_personal(name)


OWNER_COLUMNS = [
    ("teamId", "team"),
    ("orgId", "org"),
    ("organizationId", "organization"),
    ("organisationId", "organisation"),
    ("tenant_id", "tenant"),
    ("workspaceId", "workspace"),
    ("companyId", "company"),
    ("groupId", "group"),
    ("user_id", "user"),
    ("ownerId", "owner"),
    ("ownerUserId", "owneruser"),
    ("authorId", "author"),
    ("creatorId", "creator"),
    ("createdById", "createdby"),
    ("createdByUserId", "createdbyuser"),
    ("updatedBy", "updatedby"),
    ("profileId", "profile"),
    ("memberId", "member"),
    ("accountId", "account"),
    ("customerId", "customer"),
    ("assigneeId", "assignee"),
    ("senderId", "sender"),
    ("recipientId", "recipient"),
    ("user", "user"),  # a Drizzle column named after its table, without `Id`
]
NOT_OWNER_COLUMNS = ["id", "postId", "projectId", "publishedByUserId", "ownerExceededUsage", "userAgent", "Id"]
NOT_OWNER_COLUMNS += ["teamName", "idUser"]


@pytest.mark.parametrize(("name", "stem"), OWNER_COLUMNS)
def test_each_owner_stem(name, stem):
    assert columns.owner_stem(name) == stem


@pytest.mark.parametrize("name", NOT_OWNER_COLUMNS)
def test_names_that_name_no_owner(name):
    assert columns.owner_stem(name) is None


@pytest.mark.parametrize(
    "table",
    ["sessions", "Session", "auth_sessions", "authSession", "user_sessions", "UserSession", "verification"]
    + ["Verifications", "verification_token", "VerificationToken", "verificationTokens", "password_reset"]
    + ["PasswordResets", "api_key", "ApiKey", "apikeys"],
)
def test_every_spelling_of_a_credential_table(table):
    assert columns.is_credential_table(table)


@pytest.mark.parametrize(
    "table",
    ["session_notes", "SessionReplay", "my_sessions", "sessionss", "verification_log", "xverification"]
    + ["verification_tokens_log", "password_reset_log", "ApiKeyUsage", "auth", "user", "token"],
)
def test_tables_that_only_look_like_credential_tables(table):
    assert not columns.is_credential_table(table)


@pytest.mark.parametrize(
    "table",
    ["address", "addresses", "contact", "contacts", "contact_message", "contactMessages", "customer", "customers"]
    + ["subscriber", "subscribers", "newsletter_subscriber", "newsletterSubscribers", "payment", "Payments"]
    + ["invoice", "invoices", "people", "person", "persons", "patient", "patients", "lead", "leads", "profile"]
    + ["profiles"],
)
def test_every_spelling_of_a_personal_table(table):
    assert columns.is_personal_table(table)


@pytest.mark.parametrize(
    "table", ["addresses_archive", "contact_forms", "customer_segments", "invoice_items", "peoples", "leaderboard"]
)
def test_tables_that_only_start_like_a_personal_table(table):
    assert not columns.is_personal_table(table)


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("api_key_hash", ("api", "key", "hash")),
        ("apiKeyHash", ("api", "key", "hash")),
        ("HTTPHeader", ("http", "header")),
        ("cardLast4", ("card", "last4")),
        ("db.password", ("db", "password")),
        ("private-key", ("private", "key")),
        ("user  id", ("user", "id")),
        ("OAuthToken", ("o", "auth", "token")),
    ],
)
def test_words_exactly(name, split):
    assert columns.words(name) == split


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("oauth2Token", True),  # a digit ends a word as a lower-case letter does
        ("_token", True),
        ("keyAccess", False),  # `key` is a secret key after `api`, `access`...: before it, never after
        ("apiUrl", False),  # ... and `api` makes only a `key` one
        ("inviteStatus", False),  # `invite` makes only a `code` one
        ("inviteCode", True),
        ("refreshTokenUsage", False),  # how many tokens: the measure right after `token`
        ("usageRefreshToken", True),  # ... not one further away
        ("secretUsed", True),  # a measure word spares a token, never a secret
    ],
)
def test_only_a_credential_word_s_own_neighbours_decide(name, credential):
    assert is_credential(name) is credential


@pytest.mark.parametrize(
    ("name", "parts"), [("sha256Hash", ("sha256", "hash")), ("_token", ("token",)), ("__id__", ("id",))]
)
def test_words_split_after_digits_and_drop_empty_ones(name, parts):
    assert words(name) == parts


@pytest.mark.parametrize(("name", "personal"), [("firstName", True), ("firstSeenAt", False), ("lastLoginAt", False)])
def test_a_qualifier_makes_only_a_name_personal(name, personal):
    assert is_personal(name) is personal
