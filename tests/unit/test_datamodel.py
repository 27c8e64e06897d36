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
