"""Masking, table-driven on both sides: every env file name Next.js and Docker read, every secret-looking key
shape, and the look-alikes that are not secrets (issue 20, "test the security predicates like an attacker")."""

from __future__ import annotations

import pytest

from afc_realtime.redact import MASK, is_secret_key, mask_diff, mask_line

VALUE = "v4lu3-that-must-not-show"

# Next.js loads these from the app's folder; Docker compose reads `.env` and any `env_file:` name.
ENV_FILES = [
    ".env",
    ".env.local",
    ".env.development",
    ".env.development.local",
    ".env.production",
    ".env.production.local",
    ".env.test",
    ".env.test.local",
    ".env.docker",
    ".env.docker.example",
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "apps/web/.env.production.local",
    "docker/web.env",
    "config/docker.env",
    ".envrc",
    ".dev.vars",
]
NOT_ENV_FILES = ["src/env.ts", "env.mjs", "README.md", "environment.txt", ".envoy", "package.json"]

SECRET_KEYS = [
    "WS_EVENTS_SECRET",
    "NEXTAUTH_SECRET",
    "AUTH_SECRET",
    "STRIPE_API_KEY",
    "OPENAI_API_KEY",
    "STRIPE_SECRET_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "JWT_SIGNING_KEY",
    "ENCRYPTION_KEY",
    "GITHUB_TOKEN",
    "CLERK_SECRET_KEY",
    "DB_PASSWORD",
    "POSTGRES_PASSWORD",
    "MYSQL_ROOT_PASSWD",
    "SMTP_PASS",
    "REDIS_PWD",
    "DBPASSWORD",
    "APIKEY",
    "GOOGLE_CREDENTIALS",
    "SESSION_SALT",
    "SENTRY_DSN",
    "apiKey",
    "clientSecret",
    "accessToken",
    "private-key",
    "db.password",
]
NOT_SECRET_KEYS = [
    "KEYBOARD_LAYOUT",
    "MONKEY_COUNT",
    "TURKEY",
    "TOKENIZER_MODEL",
    "SECRETARY_EMAIL",
    "PASSENGER_LIMIT",
    "BYPASS_CACHE",
    "NEXT_PUBLIC_WS_URL",
    "WS_INTERNAL_URL",
    "WS_PORT",
    "WS_ALLOWED_ORIGINS",
    "DATABASE_URL",
    "NODE_ENV",
    "PORT",
    "keyboard",
]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_looking_keys(key):
    assert is_secret_key(key)


@pytest.mark.parametrize("key", NOT_SECRET_KEYS)
def test_look_alikes_are_not_secrets(key):
    assert not is_secret_key(key)


@pytest.mark.parametrize("path", ENV_FILES)
@pytest.mark.parametrize("key", ["STRIPE_API_KEY", "WS_EVENTS_SECRET", "DB_PASSWORD", "GITHUB_TOKEN"])
def test_every_env_file_masks_every_secret_key(path, key):
    for line, masked in [
        (f"{key}={VALUE}\n", f"{key}={MASK}\n"),
        (f'export {key}="{VALUE}"\r\n', f"export {key}={MASK}\r\n"),
        (f"{key} = {VALUE}", f"{key} ={MASK}"),
    ]:
        assert mask_line(path, line) == masked


@pytest.mark.parametrize("path", ENV_FILES)
def test_every_env_file_keeps_plain_values_and_empty_secrets(path):
    for line in ["PORT=3000\n", "NEXT_PUBLIC_WS_URL=ws://localhost:4001\n", "KEYBOARD_LAYOUT=us\n", "API_KEY=\n"]:
        assert mask_line(path, line) == line
    assert mask_line(path, "# API_KEY is set elsewhere\n") == "# API_KEY is set elsewhere\n"


@pytest.mark.parametrize("path", NOT_ENV_FILES)
def test_other_files_are_not_read_as_env_files(path):
    # source code shows as it is (a key name in code holds no value), URL passwords aside
    assert mask_line(path, "const API_KEY = process.env.API_KEY;\n") == "const API_KEY = process.env.API_KEY;\n"
    assert mask_line(path, "  WS_EVENTS_SECRET: z.string(),\n") == "  WS_EVENTS_SECRET: z.string(),\n"


@pytest.mark.parametrize("path", [*ENV_FILES, "compose.yml", "src/db.ts"])
@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (f"postgres://app:{VALUE}@localhost:5432/app", f"postgres://app:{MASK}@localhost:5432/app"),
        (
            f"postgresql://app:{VALUE}@db.internal/app?sslmode=require",
            f"postgresql://app:{MASK}@db.internal/app?sslmode=require",
        ),
        (f"redis://:{VALUE}@localhost:6379", f"redis://:{MASK}@localhost:6379"),
        (f"rediss://default:{VALUE}@cache.example.com:6380", f"rediss://default:{MASK}@cache.example.com:6380"),
        (f"mongodb+srv://u:p@ss{VALUE}@cluster0.example.net/db", f"mongodb+srv://u:{MASK}@cluster0.example.net/db"),
        (f"mysql://root:{VALUE}@127.0.0.1/app", f"mysql://root:{MASK}@127.0.0.1/app"),
    ],
)
def test_url_passwords_are_masked_in_any_file(path, url, masked):
    assert mask_line(path, f"DATABASE_URL={url}\n") == f"DATABASE_URL={masked}\n"
    assert mask_line(path, f"REDIS_URL={url}\n") == f"REDIS_URL={masked}\n"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://app@localhost:5432/app",  # no password
        "postgres://localhost/app",
        "http://localhost:3000/@scope/pkg",  # an `@` in the path is not a password's end
        "https://example.com:8443/path",
        "ws://localhost:4001",
    ],
)
def test_urls_without_a_password_show_as_they_are(url):
    assert mask_line(".env", f"DATABASE_URL={url}\n") == f"DATABASE_URL={url}\n"


def test_connection_string_passwords_are_masked():
    line = f"SQL_CONNECTION=Server=db;User Id=app;Password={VALUE};Encrypt=true\n"
    assert mask_line(".env", line) == f"SQL_CONNECTION=Server=db;User Id=app;Password={MASK};Encrypt=true\n"
    assert mask_line(".env", "SQL_CONNECTION=Server=db;Pwd=x;\n") == f"SQL_CONNECTION=Server=db;Pwd={MASK};\n"


@pytest.mark.parametrize("path", ["compose.yml", "compose.prod.yaml", "docker-compose.yml"])
def test_compose_files_mask_values_and_defaults_but_keep_references(path):
    assert mask_line(path, f"      POSTGRES_PASSWORD: {VALUE}\n") == f"      POSTGRES_PASSWORD: {MASK}\n"
    assert mask_line(path, f'      - "STRIPE_API_KEY={VALUE}"\n') == f'      - "STRIPE_API_KEY={MASK}\n'
    # a default after `:-` is a value
    assert VALUE not in mask_line(path, f"      WS_EVENTS_SECRET: ${{WS_EVENTS_SECRET:-{VALUE}}}\n")
    for kept in ["${WS_EVENTS_SECRET:?set WS_EVENTS_SECRET}", "${WS_EVENTS_SECRET:-}", "${API_KEY}", "${API_KEY-}"]:
        assert mask_line(path, f"      WS_EVENTS_SECRET: {kept}\n") == f"      WS_EVENTS_SECRET: {kept}\n"
    assert mask_line(path, "      NODE_ENV: production\n") == "      NODE_ENV: production\n"


PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"


@pytest.mark.parametrize("key", ["PRIVATE_KEY", "APP_CONFIG"])
def test_every_line_of_a_multi_line_value_is_masked_in_a_diff(key):
    diff = (
        "--- a/.env.local\n+++ b/.env.local\n@@ -1,5 +1,7 @@\n"
        f' {key}="-----BEGIN PRIVATE KEY-----\n'
        f" {PEM_BODY}\n"
        f" abc{VALUE}=\n"  # a line of the value that looks like KEY=value
        ' -----END PRIVATE KEY-----"\n'
        " PORT=3000\n"
        "+# Realtime (afc websocket)\n"
        "+WS_PORT=4001\n"
    )
    masked = mask_diff(".env.local", diff)
    assert PEM_BODY not in masked and VALUE not in masked and "END PRIVATE KEY" not in masked
    assert " PORT=3000\n" in masked and "+WS_PORT=4001\n" in masked and "+# Realtime (afc websocket)\n" in masked
    assert masked.count("\n") == diff.count("\n")


def test_a_diff_starting_inside_a_multi_line_value_masks_the_lines_that_are_not_assignments():
    diff = f'--- a/.env\n+++ b/.env\n@@ -7,3 +7,4 @@\n {PEM_BODY}\n -----END PRIVATE KEY-----"\n PORT=1\n+A=2\n'
    masked = mask_diff(".env", diff)
    assert PEM_BODY not in masked and "END PRIVATE KEY" not in masked and " PORT=1\n" in masked


def test_headers_and_hunk_lines_are_left_alone():
    diff = "--- a/.env\n+++ b/.env\n@@ -1 +1,2 @@\n API_KEY=x\n+B=1\n"
    assert mask_diff(".env", diff) == f"--- a/.env\n+++ b/.env\n@@ -1 +1,2 @@\n API_KEY={MASK}\n+B=1\n"


# -- Boundaries, one at a time (issue 20 item 5): each secret word alone (the plurals are no glued ending of
# another), each glued ending alone, each character the name and key patterns allow, on both sides.


@pytest.mark.parametrize(
    "key",
    ["CLIENT_SECRETS", "NPM_TOKENS", "OLD_PASSWORDS", "JWKS_KEYS", "GOOGLE_CREDENTIAL", "SIGNING_KEY", "SMTP_PASS"]
    + ["DBSECRET", "GHTOKEN", "ROOTPASSWD", "OPENAIAPIKEY", "RSAPRIVATEKEY", "AWSACCESSKEY", "AWSSECRETKEY"]
    + ["GPGPASSPHRASE", "Db2Password", "HTTPSecret", "key"],
)
def test_each_secret_word_and_glued_ending_alone(key):
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["MONKEYS", "PASSES", "COMPASS", "SALTY", "DSNX", "TOKENIZE", "SECRETARIES", "PWDS"])
def test_glued_look_alikes(key):
    assert not is_secret_key(key)


@pytest.mark.parametrize(
    "path", [".env.my-app", ".env.production.local", "docker.web.env", "my-app.env", "config/app_1.env"]
)
def test_env_file_names_with_dots_dashes_and_digits(path):
    assert mask_line(path, f"API_KEY={VALUE}\n") == f"API_KEY={MASK}\n"


@pytest.mark.parametrize("path", ["notes.yml.txt", "compose.yaml.bak", "env", "yml"])
def test_files_only_named_like_yaml_or_env_files_are_left_alone(path):
    assert mask_line(path, f"password: {VALUE}\n") == f"password: {VALUE}\n"


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (f"db.password={VALUE}\n", f"db.password={MASK}\n"),
        (f"app-secret={VALUE}\n", f"app-secret={MASK}\n"),
        (f"_SECRET={VALUE}\n", f"_SECRET={MASK}\n"),
        (f"secret_2={VALUE}\n", f"secret_2={MASK}\n"),
        (f"apiKey={VALUE}\n", f"apiKey={MASK}\n"),
        (f"API_KEY={VALUE}", f"API_KEY={MASK}"),
        (f"API_KEY={VALUE}\r\n", f"API_KEY={MASK}\r\n"),
        ("API_KEY=${API_KEY}\n", "API_KEY=${API_KEY}\n"),
        ("API_KEY=${api_key_2}\n", "API_KEY=${api_key_2}\n"),
        ("API_KEY='${_KEY:?}'\n", "API_KEY='${_KEY:?}'\n"),
        ('API_KEY="${KEY:-}"\n', 'API_KEY="${KEY:-}"\n'),
        ("API_KEY=${KEY?}\n", "API_KEY=${KEY?}\n"),
        (f"API_KEY=${{KEY}}{VALUE}\n", f"API_KEY={MASK}\n"),
        (f"API_KEY=${{KEY:-{VALUE}}}\n", f"API_KEY={MASK}\n"),
    ],
)
def test_env_keys_of_every_character_the_pattern_allows(line, masked):
    assert mask_line(".env.local", line) == masked


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (f"  api_key: {VALUE}\n", f"  api_key: {MASK}\n"),
        (f"  db.password: {VALUE}\n", f"  db.password: {MASK}\n"),
        (f"  app-secret: {VALUE}\n", f"  app-secret: {MASK}\n"),
        (f"  secret_2: {VALUE}\n", f"  secret_2: {MASK}\n"),
        (f"  _token: {VALUE}\n", f"  _token: {MASK}\n"),
        (f"  - API_KEY={VALUE}\n", f"  - API_KEY={MASK}\n"),
        (f"  - 'API_KEY={VALUE}'\n", f"  - 'API_KEY={MASK}\n"),
        (f'  "API_KEY": {VALUE}\n', f'  "API_KEY": {MASK}\n'),
        (f"  'API_KEY': {VALUE}\n", f"  'API_KEY': {MASK}\n"),
        (f"  API_KEY={VALUE}", f"  API_KEY={MASK}"),
        ("  API_KEY: '${API_KEY}'\n", "  API_KEY: '${API_KEY}'\n"),
        ('  API_KEY: "${API_KEY}"\n', '  API_KEY: "${API_KEY}"\n'),
    ],
)
def test_yaml_keys_of_every_shape(line, masked):
    assert mask_line("compose.yml", line) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"REDIS://:{VALUE}@cache:6379", f"REDIS://:{MASK}@cache:6379"),
        (f'"postgres://app:{VALUE}@db/app"', f'"postgres://app:{MASK}@db/app"'),
        (f"'postgres://app:{VALUE}@db/app'", f"'postgres://app:{MASK}@db/app'"),
        (f"Password={VALUE}'", f"Password={MASK}'"),
        (f'Password={VALUE}"', f'Password={MASK}"'),
        (f"Password={VALUE} next", f"Password={MASK} next"),
    ],
)
def test_url_and_connection_passwords_end_where_the_value_ends(text, masked):
    assert mask_line("src/db.ts", text) == masked


def test_a_malformed_line_of_an_env_file_is_masked_whole_keeping_its_ending():
    assert mask_line(".env", f"{VALUE}\r\n") == f"{MASK}\r\n"
    assert mask_line(".env", f"  {VALUE}") == MASK
    assert mask_line(".env", "# a comment\n") == "# a comment\n" and mask_line(".env", "\n") == "\n"
    assert mask_line("src/x.ts", f"{VALUE}\n") == f"{VALUE}\n"  # not an env file: shown as it is


@pytest.mark.parametrize("sign", ["+", "-", " "])
def test_every_kind_of_diff_line_is_masked_and_a_value_opened_on_one_is_followed(sign):
    diff = f'--- a/.env\n+++ b/.env\n@@ -1,3 +1,3 @@\n{sign}API_KEY={VALUE}\n{sign}KEY="{VALUE}\n{sign}{VALUE}"\n'
    masked = mask_diff(".env", diff)
    assert VALUE not in masked and masked.count("\n") == diff.count("\n")
    assert f"{sign}API_KEY={MASK}\n" in masked


def test_a_value_closed_on_its_own_line_opens_nothing():
    diff = f"@@ -1,2 +1,2 @@\n A=\"x\"\n B={VALUE}\n C='y'\n D=`z`\n"
    assert mask_diff(".env", diff) == diff  # no key looks secret, and no value stays open
    opened = f"@@ -1,2 +1,2 @@\n A='x\n {VALUE}'\n B=plain\n"
    assert mask_diff(".env", opened) == f"@@ -1,2 +1,2 @@\n A='x\n {MASK}\n B=plain\n"
    assert mask_diff("src/x.ts", opened) == opened  # only env files hold multi-line values


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # a user name with a raw `@` (Azure's `admin@server`), a password with a `:` or an `@`, a scheme
        # ending in a digit
        (f"postgres://admin@srv:{VALUE}@srv.example.com/db", f"postgres://admin@srv:{MASK}@srv.example.com/db"),
        (f"postgres://app:pa:{VALUE}@db/app", f"postgres://app:{MASK}@db/app"),
        (f"postgres://app:p@{VALUE}@db/app", f"postgres://app:{MASK}@db/app"),
        (f"s3://AKIA:{VALUE}@bucket/key", f"s3://AKIA:{MASK}@bucket/key"),
        # the password ends at the host: an `@` after a space, a slash or a quote is not part of it
        (f"postgres://u:{VALUE}@db and mail a@b.example", f"postgres://u:{MASK}@db and mail a@b.example"),
        (f"https://u:{VALUE}@host/users/@me", f"https://u:{MASK}@host/users/@me"),
        (f'["postgres://u:{VALUE}@db","a@b"]', f'["postgres://u:{MASK}@db","a@b"]'),
        (f"['postgres://u:{VALUE}@db','a@b']", f"['postgres://u:{MASK}@db','a@b']"),
        # no password at all: a `:` and an `@` in a path, after a space, in the next string
        ("https://example.com/files/a:b@c.txt", "https://example.com/files/a:b@c.txt"),
        ("https://example.com see a:b@c", "https://example.com see a:b@c"),
        ('["https://a.example","me:you@b"]', '["https://a.example","me:you@b"]'),
        ("['https://a.example','me:you@b']", "['https://a.example','me:you@b']"),
    ],
)
def test_a_url_password_is_what_lies_between_the_user_and_the_host(text, masked):
    assert mask_line("src/db.ts", text) == masked


@pytest.mark.parametrize(
    "line", ["  - ./data:/var/lib/postgresql/data\n", "  - postgres\n", "    condition: healthy\n"]
)
def test_yaml_lines_that_hold_no_secret_key_show_as_they_are(line):
    assert mask_line("compose.yml", line) == line  # only an env file's stray line is part of a value


@pytest.mark.parametrize("line", ["# the last line, with no line ending", "   ", "", "  # indented\r\n"])
def test_comments_and_blank_lines_of_an_env_file_show_as_they_are(line):
    assert mask_line(".env.local", line) == line


def test_a_multi_line_value_ends_where_its_quote_closes_and_the_next_key_shows():
    diff = f'@@ -1,3 +1,3 @@\n CERT="abc\n {VALUE}"\n PLAIN=visible\n E=""\n F=\'\'\n G=shown\n'
    masked = f'@@ -1,3 +1,3 @@\n CERT="abc\n {MASK}\n PLAIN=visible\n E=""\n F=\'\'\n G=shown\n'
    assert mask_diff(".env", diff) == masked
