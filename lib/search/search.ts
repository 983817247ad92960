/**
 * Search over what the caller may read: the conversations they are a member of (the whole
 * history: Tocsin shows a member everything said before they joined, and search follows) and the
 * alerts of their teams (lib/alerts/queries.ts: team members only, global admins included only
 * when they are in the team). Someone in few scopes has each searched on its own postings
 * (`search_msg/<conv>`, `search_alert/<team>`): a scope costs at least one read per token, so for
 * someone in many the query reads the site-wide lists (`search_all/<token>`) once instead and
 * keeps only the postings whose value names one of their scopes (a posting holds no text). Every
 * candidate is then checked against the document itself (it must still hold every token, and be
 * in the scope the posting named), so a stale posting can never show text that is gone.
 */
import type { Alert, TimelineEntry } from "../alerts/model.ts";
import type { User } from "../accounts/model.ts";
import type { Conversation, Message } from "../chat/model.ts";
import type { Deps } from "../core/deps.ts";
import { notFound } from "../core/errors.ts";
import { ulidTimePrefix } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { getManyChunked, lastPart, listAll } from "../core/kv_util.ts";
import { alertText, alertTokens, messageTokens, noteTokens } from "./indexing.ts";
import { type Budget, intersect } from "./postings.ts";
import type { SearchHit, SearchPage, SearchQuery } from "./model.ts";
import { highlights, lookupTokens, tokenize } from "./tokens.ts";

/** Characters of context shown around the first match. */
const EXCERPT_CHARS = 160;
/** Scopes searched at once. */
const PARALLEL = 8;
/** Above every id character: the exclusive upper bound of an open id range. */
const ID_MAX = "~";

type Scope = { kind: "c"; id: string } | { kind: "t"; id: string };

/** One page of hits for `user`, newest first. */
export async function search(deps: Deps, user: User, q: SearchQuery): Promise<SearchPage> {
  const { kv, config } = deps;
  const limit = Math.min(q.limit ?? config.searchLimit, 50);
  const tokens = tokenize(q.q, 16);
  const scopes = await scopesFor(kv, user, q);
  if (!tokens.length || !scopes.length) return { items: [], cursor: null, partial: false };
  // An id's time is never before its document's (ids only run ahead when a clock steps back):
  // `from` bounds the id range; `to` is checked on each document.
  const lower = q.from === undefined ? "" : ulidTimePrefix(q.from);
  const upper = q.cursor ?? ID_MAX;
  const budget: Budget = { seeks: config.searchScanMax };
  const ctx: Ctx = { deps, q, tokens, lower, upper, budget, limit, top: [] };
  const found: SearchHit[] = [];
  if (scopes.length > config.searchGlobalScopes) found.push(...await searchGlobal(ctx, scopes));
  else {
    for (let i = 0; i < scopes.length; i += PARALLEL) {
      const batch = await Promise.all(
        scopes.slice(i, i + PARALLEL).map((s) => searchScope(ctx, s)),
      );
      for (const hits of batch) found.push(...hits);
    }
  }
  found.sort((a, b) => a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  const items = found.slice(0, limit);
  await nameConversations(ctx, items);
  return {
    items,
    cursor: found.length >= limit && items.length ? items[items.length - 1].id : null,
    partial: budget.exhausted === true,
  };
}

/** The conversations and teams to search, after the filters; 404 for a filter not the caller's. */
async function scopesFor(kv: Deno.Kv, user: User, q: SearchQuery): Promise<Scope[]> {
  const convs = new Set(
    (await listAll(kv, keys.conversationsByUser(user.id))).map((e) => lastPart(e.key)),
  );
  const teams = new Set((await listAll(kv, keys.teamsByUser(user.id))).map((e) => lastPart(e.key)));
  if (q.conversationId !== undefined && !convs.has(q.conversationId)) {
    throw notFound("conversation");
  }
  if (q.teamId !== undefined && !teams.has(q.teamId)) throw notFound("team");
  const wantMessages = q.kind !== "alert" && q.status === undefined && q.priority === undefined;
  const wantAlerts = q.kind !== "message" && q.senderId === undefined;
  const out: Scope[] = [];
  if (wantMessages) {
    let ids = [...convs];
    if (q.conversationId !== undefined) ids = [q.conversationId];
    else if (q.teamId !== undefined) {
      // A team's messages: those of its conversation.
      const team = (await kv.get<{ conversationId?: string }>(keys.team(q.teamId))).value;
      ids = team?.conversationId && convs.has(team.conversationId) ? [team.conversationId] : [];
    }
    for (const id of ids) out.push({ kind: "c", id });
  }
  if (wantAlerts) {
    const ids = q.teamId !== undefined ? [q.teamId] : [...teams];
    for (const id of ids) out.push({ kind: "t", id });
  }
  return out;
}

interface Ctx {
  deps: Deps;
  q: SearchQuery;
  tokens: string[];
  lower: string;
  upper: string;
  budget: Budget;
  limit: number;
  /** The newest `limit` hit ids found so far, in all scopes (newest first). */
  top: string[];
}

/** Below this id nothing can make the page any more (the page is full of newer hits). */
function floorOf(ctx: Ctx): string {
  return ctx.top.length >= ctx.limit ? ctx.top[ctx.limit - 1] : "";
}

/** Notes verified hits in the page-wide top list. */
function noteTop(ctx: Ctx, hits: SearchHit[]): void {
  if (!hits.length) return;
  ctx.top = [...ctx.top, ...hits.map((h) => h.id)].sort().reverse().slice(0, ctx.limit);
}

/** Up to `limit` verified hits of one scope, newest first. */
async function searchScope(ctx: Ctx, scope: Scope): Promise<SearchHit[]> {
  const { deps: { kv }, tokens, lower, upper, budget, limit } = ctx;
  const prefixOf = scope.kind === "c"
    ? (t: string) => keys.searchMessageToken(scope.id, t)
    : (t: string) => keys.searchAlertToken(scope.id, t);
  const hits: SearchHit[] = [];
  let pending: { doc: string; value: unknown }[] = [];
  const flush = async () => {
    const verified = scope.kind === "c"
      ? await verifyMessages(ctx, scope.id, pending)
      : await verifyAlerts(ctx, scope.id, pending);
    hits.push(...verified);
    noteTop(ctx, verified);
    pending = [];
  };
  for await (const c of intersect(kv, prefixOf, lookupTokens(tokens), lower, upper, budget)) {
    // Newer hits of other scopes fill the page already: nothing older can make it.
    if (c.doc < floorOf(ctx)) break;
    if (scope.kind === "c" && ctx.q.senderId !== undefined) {
      const v = c.value as [number, string | null];
      if (!Array.isArray(v) || v[1] !== ctx.q.senderId) continue;
    }
    pending.push(c);
    if (pending.length >= 10) {
      await flush();
      if (hits.length >= limit) break;
    }
  }
  if (pending.length) await flush();
  return hits.slice(0, limit);
}

type Candidate = { doc: string; value: unknown };

/** A site-wide posting's scope and its per-scope value, when the scope is one of `scopes`. */
function ownPosting(
  value: unknown,
  convs: Set<string>,
  teams: Set<string>,
  senderId: string | undefined,
): { scope: Scope; value: unknown } | null {
  if (!Array.isArray(value) || typeof value[1] !== "string") return null;
  if (value[0] === "c" && convs.has(value[1])) {
    if (senderId !== undefined && value[3] !== senderId) return null;
    return { scope: { kind: "c", id: value[1] }, value: [value[2], value[3]] };
  }
  if (value[0] === "t" && teams.has(value[1])) {
    return { scope: { kind: "t", id: value[1] }, value: value[2] };
  }
  return null;
}

/**
 * Up to `limit` verified hits from the site-wide posting lists, newest first: one leapfrog for the
 * whole query, each candidate kept only when its posting names one of the caller's `scopes`.
 */
async function searchGlobal(ctx: Ctx, scopes: Scope[]): Promise<SearchHit[]> {
  const { deps: { kv }, tokens, lower, upper, budget, limit } = ctx;
  const convs = new Set(scopes.filter((s) => s.kind === "c").map((s) => s.id));
  const teams = new Set(scopes.filter((s) => s.kind === "t").map((s) => s.id));
  const hits: SearchHit[] = [];
  let pending: { scope: Scope; cand: Candidate }[] = [];
  const flush = async () => {
    const groups = new Map<string, { scope: Scope; cands: Candidate[] }>();
    for (const p of pending) {
      const k = p.scope.kind + p.scope.id;
      const g = groups.get(k) ?? groups.set(k, { scope: p.scope, cands: [] }).get(k)!;
      g.cands.push(p.cand);
    }
    const verified = await Promise.all(
      [...groups.values()].map((g) =>
        g.scope.kind === "c"
          ? verifyMessages(ctx, g.scope.id, g.cands)
          : verifyAlerts(ctx, g.scope.id, g.cands)
      ),
    );
    for (const v of verified) hits.push(...v);
    pending = [];
  };
  const prefixOf = (t: string) => keys.searchAllToken(t);
  for await (const c of intersect(kv, prefixOf, lookupTokens(tokens), lower, upper, budget)) {
    const own = ownPosting(c.value, convs, teams, ctx.q.senderId);
    if (!own) continue;
    pending.push({ scope: own.scope, cand: { doc: c.doc, value: own.value } });
    if (pending.length >= 10) {
      await flush();
      if (hits.length >= limit) break;
    }
  }
  if (pending.length) await flush();
  return hits;
}

function inRange(q: SearchQuery, at: number): boolean {
  return (q.from === undefined || at >= q.from) && (q.to === undefined || at <= q.to);
}

function holdsAll(have: string[], want: string[]): boolean {
  const set = new Set(have);
  return want.every((t) => set.has(t));
}

/** The message candidates that still hold every token, as hits. */
async function verifyMessages(
  ctx: Ctx,
  convId: string,
  cands: { doc: string; value: unknown }[],
): Promise<SearchHit[]> {
  const seqs = cands.map((c) => Array.isArray(c.value) ? Number(c.value[0]) : 0);
  const entries = await getManyChunked<Message>(
    ctx.deps.kv,
    seqs.map((s) => keys.message(convId, s)),
  );
  const out: SearchHit[] = [];
  entries.forEach((e, i) => {
    const m = e.value;
    if (!m || m.id !== cands[i].doc || !inRange(ctx.q, m.createdAt)) return;
    if (!holdsAll(messageTokens(m), ctx.tokens)) return;
    out.push({
      kind: "message",
      id: m.id,
      at: m.createdAt,
      conversationId: convId,
      conversationTitle: "",
      seq: m.seq,
      senderId: m.senderId,
      ...excerpt(m.text, ctx.q.q),
    });
  });
  return out;
}

/** The alert and note candidates that still hold every token and pass the alert filters. */
async function verifyAlerts(
  ctx: Ctx,
  teamId: string,
  cands: { doc: string; value: unknown }[],
): Promise<SearchHit[]> {
  const { kv } = ctx.deps;
  const alertIds = cands.map((c) => String(c.value));
  const alerts = await getManyChunked<Alert>(kv, alertIds.map((id) => keys.alert(id)));
  const notes = await getManyChunked<TimelineEntry>(
    kv,
    cands.map((c, i) => keys.alertTimeline(alertIds[i], c.doc)),
  );
  const out: SearchHit[] = [];
  cands.forEach((c, i) => {
    const a = alerts[i].value;
    if (!a || a.teamId !== teamId) return;
    const { q } = ctx;
    if (q.status !== undefined && a.status !== q.status) return;
    if (q.priority !== undefined && a.priority !== q.priority) return;
    if (q.conversationId !== undefined && a.conversationId !== q.conversationId) return;
    const isNote = c.doc !== a.id;
    const note = notes[i].value;
    if (isNote && !note) return;
    if (!inRange(q, isNote ? note!.at : a.createdAt)) return;
    const text = isNote ? note!.note ?? "" : alertText(a);
    if (!holdsAll(isNote ? noteTokens(note!) : alertTokens(a), ctx.tokens)) return;
    out.push({
      kind: "alert",
      id: c.doc,
      at: isNote ? note!.at : a.createdAt,
      conversationId: a.conversationId,
      conversationTitle: "",
      seq: a.seq,
      senderId: isNote ? note!.by : null,
      ...excerpt(text, q.q),
      alert: {
        id: a.id,
        teamId: a.teamId,
        title: a.title,
        status: a.status,
        priority: a.priority,
        note: isNote,
      },
    });
  });
  return out;
}

/** A window of `text` around its first match, with the matches' ranges in it. */
export function excerpt(
  text: string,
  query: string,
): { excerpt: string; highlights: [number, number][] } {
  const all = highlights(text, query);
  let start = 0;
  if (all.length && all[0][0] > EXCERPT_CHARS / 3) {
    start = all[0][0] - Math.floor(EXCERPT_CHARS / 3);
  }
  // Do not cut a surrogate pair.
  if (start > 0 && /[\udc00-\udfff]/.test(text[start])) start--;
  let end = Math.min(text.length, start + EXCERPT_CHARS);
  if (end < text.length && /[\ud800-\udbff]/.test(text[end - 1])) end--;
  const prefix = start > 0 ? "…" : "";
  const suffix = end < text.length ? "…" : "";
  const shift = prefix.length - start;
  const ranges = all.filter(([s, e]) => s < end && e > start)
    .map(([s, e]): [number, number] => [Math.max(s, start) + shift, Math.min(e, end) + shift]);
  return { excerpt: prefix + text.slice(start, end) + suffix, highlights: ranges };
}

/** Fills the conversation titles of the hits shown. */
async function nameConversations(ctx: Ctx, items: SearchHit[]): Promise<void> {
  const ids = [...new Set(items.map((h) => h.conversationId))];
  const convs = await getManyChunked<Conversation>(
    ctx.deps.kv,
    ids.map((id) => keys.conversation(id)),
  );
  const titles = new Map(ids.map((id, i) => [id, convs[i].value?.title ?? ""]));
  for (const h of items) h.conversationTitle = titles.get(h.conversationId) ?? "";
}
