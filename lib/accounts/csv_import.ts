/**
 * CSV import of users (admins): columns email, name, role, teams (names
 * separated by ";" or "|"), in any order, with a header row; other columns
 * (department, ...) are ignored. A dry run reports, per row, whether it
 * would create, update or leave the account unchanged, or what is wrong with
 * it; applying commits each row on its own (one atomic commit per row) and
 * reports the same per row. Teams are only ever added, never taken away.
 * New accounts have no password: the admin may have them e-mailed a link to
 * choose one.
 */
import { systemAddMembers } from "../chat/membership.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { EmailSchema, nameKey, NameSchema } from "../core/schemas.ts";
import type { Team, User, UserRole } from "./model.ts";
import { createUserRecord, getUserByEmail } from "./users.ts";
import { auditedAtomic } from "../audit/chain.ts";

export type RowAction = "create" | "update" | "unchanged" | "error";

export interface ImportRow {
  /** The line in the file (the header is line 1). */
  line: number;
  email: string;
  action: RowAction;
  /** What changes: "name", "role", "team:<name>"; for errors, the reason. */
  changes: string[];
  error?: string;
  /** Set once applied and created. */
  userId?: string;
}

/** Parses CSV (RFC 4180: quotes, doubled quotes, CRLF or LF); a bare BOM is dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const s = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && s[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (quoted) throw new ApiError("invalid_input", "csv: a quoted field is not closed");
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

interface Planned {
  row: ImportRow;
  email: string;
  name?: string;
  role?: UserRole;
  teamIds: string[];
  teamNames: string[];
  existing: User | null;
}

type Cells = Record<"email" | "name" | "role" | "teams", number>;

/** Reads one line's cells into `p`; the reason when the line is wrong, else null. */
function readRow(
  p: Planned,
  cell: (k: number) => string,
  ci: Cells,
  teamsByName: Map<string, Team>,
  seen: Set<string>,
): string | null {
  const em = EmailSchema.safeParse(cell(ci.email));
  if (!em.success) {
    return "email: not an e-mail address";
  }
  p.email = p.row.email = em.data;
  if (seen.has(p.email)) {
    return "email: appears twice in the file";
  }
  seen.add(p.email);
  if (cell(ci.name)) {
    const n = NameSchema.safeParse(cell(ci.name));
    if (!n.success) {
      return "name: 1 to 100 characters";
    }
    p.name = n.data;
  }
  const role = cell(ci.role).toLowerCase();
  if (role && role !== "admin" && role !== "member") {
    return "role: admin or member";
  }
  if (role) p.role = role as UserRole;
  const unknown: string[] = [];
  for (const t of cell(ci.teams).split(/[;|]/).map((s) => s.trim()).filter(Boolean)) {
    const team = teamsByName.get(nameKey(t));
    if (!team) unknown.push(t);
    else if (!p.teamIds.includes(team.id)) {
      p.teamIds.push(team.id);
      p.teamNames.push(team.name);
    }
  }
  if (unknown.length) {
    return `teams: no team named ${unknown.join(", ")}`;
  }
  return null;
}

async function plan(deps: Deps, actor: User, csv: string): Promise<Planned[]> {
  const { kv, config } = deps;
  if (new TextEncoder().encode(csv).length > config.csvImportMaxBytes) {
    throw new ApiError("payload_too_large", `csv: at most ${config.csvImportMaxBytes} bytes`);
  }
  const rows = parseCsv(csv);
  if (rows.length < 2) {
    throw new ApiError("invalid_input", "csv: a header row and at least one user");
  }
  if (rows.length - 1 > config.csvImportMaxRows) {
    throw new ApiError("invalid_input", `csv: at most ${config.csvImportMaxRows} rows`);
  }
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const ci = { email: col("email"), name: col("name"), role: col("role"), teams: col("teams") };
  if (ci.email < 0) throw new ApiError("invalid_input", "csv: the header needs an email column");
  const teamsByName = new Map(
    (await listAll<Team>(kv, keys.teams())).map((e) => [nameKey(e.value.name), e.value]),
  );
  const seen = new Set<string>();
  const out: Planned[] = [];
  for (const [i, r] of rows.slice(1).entries()) {
    const cell = (k: number) => (k >= 0 ? (r[k] ?? "").trim() : "");
    const row: ImportRow = {
      line: i + 2,
      email: cell(ci.email).slice(0, 320),
      action: "error",
      changes: [],
    };
    const p: Planned = { row, email: "", teamIds: [], teamNames: [], existing: null };
    out.push(p);
    const why = readRow(p, cell, ci, teamsByName, seen);
    if (why) {
      row.error = why;
      continue;
    }
    p.existing = await getUserByEmail(kv, p.email);
    if (!p.existing) {
      if (!p.name) {
        row.error = "name: required for a new user";
        continue;
      }
      row.action = "create";
      row.changes = [
        "name",
        ...(p.role === "admin" ? ["role"] : []),
        ...p.teamNames.map((n) => `team:${n}`),
      ];
      continue;
    }
    const u = p.existing;
    if (u.id === actor.id && p.role === "member" && u.role === "admin") {
      row.error = "role: admins cannot demote themselves";
      continue;
    }
    if (p.name && p.name !== u.name) row.changes.push("name");
    if (p.role && p.role !== u.role) row.changes.push("role");
    const mine = new Set((await listAll(kv, keys.teamsByUser(u.id))).map((e) => String(e.key[2])));
    p.teamIds.forEach((id, k) => {
      if (!mine.has(id)) row.changes.push(`team:${p.teamNames[k]}`);
    });
    row.action = row.changes.length ? "update" : "unchanged";
  }
  return out;
}

/** What an import would do, per row; nothing is written. */
export async function dryRunImport(deps: Deps, actor: User, csv: string): Promise<ImportRow[]> {
  return (await plan(deps, actor, csv)).map((p) => p.row);
}

function stageTeams(
  op: Deno.AtomicOperation,
  userId: string,
  teamIds: string[],
  skip: Set<string>,
) {
  let any = false;
  for (const t of teamIds) {
    if (skip.has(t)) continue;
    op.set(keys.teamMember(t, userId), { role: "member" }).set(keys.teamByUser(userId, t), {
      role: "member",
    });
    any = true;
  }
  // Who a team pages changed: processes drop their cached copy (lib/notify/reach.ts).
  if (any) op.sum(keys.reachVersion(), 1n);
}

/** Applies an import row by row (each row one commit); rows that fail say why, the others stand. */
export async function applyImport(deps: Deps, actor: User, csv: string): Promise<ImportRow[]> {
  const { kv } = deps;
  const planned = await plan(deps, actor, csv);
  for (const p of planned) {
    const row = p.row;
    if (row.action === "error" || row.action === "unchanged") continue;
    try {
      let userId: string;
      let added: string[] = [];
      if (row.action === "create") {
        const user = await createUserRecord(
          deps,
          { email: p.email, name: p.name!, role: p.role ?? "member" },
          {
            hash: null,
            stage: (op, u) => stageTeams(op, u.id, p.teamIds, new Set()),
            actor,
            audit: { detail: { via: "csv", teams: p.teamIds.length } },
          },
        );
        if (!user) throw new ApiError("conflict", "the address got an account meanwhile");
        userId = row.userId = user.id;
        added = p.teamIds;
      } else {
        const entry = await kv.get<User>(keys.user(p.existing!.id));
        if (!entry.value) throw new ApiError("conflict", "the user was removed meanwhile");
        userId = entry.value.id;
        const mine = new Set(
          (await listAll(kv, keys.teamsByUser(userId))).map((e) => String(e.key[2])),
        );
        const updated: User = {
          ...entry.value,
          ...(p.name ? { name: p.name } : {}),
          ...(p.role ? { role: p.role } : {}),
        };
        const op = auditedAtomic(kv, deps.clock, {
          actor,
          action: "user.update",
          target: { type: "user", id: userId },
          detail: {
            fields: row.changes.filter((c) => !c.startsWith("team:")),
            ...(p.role ? { role: p.role } : {}),
            teams: row.changes.filter((c) => c.startsWith("team:")).length,
            via: "csv",
          },
        }).check(entry).set(entry.key, updated);
        for (const t of p.teamIds) op.check(await kv.get(keys.teamMember(t, userId)));
        stageTeams(op, userId, p.teamIds, mine);
        if (!(await op.commit()).ok) {
          throw new ApiError("conflict", "the user changed meanwhile; run it again");
        }
        added = p.teamIds.filter((t) => !mine.has(t));
      }
      // The teams' alert conversations follow their membership (as putTeamMembers does).
      for (const t of added) {
        const team = (await kv.get<Team>(keys.team(t))).value;
        if (team?.conversationId) await systemAddMembers(deps, team.conversationId, [userId]);
      }
    } catch (e) {
      row.error = e instanceof ApiError ? e.message : "internal error";
      row.action = "error";
    }
  }
  return planned.map((p) => p.row);
}
