/**
 * Sensitive words: admins keep a list of words (matched case-insensitively anywhere) or RE2
 * patterns, each with an action: `warn` the sender (the message is sent, the answer says
 * why), `replace` the matches with `***`, or `block` the message with the error
 * `blocked_word`. Patterns run on RE2JS (linear time, size-capped like matcher regexes). The
 * same rules mask alert payloads before an alert is stored (`wordMasker`).
 */
import { auditedAtomic } from "../audit/chain.ts";
import { z } from "zod";
import { RE2JS } from "re2js";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { patternError } from "../alerts/pattern.ts";

export const WordRuleInputSchema = z.strictObject({
  pattern: z.string().trim().min(1).max(200),
  kind: z.enum(["word", "regex"]),
  action: z.enum(["warn", "replace", "block"]),
});
export type WordRuleInput = z.infer<typeof WordRuleInputSchema>;
export interface WordRule extends WordRuleInput {
  id: string;
  createdAt: number;
  createdBy: string;
}

/** What replaced text becomes. */
export const MASK = "***";

export async function listWordRules(kv: Deno.Kv): Promise<WordRule[]> {
  return (await kv.get<WordRule[]>(keys.sensitiveWords())).value ?? [];
}

/** Adds a rule (admins). A regex must compile under RE2 and stay under the size cap. */
export async function addWordRule(
  deps: Deps,
  actorId: string,
  input: WordRuleInput,
): Promise<WordRule> {
  if (input.kind === "regex") {
    const why = patternError(input.pattern);
    if (why) throw new ApiError("invalid_input", `pattern: ${why}`);
  }
  const rule: WordRule = {
    ...input,
    id: ulid(deps.clock.now()),
    createdAt: deps.clock.now(),
    createdBy: actorId,
  };
  await editRules(deps, { action: "sensitive_word.add", id: rule.id }, (rules) => {
    if (rules.length >= deps.config.maxSensitiveWords) {
      throw new ApiError("invalid_input", `at most ${deps.config.maxSensitiveWords} rules`);
    }
    return [...rules, rule];
  });
  return rule;
}

export async function deleteWordRule(deps: Deps, id: string): Promise<void> {
  await editRules(deps, { action: "sensitive_word.delete", id }, (rules) => {
    const rest = rules.filter((r) => r.id !== id);
    if (rest.length === rules.length) throw notFound("rule");
    return rest;
  });
}

async function editRules(
  deps: Deps,
  audit: { action: string; id: string },
  edit: (r: WordRule[]) => WordRule[],
): Promise<void> {
  const { kv, clock } = deps;
  for (let attempt = 0; attempt < 20; attempt++) {
    const entry = await kv.get<WordRule[]>(keys.sensitiveWords());
    const next = edit(entry.value ?? []);
    const op = auditedAtomic(kv, clock, {
      action: audit.action,
      target: { type: "sensitive_word", id: audit.id },
    });
    if ((await op.check(entry).set(entry.key, next).commit()).ok) return;
  }
  throw new ApiError("unavailable", "too busy; try again", 1);
}

const compiledCache = new Map<string, RE2JS>();
function compile(rule: WordRuleInput): RE2JS {
  const source = rule.kind === "word" ? RE2JS.quote(rule.pattern) : rule.pattern;
  const key = rule.kind + ":" + source;
  let re = compiledCache.get(key);
  if (!re) {
    re = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
    if (compiledCache.size > 1000) compiledCache.clear();
    compiledCache.set(key, re);
  }
  return re;
}

export interface WordCheck {
  text: string;
  /** The words or patterns of `warn` rules that matched. */
  warnings: string[];
}

/**
 * Applies the rules to a message's text: throws `blocked_word` naming the first blocking
 * match, replaces `replace` matches with `***`, and lists the `warn` matches.
 */
export function applyWordRules(rules: WordRule[], text: string): WordCheck {
  let out = text;
  const warnings: string[] = [];
  for (const r of rules) {
    const re = compile(r);
    const m = re.matcher(out);
    if (!m.find()) continue;
    if (r.action === "block") {
      const what = r.kind === "word" ? `“${r.pattern}”` : `“${m.group()}”`;
      throw new ApiError("blocked_word", `the message contains a blocked word: ${what}`);
    }
    if (r.action === "warn") warnings.push(r.kind === "word" ? r.pattern : m.group() ?? r.pattern);
    else out = re.matcher(out).replaceAll(MASK);
  }
  return { text: out, warnings };
}

/** Checks a message against the current rules (one read). */
export async function checkWords(deps: Deps, text: string): Promise<WordCheck> {
  const rules = await listWordRules(deps.kv);
  return rules.length ? applyWordRules(rules, text) : { text, warnings: [] };
}

/** A function masking every rule's matches (any action) in a string, for alert payloads. */
export async function wordMasker(kv: Deno.Kv): Promise<((s: string) => string) | null> {
  const rules = await listWordRules(kv);
  if (!rules.length) return null;
  const res = rules.map(compile);
  return (s) => {
    let out = s;
    for (const re of res) if (re.matcher(out).find()) out = re.matcher(out).replaceAll(MASK);
    return out;
  };
}
