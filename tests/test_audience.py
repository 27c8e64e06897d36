"""Who receives what, as the user of a store sees it in the plan: orders to their owner, the addresses they
point at to nobody, a contact form to nobody (or to everyone with `--public`), posts public because a GET
serves them to anyone (and the plan names it), drafts not (their GET asks `auth()`), team projects to the
team only where a `members` table makes the channel joinable, and then `authorize.ts` grants it. Added,
type-checked under the strictest tsconfig against typed stubs, removed byte for byte."""

import json
import re

from typer.testing import CliRunner

from afc_realtime.cli import app
from tests.support.projects import fingerprint, make_project
from tests.support.store_project import PRISMA_TEAMS, STORE_PROJECT, STORE_WITH_MEMBERS
from tests.support.typecheck import assert_typechecks

runner = CliRunner()


def afc(*args):
    return runner.invoke(app, list(args))


def plan_of(project, *flags):
    result = afc("add", "websocket", "-C", str(project), "--dry-run", "--json", *flags)
    assert result.exit_code == 0, result.output
    return {b["event"]: b for b in json.loads(result.stdout)["broadcasts"]}


def test_each_row_goes_to_whoever_may_already_read_it(tmp_path):
    plan = plan_of(make_project(tmp_path / "store", STORE_PROJECT))
    assert plan["order-created"]["to"] == "user:<userId>" and plan["order-created"]["wired"]
    address = plan["address-created"]
    assert address["to"] == "nobody" and not address["wired"]
    assert "`orders.addressId` points at" in address["reason"] and "user:<userId>" in address["reason"]
    contact = plan["contact-message-created"]
    assert contact["to"] == "nobody" and "look personal (email)" in contact["reason"]
    assert "`--public contactMessages`" in contact["reason"]
    post = plan["post-created"]
    assert post["to"] == "public" and post["wired"]
    assert post["reason"] == (
        "GET /api/posts (apps/web/src/app/api/posts/route.ts:4) serves `posts` rows to anyone signed out"
    )
    draft = plan["draft-created"]
    assert draft["to"] == "nobody" and "nothing afc found serves them" in draft["reason"]
    team = plan["project-created"]
    assert team["to"] == "nobody" and "no membership table ties users to `teams`" in team["reason"]


def test_the_summary_says_why_a_table_goes_to_everyone(tmp_path):
    human = afc("add", "websocket", "-C", str(make_project(tmp_path / "store", STORE_PROJECT)), "--dry-run")
    assert human.exit_code == 0, human.output
    text = " ".join(human.output.split())  # as the terminal wraps it
    assert re.search(r"post-created -> public \S+route\.ts:\d+", text)
    assert "serves `posts` rows to anyone signed out" in text and "public: every browser that opens the app" in text


def test_public_names_a_table_the_user_vouches_for_and_is_recorded(tmp_path):
    project = make_project(tmp_path / "store", STORE_PROJECT)
    plan = plan_of(project, "--public", "contact_messages", "--public", "drafts")  # the SQL name will do
    assert plan["contact-message-created"]["to"] == "public"
    assert (
        plan["contact-message-created"]["reason"]
        == "`--public contactMessages` sends `contactMessages` rows to everyone"
    )
    assert plan["draft-created"]["to"] == "public"
    assert plan["address-created"]["to"] == "nobody"  # not named: still nobody's
    assert plan["order-created"]["to"] == "user:<userId>"  # an owner wins over nothing
    assert afc("add", "websocket", "-C", str(project), "--yes", "--public", "drafts").exit_code == 0
    assert 'public_tables = ["drafts"]' in (project / ".afc/manifest.toml").read_text()


def test_public_refuses_a_table_that_is_not_in_the_schema_and_a_contradiction(tmp_path):
    project = make_project(tmp_path / "store", STORE_PROJECT)
    before = fingerprint(project)
    typo = afc("add", "websocket", "-C", str(project), "--yes", "--public", "contact_mesages")
    assert typo.exit_code == 2 and "--public contact_mesages: no such table" in typo.output
    both = afc("add", "websocket", "-C", str(project), "--yes", "--public", "posts", "--no-public")
    assert both.exit_code == 2 and "contradict" in both.output
    assert fingerprint(project) == before


def test_no_public_still_leaves_the_served_table_out(tmp_path):
    plan = plan_of(make_project(tmp_path / "store", STORE_PROJECT), "--no-public")
    assert not plan["post-created"]["wired"] and "--no-public leaves it out" in plan["post-created"]["reason"]


def test_a_membership_table_makes_the_team_channel_joinable(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "store", STORE_WITH_MEMBERS)
    plan = plan_of(project)
    assert plan["project-created"]["to"] == "team:<teamId>" and plan["project-created"]["wired"]
    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    route = (project / "apps/web/src/app/api/projects/route.ts").read_text()
    assert 'broadcast("project-created", {' in route and "{ to: `team:${project.teamId}` });" in route
    authorize = (project / "apps/web/src/lib/realtime/authorize.ts").read_text()
    assert 'import { db, members } from "@store/db";\nimport { eq } from "drizzle-orm";\n' in authorize
    assert ".where(eq(members.userId, id));" in authorize
    assert "channels.push(...teams.map((row) => `team:${row.id}`));" in authorize
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_a_membership_table_authorize_cannot_read_makes_no_channel(tmp_path):
    no_client = {k: v for k, v in STORE_WITH_MEMBERS.items() if not k.endswith("/client.ts")}
    team = plan_of(make_project(tmp_path / "store", no_client))["project-created"]
    assert (
        team["to"] == "nobody"
        and "`members` ties users to `teams`, but `authorize.ts` cannot read it" in team["reason"]
    )


def test_without_a_membership_table_authorize_grants_the_user_only(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "store", STORE_PROJECT)
    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    authorize = (project / "apps/web/src/lib/realtime/authorize.ts").read_text()
    assert "members" not in authorize and "channels: [`user:${id}`]" in authorize
    assert "broadcast(" not in (project / "apps/web/src/app/api/projects/route.ts").read_text()
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


def test_the_membership_query_in_prisma_type_checks(tmp_path, web_toolchain, node):
    project = make_project(tmp_path / "prisma", PRISMA_TEAMS)
    assert plan_of(project)["project-created"]["to"] == "team:<teamId>"
    before = fingerprint(project)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    authorize = (project / "apps/web/src/lib/realtime/authorize.ts").read_text()
    assert 'import { prisma } from "@/lib/prisma";' in authorize
    assert (
        "const teams = await prisma.member.findMany({ where: { userId: id }, select: { teamId: true } });" in authorize
    )
    assert "channels.push(...teams.map((row) => `team:${row.teamId}`));" in authorize
    assert_typechecks(project / "apps/web", web_toolchain, node, tmp_path / "tc", root=project)
    assert afc("remove", "websocket", "-C", str(project), "--yes").exit_code == 0
    assert fingerprint(project) == before


FAKE_STORE = """type Row = Record<string, unknown>;
type Col = { name: string };
const column = (name: string): Col => ({ name });
export const members = {
    rows: [
        { id: 1, userId: "ann", teamId: 7 },
        { id: 2, userId: "bob", teamId: 8 },
    ] as Row[],
    userId: column("userId"),
    teamId: column("teamId"),
};
export const db = {
    select: (fields: Record<string, Col>) => ({
        from: (table: { rows: Row[] }) => ({
            where: async (cond: { col: Col; value: unknown }) =>
                table.rows
                    .filter((row) => row[cond.col.name] === cond.value)
                    .map((row) => Object.fromEntries(Object.entries(fields).map(([k, c]) => [k, row[c.name]]))),
        }),
    }),
};
"""
RUN = """import { authorize } from "./authorize";
import { signTicket } from "./ticket";

const ticket = signTicket(await authorize(new Request("http://localhost/api/realtime/ticket")));
const payload = ticket ? JSON.parse(Buffer.from(ticket.split(".")[1]!, "base64url").toString()) : null;
console.log(JSON.stringify(payload));
"""


def ticket_channels(helpers, work, user):
    """The channels of the ticket the generated `authorize.ts` and `ticket.ts` give `user`, run by Bun
    against a fake Auth.js session and a fake database holding two memberships."""
    import subprocess

    from tests.support.tools import require_tool

    bun = require_tool("bun", "install Bun")
    work.mkdir(parents=True, exist_ok=True)
    for name in ("authorize.ts", "ticket.ts", "realtime-env.d.ts"):
        (work / name).write_text((helpers / name).read_text())
    (work / "auth.ts").write_text(f'export const auth = async () => ({{ user: {{ id: "{user}" }} }});\n')
    (work / "store.ts").write_text(FAKE_STORE)
    (work / "drizzle.ts").write_text("export const eq = (col: unknown, value: unknown) => ({ col, value });\n")
    (work / "run.ts").write_text(RUN)
    paths = {"@/auth": ["./auth.ts"], "@store/db": ["./store.ts"], "drizzle-orm": ["./drizzle.ts"]}
    (work / "tsconfig.json").write_text(json.dumps({"compilerOptions": {"paths": paths}}))
    env = {"PATH": "/usr/bin:/bin", "WS_EVENTS_SECRET": "s3cret-for-the-test"}
    result = subprocess.run([bun, "run.ts"], cwd=work, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["ch"]


def test_a_members_ticket_carries_their_teams_and_no_other(tmp_path):
    project = make_project(tmp_path / "store", STORE_WITH_MEMBERS)
    assert afc("add", "websocket", "-C", str(project), "--yes").exit_code == 0
    helpers = project / "apps/web/src/lib/realtime"
    assert ticket_channels(helpers, tmp_path / "ann", "ann") == ["user:ann", "team:7"]
    assert ticket_channels(helpers, tmp_path / "bob", "bob") == ["user:bob", "team:8"]
    assert ticket_channels(helpers, tmp_path / "eve", "eve") == ["user:eve"]


def test_add_event_decides_as_add_websocket_did(tmp_path):
    route = "apps/web/src/app/api/drafts/route.ts"
    vouched = make_project(tmp_path / "vouched", STORE_PROJECT)
    assert afc("add", "websocket", "-C", str(vouched), "--yes", "--public", "drafts").exit_code == 0
    added = afc("add", "event", "draft-saved", "--route", route, "--method", "POST", "-C", str(vouched), "--yes")
    assert added.exit_code == 0, added.output
    text = (vouched / route).read_text()
    assert 'broadcast("draft-saved", {' in text and '{ to: "public" });' in text

    plain = make_project(tmp_path / "plain", STORE_PROJECT)
    assert afc("add", "websocket", "-C", str(plain), "--yes").exit_code == 0
    refused = afc("add", "event", "draft-saved", "--route", route, "--method", "POST", "-C", str(plain), "--yes")
    assert refused.exit_code == 2 and "nothing afc found serves them" in refused.output
