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
export const EmailSchema = z.string().trim().toLowerCase().pipe(z.email().max(254));
export const NameSchema = z.string().trim().min(1).max(100);
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
