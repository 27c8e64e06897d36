"""features/toolkit.py, exactly: what a manifest may ask `remove` to do (the checks that stop a crafted one
deleting or cutting anything else), how `remove` undoes a record, and the helpers every recipe shares."""

from __future__ import annotations

import pytest

from afc_realtime import manifest as manifest_mod
from afc_realtime.edits import envfile
from afc_realtime.edits.insertion import Insertion, undo_insertions
from afc_realtime.edits.result import Edit, Level, Skip
from afc_realtime.errors import BadInput, Conflict
from afc_realtime.features import toolkit, websocket
from afc_realtime.features.toolkit import (
    Draft,
    check_record,
    could_have_inserted,
    only_afc_changes,
    recipe_roots,
    remove_records,
)
from afc_realtime.manifest import FeatureRecord
from afc_realtime.plan import Note, Plan
from afc_realtime.project import Project, detect
from afc_realtime.tree import Kind, Tree, sha256
from tests.support.projects import AFC_PROJECT_WITH_SECRET, applied

PROJECT = AFC_PROJECT_WITH_SECRET
ROUTE = "apps/web/src/app/api/todos/route.ts"
PAGE = "apps/web/src/app/page.tsx"


@pytest.fixture(scope="module")
def added() -> dict[str, bytes]:
    """AFC_PROJECT's files once `add websocket` has been applied."""
    tree = Tree.in_memory(PROJECT)
    websocket.plan_add(detect(tree), tree)
    return applied(PROJECT, tree)


@pytest.fixture(scope="module")
def project() -> Project:
    return detect(Tree.in_memory(PROJECT))


def _record(files: dict[str, bytes]) -> FeatureRecord:
    return manifest_mod.load(files[manifest_mod.PATH].decode()).features["websocket"]


def _remove_plan(files: dict[str, bytes | str]) -> tuple[Plan, Project, manifest_mod.Manifest]:
    tree = Tree.in_memory(files)
    project = detect(tree)
    return Plan("remove websocket", tree), project, manifest_mod.load(tree.read_text(manifest_mod.PATH))


# -- where the recipes create files ----------------------------------------------------------------


def test_recipe_roots_are_the_service_the_helpers_the_ticket_route_and_afcs_folder(project):
    assert recipe_roots(project) == ["apps/ws", "apps/web/src/lib/realtime", "apps/web/src/app/api/realtime", ".afc"]


# -- what a manifest may ask for -------------------------------------------------------------------

IMPORT = 'import { broadcast } from "@/lib/realtime/broadcast";\n'
COMPOSE_WS = """
    ws:
        build:
            context: .
            dockerfile: apps/ws/Dockerfile
        ports:
            - "4001:4001"
        environment:
            NODE_ENV: development
            WS_HOST: 0.0.0.0
            WS_PORT: "4001"
            WS_EVENTS_SECRET: ${WS_EVENTS_SECRET:-}
            WS_TICKET_SECRET: ${WS_TICKET_SECRET:-}
            WS_ALLOWED_ORIGINS: ${WS_ALLOWED_ORIGINS:-http://localhost:3000}
            REDIS_URL: ${REDIS_URL:-}
        networks:
            - default
        restart: unless-stopped
"""
SCHEMA_LINES = (
    "\n        WS_INTERNAL_URL: z.string().url().optional(),"
    "\n        NEXT_PUBLIC_WS_URL: process.env.NEXT_PUBLIC_WS_URL,"
)


@pytest.mark.parametrize(
    "path, text, expected",
    [
        # what the recipes insert in source code
        (ROUTE, 'import { broadcast } from "@/lib/realtime/broadcast";\n', True),
        (ROUTE, '    broadcast("todo-created", inserted, { to: "public" });\n', True),
        (ROUTE, '    broadcast("todo-created", inserted);\n', True),
        (ROUTE, '    if (session) broadcast("note-created", row, { to: [`user:${id}`, "team:7"] });\n', True),
        (PAGE, 'import { useRealtimeList } from "@/lib/realtime/use-realtime";\n', True),
        (PAGE, '    useRealtimeList("todo", "/api/todos", setTodos);\n', True),
        (PAGE, '            <RealtimeRefresh events={["message-created"]} />\n', True),
        ("apps/web/src/env.ts", 'import { z } from "zod";\n', True),
        ("apps/web/src/env.ts", SCHEMA_LINES, True),
        ("apps/web/src/env.mjs", "\n    }),\n", False),  # punctuation alone: a lone `}` cut would break code
        ("apps/web/src/app/layout.tsx", "}\n", False),
        # source code afc never inserts
        (PAGE, "export default ", False),
        (PAGE, "", False),
        (PAGE, "\n  \n", False),
        (ROUTE, 'broadcast("x", inserted); export async function GET', False),
        (ROUTE, 'import { readFile } from "node:fs";\n', False),
        (ROUTE, 'import fs from "realtime";\n', False),
        (ROUTE, 'import { broadcast } from "@/lib/realtime/broadcast";\nconst x = 1;\n', False),
        (PAGE, "    useRealtimeList(a, b, c); export default x;\n", False),
        (PAGE, "    useRealtime(handlers) ;await drop()\n", False),
        ("apps/web/src/env.ts", "        DATABASE_URL: z.string().url(),\n", False),
        # env files: afc's own keys and comments, and one of them at least
        (".env", "\n# Realtime (afc websocket)\nNEXT_PUBLIC_WS_URL=\nWS_PORT=\n", True),
        ("apps/web/.env.local", "REDIS_URL=\n", False),  # afc never adds REDIS_URL to an env file: the user's
        (".env", "# Realtime (afc websocket)\nWS_PORT=\n# mine\n", False),
        (".env", "# Realtime (afc websocket)\n", True),
        (".env", "# my notes\n", False),
        (".env", "WS_PORT=\nDATABASE_URL=\n", False),
        (".env", "\n\n", False),
        ("apps/web/.env.local", "SECRET=\n", False),
        # compose: the service afc adds, by its name
        ("compose.dev.yml", COMPOSE_WS, True),
        ("compose.dev.yml", COMPOSE_WS.replace("apps/ws/Dockerfile", "packages/db/Dockerfile"), False),
        ("compose.dev.yml", COMPOSE_WS.replace("REDIS_URL", "DATABASE_URL"), False),
        ("compose.dev.yml", COMPOSE_WS + "        command: rm -rf /\n", False),
        ("compose.dev.yml", "\n    ws:\n        build: .\n", False),  # `ws:` alone is not the service afc adds
        ("docker-compose.yaml", "ws:\n", False),
        ("compose.dev.yml", "    db:\n        image: postgres\n", False),
        ("compose.dev.yml", "\n    ws:\n        image: nginx\n", False),
        ("compose.prod.yaml", "    ws:\n        image: nginx\n", False),
        ("compose.dev.yml", "    wss:\n        image: nginx\n", False),
        ("notes.mdx", 'broadcast("todo-created", row)', True),  # a call with its arguments blanked
        # the change payload (broadcast.ts's RealtimeChange), guarded by the row and the owner values
        (
            "apps/web/src/app/actions.ts",
            '    if (row && session.user.id != null) broadcast("note-created", { table: "notes", action: "created", '
            'keys: { id: Number(id) }, row: { ...input, userId: session.user.id, title: "x", n: -1 }, '
            "complete: false }, { to: `user:${session.user.id}` });\n",
            True,
        ),
        (
            "apps/web/src/app/actions.ts",
            'broadcast("t-deleted", { table: "t", action: "deleted", keys: {}, complete: false }, { to: "public" })',
            True,
        ),
        (
            "apps/web/src/app/actions.ts",
            '    broadcast("t-deleted", { table: "t", action: "deleted", keys: { id: drop(db) }, complete: false });\n',
            False,  # a call with an argument that is a call: not a value afc writes
        ),
        (
            "apps/web/src/app/actions.ts",
            'if (await wipe()) broadcast("t-deleted", { table: "t", action: "deleted", keys: {}, complete: true });',
            False,
        ),
        # a wrapped write (`broadcastAfter(<write>, (written) => { ... })`): the two pieces afc inserts, and no more
        ("apps/web/src/app/actions.ts", "broadcastAfter(", True),
        (
            "apps/web/src/app/actions.ts",
            ', (written) => { if (written[0]) broadcast("t-created", { table: "t", action: "created", '
            'keys: { id: written[0].id }, row: written[0], complete: true }, { to: "public" }); })',
            True,
        ),
        (
            "apps/web/src/app/actions.ts",
            ', () => { broadcast("t-deleted", { table: "t", action: "deleted", keys: {}, complete: false }); })',
            True,
        ),
        ("apps/web/src/app/actions.ts", "broadcastAfter(await wipe(), ", False),
        # a wrapped delete whose owners are read first: the lookup's `.then(` before, one more `)` after
        ("apps/web/src/app/actions.ts", "ownersOfOrders(id).then((realtimeOwners13) => broadcastAfter(", True),
        ("apps/web/src/app/actions.ts", "ownersOfOrders(wipe()).then((realtimeOwners13) => broadcastAfter(", False),
        ("apps/web/src/app/actions.ts", "wipe(id).then((realtimeOwners13) => broadcastAfter(", False),
        (
            "apps/web/src/app/actions.ts",
            ', () => { broadcast("t-deleted", { table: "t", action: "deleted", keys: { id }, complete: false }, '
            "{ to: realtimeOwners13 }); }))",
            True,
        ),
        ("apps/web/src/app/actions.ts", ", (written) => { wipe(written); })", False),
        (  # an owner lookup's call, and a delete's lookup held before the write (`lookups.py`)
            "apps/web/src/app/actions.ts",
            '    if (chatId != null) broadcast("m-created", { table: "m", action: "created", keys: {}, '
            "row: { chatId }, complete: false }, { to: ownersOfChat(chatId) });\n",
            True,
        ),
        ("apps/web/src/app/actions.ts", "    const realtimeOwners12 = await ownersOfInvitations(input.id);\n", True),
        (
            "apps/web/src/app/actions.ts",
            '    broadcast("m-deleted", { table: "m", action: "deleted", keys: {}, complete: false }, '
            "{ to: realtimeOwners12 });\n",
            True,
        ),
        (
            "apps/web/src/app/actions.ts",
            '        if (linkId != null) broadcast("view-created", { table: "view", action: "created", keys: {}, '
            "row: { linkId, teamId: link.teamId! }, complete: false }, { to: ownersOfLink(linkId) });\n",
            True,  # a non-null assertion is a value the change states
        ),
        (
            "apps/web/src/app/api/posts/route.ts",
            '    if (params.postId as string != null) broadcast("post-deleted", { table: "post", action: "deleted", '
            "keys: { id: params.postId as string }, complete: false }, { to: realtimeOwners28 })\n",
            True,
        ),
        ("apps/web/src/app/actions.ts", "    const realtimeOwners12 = await dropTables(id);\n", False),
        ("apps/web/src/app/actions.ts", "    const realtimeOwners12 = await ownersOfChat(wipe(id));\n", False),
        # the owners of the rows a write's own filter matches, read before it
        (
            "apps/web/src/app/actions.ts",
            "    const realtimeOwners12 = await ownersOfNoteMatching({ read: false, at: { lt: since }, kind: 'a' });\n",
            True,
        ),
        (
            "apps/web/src/app/actions.ts",
            "    const realtimeOwners3 = await ownersOfNotesMatching(and(eq(notes.chatId, chatId), gt(notes.n, 1)))\n",
            True,
        ),
        ("apps/web/src/app/actions.ts", "    const realtimeOwners3 = await ownersOfNotesMatching(wipe(id));\n", False),
        (
            "apps/web/src/app/actions.ts",
            "    const realtimeOwners3 = await ownersOfNotesMatching(eq(a, b)); x()\n",
            False,
        ),
        (
            "apps/web/src/app/actions.ts",
            'broadcast("m-created", { table: "m", action: "created", keys: {}, complete: false }, { to: wipe(db) });',
            False,
        ),
        # in a transaction: the owners' list declared before it, and read through its client right before the
        # write, by a key (guarded) or by the write's own filter; nothing else fits
        ("apps/web/src/app/actions.ts", "    const realtimeOwners9: string[] = [];\n", True),
        ("apps/web/src/app/actions.ts", "    const realtimeOwners9: string[] = [wipe()];\n", False),
        ("apps/web/src/app/actions.ts", "      realtimeOwners9.push(...(await ownersOfChat(chat.id, tx)));\n", True),
        (
            "apps/web/src/app/actions.ts",
            "      if (chat.id != null) realtimeOwners9.push(...(await ownersOfChat(chat.id, tx)));\n",
            True,
        ),
        (
            "apps/web/src/app/actions.ts",
            "  realtimeOwners9.push(...(await ownersOfNoteMatching(and(eq(note.read, flag), gt(note.n, 1)), tx)));",
            True,
        ),
        ("apps/web/src/app/actions.ts", " realtimeOwners9.push(...(await ownersOfNoteMatching({ read }, trx)));", True),
        ("apps/web/src/app/actions.ts", "  realtimeOwners9.push(...(await ownersOfNoteMatching(wipe(), tx)));", False),
        ("apps/web/src/app/actions.ts", "      realtimeOwners9.push(...(await ownersOfChat(id, tx, wipe)));\n", False),
        ("apps/web/src/app/actions.ts", "      realtimeOwners9.push(...(await ownersOfChat(id, tx))); wipe()\n", False),
        ("apps/web/src/app/actions.ts", "      realtimeOwners9.push(...(await ownersOfChat(id, wipe())));\n", False),
        ("apps/web/src/app/actions.ts", "      realtimeOwners9.push(...(await dropTables(id, tx)));\n", False),
        ("turbo.json", ',\n    "globalEnv": ["NEXT_PUBLIC_WS_URL"], evil', False),  # a bare word in JSON
        (PAGE, '  import { useRealtime } from "@/lib/realtime/use-realtime";\n', True),
        (PAGE, "    useRealtime(await drop)\n", False),  # two words in one of afc's hook lines
        # an event a sync adds to a list afc wrote (`lists.py`): one event name, quoted, and its comma
        (PAGE, ', "todo-deleted"', True),
        (PAGE, "'note-created', ", True),
        (PAGE, ", todoDeleted", False),
        (PAGE, ', "todo-deleted", wipe()', False),
        (PAGE, ', "the user\'s own words"', False),  # a string that is no event's name: the user's
        (PAGE, ", `todo-${kind}`", False),
        (PAGE, ', "Todo-Deleted"', False),
        (PAGE, ', "todo-deleted", "note-created"', True),
        ("README.md", ', "todo-deleted"', False),
        ("compose.dev.yml", "    wss:\n", False),
        ("compose.txt", "    ws:\n", True),  # any other file: words only, and `ws` is afc's
        ("compose.txt", "    ws: db\n", False),
        # JSON: its strings are words too
        ("turbo.json", ',\n    "globalEnv": ["NEXT_PUBLIC_WS_URL"]', True),
        ("turbo.json", ",", True),
        ("package.json", ',\n    "apps/ws"', True),
        ("package.json", ',\n    "workspaces": ["apps/*", "packages/*"]', False),
        ("turbo.json", ',\n    "globalEnv": ["DATABASE_URL"]', False),
        ("package.json", '"name": ', False),
        # a tsconfig with no `exclude` gets one that keeps its default and leaves the service out
        ("tsconfig.json", ',\n  "exclude": ["node_modules", "ws"]', True),
        ("tsconfig.json", ',\n  "exclude": ["node_modules", "src"]', False),
        ("package.json", ",,", False),
        ("turbo.json", "", False),
        ("README.md", ",", False),
        # other files: recipe words only, and a realtime name among them
        ("pnpm-workspace.yaml", "  - apps/ws\n", True),
        ("pnpm-workspace.yaml", "  - packages/evil\n", False),
        ("pnpm-workspace.yaml", "  - apps\n", False),
    ],
)
def test_could_have_inserted(project, path, text, expected):
    assert could_have_inserted(path, text, project) is expected


def test_a_json_string_counts_as_a_word_only_in_json(project):
    text = '"globalEnv": ["ws", "DATABASE_URL"]'
    assert could_have_inserted("turbo.json", text, project) is False
    assert could_have_inserted("pnpm-workspace.yaml", text, project) is True  # strings blanked, "globalEnv" left


def test_check_record_passes_what_the_recipe_records(added, project):
    check_record(_record(added), project)


def test_check_record_lists_everything_a_crafted_record_asks_for(project):
    text = Insertion(0, "ref", "x")
    record = FeatureRecord(
        name="websocket",
        afc_version="0",
        files={
            "package.json": "0" * 64,
            "apps/ws/.git/config": "0" * 64,
            "apps/wsx/index.ts": "0" * 64,
            "apps/ws": "0" * 64,
            "apps/ws/src/index.ts": "0" * 64,
            ".afc/tmp/x": "0" * 64,
        },
        created_dirs=["apps", "apps/web", "apps/ws", "apps/ws/src", ".afc", "apps/w", "src", "apps/ws/.git"],
        insertions={
            ".git/HEAD": [text],
            manifest_mod.PATH: [Insertion(0, "WS_PORT=\n", "env")],
            PAGE: [
                Insertion(0, "export default ", "page default"),
                Insertion(5, IMPORT, "fine"),
            ],
            "turbo.json": [Insertion(0, ",", "comma")],
        },
    )
    with pytest.raises(BadInput) as raised:
        check_record(record, project)
    assert raised.value.path == manifest_mod.PATH
    assert raised.value.message == (
        "the afc manifest asks for what afc never does; fix or delete .afc/manifest.toml (removing nothing):\n"
        "  - package.json: afc never creates a file there\n"
        "  - apps/ws/.git/config: afc never creates a file there\n"
        "  - apps/wsx/index.ts: afc never creates a file there\n"
        "  - apps/ws: afc never creates a file there\n"
        "  - apps/w: afc never creates that folder\n"
        "  - src: afc never creates that folder\n"
        "  - apps/ws/.git: afc never creates that folder\n"
        "  - .git/HEAD: afc never edits that file\n"
        "  - .git/HEAD: x: not text afc inserts\n"
        "  - .afc/manifest.toml: afc never edits that file\n"
        "  - apps/web/src/app/page.tsx: page default: not text afc inserts\n"
        "  - turbo.json: a comma with no member afc inserts after it"
    )


@pytest.mark.parametrize(
    "path, text", [(manifest_mod.PATH, "WS_PORT=\n"), (".git/x.json", ',\n    "apps/ws"'), ("a/.git/b.ts", IMPORT)]
)
def test_check_record_refuses_an_edit_of_afcs_manifest_or_git_even_with_afcs_own_text(project, path, text):
    assert could_have_inserted(path, text, project) is True
    record = FeatureRecord("websocket", "0", insertions={path: [Insertion(0, text, "x")]})
    with pytest.raises(BadInput) as raised:
        check_record(record, project)
    assert raised.value.message.endswith(f":\n  - {path}: afc never edits that file")


def test_remove_checks_every_record_before_it_changes_anything(added):
    files = dict(added)
    crafted = files[manifest_mod.PATH].decode() + (
        f'\n[features.other]\nafc_version = "0"\n\n[[features.other.files]]\npath = "package.json"\n'
        f'sha256 = "{sha256(files["package.json"])}"\n'
    )
    files[manifest_mod.PATH] = crafted.encode()
    plan, project, existing = _remove_plan(files)
    with pytest.raises(BadInput, match="package.json: afc never creates a file there"):
        remove_records(plan, project, existing, ["websocket", "other"], force=False)
    assert plan.tree.changes() == [] and set(existing.features) == {"websocket", "other"}


# -- undoing a record ------------------------------------------------------------------------------


def test_remove_undoes_the_record_and_deletes_the_manifest_last_of_all(added):
    plan, project, existing = _remove_plan(added)
    record = existing.features["websocket"]
    remove_records(plan, project, existing, ["websocket"], force=False)
    inserted = sum(len(items) for items in record.insertions.values())
    deleted = [c for c in plan.tree.changes() if c.kind is Kind.DELETE]
    assert len(deleted) == len(record.files) + 1  # the manifest too: the summary counts what the plan lists
    assert plan.summary == (
        f"Deletes {len(deleted)} files afc generated and takes out {inserted} insertions it made in "
        f"{len(record.insertions)} files of yours."
    )
    assert plan.prune_dirs == record.created_dirs
    assert plan.notes == []
    assert existing.features == {}
    assert applied(added, plan.tree) == {k: v.encode() for k, v in PROJECT.items()}


def test_remove_of_one_feature_rewrites_the_manifest_with_the_others(added):
    files = dict(added)
    other = '\n[features.other]\nafc_version = "0"\nevents = ["todo-created"]\n'
    files[manifest_mod.PATH] = files[manifest_mod.PATH] + other.encode()
    plan, project, existing = _remove_plan(files)
    remove_records(plan, project, existing, ["websocket"], force=False)
    left = manifest_mod.load(plan.tree.read_text(manifest_mod.PATH))
    assert list(left.features) == ["other"] and left.features["other"].events == ["todo-created"]
    record = manifest_mod.load(files[manifest_mod.PATH].decode()).features["websocket"]
    inserted = sum(len(items) for items in record.insertions.values())
    assert plan.summary == (
        f"Deletes {len(record.files)} files afc generated and takes out {inserted} insertions it made in "
        f"{len(record.insertions)} files of yours."
    )
    assert plan.tree.read_bytes(ROUTE) == PROJECT[ROUTE].encode()


def test_remove_of_a_record_with_nothing_in_it_says_zero(added):
    files = dict(added)
    files[manifest_mod.PATH] = files[manifest_mod.PATH] + b'\n[features.other]\nafc_version = "0"\n'
    plan, project, existing = _remove_plan(files)
    remove_records(plan, project, existing, ["other"], force=False)
    assert plan.summary == "Deletes 0 files afc generated and takes out 0 insertions it made in 0 files of yours."
    assert plan.prune_dirs == [] and list(existing.features) == ["websocket"]
    assert [c.path for c in plan.tree.changes()] == [manifest_mod.PATH]


def test_remove_of_two_records_adds_up_their_files_folders_and_drift(added):
    files: dict[str, bytes | str] = dict(added)
    extra = b"export {};\n"
    files["apps/ws/extra/x.ts"] = extra
    other = (
        '\n[features.other]\nafc_version = "0"\ncreated_dirs = ["apps/ws/extra"]\n\n[[features.other.files]]\n'
        f'path = "apps/ws/extra/x.ts"\nsha256 = "{sha256(extra)}"\n'
    )
    files[manifest_mod.PATH] = added[manifest_mod.PATH] + other.encode()
    plan, project, existing = _remove_plan(files)
    record = existing.features["websocket"]
    remove_records(plan, project, existing, ["websocket", "other"], force=False)
    inserted = sum(len(items) for items in record.insertions.values())
    assert plan.summary == (
        f"Deletes {len(record.files) + 2} files afc generated and takes out {inserted} insertions it made in "
        f"{len(record.insertions)} files of yours."
    )
    assert plan.prune_dirs == [*record.created_dirs, "apps/ws/extra"]
    files["apps/ws/README.md"] = added["apps/ws/README.md"] + b"mine\n"  # drift in the first record only
    plan, project, existing = _remove_plan(files)
    with pytest.raises(Conflict) as raised:
        remove_records(plan, project, existing, ["websocket", "other"], force=False)
    assert raised.value.details == ["apps/ws/README.md: changed since afc wrote it"]


def test_a_gone_file_and_a_missing_line_are_both_listed(added):
    files: dict[str, bytes | str] = dict(added)
    del files[ROUTE]
    files[PAGE] = added[PAGE].decode().replace('    useRealtimeList("todo", "/api/todos", setTodos);\n', "")
    plan, project, existing = _remove_plan(files)
    with pytest.raises(Conflict) as raised:
        remove_records(plan, project, existing, ["websocket"], force=False)
    assert raised.value.details == [
        f"{ROUTE}: the file afc edited is gone (moved or deleted?); what afc inserted in it was not removed",
        f"{PAGE}: subscribe to todo events: the text afc inserted is no longer there as written",
    ]


def test_a_users_copy_of_afcs_line_is_drift_that_says_so(added):
    files: dict[str, bytes | str] = dict(added)
    route = added[ROUTE].decode()
    post = route[route.index("export async function POST") :]
    files[ROUTE] = route.replace(post, post.replace("POST", "PUT") + "\n" + post)
    plan, project, existing = _remove_plan(files)
    with pytest.raises(Conflict) as raised:
        remove_records(plan, project, existing, ["websocket"], force=False)
    message = "broadcast todo-created: the text afc inserted stands in more than one place as afc left it"
    assert raised.value.details == [f"{ROUTE}: {message}"]


def test_an_env_file_broken_since_add_is_named_when_remove_reads_it(added):
    files: dict[str, bytes | str] = dict(added)
    files[".env"] = added[".env"].decode().replace("WS_PORT=", "WS_PORT=9") + "not an env line\n"
    plan, project, existing = _remove_plan(files)
    with pytest.raises(BadInput) as raised:
        remove_records(plan, project, existing, ["websocket"], force=False)
    assert raised.value.path == ".env"


def _drifted_files(added: dict[str, bytes]) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = dict(added)
    files["apps/ws/README.md"] = added["apps/ws/README.md"] + b"my notes\n"  # a generated file, changed
    del files["apps/ws/Dockerfile"]  # a generated file, gone
    del files["compose.dev.yml"]  # an edited file, gone
    page = added[PAGE].decode()
    files[PAGE] = page.replace('    useRealtimeList("todo", "/api/todos", setTodos);\n', "")  # an insertion, gone
    return files


def test_drift_stops_remove_with_the_list_and_nothing_changed(added):
    plan, project, existing = _remove_plan(_drifted_files(added))
    with pytest.raises(Conflict) as raised:
        remove_records(plan, project, existing, ["websocket"], force=False)
    assert raised.value.message == (
        "afc will not remove what you changed after `afc add`; review it, or run again with --force"
    )
    assert raised.value.details == [
        "apps/ws/README.md: changed since afc wrote it",
        "apps/web/src/app/page.tsx: subscribe to todo events: the text afc inserted is no longer there as written",
        "compose.dev.yml: the file afc edited is gone (moved or deleted?); what afc inserted in it was not removed",
    ]
    assert plan.notes == [Note(Level.INFO, "already gone", "apps/ws/Dockerfile")]
    assert plan.tree.read_bytes(manifest_mod.PATH) is not None


def test_force_removes_what_it_can_and_lists_the_rest(added):
    files = _drifted_files(added)
    plan, project, existing = _remove_plan(files)
    remove_records(plan, project, existing, ["websocket"], force=True)
    assert plan.notes == [
        Note(Level.INFO, "already gone", "apps/ws/Dockerfile"),
        Note(Level.WARN, "changed since afc wrote it; removed because of --force", "apps/ws/README.md"),
        Note(
            Level.WARN,
            "subscribe to todo events: the text afc inserted is no longer there as written; left as it is",
            PAGE,
        ),
        Note(
            Level.WARN,
            "the file afc edited is gone (moved or deleted?); what afc inserted in it was not removed; "
            "nothing to remove there",
            "compose.dev.yml",
        ),
    ]
    after = applied(files, plan.tree)
    assert "apps/ws/README.md" not in after and manifest_mod.PATH not in after
    # the page's other insertion (its import) is cut; the rest of the page is the user's
    assert after[PAGE] == PROJECT[PAGE].replace('    useRealtimeList("todo", "/api/todos", setTodos);\n', "").encode()
    assert after[ROUTE] == PROJECT[ROUTE].encode()
    assert after["turbo.json"] == PROJECT["turbo.json"].encode()  # a file after the gone one is still undone


def test_artefact_notes_name_the_install_and_build_leftovers_of_each_pruned_folder():
    tree = Tree.in_memory(
        {
            "apps/ws/node_modules/ws/index.js": "",
            "apps/ws/.turbo/log": "",
            "apps/ws/src/index.ts": "",
            "apps/ws/package-lock.json": "{}",  # `npm install` in the service of a single app
            "apps/web/src/lib/realtime/node_modules/x": "",
            "node_modules/next/index.js": "",
        }
    )
    plan = Plan("remove websocket", tree, prune_dirs=["apps/ws", "apps/ws/src"])
    toolkit.artefact_notes(plan)
    message = "installed dependencies or build output; deleted with the folder"
    assert plan.notes == [
        Note(Level.INFO, message, "apps/ws/.turbo/"),
        Note(Level.INFO, message, "apps/ws/node_modules/"),
        Note(Level.INFO, message, "apps/ws/package-lock.json"),
    ]


# -- undo any time: is an uncommitted change exactly afc's own? -------------------------------------


@pytest.mark.parametrize(
    "path, change, committed, expected",
    [
        (manifest_mod.PATH, None, None, True),
        ("apps/ws/src/index.ts", None, None, True),  # a file afc created, as afc wrote it
        ("apps/ws/src/index.ts", b"// mine\n", None, False),
        (ROUTE, None, "committed", True),  # the committed file plus afc's insertions
        (".env", None, "committed", True),  # env insertions are matched by key, values aside
        (".env", b"WS_PORT=1\n", "committed", False),
        (ROUTE, b"// mine\n", "committed", False),
        (ROUTE, None, None, False),  # not committed: not afc's to claim
        (ROUTE, None, b"// another commit\n", False),
        ("package.json", None, "committed", False),  # afc inserted nothing there
        ("missing.ts", None, b"x", False),
        (ROUTE, "deleted", "committed", False),  # a wired file deleted since: not afc's change
    ],
)
def test_only_afc_changes(added, path, change, committed, expected):
    files = dict(added)
    if change == "deleted":
        del files[path]
    elif change is not None:
        files[path] = files[path] + change
    tree = Tree.in_memory(files)
    base = PROJECT[path].encode() if committed == "committed" else committed
    assert only_afc_changes(tree, path, base) is expected


@pytest.mark.parametrize(
    "committed_manifest, expected",
    [
        (None, True),  # nothing committed: every recorded insertion is afc's uncommitted change
        (b"", True),  # an empty manifest names no feature
        (b"version = [", True),  # unreadable: counts as naming none
        (b"\xff", True),  # not UTF-8: likewise
        (b'version = 1\n[features."websocket"]\nafc_version = "0"\n', False),  # committed: not afc's change
    ],
)
def test_only_afc_changes_undoes_only_what_the_commit_does_not_hold(added, committed_manifest, expected):
    tree = Tree.in_memory(dict(added))
    assert only_afc_changes(tree, ROUTE, PROJECT[ROUTE].encode(), committed_manifest) is expected


def test_only_afc_changes_without_a_manifest_claims_nothing():
    tree = Tree.in_memory({ROUTE: PROJECT[ROUTE]})
    assert only_afc_changes(tree, ROUTE, PROJECT[ROUTE].encode()) is False


# -- shared helpers --------------------------------------------------------------------------------


def test_imports_go_through_the_alias_when_the_target_is_in_src(project):
    assert toolkit.import_path(project, ROUTE, "broadcast") == "@/lib/realtime/broadcast"
    assert toolkit.module_import(project, ROUTE, "apps/web/src/db/schema") == "@/db/schema"
    assert toolkit.module_import(project, ROUTE, None) == ""


def test_imports_are_relative_without_an_alias_or_outside_src(project):
    from dataclasses import replace

    plain = replace(project, import_prefix=None)
    assert toolkit.import_path(plain, ROUTE, "broadcast") == "../../../lib/realtime/broadcast"
    assert toolkit.module_import(plain, "apps/web/src/app/page.tsx", "apps/web/src/app/feed") == "./feed"
    assert toolkit.module_import(project, ROUTE, "apps/web/lib/db") == "../../../../lib/db"
    assert toolkit.module_import(project, "apps/web/src/page.tsx", "apps/web/src2/x") == "../src2/x"


def test_new_dirs_are_the_folders_writing_the_files_creates():
    tree = Tree.in_memory({"apps/web/package.json": "{}", "apps/web/src/app/page.tsx": ""})
    files = ["apps/ws/src/index.ts", "apps/ws/package.json", "apps/web/src/lib/realtime/broadcast.ts", "top.txt"]
    assert toolkit.new_dirs(tree, files) == ["apps/web/src/lib", "apps/web/src/lib/realtime", "apps/ws", "apps/ws/src"]


def test_env_files_are_undone_by_key_and_everything_else_by_text():
    assert toolkit.undo_for(".env") is envfile.undo
    assert toolkit.undo_for("apps/web/.env.local") is envfile.undo
    assert toolkit.undo_for(".env.example") is envfile.undo
    assert toolkit.undo_for("apps/web/env.ts") is undo_insertions
    assert toolkit.undo_for("config.env") is undo_insertions
    assert toolkit.is_env_file("apps/web/.env.production.local") is True
    assert toolkit.is_env_file(".envrc") is False


def test_draft_notes_skips_drops_empty_edits_and_stages_each_file_once():
    tree = Tree.in_memory({"a.ts": "one\n", ".env": "A=1\n"})
    plan = Plan("add websocket", tree)
    draft = Draft(tree, plan)
    first = Insertion(0, 'import "x";\n', "import x")
    draft.take(
        Skip("b.ts", "no handler", line=3, subject="GET"),
        Edit("a.ts"),
        Edit("a.ts", (first,)),
        Edit("a.ts", (first,)),  # the same file reached twice (a link): its edit once
        Edit(".env", (Insertion(4, "WS_EVENTS_SECRET=s3cret\n", "env WS_EVENTS_SECRET"),)),
    )
    assert plan.notes == [Note(Level.SKIP, "GET: no handler", "b.ts", 3)]
    placed = draft.stage()
    assert tree.read_text("a.ts") == 'import "x";\none\n'
    assert tree.read_text(".env") == "A=1\nWS_EVENTS_SECRET=s3cret\n"
    assert [(i.offset, i.text, i.what) for i in placed["a.ts"]] == [(0, 'import "x";\n', "import x")]
    assert [i.text for i in placed[".env"]] == ["WS_EVENTS_SECRET=\n"]  # recorded without its value
    assert set(placed) == {"a.ts", ".env"}


def test_draft_edits_a_file_that_is_not_there_from_nothing():
    tree = Tree.in_memory({})
    draft = Draft(tree, Plan("add websocket", tree))
    loaded = draft.typescript("new.ts")
    assert loaded is not None and loaded.text == ""
    draft.take(Edit("new.ts", (Insertion(0, 'import "x";\n', "import x"),)))
    draft.stage()
    assert tree.read_text("new.ts") == 'import "x";\n'


def test_draft_stage_keeps_no_entry_for_a_file_with_only_cuts():
    from afc_realtime.edits.spans import Cut

    tree = Tree.in_memory({"a.ts": "one\ntwo\n"})
    draft = Draft(tree, Plan("remove websocket", tree))
    draft.take(Edit("a.ts", cuts=(Cut(0, 4, "line one"),)))
    assert draft.stage() == {}
    assert tree.read_text("a.ts") == "two\n"


def test_draft_typescript_notes_a_file_that_does_not_parse():
    tree = Tree.in_memory({"ok.ts": "export const a = 1;\n", "bad.ts": "export const = ;\n"})
    plan = Plan("add websocket", tree)
    draft = Draft(tree, plan)
    assert draft.typescript("ok.ts") is not None
    assert draft.typescript("bad.ts") is None
    assert [note.path for note in plan.notes] == ["bad.ts"]


def test_only_afc_changes_names_the_env_file_whose_line_it_cannot_read(added):
    files = {**added, ".env": added[".env"].replace(b"WS_PORT=", b"WS_PORT=9") + b"not a pair\n"}
    line = files[".env"].decode().splitlines().index("not a pair") + 1
    with pytest.raises(BadInput) as raised:
        only_afc_changes(Tree.in_memory(files), ".env", PROJECT[".env"].encode())
    assert (raised.value.message, raised.value.path, raised.value.line) == (
        "not a KEY=VALUE line; its text is not shown, as it may hold a secret",
        ".env",
        line,
    )


def test_only_afc_changes_names_the_file_that_is_not_utf8(added):
    files = {**added, ROUTE: added[ROUTE] + b"\xff\n"}
    line = added[ROUTE].count(b"\n") + 1
    with pytest.raises(BadInput) as raised:
        only_afc_changes(Tree.in_memory(files), ROUTE, PROJECT[ROUTE].encode())
    assert (raised.value.message, raised.value.path, raised.value.line) == ("is not UTF-8 text", ROUTE, line)


def test_an_insertion_gone_but_standing_once_after_the_other_cuts_is_no_longer_there_as_written():
    # "ab" (recorded without surroundings) is not in "a-b-"; cutting the other insertion ("-" at 1) leaves
    # one "ab": one copy, so the message says the text is no longer there as afc wrote it, not "more than one"
    plan = Plan("remove websocket", Tree.in_memory({"notes.txt": "a-b-"}))
    record = FeatureRecord(
        "websocket", "0", insertions={"notes.txt": [Insertion(1, "-", "dash"), Insertion(3, "ab", "ab")]}
    )
    assert toolkit._cut_insertions(plan, record, force=False) == [
        "notes.txt: ab: the text afc inserted is no longer there as written"
    ]
