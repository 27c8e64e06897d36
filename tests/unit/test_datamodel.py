from afc_realtime.datamodel import read
from afc_realtime.edits.result import Level
from afc_realtime.tree import Tree

DRIZZLE = """import { pgTable, serial, text, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
    id: uuid("id").primaryKey(),
    email: text("email").notNull(),
    passwordHash: text("password_hash"),
});

export const notes = pgTable("notes", {
    id: serial("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    body: text("body"),
});

export const posts = createTable("post", (d) => ({
    id: d.integer().primaryKey(),
    createdById: d.varchar({ length: 255 }).references((): AnyPgColumn => users.id),
}));
"""

PRISMA = """datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model User {
  id       String @id @default(cuid())
  email    String @unique // the login
  posts    Post[]
  profile  Profile?
}

model Post {
  id        Int      @id @default(autoincrement())
  title     String
  role      Role
  author    User     @relation(fields: [authorId], references: [id])
  authorId  String
  @@index([authorId])
}

enum Role {
  USER
}
"""


def test_drizzle_tables_with_columns_references_and_where():
    model = read(Tree.in_memory({"packages/db/src/schema.ts": DRIZZLE, "apps/web/app/x.ts": DRIZZLE}), ["packages/db"])
    assert set(model.tables) == {"users", "notes", "posts"}
    assert model.tables["users"].columns == ("id", "email", "passwordHash")
    assert model.tables["notes"].references == {"userId": "users"}
    assert model.tables["posts"].references == {"createdById": "users"}
    assert model.tables["notes"].where == "packages/db/src/schema.ts:9"
    assert model.sources == ["packages/db/src/schema.ts"]


def test_prisma_models_keep_scalar_fields_and_foreign_keys():
    model = read(Tree.in_memory({"packages/db/prisma/schema.prisma": PRISMA}), ["packages/db"])
    assert model.tables["User"].columns == ("id", "email")
    assert model.tables["Post"].columns == ("id", "title", "role", "authorId")
    assert model.tables["Post"].references == {"authorId": "User"}
    assert model.table("post") is model.tables["Post"] and model.table("comment") is None


def test_a_schema_that_does_not_parse_is_reported_not_guessed():
    model = read(Tree.in_memory({"db/schema.ts": 'import "drizzle-orm/pg-core";\nconst t = pgTable("t", {\n'}), ["db"])
    assert model.tables == {} and [p.level for p in model.problems] == [Level.WARN]


def test_keys_are_the_primary_key_then_the_unique_columns():
    tree = Tree.in_memory({"packages/db/src/schema.ts": DRIZZLE, "packages/db/schema.prisma": PRISMA})
    model = read(tree, ["packages/db"])
    assert model.tables["users"].keys == ("id",)
    assert model.tables["notes"].keys == ("id",)  # `userId` references, it names no single row
    assert model.tables["User"].keys == ("id", "email")
    assert model.tables["Post"].keys == ("id",)
    unique = DRIZZLE.replace('email: text("email").notNull()', 'email: text("email").notNull().unique()')
    assert read(Tree.in_memory({"s.ts": unique}), ["."]).tables["users"].keys == ("id", "email")


# -- Boundaries (issue 20 item 5): which files are schemas, which calls declare a table, which Prisma lines are
# columns and keys; each on both sides, so a table afc would miss (and then send to the wrong audience) fails.

import pytest  # noqa: E402

ONE = 'import { pgTable, text } from "drizzle-orm/pg-core";\nexport const t = pgTable("t", { id: text("id") });\n'


def tables_in(files: dict[str, str], folders: tuple[str, ...] = ("db",)) -> set[str]:
    return set(read(Tree.in_memory(files), list(folders)).tables)


@pytest.mark.parametrize(
    ("path", "read_it"),
    [
        ("db/schema.ts", True),
        ("db/schema.mts", True),
        ("db/schema.cts", True),
        ("db/schema.js", True),
        ("db/schema.mjs", True),
        ("db/src/schema/index.ts", True),
        ("db/schema.d.ts", False),
        ("db/schema.tsx", False),
        ("db/schema.cjs", False),
        ("db/schema.json", False),
        ("db/node_modules/x/schema.ts", False),
        ("db/.next/schema.js", False),
        ("db/.turbo/schema.js", False),
        ("db/dist/schema.js", False),
        ("db/build/schema.js", False),
        ("db/out/schema.js", False),
        ("db/.git/schema.ts", False),
        ("db/coverage/schema.js", False),
        ("db/.afc/base/schema.ts", False),
        ("db/app/schema.ts", False),
        ("db/apps/schema.ts", True),
        ("db/distribution/schema.ts", True),
        ("other/schema.ts", False),
    ],
)
def test_which_files_are_read_as_drizzle_schemas(path, read_it):
    assert tables_in({path: ONE}) == ({"t"} if read_it else set())


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (ONE, {"t"}),
        (ONE.replace("drizzle-orm/pg-core", "drizzle-orm"), set()),  # no `drizzle-orm/` import
        (ONE.replace("pgTable(", "pgTable ("), set()),  # no `Table(` anywhere
        (ONE.replace('pgTable("t"', 'mysqlTable("t"'), {"t"}),
        (ONE.replace('pgTable("t"', 'sqliteTable("t"'), {"t"}),
        (ONE.replace('pgTable("t"', 'singlestoreTable("t"'), {"t"}),
        (ONE.replace('pgTable("t"', 'createTable("t"'), {"t"}),
        (ONE + 'export const u = table("u", { id: text() });\n', {"t", "u"}),
        (ONE + 'export const u = mytable("u", { id: text() });\n', {"t"}),
        (ONE + 'export const u = tables("u", { id: text() });\n', {"t"}),
        (ONE + 'export const u = pgTableCreator("u", { id: text() });\n', {"t"}),
        (ONE + 'export const { u } = pgTable("u", { id: text() });\n', {"t"}),  # not a plain name
        (ONE + "export const u = pgTable;\n", {"t"}),  # not a call
        (ONE + 'export const u = pgTable("u");\n', {"t"}),  # no columns
        (ONE + 'export const u = pgTable("u", (t) => { return { id: t.text() }; });\n', {"t"}),
        (ONE + 'export const u = pgTable("u", (t) => (({ id: t.text() })));\n', {"t", "u"}),
    ],
)
def test_which_calls_declare_a_table(text, found):
    assert tables_in({"db/schema.ts": text}) == found


def test_columns_keys_and_references_of_every_drizzle_shape():
    text = ONE + (
        "const base = { createdAt: text() };\n"
        'export const u = pgTable("u", {\n'
        "  ...base,\n"
        '  "quoted_col": text(),\n'
        "  slug: text().unique(),\n"
        "  code: text().primaryKey(),\n"
        "  ownerId: text().references( ( ) => t.id ),\n"
        "  typedId: text().references((): AnyPgColumn => t.id),\n"
        "  plain: text(),\n"
        "});\n"
    )
    u = read(Tree.in_memory({"db/schema.ts": text}), ["db"]).tables["u"]
    assert u.columns == ("quoted_col", "slug", "code", "ownerId", "typedId", "plain")
    assert u.references == {"ownerId": "t", "typedId": "t"}
    assert u.keys == ("code", "slug")
    assert u.where == "db/schema.ts:4" and u.orm == "drizzle"


PRISMA_SHAPES = """model Account {
  id                String   @id
  ids               String   @unique   // a key
  providerAccountId String   @ids
  userId            String
  orgId             String
  createdAt         DateTime @default(now())
  count             Int
  big               BigInt
  ratio             Float
  price             Decimal
  active            Boolean
  data              Json
  blob              Bytes
  vector            Unsupported("vector")
  tags              String[]
  note              String?
  kind              Kind
  user              User     @relation(fields: [userId, orgId], references: [id, orgId])
  posts             Post[]
  // secret String
  @@unique([providerAccountId])
}
  model   Spaced   {
  id Int @id
}
model Inline { id Int }
enum  Kind {
  A
}
"""


def test_prisma_fields_of_every_scalar_type_and_relation():
    model = read(Tree.in_memory({"db/schema.prisma": PRISMA_SHAPES}), ["db"])
    assert set(model.tables) == {"Account", "Spaced"}
    account = model.tables["Account"]
    assert account.columns == (
        "id", "ids", "providerAccountId", "userId", "orgId", "createdAt", "count", "big", "ratio", "price",
        "active", "data", "blob", "vector", "tags", "note", "kind",
    )  # fmt: skip
    assert account.references == {"userId": "User", "orgId": "User"}
    assert account.keys == ("id", "ids") and account.orm == "prisma" and account.where == "db/schema.prisma:1"
    assert model.tables["Spaced"].where == "db/schema.prisma:24"


def test_a_unique_field_before_the_id_still_comes_after_it():
    text = "model M {\n  email String @unique\n  id Int @id\n}\n"
    assert read(Tree.in_memory({"db/schema.prisma": text}), ["db"]).tables["M"].keys == ("id", "email")


@pytest.mark.parametrize(
    ("name", "found"),
    [("todos", "todos"), ("Post", "Post"), ("post", "Post"), ("POST", None), ("posts", None), ("", None)],
)
def test_the_table_a_write_names(name, found):
    from afc_realtime.datamodel import DataModel, Table

    model = DataModel({"todos": Table("todos", ("id",)), "Post": Table("Post", ("id",))})
    hit = model.table(name)
    assert (hit.name if hit else None) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (ONE + 'export const u = TableBuilder("u", { id: text() });\n', {"t"}),  # `Table` not at the end
        (ONE + 'export const u = tableOf("u", { id: text() });\n', {"t"}),
        (ONE + 'export const u = portable("u", { id: text() });\n', {"t"}),
        (ONE + "let pending;\nexport const u = 'u';\n", {"t"}),  # no value, a value that is no call
    ],
)
def test_a_name_merely_holding_table_declares_none(text, found):
    assert tables_in({"db/schema.ts": text}) == found


def test_drizzle_keys_and_targets_of_quoted_and_referencing_columns():
    text = ONE + (
        'export const u = pgTable("u", {\n'
        "  '\"id\"': text(),\n"
        '  "user_id": text().primaryKey(),\n'
        "  'handle': text().unique(),\n"
        "  authorId: text().references(() => t.id),\n"
        "  slugRef: text().references(() => t.slug),\n"
        "});\n"
    )
    u = read(Tree.in_memory({"db/schema.ts": text}), ["db"]).tables["u"]
    assert u.keys == ("user_id", "handle")
    assert u.targets == {"authorId": "id", "slugRef": "slug"} and u.references == {"authorId": "t", "slugRef": "t"}


PRISMA_RELATIONS = """model Membership {
  teamId   String
  userId   String
  email    String
  team     Team @relation(fields: [teamId, userId], references: [id, ownerId])
  invitee  User @relation(fields: [email], references: [email])
  broken   User @relation(fields: [email])  // Prisma refuses it; afc reads it without a target
  @@id([teamId, userId])
} // a comment after the brace still closes the model
model Note {
  id     String @id
  body   String // @id was here, @unique too
}
"""


def test_prisma_relations_name_the_column_they_point_at_and_lines_count_from_one():
    model = read(Tree.in_memory({"db/schema.prisma": "\n\n" + PRISMA_RELATIONS}), ["db"])
    membership = model.tables["Membership"]
    assert membership.references == {"teamId": "Team", "userId": "Team", "email": "User"}
    assert membership.targets == {"teamId": "id", "userId": "ownerId", "email": "email"}
    assert membership.columns == ("teamId", "userId", "email") and membership.where == "db/schema.prisma:3"
    assert model.tables["Note"].keys == ("id",) and model.tables["Note"].columns == ("id", "body")


def test_the_column_a_reference_names_in_its_parent():
    from afc_realtime.datamodel import Table

    keyed = Table("Team", ("id", "slug", "uuid"), keys=("uuid", "slug"))
    plain = Table("Team", ("id", "slug"))
    keyless = Table("Team", ("slug",))
    child = Table("Member", ("teamId", "teamSlug", "gone"), targets={"teamSlug": "slug", "gone": "missing"})
    assert child.target_key("teamSlug", keyed) == "slug"  # declared, and the parent has it
    assert child.target_key("gone", keyed) is None  # declared, but the parent has no such column
    assert child.target_key("teamId", keyed) == "uuid"  # undeclared: the parent's primary key
    assert child.target_key("teamId", plain) == "id"  # no key known: `id`
    assert child.target_key("teamId", keyless) is None
