/**
 * A SIGKILL while files are being uploaded and committed: afterwards no message points at a
 * missing file or chunk, and once the upload time-to-live has passed the restarted server's
 * sweep has removed every leftover chunk and given the quota back.
 */
import assert from "node:assert/strict";
import { keys } from "../lib/core/keys.ts";
import { CHUNK_BYTES, type StoredFile } from "../lib/files/model.ts";
import type { Message } from "../lib/chat/model.ts";
import { Client, sleep } from "./_helpers.ts";
import { freePort, ServerProcess } from "./_process.ts";
import { putChunk } from "./_files.ts";

const FILES = 12;

Deno.test("files - SIGKILL during uploads leaves no message without its file, and the sweep removes leftovers", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/tocsin.kv`;
  const env = { TOCSIN_UPLOAD_TTL_MS: "5000", TOCSIN_FILE_SWEEP_MS: "300" };
  const port = freePort();
  await using server = new ServerProcess(kvPath, port, env);
  await server.start();
  const admin = new Client(server.url);
  const setup = await admin.post("/api/v1/setup", {
    email: "a@example.com",
    name: "A",
    password: "admin-password",
  });
  assert.equal(setup.status, 201);
  const conv = (await admin.post("/api/v1/conversations", { kind: "group", title: "crash" }))
    .json.conversation.id as string;

  // Uploads of three chunks each, some committing: the kill lands somewhere in the middle.
  const work = Array.from({ length: FILES }, async (_, i) => {
    const size = CHUNK_BYTES * 2 + 100 + i;
    const start = await admin.post(`/api/v1/conversations/${conv}/uploads`, {
      name: `f${i}.bin`,
      type: "application/octet-stream",
      size,
    });
    if (start.status !== 201) return;
    const id = start.json.upload.id;
    for (let n = 0; n < 3; n++) {
      const len = n < 2 ? CHUNK_BYTES : 100 + i;
      (await putChunk(admin, id, n, new Uint8Array(len).fill(i))).body?.cancel();
    }
    // Every third upload waits a little, so that some are still writing chunks at the kill.
    if (i % 3 === 2) await sleep(1000);
    const r = await admin.post(`/api/v1/uploads/${id}/commit`, { clientId: `c${i}` });
    if (r.status === 201) committed++;
    else statuses.push(r.status);
  });
  let committed = 0;
  const statuses: number[] = [];
  const all = Promise.allSettled(work);
  for (let waited = 0; committed < 3 && waited < 10_000; waited += 20) await sleep(20);
  await server.kill();
  await all;

  // Restart and let the sweep pass the upload time-to-live.
  await using again = new ServerProcess(kvPath, port, env);
  await again.start();
  await sleep(6500);
  await again.stop();

  const kv = await Deno.openKv(kvPath);
  try {
    const files = new Map<string, StoredFile>();
    for await (const e of kv.list<StoredFile>({ prefix: ["files"] })) {
      files.set(e.value.id, e.value);
    }
    let withFiles = 0;
    for await (const e of kv.list<Message>({ prefix: keys.messages(conv) })) {
      for (const f of e.value.files ?? []) {
        withFiles++;
        const file = files.get(f.id);
        assert.ok(file, `message ${e.value.seq} points at missing file ${f.id}`);
        for (let n = 0; n < file.chunks; n++) {
          assert.ok((await kv.get(keys.fileChunk(f.id, n))).value, `chunk ${n} of ${f.id}`);
        }
      }
    }
    assert.equal(withFiles, files.size, "every file belongs to a message");
    assert.deepEqual(
      await Array.fromAsync(kv.list({ prefix: keys.uploads() })),
      [],
      "uploads left",
    );
    for await (const e of kv.list({ prefix: ["file_chunks"] })) {
      assert.ok(
        files.has(String(e.key[1])),
        `orphan chunk ${String(e.key[1])}/${String(e.key[2])}`,
      );
    }
    const used = [...files.values()].reduce((a, f) => a + f.size, 0);
    const userId = setup.json.user.id;
    assert.equal((await kv.get<number>(keys.fileUsage(userId))).value ?? 0, used, "quota matches");
    console.log(
      `after the kill: ${files.size} of ${FILES} files committed, leftovers swept (${statuses})`,
    );
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
