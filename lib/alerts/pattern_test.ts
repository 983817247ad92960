import assert from "node:assert/strict";
import { fullMatch, patternError } from "./pattern.ts";
import { type Matcher, MatcherSchema, matches, type Routable } from "./routing.ts";
import { MATCH_INPUT_MAX, MATCHER_PROGRAM_MAX } from "../core/config.ts";

const alert = (title: string): Routable => ({
  labels: { service: title },
  source: "alertmanager",
  priority: "high",
  title,
  integrationId: "I1",
});
const re = (op: "=~" | "!~", value: string): Matcher => ({ field: "title", op, value });

Deno.test("pattern - nested quantifiers take linear time: (a+)+b against 10,000 a's answers", async () => {
  // A backtracking engine would not finish this within the age of the universe; the worker and
  // its generous deadline turn a hang into a failure instead of a stuck test run.
  const worker = new Worker(new URL("./pattern_test_worker.ts", import.meta.url), {
    type: "module",
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const answer = await Promise.race([
      new Promise<unknown>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => {
          e.preventDefault();
          reject(new Error(e.message));
        };
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("matching did not finish in 60 s")), 60_000);
      }),
    ]);
    assert.deepEqual(answer, {
      nestedNoB: false,
      nestedAllA: true,
      notNested: true,
      shortWithB: true,
      matcherEq: false,
      matcherNe: true,
    });
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
});

Deno.test("pattern - nested quantifiers answer right on short input too", () => {
  assert.equal(fullMatch("(a+)+b", "a".repeat(29)), false);
  assert.equal(fullMatch("(a+)+b", "a".repeat(29) + "b"), true);
  assert.equal(matches(alert("a".repeat(29)), re("=~", "(a+)+b")), false);
  assert.equal(matches(alert("a".repeat(29)), re("!~", "(a+)+b")), true);
  assert.equal(matches(alert("aaab"), re("=~", "(a+)+b")), true);
});

Deno.test("pattern - values are matched on their first MATCH_INPUT_MAX characters", () => {
  const head = "a".repeat(MATCH_INPUT_MAX);
  assert.equal(fullMatch("a*", head + "a".repeat(5_000)), true);
  assert.equal(fullMatch("a*b", head + "b"), false, "the b is past the limit");
  assert.equal(fullMatch("a*b", head.slice(1) + "b"), true, "within the limit it counts");
});

Deno.test("pattern - Alertmanager semantics: fully anchored RE2", () => {
  const t = (value: string, s: string) => matches(alert(s), re("=~", value));
  // Anchoring: the whole value must match, at both ends, also across alternatives.
  assert.equal(t("check.*", "checkout"), true);
  assert.equal(t("heck", "checkout"), false);
  assert.equal(t("check", "checkout"), false);
  assert.equal(t(".*out", "checkout"), true);
  assert.equal(t("prod|staging", "prod"), true);
  assert.equal(t("prod|staging", "staging"), true);
  assert.equal(t("prod|staging", "production"), false, "^(?:prod|staging)$, not ^prod|staging$");
  assert.equal(t("prod|staging", "pre-staging"), false);
  assert.equal(t("", ""), true);
  assert.equal(t("", "x"), false);
  // Character classes.
  assert.equal(t("api-(eu|us)-[0-9]+", "api-eu-12"), true);
  assert.equal(t("api-(eu|us)-[0-9]+", "api-ap-12"), false);
  assert.equal(t("[a-c]+\\d", "abca7"), true);
  assert.equal(t("[^x]+", "abc"), true);
  assert.equal(t("[^x]+", "axc"), false);
  assert.equal(t("\\w+\\s\\w+", "db 2"), true);
  assert.equal(t("[[:digit:]]+", "2026"), true, "POSIX classes, as RE2 has them");
  // Case: sensitive unless asked; (?i) and (?i:...) as in RE2.
  assert.equal(t("critical", "CRITICAL"), false);
  assert.equal(t("(?i)critical", "CRITICAL"), true);
  assert.equal(t("(?i:crit)ical", "CRITical"), true);
  assert.equal(t("(?i:crit)ical", "CRITICAL"), false);
  // . does not match a newline unless (?s).
  assert.equal(t("a.c", "a\nc"), false);
  assert.equal(t("(?s)a.c", "a\nc"), true);
  // !~ is the negation.
  assert.equal(matches(alert("dev"), re("!~", "staging|dev")), false);
  assert.equal(matches(alert("prod"), re("!~", "staging|dev")), true);
});

Deno.test("pattern - what RE2 refuses is refused at save time with the reason", () => {
  for (
    const bad of ["(a)\\1", "(?=a)b", "a(?!b)", "(?<=a)b", "(?<!a)b", "([", "a)|(b", "a{1001}"]
  ) {
    assert.match(patternError(bad) ?? "", /not a valid RE2 pattern/, bad);
    const r = MatcherSchema.safeParse({ field: "title", op: "=~", value: bad });
    assert.equal(r.success, false, bad);
    assert.match(r.error!.issues[0].message, /RE2/, bad);
    assert.deepEqual(r.error!.issues[0].path, ["value"]);
  }
  assert.match(patternError("(a{1,30}){1,30}") ?? "", /too complex/);
  assert.match(patternError("(a{1,30}){1,30}") ?? "", new RegExp(`at most ${MATCHER_PROGRAM_MAX}`));
  assert.equal(patternError("(a+)+b"), null, "nested quantifiers are harmless in RE2");
  assert.equal(MatcherSchema.safeParse({ field: "title", op: "=", value: "(?=a)" }).success, true);
});

Deno.test("pattern - a stored regex that is not valid today matches nothing, with either op", () => {
  for (const bad of ["(?=a)a", "(a)\\1", "(a{1,30}){1,30}"]) {
    assert.equal(matches(alert("aa"), re("=~", bad)), false, bad);
    assert.equal(matches(alert("aa"), re("!~", bad)), false, bad);
  }
});
