from afc_realtime.edits.result import Edit, Skip
from afc_realtime.writes import inserter, pagesapi
from afc_realtime.writes.site import Write
from tests.support.roundtrip import round_trip
from tests.support.writes import edits, sites, wire

PATH = "pages/api/posts/index.ts"


def test_default_export_sends_the_row_with_res_json():
    text = (
        "import type { NextApiRequest, NextApiResponse } from 'next'\n\n"
        "export default async function handler(req: NextApiRequest, res: NextApiResponse) {\n"
        "  if (req.method === 'POST') {\n"
        "    const post = await prisma.post.create({ data: req.body })\n"
        "    res.status(201).json(post)\n"
        "    return\n"
        "  }\n"
        "  res.status(200).json(await prisma.post.findMany())\n"
        "}\n"
    )
    [write] = sites(pagesapi, PATH, text)
    assert isinstance(write, Write) and (write.handler, write.row, write.action) == ("API handler", "post", "created")
    [edit] = wire(pagesapi, PATH, text)
    assert isinstance(edit, Edit) and edit.line == 6
    new = round_trip(inserter, text, edit)
    assert (
        "    broadcast('post-created', { table: 'post', action: 'created', keys: { id: post.id }, row: post, "
        "complete: true }, { to: 'public' })\n    res.status(201).json(post)\n" in new
    )


def test_wrapped_and_named_default_exports():
    text = (
        "const handler = async (req, res) => {\n"
        "  const [row] = await db.delete(posts).where(eq(posts.id, req.query.id)).returning();\n"
        "  return res.json(row);\n"
        "};\n"
        "export default withSession(handler);\n"
    )
    [write] = sites(pagesapi, PATH, text)
    assert isinstance(write, Write) and (write.row, write.action, write.maybe_undefined) == ("row", "deleted", True)
    new = round_trip(inserter, text, *edits(wire(pagesapi, PATH, text)))
    assert (
        '  if (row) broadcast("post-deleted", { table: "posts", action: "deleted", keys: { id: row.id }, row, '
        'complete: true }, { to: "public" });\n  return res.json(row);' in new
    )


def test_a_handler_that_only_reads_says_so():
    text = "export default function handler(req, res) {\n  res.json({ hello: 'world' })\n}\n"
    [skip] = sites(pagesapi, "pages/api/hello.ts", text)
    assert isinstance(skip, Skip) and skip.message == "API handler: does not write to the database in its own body"
