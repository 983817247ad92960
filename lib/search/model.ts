/** Search's request and answer: the query's filters (zod) and the hits it returns. */
import { z } from "zod";
import { AlertStatusSchema, PrioritySchema } from "../alerts/model.ts";
import { IdSchema } from "../core/schemas.ts";

const Ms = z.coerce.number().int().min(0).max(8.64e15);

export const SearchQuerySchema = z.strictObject({
  /** The words; every token (lib/search/tokens.ts) must occur. */
  q: z.string().trim().min(1).max(200),
  conversationId: IdSchema.optional(),
  teamId: IdSchema.optional(),
  /** Messages sent by this user (alerts have no sender: a sender filter leaves them out). */
  senderId: IdSchema.optional(),
  kind: z.enum(["message", "alert"]).optional(),
  /** Alert filters (they leave messages out). */
  status: AlertStatusSchema.optional(),
  priority: PrioritySchema.optional(),
  /** Created at or after / at or before (ms). */
  from: Ms.optional(),
  to: Ms.optional(),
  /** From the previous page: hits older than it. */
  cursor: IdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(50).optional(),
});
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

/** One hit: where it is, an excerpt of its text and the ranges of the excerpt that matched. */
export interface SearchHit {
  kind: "message" | "alert";
  /** The document: a message id, an alert id, or a note's timeline entry id. */
  id: string;
  at: number;
  conversationId: string;
  conversationTitle: string;
  /** The message's seq (for an alert or note: its card's). */
  seq: number;
  senderId: string | null;
  excerpt: string;
  /** [start, end) ranges of `excerpt` that matched, for highlighting. */
  highlights: [number, number][];
  alert?: {
    id: string;
    teamId: string;
    title: string;
    status: z.infer<typeof AlertStatusSchema>;
    priority: z.infer<typeof PrioritySchema>;
    /** True when the hit is in one of its notes. */
    note: boolean;
  };
}

export interface SearchPage {
  items: SearchHit[];
  /** Pass as `cursor` for older hits; null when there are none. */
  cursor: string | null;
  /** True when the scan stopped at TOCSIN_SEARCH_SCAN_MAX before it finished. */
  partial: boolean;
}
