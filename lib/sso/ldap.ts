/**
 * LDAP sign-in and directory sync, through `ldapts` (a maintained, typed,
 * promise-based client). Sign-in binds as the service account, searches the
 * person with the user filter, then binds as the person with their password.
 * The sync (a durable timer of kind "ldap_sync", every TOCSIN_LDAP_SYNC_MS)
 * lists everyone the user filter matches: linked accounts it no longer
 * finds (removed, or excluded by the filter as disabled) are disabled, which
 * ends their sessions; the others get their group-to-team mapping applied.
 */
import { Client, InvalidCredentialsError } from "ldapts";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { keys } from "../core/keys.ts";
import { listAll } from "../core/kv_util.ts";
import { log } from "../core/log.ts";
import { reset } from "../core/ratelimit.ts";
import { countAttempt, loginWindows } from "../accounts/login.ts";
import { createSession, type Session } from "../accounts/sessions.ts";
import { recordAudit } from "../audit/chain.ts";
import type { User } from "../accounts/model.ts";
import { stageDeleteTimer, stageTimer, type Timer } from "../jobs/timers.ts";
import type { LdapSettings, SsoSettings } from "./model.ts";
import {
  accountForPerson,
  applyGroupMappings,
  disableFromDirectory,
  reenableFromDirectory,
  type SsoIdentity,
} from "./provision.ts";
import { getSsoSettings, getSsoSettingsEntry, LDAP_TIMER_GROUP } from "./settings.ts";

/** People one sync reads from the directory (paged); beyond it the sync stops, disabling nobody. */
const LDAP_SYNC_MAX_PEOPLE = 50_000;

/** A value inside an LDAP filter (RFC 4515): the five special characters escaped. */
export function escapeFilterValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => "\\" + c.charCodeAt(0).toString(16).padStart(2, "0"));
}

function first(v: unknown): string {
  if (Array.isArray(v)) return first(v[0]);
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return "";
}

function all(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(first).filter(Boolean);
}

/** A connected client, bound as the service account (anonymous when no bind DN is set). */
async function serviceClient(deps: Deps, s: LdapSettings): Promise<Client> {
  const ms = deps.config.ssoTimeoutMs;
  const client = new Client({ url: s.url, timeout: ms, connectTimeout: ms });
  try {
    if (s.startTls && s.url.toLowerCase().startsWith("ldap://")) await client.startTLS({});
    if (s.bindDn) await client.bind(s.bindDn, s.bindPassword);
    return client;
  } catch (e) {
    await client.unbind().catch(() => {});
    log.error(`sso: LDAP service bind at ${s.url} failed: ${(e as Error).message}`);
    throw new ApiError("unavailable", "the LDAP directory cannot be reached", 30);
  }
}

interface Person {
  dn: string;
  email: string;
  name: string;
}

async function searchPeople(client: Client, s: LdapSettings, username: string, max: number) {
  const filter = s.userFilter.replaceAll("{username}", username);
  const { searchEntries } = await client.search(s.baseDn, {
    scope: "sub",
    filter,
    attributes: [s.emailAttr, s.nameAttr],
    sizeLimit: max,
    paged: max > 2 ? { pageSize: 500 } : false,
  });
  return searchEntries.map((e): Person => ({
    dn: e.dn,
    email: first(e[s.emailAttr]),
    name: first(e[s.nameAttr]),
  }));
}

/** The names (and DNs) of the person's groups, which the group mapping may name either way. */
async function groupsOf(client: Client, s: LdapSettings, dn: string): Promise<string[]> {
  if (!s.groupFilter) return [];
  const { searchEntries } = await client.search(s.baseDn, {
    scope: "sub",
    filter: s.groupFilter.replaceAll("{dn}", escapeFilterValue(dn)),
    attributes: [s.groupNameAttr],
    sizeLimit: 1000,
  });
  return searchEntries.flatMap((g) => [g.dn, ...all(g[s.groupNameAttr])]);
}

async function userCanBind(deps: Deps, s: LdapSettings, dn: string, password: string) {
  const ms = deps.config.ssoTimeoutMs;
  const client = new Client({ url: s.url, timeout: ms, connectTimeout: ms });
  try {
    if (s.startTls && s.url.toLowerCase().startsWith("ldap://")) await client.startTLS({});
    await client.bind(dn, password);
    return true;
  } catch (e) {
    if (e instanceof InvalidCredentialsError) return false;
    log.error(`sso: LDAP bind as a person failed: ${(e as Error).message}`);
    throw new ApiError("unavailable", "the LDAP directory cannot be reached", 30);
  } finally {
    await client.unbind().catch(() => {});
  }
}

/**
 * Signs in with a directory username (or whatever the user filter matches)
 * and password; rate limited like password logins. 401 for an unknown person
 * or a wrong password alike.
 */
export async function ldapLogin(
  deps: Deps,
  username: string,
  password: string,
  meta: { ip: string; userAgent: string },
): Promise<{ token: string; user: User; session: Session }> {
  const s = (await getSsoSettings(deps.kv)).ldap;
  if (!s?.enabled) throw new ApiError("not_found", "LDAP sign-in is not set up");
  const w = loginWindows(deps, `ldap:${username.toLowerCase()}`, meta.ip);
  await countAttempt(deps, [w.ip, w.accountIp, w.account]);
  const wrong = async (why: string) => {
    await recordAudit(deps.kv, deps.clock, {
      actor: null,
      action: "auth.login",
      ok: false,
      target: null,
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: { via: "ldap", username, why },
    });
    return new ApiError("unauthorized", "wrong username or password");
  };
  const client = await serviceClient(deps, s);
  let person: Person;
  let groups: string[];
  try {
    const found = await searchPeople(client, s, escapeFilterValue(username), 2);
    // None, or a filter that matches more than one person: refuse rather than guess.
    if (found.length !== 1) throw await wrong("unknown_user");
    person = found[0];
    if (!(await userCanBind(deps, s, person.dn, password))) throw await wrong("wrong_password");
    groups = await groupsOf(client, s, person.dn);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    log.error(`sso: LDAP search failed: ${(e as Error).message}`);
    throw new ApiError("unavailable", "the LDAP directory cannot be reached", 30);
  } finally {
    await client.unbind().catch(() => {});
  }
  await reset(deps.kv, deps.clock, w.accountIp);
  const subject = person.dn.toLowerCase();
  const link = (await deps.kv.get<SsoIdentity>(keys.ssoIdentity("ldap", subject))).value;
  // The directory just vouched for them: an account only the sync disabled comes back.
  if (link) await reenableFromDirectory(deps, "ldap", subject, link);
  const user = await accountForPerson(deps, {
    source: "ldap",
    subject,
    email: person.email,
    name: person.name,
    groups,
  }, s);
  const { token, session } = await createSession(deps, user, { ...meta, detail: { via: "ldap" } });
  return { token, user, session };
}

/** What one sync did. */
export interface LdapSyncResult {
  people: number;
  linked: number;
  disabled: number;
}

/**
 * Synchronises the accounts linked to LDAP with the directory: mapping applied
 * to those it lists, the others disabled (sessions and tokens ended).
 */
export async function syncLdap(deps: Deps): Promise<LdapSyncResult> {
  const s = (await getSsoSettings(deps.kv)).ldap;
  if (!s?.enabled) throw new ApiError("not_found", "LDAP sign-in is not set up");
  const client = await serviceClient(deps, s);
  const out: LdapSyncResult = { people: 0, linked: 0, disabled: 0 };
  try {
    const people = await searchPeople(client, s, "*", LDAP_SYNC_MAX_PEOPLE);
    out.people = people.length;
    const byDn = new Map(people.map((p) => [p.dn.toLowerCase(), p]));
    for (const e of await listAll<SsoIdentity>(deps.kv, keys.ssoIdentities("ldap"))) {
      const subject = String(e.key[2]);
      out.linked++;
      const p = byDn.get(subject);
      if (!p) {
        if (await disableFromDirectory(deps, "ldap", subject, e.value)) out.disabled++;
        continue;
      }
      await reenableFromDirectory(deps, "ldap", subject, e.value);
      await applyGroupMappings(
        deps,
        e.value.userId,
        await groupsOf(client, s, p.dn),
        s.groupMappings,
      );
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    log.error(`sso: LDAP sync failed: ${(e as Error).message}`);
    throw new ApiError("unavailable", "the LDAP directory cannot be reached", 30);
  } finally {
    await client.unbind().catch(() => {});
  }
  return out;
}

/** Notes the outcome of a sync on the settings (best effort: a concurrent save wins). */
async function noteSync(deps: Deps, ok: boolean, detail: string): Promise<void> {
  const entry = await getSsoSettingsEntry(deps.kv);
  if (!entry.value) return;
  const next: SsoSettings = {
    ...entry.value,
    ldapLastSync: { at: deps.clock.now(), ok, detail: detail.slice(0, 300) },
  };
  await deps.kv.atomic().check(entry).set(entry.key, next).commit();
}

/** Runs a sync now and records its outcome (admins' "sync now", and the timer). */
export async function runLdapSync(deps: Deps): Promise<LdapSyncResult> {
  try {
    const r = await syncLdap(deps);
    await noteSync(deps, true, `${r.people} people, ${r.linked} linked, ${r.disabled} disabled`);
    return r;
  } catch (e) {
    await noteSync(deps, false, (e as Error).message);
    throw e;
  }
}

/**
 * The sync timer fired: in one commit it is replaced by the next one (while
 * LDAP is on and the settings still name it), then the sync runs. A failed
 * sync is logged and recorded; the next one is already scheduled.
 */
export async function fireLdapSync(deps: Deps, timerId: string): Promise<boolean> {
  const { kv, clock, config } = deps;
  const t = await kv.get<Timer>(keys.timer(timerId));
  if (t.value?.kind !== "ldap_sync" || t.value.dueAt > clock.now()) return false;
  const entry = await getSsoSettingsEntry(kv);
  const op = kv.atomic().check(t).check(entry);
  stageDeleteTimer(op, t.value);
  const live = entry.value?.ldap?.enabled && entry.value.ldapTimerId === timerId;
  if (entry.value?.ldapTimerId === timerId) {
    const now = clock.now();
    let nextId: string | null = null;
    if (live && config.ldapSyncMs > 0) {
      const next: Timer = {
        id: ulid(now),
        alertId: LDAP_TIMER_GROUP,
        kind: "ldap_sync",
        dueAt: now + config.ldapSyncMs,
        n: 0,
        round: 0,
      };
      stageTimer(op, now, next);
      nextId = next.id;
    }
    op.set(entry.key, { ...entry.value, ldapTimerId: nextId });
  }
  if (!(await deps.fanout.commitUnlogged(op)).ok) return false;
  if (!live) return false;
  try {
    await runLdapSync(deps);
  } catch (e) {
    log.error(`sso: the periodic LDAP sync failed: ${(e as Error).message}`);
  }
  return true;
}
