/**
 * Files: chunked uploads committed atomically with their message, the per-file limit and the
 * per-user quota, serving to members only with safe headers, cleanup of abandoned uploads, and
 * deletion with retention (and with recall, through deleteAttachmentsOf).
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { CHUNK_BYTES } from "../lib/files/model.ts";
import { sweepGarbage, sweepUploads } from "../lib/files/sweep.ts";
import { deleteAttachmentsOf } from "../lib/files/files.ts";
import { sweepRetention } from "../lib/chat/retention.ts";
import type { Message } from "../lib/chat/model.ts";
import { adminClient, startServer, userClient } from "./_helpers.ts";
import { putChunk, upload } from "./_files.ts";

function bytesOf(n: number, seed = 7): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

async function setupGroup(srv: Awaited<ReturnType<typeof startServer>>) {
  const alice = await adminClient(srv);
  const bob = await userClient(srv, "Bob");
  const eve = await userClient(srv, "Eve");
  const conv = (await alice.client.post("/api/v1/conversations", {
    kind: "group",
    title: "ops",
    memberIds: [bob.user.id],
  })).json.conversation.id as string;
  return { alice, bob, eve, conv };
}

Deno.test("files - a chunked upload becomes one message with the file; members download it byte for byte", async () => {
  await using srv = await startServer({ config: { fileSweepMs: 0 } });
  const { alice, bob, eve, conv } = await setupGroup(srv);
  const data = bytesOf(CHUNK_BYTES * 2 + 123);
  const { id, commit } = await upload(alice.client, conv, data);
  assert.equal(commit!.status, 201, JSON.stringify(commit!.json));
  const msg = commit!.json.message;
  assert.deepEqual(msg.files, [{ id, name: "shot.png", type: "image/png", size: data.byteLength }]);
  assert.equal(msg.text, "see attached");

  const res = await fetch(`${srv.url}/api/v1/files/${id}`, {
    headers: { cookie: bob.client.cookie },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/png");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.match(res.headers.get("content-disposition")!, /^inline; filename="shot.png"/);
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), data);

  // Not a member: 404, as for anything not yours.
  const other = await fetch(`${srv.url}/api/v1/files/${id}`, {
    headers: { cookie: eve.client.cookie },
  });
  assert.equal(other.status, 404);
  await other.body?.cancel();
  // A retried commit returns the same message, once.
  const again = await alice.client.post(`/api/v1/uploads/${id}/commit`, {
    clientId: `f-${id}`,
    text: "see attached",
  });
  assert.equal(again.status, 200);
  assert.equal(again.json.message.seq, msg.seq);
  // Usage counts the file.
  assert.equal((await srv.kv.get<number>(keys.fileUsage(alice.user.id))).value, data.byteLength);
});

Deno.test("files - SVG and HTML are attachments; types off the allow list are refused", async () => {
  await using srv = await startServer({ config: { fileSweepMs: 0 } });
  const { alice, conv } = await setupGroup(srv);
  for (const [name, type] of [["x.svg", "image/svg+xml"], ["x.html", "text/html"]]) {
    const { id, commit } = await upload(
      alice.client,
      conv,
      new TextEncoder().encode("<script>1</script>"),
      { name, type },
    );
    assert.equal(commit!.status, 201);
    const res = await fetch(`${srv.url}/api/v1/files/${id}`, {
      headers: { cookie: alice.client.cookie },
    });
    assert.equal(res.headers.get("content-type"), type);
    assert.match(res.headers.get("content-disposition")!, /^attachment; /);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    await res.body?.cancel();
  }
  const bad = await upload(alice.client, conv, bytesOf(10), {
    name: "x.exe",
    type: "application/x-msdownload",
  });
  assert.equal(bad.start.status, 415);
  assert.equal(bad.start.json.error.code, "unsupported_type");
});

Deno.test("files - the per-file limit and the per-user quota refuse uploads; chunks must have the right size", async () => {
  await using srv = await startServer({
    config: { fileSweepMs: 0, maxFileBytes: 100_000, fileQuotaBytes: 160_000 },
  });
  const { alice, conv } = await setupGroup(srv);
  const big = await upload(alice.client, conv, bytesOf(100_001));
  assert.equal(big.start.status, 413);
  assert.equal(big.start.json.error.code, "payload_too_large");
  const first = await upload(alice.client, conv, bytesOf(90_000));
  assert.equal(first.commit!.status, 201);
  // 90,000 stored + 90,000 more > 160,000: refused before any chunk is written.
  const second = await upload(alice.client, conv, bytesOf(90_000));
  assert.equal(second.start.status, 413);
  assert.equal(second.start.json.error.code, "quota_exceeded");
  // A chunk of the wrong size, and a commit with a chunk missing, are refused.
  const part = await upload(alice.client, conv, bytesOf(CHUNK_BYTES + 1), {
    commit: false,
    name: "a.png",
  });
  const wrong = await putChunk(alice.client, part.id!, 1, bytesOf(5));
  assert.equal(wrong.status, 400);
  await wrong.body?.cancel();
  await srv.kv.delete(keys.fileChunk(part.id!, 0));
  const commit = await alice.client.post(`/api/v1/uploads/${part.id}/commit`, { clientId: "x1" });
  assert.equal(commit.status, 400);
  assert.match(commit.json.error.message, /missing chunks 0/);
});

Deno.test("files - an abandoned upload is swept: chunks deleted, quota given back, a late commit fails", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({ clock, config: { fileSweepMs: 0, uploadTtlMs: 60_000 } });
  const { alice, conv } = await setupGroup(srv);
  const { id } = await upload(alice.client, conv, bytesOf(CHUNK_BYTES * 3), { commit: false });
  assert.equal((await srv.kv.get<number>(keys.fileUsage(alice.user.id))).value, CHUNK_BYTES * 3);
  assert.equal(await sweepUploads(srv.core), 0, "not expired yet");
  clock.advance(60_001);
  assert.equal(await sweepUploads(srv.core), 1);
  assert.equal((await Array.fromAsync(srv.kv.list({ prefix: keys.fileChunks(id!) }))).length, 0);
  assert.equal((await srv.kv.get(keys.upload(id!))).value, null);
  assert.equal((await srv.kv.get<number>(keys.fileUsage(alice.user.id))).value, 0);
  const late = await alice.client.post(`/api/v1/uploads/${id}/commit`, { clientId: "late" });
  assert.equal(late.status, 404);
  const msgs = (await alice.client.get(`/api/v1/conversations/${conv}/messages`)).json.items;
  assert.ok(msgs.every((m: Message) => !m.files));
});

Deno.test("files - a commit that read the upload before the sweep marked it fails (no message, no file)", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({ clock, config: { fileSweepMs: 0, uploadTtlMs: 60_000 } });
  const { alice, conv } = await setupGroup(srv);
  const { id } = await upload(alice.client, conv, bytesOf(1000), { commit: false });
  // The sweep marks the upload dying (as it does first), then the owner's commit arrives.
  const entry = await srv.kv.get<{ dying?: boolean }>(keys.upload(id!));
  await srv.kv.set(keys.upload(id!), { ...entry.value, dying: true });
  const r = await alice.client.post(`/api/v1/uploads/${id}/commit`, { clientId: "race" });
  assert.equal(r.status, 404);
  assert.equal((await srv.kv.get(keys.file(id!))).value, null);
});

Deno.test("files - retention and recall (deleteAttachmentsOf) delete the file; the sweep frees its chunks and quota", async () => {
  const clock = new ManualClock();
  await using srv = await startServer({
    clock,
    config: { fileSweepMs: 0, messageRetentionDays: 1, retentionSweepMs: 0 },
  });
  const { alice, bob, conv } = await setupGroup(srv);
  const a = await upload(alice.client, conv, bytesOf(CHUNK_BYTES + 5));
  clock.advance(2 * 86_400_000);
  const b = await upload(bob.client, conv, bytesOf(777), { name: "log.txt", type: "text/plain" });
  await sweepRetention(srv.core);
  assert.equal((await srv.kv.get(keys.file(a.id!))).value, null, "retention deleted the old file");
  const gone = await fetch(`${srv.url}/api/v1/files/${a.id}`, {
    headers: { cookie: bob.client.cookie },
  });
  assert.equal(gone.status, 404);
  await gone.body?.cancel();
  assert.ok((await srv.kv.get(keys.file(b.id!))).value, "the newer file stays");

  // Recall: the recalling commit stages deleteAttachmentsOf(op, message).
  const msg = (await srv.kv.get<Message>(keys.message(conv, b.commit!.json.message.seq))).value!;
  const op = srv.kv.atomic().delete(keys.message(conv, msg.seq));
  deleteAttachmentsOf(op, msg);
  assert.ok((await op.commit()).ok);
  assert.equal(await sweepGarbage(srv.core), 2);
  for (const id of [a.id!, b.id!]) {
    assert.equal((await Array.fromAsync(srv.kv.list({ prefix: keys.fileChunks(id) }))).length, 0);
  }
  assert.equal((await srv.kv.get<number>(keys.fileUsage(alice.user.id))).value, 0);
  assert.equal((await srv.kv.get<number>(keys.fileUsage(bob.user.id))).value, 0);
});
