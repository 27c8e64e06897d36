"""Several rows at once, and rows named by other columns, as the user of a chat app sees them (issue 18): the
owner a many-row write's filter states (`updateMany({ where: { userId } })`, `.where(eq(chat.userId, ..))`) or
every row it inserts states (`.values([...])`, `createMany({ data: titles.map(...) })`) receives the change;
a parent reference in the filter (`deleteMany({ where: { chatId } })`) goes to the parent's owner; a filter
on other columns sends to the owners of the rows it matches, read just before the write (before the
transaction, for a transaction's first write; inside it, through `tx`, for a later one). A filter afc cannot
evaluate again, or a write in a callback nested in a transaction's, is left with the reason. The app
type-checks with the lookups, and `remove` gives every byte back. With Drizzle and with Prisma."""

import json
import re

import pytest
from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.many_projects import DRIZZLE_MANY, DRIZZLE_PATHS, PRISMA_MANY, PRISMA_PATHS
from tests.support.projects import fingerprint, make_project
from tests.support.typecheck import assert_typechecks

runner = CliRunner()
ROUTE = "apps/web/src/app/api/bulk/route.ts"
OWNERS = "apps/web/src/lib/realtime/owners.ts"


def afc(*args):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    ("fixture", "paths", "chat", "matching"),
    [
        (DRIZZLE_MANY, DRIZZLE_PATHS, "chat", "eq(invitations.role, role)"),
        (PRISMA_MANY, PRISMA_PATHS, "Chat", "{ role: { in: roles } }"),
    ],
    ids=["drizzle", "prisma"],
)
def test_several_rows_go_to_the_owners_their_write_states_or_its_filter_matches(
    tmp_path, web_toolchain, node, fixture, paths, chat, matching
):
    project = make_project(tmp_path / "chat", fixture)
    result = afc("add", "websocket", "-C", str(project), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    plan = [(b["event"], b["to"], b["wired"], b["left"]) for b in json.loads(result.stdout)["broadcasts"]]
    reasons = [b["reason"] for b in json.loads(result.stdout)["broadcasts"] if not b["wired"]]
    owner = ("user:<userId>", True, None)
    through = (f"user:<{chat}.userId>", True, None)
    invited = ("user:<invitedBy>", True, None)
    left = ("nobody", False, "limitation")
    expected = [
        ("chat-created", *owner),  # every row inserted states its owner
        ("chat-updated", *owner),  # the filter's equality on the owner
        ("message-updated", *through),  # a filter on another column: the owners of the rows it matches
        ("message-deleted", *through),  # the filter names the parent: its owner
        ("invitation-deleted", *invited),  # a filter on another column
        ("invitation-deleted", *left),  # a filter calling the app's own function
    ]
    if fixture is DRIZZLE_MANY:
        # in a transaction: its first write looked up before it begins, a later one inside it (was: left), one
        # in a callback nested in the transaction's left
        expected += [("invitation-deleted", *invited), ("message-deleted", *through), ("message-deleted", *left)]
    assert plan == expected
    assert "its filter holds `pick(role)`, which afc cannot evaluate again before the write" in reasons[0]
    assert fixture is PRISMA_MANY or "it runs in a transaction" in reasons[1]

    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    route = (project / ROUTE).read_text().splitlines()
    read = next(i for i, line in enumerate(route) if "= await ownersOfInvitation" in line)
    function = "ownersOfInvitationsMatching" if fixture is DRIZZLE_MANY else "ownersOfInvitationMatching"
    assert re.fullmatch(rf"const realtimeOwners\d+ = await {function}\({re.escape(matching)}\);", route[read].strip())
    assert "deleteMany" in route[read + 1] or ".delete(invitations)" in route[read + 1]  # read, then written
    assert "{ to: realtimeOwners" in route[read + 2]
    assert "{ to: ownersOfChat(chatId) }" in "\n".join(route)
    if fixture is DRIZZLE_MANY:  # the first write of a transaction: read before it begins, sent once it committed
        at = next(
            i for i, line in enumerate(route) if "ownersOfInvitationsMatching(eq(invitations.role, body))" in line
        )
        # the later write's owners: a list declared before the transaction, filled in it through `tx`
        held = re.fullmatch(r"const (realtimeOwners\d+): string\[\] = \[\];", route[at + 1].strip())
        assert held is not None and route[at + 2].strip() == "await db.transaction(async (tx) => {"
        pushed = f"{held.group(1)}.push(...(await ownersOfMessageMatching(eq(message.body, role), tx)));"
        assert route[at + 4].strip() == pushed and route[at + 5].strip().startswith("await tx.delete(message)")
        assert route[at + 7].strip() == "});"
        assert "invitation-deleted" in route[at + 8] and "{ to: realtimeOwners" in route[at + 8]
        assert "message-deleted" in route[at + 9] and f"{{ to: {held.group(1)} }}" in route[at + 9]
    owners = (project / OWNERS).read_text()
    assert "export async function ownersOfMessageMatching(where: " in owners
    app_dir, types = project / "apps/web", ("packages/db/types",)
    assert_typechecks(app_dir, web_toolchain, node, tmp_path / "tc", root=project, also=types, paths=paths)

    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before
