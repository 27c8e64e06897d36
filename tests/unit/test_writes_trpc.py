from afc_realtime.audience import Audience, Channel, Reach
from afc_realtime.edits.result import Skip
from afc_realtime.writes import inserter, trpc
from afc_realtime.writes.site import Write
from tests.support.roundtrip import round_trip
from tests.support.writes import edits, sites, wire

PATH = "packages/api/src/router/post.ts"

ROUTER = """import { z } from "zod";

import { protectedProcedure, publicProcedure } from "../trpc";

export const postRouter = {
  all: publicProcedure.query(({ ctx }) => ctx.db.query.Post.findMany()),
  create: protectedProcedure
    .input(z.object({ title: z.string() }))
    .mutation(({ ctx, input }) => ctx.db.insert(Post).values(input)),
  rename: protectedProcedure
    .input(z.object({ id: z.string(), title: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const post = await ctx.prisma.post.update({ where: { id: input.id }, data: { title: input.title } });
      return post;
    }),
  remove: protectedProcedure.input(z.string()).mutation(({ ctx, input }) => {
    return ctx.db.post.delete({ where: { id: input } });
  }),
} satisfies TRPCRouterRecord;
"""


def test_mutations_by_name_with_what_each_write_returns():
    found = sites(trpc, PATH, ROUTER)
    assert [(r.handler, r.orm, r.table, r.row, r.reason[:36]) for r in found if isinstance(r, Write)] == [
        # returned at once (an arrow's result, a `return`): wrapped, the Prisma row read from the result
        ("mutation post.create", "drizzle", "Post", None, ""),
        ("mutation post.rename", "prisma", "post", "post", ""),
        ("mutation post.remove", "prisma", "post", "written", ""),
    ]
    assert not any(isinstance(r, Skip) for r in found)  # queries are not mutations


def test_the_broadcast_goes_right_after_the_write():
    owned = Audience(Reach.PRIVATE, "owned", (Channel("user", "authorId"),))
    new = round_trip(inserter, ROUTER, *edits(wire(trpc, PATH, ROUTER, owned, ("id", "authorId"))))
    assert (
        "data: { title: input.title } });\n"
        '      if (post.authorId != null) broadcast("post-updated", { table: "post", action: "updated", '
        "keys: { id: post.id }, row: post, complete: true }, { to: `user:${post.authorId}` });\n"
        "      return post;\n" in new
    )
