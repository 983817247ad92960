/**
 * The regexes of routing and automation matchers (`=~`, `!~`): RE2 syntax,
 * fully anchored, as in Alertmanager. They run on RE2JS, a port of RE2 whose
 * matching time is linear in the input, so no pattern can backtrack
 * exponentially (`(a+)+b` against "aaaa…" is as quick as `a+b`). Linear is
 * still input × pattern size, so both are bounded: each value is matched on
 * its first MATCH_INPUT_MAX characters, and a pattern's compiled size is
 * capped at save time (MATCHER_PROGRAM_MAX).
 */
import { RE2JS } from "re2js";
import { MATCH_INPUT_MAX, MATCHER_PROGRAM_MAX } from "../core/config.ts";

/** Compiled patterns (or why one does not compile) kept; matchers repeat across alerts. */
const CACHE_MAX = 1_000;
const cache = new Map<string, { re: RE2JS; size: number } | { error: string }>();

function compiled(source: string): { re: RE2JS; size: number } | { error: string } {
  let c = cache.get(source);
  if (c) return c;
  try {
    const re = RE2JS.compile(source);
    c = { re, size: re.programSize() };
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^error parsing regexp: /, "") : "";
    c = {
      error: `not a valid RE2 pattern (${why}); backreferences and lookaround are not supported`,
    };
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(source, c);
  return c;
}

/** Why `source` cannot be a matcher regex, or null when it can. */
export function patternError(source: string): string | null {
  const c = compiled(source);
  if ("error" in c) return c.error;
  if (c.size > MATCHER_PROGRAM_MAX) {
    return `pattern too complex (size ${c.size}, at most ${MATCHER_PROGRAM_MAX}): ` +
      "use fewer or smaller counted repeats";
  }
  return null;
}

/** The compiled size of a valid pattern (a rough measure of its matching cost); 0 if invalid. */
export function patternSize(source: string): number {
  const c = compiled(source);
  return "error" in c ? 0 : c.size;
}

/**
 * Whether all of `value` (its first MATCH_INPUT_MAX characters) matches
 * `source`; null when `source` is not a valid matcher regex (stored before
 * the checks of today), so that the caller decides what that means.
 */
export function fullMatch(source: string, value: string): boolean | null {
  if (patternError(source)) return null;
  const c = compiled(source) as { re: RE2JS };
  return c.re.matches(value.length > MATCH_INPUT_MAX ? value.slice(0, MATCH_INPUT_MAX) : value);
}
