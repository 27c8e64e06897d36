import { NextResponse } from "next/server";

import { env } from "@/env";

export const dynamic = "force-dynamic";

const MAX_BYTES = 5 * 1024 * 1024;

// Accepts one file from a multipart form. Storing it in MinIO (MINIO_* in the root .env) is left
// to the app; this route only validates the upload and reports where it would go.
export async function POST(req: Request) {
    const form = await req.formData().catch(() => null);
    const file = form?.get("file");
    if (!(file instanceof File)) {
        return NextResponse.json({ error: "Expected a multipart field named \"file\"" }, { status: 400 });
    }
    if (file.size > MAX_BYTES) {
        return NextResponse.json({ error: "File too large" }, { status: 413 });
    }

    const key = `${Date.now()}-${file.name.replace(/[^\w.-]+/g, "_")}`;
    return NextResponse.json(
        { bucket: env.MINIO_BUCKET, key, size: file.size, type: file.type },
        { status: 201 },
    );
}
