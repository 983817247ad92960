/**
 * The zod schemas every domain shares: ids, seqs, names, e-mail addresses,
 * times of day and time zones. Inputs are strict about shape and lenient only
 * where a human would expect it (surrounding spaces in names and addresses).
 * Each domain's stored records live in its own model file.
 */
import { z } from "zod";
import { isUlid } from "./ids.ts";

export const IdSchema = z.string().refine(isUlid, "must be an id");
export const SeqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/**
 * An e-mail address, NFKC-normalised and lower-cased, so that look-alike
 * spellings (full-width letters) are the same address. The address pattern
 * is ASCII-only, which also refuses bidi controls and zero-width characters.
 */
export const EmailSchema = z.string().trim().transform((s) => s.normalize("NFKC").toLowerCase())
  .pipe(z.email().max(254));

/**
 * Characters a display name must not hold: controls, bidi overrides, embeddings,
 * isolates and marks (they reorder or disguise what is shown around the name),
 * and invisible format characters (zero-width space, BOM, soft hyphen...), and
 * Hangul fillers, which render as blanks. ZWJ (U+200D) and ZWNJ (U+200C) stay
 * allowed: emoji sequences and Persian and Indic spelling need them.
 */
const FORBIDDEN_IN_NAMES =
  /[\p{Cc}\u2028\u2029\u115F\u1160\u3164\uFFA0]|(?![\u200C\u200D\u{E0020}-\u{E007F}])\p{Cf}/u;

/**
 * A display name (users, teams, tokens, integrations): NFC-normalised and
 * trimmed, 1-100 characters, without the characters above.
 */
export const NameSchema = z.string()
  .transform((s) => s.normalize("NFC").trim())
  .pipe(
    z.string().min(1).max(100).refine(
      (s) => !FORBIDDEN_IN_NAMES.test(s),
      "must not contain control, bidi or invisible formatting characters",
    ),
  );

/** Default-ignorable characters (ZWJ, ZWNJ, variation selectors...): invisible, so not part of a name's identity. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The form under which names are unique (teams_by_name): compatibility-normalised
 * (NFKC), without invisible characters, case-folded, so that names which differ
 * only in Unicode normalisation, zero-width characters or case collide.
 */
export function nameKey(name: string): string {
  return name.normalize("NFKC").replace(IGNORABLE, "").toLowerCase().normalize("NFKC").trim();
}
export const PasswordSchema = z.string().min(1).max(1024);
/** A client's idempotency key for a send. */
export const ClientIdSchema = z.string().min(1).max(64).regex(
  /^[A-Za-z0-9_.:-]+$/,
  "letters, digits and _ . : - only",
);

/** A wall-clock time, "HH:MM". */
export const HhMmSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "HH:MM");

/** An IANA time zone name this runtime knows. */
export const TimeZoneSchema = z.string().min(1).max(64).refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "unknown time zone");

/** Turns zod issues into one readable line. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 5).map((i) => {
    const path = i.path.length ? i.path.join(".") + ": " : "";
    return path + i.message;
  }).join("; ");
}

/**
 * One line of free text shown beside a name (a job title, a status), possibly empty: trimmed,
 * NFC-normalised, at most `max` characters, without the characters a name must not hold.
 */
export function lineSchema(max: number) {
  return z.string()
    .transform((s) => s.normalize("NFC").trim())
    .pipe(
      z.string().max(max).refine(
        (s) => !FORBIDDEN_IN_NAMES.test(s),
        "must not contain control, bidi or invisible formatting characters",
      ),
    );
}
