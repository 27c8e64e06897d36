"""Owners reached through other rows, as the user of a chat app sees them: a message goes to the owner of its
chat, a vote to the owner of the chat its message is in, an invitation updated or deleted by its id alone to
whoever invited, a viewer group to its team and a view to its group's team. afc generates the owner lookups
(`owners.ts`), the lines send to what they return, the app type-checks with them, and `remove` gives every
byte back. With Drizzle and with Prisma."""

import json

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.owner_projects import (
    CLERK_STORE,
    DRIZZLE_CHAT,
    DRIZZLE_OWN_CLIENT,
    DRIZZLE_PATHS,
    OWN_CLIENT_PATHS,
    PRISMA_CHAT,
    PRISMA_PATHS,
)
from tests.support.projects import fingerprint, make_project
from tests.support.typecheck import assert_typechecks

runner = CliRunner()

OWNERS = "apps/web/src/lib/realtime/owners.ts"


def afc(*args):
    return runner.invoke(app, list(args))


def plan_of(project):
    result = afc("add", "websocket", "-C", str(project), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    return {b["event"]: b for b in json.loads(result.stdout)["broadcasts"]}


def plan_list(project):
    result = afc("add", "websocket", "-C", str(project), "--dry-run", "--json")
    return json.loads(result.stdout)["broadcasts"]


def route(project, name):
    return (project / f"apps/web/src/app/api/{name}/route.ts").read_text()


@pytest.mark.parametrize(
    ("fixture", "paths", "chat", "message", "invitation", "group"),
    [
        (DRIZZLE_CHAT, DRIZZLE_PATHS, "chat", "message", "invitations", "viewerGroups"),
        (PRISMA_CHAT, PRISMA_PATHS, "Chat", "Message", "Invitation", "ViewerGroup"),
    ],
    ids=["drizzle", "prisma"],
)
def test_owners_through_references_are_looked_up_typed_and_removed(
    tmp_path, web_toolchain, node, fixture, paths, chat, message, invitation, group
):
    project = make_project(tmp_path / "chat", fixture)
    plan = plan_of(project)
    assert plan["message-created"]["to"] == f"user:<{chat}.userId>" and plan["message-created"]["wired"]
    assert f"(`chatId` -> `{chat}.userId`)" in plan["message-created"]["reason"]
    assert plan["vote-created"]["to"] == f"user:<{chat}.userId>" and plan["vote-created"]["wired"]
    assert f"(`messageId` -> `{message}.chatId` -> `{chat}.userId`)" in plan["vote-created"]["reason"]
    assert plan["invitation-updated"]["wired"] and plan["invitation-deleted"]["wired"]
    in_transaction = [b for b in plan_list(project) if b["path"].endswith("chats/route.ts")]
    assert len(in_transaction) == 2 and all(b["wired"] for b in in_transaction), in_transaction
    assert plan["invitation-deleted"]["to"] == "user:<invitedBy>"
    # a group's views go to its team; `authorize.ts` reads the memberships through the app's client, found by
    # where it comes from (a default-exported Prisma client too), so the team channel is joinable
    assert plan["group-view-created"]["to"] == f"team:<{group}.teamId>" and plan["group-view-created"]["wired"]

    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    messages = route(project, "messages")
    assert "{ to: ownersOfChat(" in messages and 'import { ownersOfChat } from "@/lib/realtime/owners";' in messages
    assert "{ to: ownersOfMessage(messageId) });" in route(project, "votes")
    by_invitation, by_group = (f"ownersOf{name[:1].upper()}{name[1:]}" for name in (invitation, group))
    assert f"{{ to: {by_group}(groupId) }});" in route(project, "groups")
    invitations = route(project, "invitations").splitlines()
    lookup = next(i for i, line in enumerate(invitations) if f"= await {by_invitation}(id)" in line)
    assert "delete" in invitations[lookup + 1]  # the owner is read while the row is still there
    assert "{ to: realtimeOwners" in invitations[lookup + 2]
    updated = next(line for line in invitations if "invitation-updated" in line)
    assert f"{{ to: {by_invitation}(id) }});" in updated  # after the update: the row is there
    owners = (project / OWNERS).read_text()
    for function in ("ownersOfChat", "ownersOfMessage", by_invitation):
        assert f"export async function {function}(key: " in owners
    assert ('import { default as prisma } from "@/lib/prisma";' in owners) is (fixture is PRISMA_CHAT)
    # a message written in a transaction after its chat: its owner read inside the transaction, through `tx`
    # (the chat is the transaction's own), into a list declared before it, sent once it committed
    chats = route(project, "chats").splitlines()
    held = next(i for i, line in enumerate(chats) if ": string[] = [];" in line)
    assert "transaction(async (tx) => {" in chats[held + 1]
    pushed = next(i for i, line in enumerate(chats) if ".push(...(await ownersOfChat(made.id, tx)));" in line)
    assert "await tx.message.create(" in chats[pushed + 1] or "await tx.insert(message)" in chats[pushed + 1]
    closed = next(i for i, line in enumerate(chats) if line.strip() == "});")
    sent = next(i for i, line in enumerate(chats) if '"message-created"' in line)
    assert held < pushed < closed < sent and "{ to: realtimeOwners" in chats[sent]
    authorize = (project / "apps/web/src/lib/realtime/authorize.ts").read_text()
    assert "channels.push(...teams.map(" in authorize  # the team channel is joinable: the membership query
    app_dir, types = project / "apps/web", ("packages/db/types",)
    assert_typechecks(app_dir, web_toolchain, node, tmp_path / "tc", root=project, also=types, paths=paths)

    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_with_clerk_a_user_id_column_names_the_owner_and_a_wrapped_delete_looks_it_up(tmp_path, web_toolchain, node):
    # Clerk keeps the users: no users table, and `stores.userId` holds the id the session names. A store goes
    # to `user:<userId>`, an order to the owner of its store (looked up); with Auth.js nobody (see
    # tests/unit/test_audience.py for the other side).
    project = make_project(tmp_path / "store", CLERK_STORE)
    plan = plan_of(project)
    assert plan["store-created"]["to"] == "user:<userId>" and plan["store-created"]["wired"]
    assert plan["order-created"]["to"] == "user:<stores.userId>" and plan["order-created"]["wired"]
    updated = [b for b in plan_list(project) if b["event"] == "order-updated"]  # through the retry, kept
    assert len(updated) == 3 and all(b["wired"] for b in updated), updated
    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert "{ to: `user:${userId}` }" in route(project, "stores")
    orders = route(project, "orders")
    assert "{ to: ownersOfStores(storeId) });" in orders
    # a wrapped delete reads its owners first, then runs (was: not wired, no line of its own before it)
    assert plan["order-deleted"]["wired"] and plan["order-deleted"]["to"] == "user:<stores.userId>"
    assert "ids.map((id) => ownersOfOrders(id).then((realtimeOwners" in orders
    # a write its callback returns to a helper that awaits it (was: "returned at once from a function that is
    # not async")
    assert plan["order-updated"]["wired"]
    assert "withRetry(() => broadcastAfter(db.update(orders)" in orders
    assert "const cleared = paid ? broadcastAfter(db.update(orders)" in orders  # awaited by the next statement
    assert "    return broadcastAfter(db.update(orders).set({ amount: 1 })" in orders  # every caller awaits it
    app_dir, types = project / "apps/web", ("packages/db/types",)
    assert_typechecks(app_dir, web_toolchain, node, tmp_path / "tc", root=project, also=types, paths=DRIZZLE_PATHS)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_a_client_the_writing_module_builds_for_itself_is_given_to_each_lookup(tmp_path, web_toolchain, node):
    # no module exports a client: `lib/db/queries.ts` builds its own (`const db = drizzle(...)`, exported by
    # none), and each lookup its writes call is given it (was: "afc looks owners up only through the app's own
    # database client")
    project = make_project(tmp_path / "chat", DRIZZLE_OWN_CLIENT)
    plan = plan_of(project)
    assert plan["message-created"]["wired"] and plan["message-created"]["to"] == "user:<chat.userId>"
    assert plan["invitation-deleted"]["wired"] and plan["invitation-deleted"]["to"] == "user:<invitedBy>"
    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    queries = (project / "apps/web/src/lib/db/queries.ts").read_text()
    assert "{ to: ownersOfChat(chatId, db) });" in queries and "{ to: ownersOfChat(id, db) });" in queries
    assert "const realtimeOwners" in queries and "= await ownersOfInvitations(id, db);" in queries
    owners = (project / OWNERS).read_text()
    assert 'import { type PgDatabase } from "drizzle-orm/pg-core";' in owners and "queries" not in owners
    assert 'ownersOfChat(key: (typeof chat.$inferSelect)["id"], client: PgDatabase<any, any, any>)' in owners
    app_dir, types = project / "apps/web", ("packages/db/types",)
    assert_typechecks(app_dir, web_toolchain, node, tmp_path / "tc", root=project, also=types, paths=OWN_CLIENT_PATHS)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before
