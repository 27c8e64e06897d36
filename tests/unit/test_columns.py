"""Column and table names from real schemas (Auth.js, better-auth, Lucia, Clerk webhooks, SaaS starters, stores,
LLM apps), on both sides of each check."""

import pytest

from afc_realtime import columns

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
