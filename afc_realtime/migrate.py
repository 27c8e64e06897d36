"""How the project creates its tables, read from the project: its own `db:*` script, else drizzle-kit (from a
drizzle config), else Prisma (from a schema.prisma), else its SQL files; and a PostgreSQL database without
Docker (`createdb`). Without this step the list pages answer 500 on a fresh database."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from .edits import jsonfile
from .errors import AfcError
from .project import SKIP_DIRS, Project, join
from .tree import Tree

# A script that creates or migrates the tables, by name, in order of preference: a push or migrate that
# applies what exists (not one that generates a new migration).
SCRIPT = re.compile(
    r"^(?:db|database|drizzle|prisma)[:._-]?(push|migrate|deploy|setup|sync)(?:[:._-](deploy|dev))?$|^(migrate|push)$"
)
PREFERRED = ("push", "deploy", "migrate", "setup", "sync", "dev")
DRIZZLE_CONFIG = re.compile(r"^drizzle\.config\.(ts|mts|js|mjs|cjs|json)$")
SQL_DIRS = ("migrations", "drizzle", "sql", "db", "db/migrations", "supabase/migrations", "src/db", "src/migrations")
EXEC = {"bun": "bunx", "pnpm": "pnpm exec", "yarn": "yarn", "npm": "npx"}
RUN = {"bun": "bun run", "pnpm": "pnpm", "yarn": "yarn", "npm": "npm run"}
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "")


@dataclass(frozen=True)
class Step:
    command: str
    why: str


def folders(project: Project) -> list[str]:
    """Where a database package may be: the root, the web app, then every workspace package."""
    parents = [str(PurePosixPath(p).parent) for p in project.packages]  # `packages/**` lists packages/db/src
    return list(dict.fromkeys([".", project.web, *project.packages, *(p for p in parents if p != ".")]))


def tables_step(project: Project, tree: Tree, url: str = "", env_file: str = ".env") -> Step | None:
    """The command that creates the tables, the project's own way; None when afc finds none. `url` is
    DATABASE_URL as `env_file` sets it (the SQL files are run against it)."""
    pm = project.package_manager if project.package_manager in RUN else "npm"
    for folder in folders(project):
        script = _db_script(tree, folder)
        if script:
            return Step(_in(folder, f"{RUN[pm]} {script}"), f"creates the tables with the project's `{script}` script")
    for folder in folders(project):
        if any(DRIZZLE_CONFIG.match(e.name) for e in tree.children(folder) if e.is_file):
            verb = "migrate" if _drizzle_journal(tree, folder) else "push"
            what = "applies the migrations in" if verb == "migrate" else "creates the tables of"
            return Step(_in(folder, f"{EXEC[pm]} drizzle-kit {verb}"), f"{what} the Drizzle schema (drizzle-kit)")
        prisma = _prisma_folder(tree, folder)
        if prisma is not None:
            migrated = tree.is_dir(join(prisma, "migrations"))
            verb = "migrate deploy" if migrated else "db push"
            why = "applies the Prisma migrations" if migrated else "creates the tables of the Prisma schema"
            return Step(_in(folder, f"{EXEC[pm]} prisma {verb}"), why)
    files = sql_files(project, tree)
    if files:
        # a URL without a password is written out; one with a password is not printed (the shell's variable)
        plain = url if url and not urlsplit(url).password and re.fullmatch(r"[\w:/@.?=&%+-]+", url) else ""
        target = plain or '"$DATABASE_URL"'
        command = " && ".join(f"psql {target} -f {shlex.quote(f)}" for f in files)
        why = "creates the tables from the project's SQL files" + (
            "" if plain else f", with DATABASE_URL exported as {env_file} sets it"
        )
        return Step(command, why)
    return None


def _prisma_folder(tree: Tree, folder: str) -> str | None:
    """Where a Prisma schema is (`prisma/schema.prisma`, a `prisma/schema/` folder, or `schema.prisma` in a
    package of its own); None when there is none."""
    if tree.exists(join(folder, "prisma/schema.prisma")) or tree.is_dir(join(folder, "prisma/schema")):
        return join(folder, "prisma")
    return folder if tree.exists(join(folder, "schema.prisma")) else None


def _in(folder: str, command: str) -> str:
    return command if folder == "." else f"cd {folder} && {command}"


def _db_script(tree: Tree, folder: str) -> str | None:
    path = join(folder, "package.json")
    try:
        text = tree.read_text(path)
        found = jsonfile.to_python(jsonfile.parse(text, path)) if text else None
    except AfcError:
        return None
    scripts = found.get("scripts") if isinstance(found, dict) else None
    if not isinstance(scripts, dict):
        return None
    names = [name for name in scripts if isinstance(name, str) and SCRIPT.match(name)]

    def rank(name: str) -> int:
        """`db:push` first, then what applies migrations (`prisma:migrate-deploy`), and last what makes new
        ones (`migrate-dev` asks for a name)."""
        match = SCRIPT.match(name)
        verb = (match.group(2) or match.group(1) or match.group(3)) if match else ""
        return PREFERRED.index(verb) if verb in PREFERRED else len(PREFERRED)

    return min(names, key=rank) if names else None


def _drizzle_journal(tree: Tree, folder: str) -> bool:
    """Whether drizzle-kit generated migrations here (`<out>/meta/_journal.json`): then `migrate` applies them."""
    return any(
        tree.exists(join(folder, out, "meta/_journal.json")) for out in ("drizzle", "migrations", "src/db/migrations")
    )


def sql_files(project: Project, tree: Tree) -> list[str]:
    """The `.sql` files of the first folder that has any, in name order (`0000_init.sql` before `0001_...`)."""
    for folder in folders(project):
        for sub in SQL_DIRS:
            where = join(folder, sub)
            if not tree.is_dir(where) or any(part in SKIP_DIRS for part in PurePosixPath(where).parts):
                continue
            found = sorted(join(where, e.name) for e in tree.children(where) if e.is_file and e.name.endswith(".sql"))
            if found:
                return found
    return []


def createdb_step(url: str, env_file: str) -> Step | None:
    """A local PostgreSQL instead of Docker: create the database DATABASE_URL names (a PostgreSQL URL on this
    machine only); None for another database or host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("postgres", "postgresql") or (parts.hostname or "") not in LOCAL_HOSTS:
        return None
    name = parts.path.lstrip("/").split("/")[0]
    if not re.fullmatch(r"[\w.-]+", name or ""):
        return None
    port = f":{parts.port}" if parts.port else ""
    flag = f"-p {parts.port} " if parts.port and parts.port != 5432 else ""
    yours = f"postgres://localhost{port}/{name}"
    who = f" (as `{parts.username}`; or as yourself: {yours} in {env_file})" if parts.username else ""
    return Step(f"createdb {flag}{name}", f"or without Docker, in a local PostgreSQL: creates `{name}`{who}")
