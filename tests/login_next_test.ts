import assert from "node:assert/strict";
import { safeNext } from "../client/safe_next.ts";
import type { Assets } from "../lib/assets.ts";
import { seedAdmin, startServer } from "./_helpers.ts";

/** Values of `next` as the page receives them (after the query string is decoded once). */
const HOSTILE = [
  "/\\evil.example/x",
  "/\t/evil.example/x",
  "/\n/evil.example/x",
  "/\r\n/evil.example/x",
  "//evil.example/x",
  "/\\\\evil.example",
  "\\/evil.example",
  "/.//evil.example",
  "/..//evil.example",
  "/x/..//evil.example",
  "/%2e%2e//evil.example",
  "https://evil.example/x",
  "http:evil.example",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "evil.example",
  "",
  "/" + "a".repeat(5_000),
];

Deno.test("safeNext - hostile values go to /", () => {
  for (const v of HOSTILE) assert.equal(safeNext(v), "/", JSON.stringify(v));
  assert.equal(safeNext(null), "/");
  assert.equal(safeNext(undefined), "/");
});

Deno.test("safeNext - a local path keeps its query and fragment", () => {
  assert.equal(
    safeNext("/c/01HZZZZZZZZZZZZZZZZZZZZZZZ?x=1#m"),
    "/c/01HZZZZZZZZZZZZZZZZZZZZZZZ?x=1#m",
  );
  assert.equal(safeNext("/admin/users"), "/admin/users");
  // Still encoded, a backslash is only a character of a local path.
  assert.equal(safeNext("/%5Cevil.example/x"), "/%5Cevil.example/x");
});

const FAKE_ASSETS: Assets = { buildId: "test", files: new Map() };

/** The `next` the login page hands its form, read from the page's embedded island props. */
async function pageNext(base: string, rawQuery: string): Promise<string> {
  const res = await fetch(`${base}/login?next=${rawQuery}`);
  assert.equal(res.status, 200);
  const html = await res.text();
  const json = /<script type="application\/json" id="__islands">([^<]*)<\/script>/.exec(html)?.[1];
  assert.ok(json, "the page embeds its island props");
  return JSON.parse(json).p0.next;
}

Deno.test("login page - a next that leaves the origin becomes /", async () => {
  await using srv = await startServer({ assets: FAKE_ASSETS });
  await seedAdmin(srv);
  // As they arrive in a link: percent-encoded in the query string.
  const encoded = [
    "/%5Cevil.example/x",
    "/%09/evil.example/x",
    "/%0A/evil.example/x",
    "/%0D%0A/evil.example/x",
    "//evil.example/x",
    "%2F%2Fevil.example/x",
    "/%5C%5Cevil.example",
    "/\\evil.example",
    "/.//evil.example",
    "https://evil.example/x",
    "https%3A%2F%2Fevil.example%2Fx",
    "javascript:alert(1)",
    "javascript%3Aalert(1)",
    ...HOSTILE.map(encodeURIComponent),
  ];
  for (const q of encoded) assert.equal(await pageNext(srv.url, q), "/", q);
  assert.equal(
    await pageNext(srv.url, encodeURIComponent("/c/01HZZZZZZZZZZZZZZZZZZZZZZZ?x=1#m")),
    "/c/01HZZZZZZZZZZZZZZZZZZZZZZZ?x=1#m",
  );
});
