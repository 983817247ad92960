import assert from "node:assert/strict";
import type { Message } from "../lib/protocol.ts";
import { keptMentions, matchCandidates, mentionQuery, mentionsMe } from "./mentions.ts";

Deno.test("mentions - the @query before the caret, not inside an e-mail address", () => {
  assert.deepEqual(mentionQuery("hi @bo", 6), { start: 3, query: "bo" });
  assert.deepEqual(mentionQuery("@", 1), { start: 0, query: "" });
  assert.deepEqual(mentionQuery("你好@王", 4), { start: 2, query: "王" });
  assert.equal(mentionQuery("mail ops@example", 16), null);
  assert.equal(mentionQuery("@bob done", 9), null);
});

Deno.test("mentions - candidates match a name, a word of it or an e-mail prefix; deleted ones drop out", () => {
  const all = [
    { id: "1", label: "Ann Lee", detail: "ann@x.io" },
    { id: "2", label: "Bob", detail: "robert@x.io" },
    { id: "all", label: "all", detail: "everyone" },
  ];
  assert.deepEqual(matchCandidates(all, "le").map((c) => c.id), ["1"]);
  assert.deepEqual(matchCandidates(all, "ROB").map((c) => c.id), ["2"]);
  assert.deepEqual(matchCandidates(all, "").map((c) => c.id), ["1", "2", "all"]);
  assert.deepEqual(keptMentions("@Ann Lee look", all), ["1"]);
});

Deno.test("mentions - whether a message mentions me", () => {
  const m = (mentions: Message["mentions"], senderId = "s") => ({ senderId, mentions }) as Message;
  assert.equal(mentionsMe(m({ userIds: ["me"] }), "me"), true);
  assert.equal(mentionsMe(m({ userIds: ["x"] }), "me"), false);
  assert.equal(mentionsMe(m({ userIds: [], all: true }), "me"), true);
  assert.equal(mentionsMe(m({ userIds: [], oncall: ["x"] }), "me"), false);
  assert.equal(mentionsMe(m({ userIds: [], all: true }, "me"), "me"), false);
});
