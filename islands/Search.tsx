import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { PublicUser, SearchHit, SearchPage } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { SearchResults } from "../components/SearchResults.tsx";
import { ExportLinks } from "../components/ExportLinks.tsx";

export interface SearchProps {
  me: PublicUser;
  lang: Lang;
}

/** The form's fields, as they appear in the page's URL (so a search can be linked and reloaded). */
const FIELDS = [
  "q",
  "kind",
  "conversationId",
  "teamId",
  "senderId",
  "status",
  "priority",
  "from",
  "to",
] as const;
type Form = Record<(typeof FIELDS)[number], string>;

const EMPTY: Form = Object.fromEntries(FIELDS.map((f) => [f, ""])) as Form;

/** The API query of a form: dates become the start and end of their days (local time). */
function apiQuery(f: Form, cursor: string | null): string {
  const p = new URLSearchParams();
  for (const k of FIELDS) {
    const v = f[k].trim();
    if (!v) continue;
    if (k === "from") p.set(k, String(new Date(v + "T00:00:00").getTime()));
    else if (k === "to") p.set(k, String(new Date(v + "T23:59:59.999").getTime()));
    else p.set(k, v);
  }
  if (cursor) p.set("cursor", cursor);
  return p.toString();
}

function Select(props: {
  label: string;
  name: keyof Form;
  form: Form;
  set: (k: keyof Form, v: string) => void;
  options: [string, string][];
}) {
  return (
    <label>
      {props.label}
      <select
        name={props.name}
        value={props.form[props.name]}
        onChange={(e) => props.set(props.name, (e.target as HTMLSelectElement).value)}
      >
        {props.options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </label>
  );
}

interface Lists {
  convs: [string, string][];
  teams: [string, string][];
  users: Map<string, string>;
}

function Filters(props: {
  t: Translate;
  form: Form;
  set: (k: keyof Form, v: string) => void;
  lists: Lists;
}) {
  const { t, form, set, lists } = props;
  const any: [string, string] = ["", t("sr_any")];
  return (
    <details class="search-filters" open={FIELDS.some((f) => f !== "q" && form[f] !== "")}>
      <summary>{t("sr_filters")}</summary>
      <div class="search-filter-grid">
        <Select
          label={t("sr_kind")}
          name="kind"
          form={form}
          set={set}
          options={[["", t("sr_kind_any")], ["message", t("sr_kind_message")], [
            "alert",
            t("sr_kind_alert"),
          ]]}
        />
        <Select
          label={t("sr_conversation")}
          name="conversationId"
          form={form}
          set={set}
          options={[any, ...lists.convs]}
        />
        <Select
          label={t("sr_team")}
          name="teamId"
          form={form}
          set={set}
          options={[any, ...lists.teams]}
        />
        <Select
          label={t("sr_sender")}
          name="senderId"
          form={form}
          set={set}
          options={[any, ...lists.users]}
        />
        <Select
          label={t("sr_status")}
          name="status"
          form={form}
          set={set}
          options={[any, ["triggered", t("statusTriggered")], [
            "acknowledged",
            t("statusAcknowledged"),
          ], ["resolved", t("statusResolved")]]}
        />
        <Select
          label={t("sr_priority")}
          name="priority"
          form={form}
          set={set}
          options={[any, ["urgent", t("prioUrgent")], ["high", t("prioHigh")], [
            "medium",
            t("prioMedium"),
          ], ["low", t("prioLow")]]}
        />
        {(["from", "to"] as const).map((k) => (
          <label key={k}>
            {t(k === "from" ? "sr_from" : "sr_to")}
            <input
              type="date"
              name={k}
              value={form[k]}
              onInput={(e) => set(k, (e.target as HTMLInputElement).value)}
            />
          </label>
        ))}
      </div>
    </details>
  );
}

/** Loads the conversation, team and people names the filters and results show. */
async function loadLists(me: PublicUser): Promise<Lists> {
  const [c, tm, u] = await Promise.all([
    api<{ items: { id: string; title: string; kind: string; peer: PublicUser | null }[] }>(
      "GET",
      "/api/v1/conversations",
    ),
    api<{ items: { id: string; name: string }[] }>("GET", "/api/v1/teams"),
    api<{ items: PublicUser[] }>("GET", "/api/v1/users?limit=200").catch(() => ({ items: [] })),
  ]);
  const users = new Map(u.items.map((x) => [x.id, x.name || x.email]));
  users.set(me.id, me.name || me.email);
  return {
    convs: c.items.map((x) => [x.id, x.peer ? x.peer.name || x.peer.email : x.title]),
    teams: tm.items.map((x) => [x.id, x.name]),
    users,
  };
}

/** What a search came to: its states (start, loading, error, nothing, stopped early), hits, more. */
function Outcome(props: {
  t: Translate;
  lang: Lang;
  /** The download of every hit of the search shown (its query, without a cursor). */
  exportHref: string;
  state: "start" | "loading" | "done";
  error: string;
  partial: boolean;
  items: SearchHit[];
  more: boolean;
  onMore: () => void;
  users: Map<string, string>;
}) {
  const { t, state, error, items } = props;
  const when = (ms: number) => new Date(ms).toLocaleString(props.lang === "zh" ? "zh-CN" : "en");
  const userName = (id: string | null) => (id && props.users.get(id)) || "";
  return (
    <>
      {error && <p class="error" role="alert">{error}</p>}
      {state === "start" && !error && <p class="empty">{t("sr_start")}</p>}
      {state === "loading" && <p class="muted" aria-busy="true">{t("sr_loading")}</p>}
      {state !== "start" && props.partial && <p class="muted">{t("sr_partial")}</p>}
      {state === "done" && !items.length && !error && <p class="empty">{t("sr_empty")}</p>}
      {items.length > 0 && state === "done" && (
        <p class="search-export">
          <ExportLinks t={t} lang={props.lang} href={props.exportHref} />
        </p>
      )}
      {items.length > 0 && <SearchResults t={t} items={items} when={when} userName={userName} />}
      {props.more && state === "done" && (
        <p>
          <button type="button" onClick={props.onMore}>{t("sr_more")}</button>
        </p>
      )}
    </>
  );
}

/** Search over messages, alerts and notes, with filters; each hit opens its conversation there. */
export default function Search(props: SearchProps) {
  const { t, lang } = useLocale(props.lang);
  const form = useSignal<Form>(EMPTY);
  const lists = useSignal<Lists>({ convs: [], teams: [], users: new Map() });
  const items = useSignal<SearchHit[]>([]);
  const cursor = useSignal<string | null>(null);
  const partial = useSignal(false);
  const state = useSignal<"start" | "loading" | "done">("start");
  const error = useSignal("");
  const shown = useSignal(""); // the query of the search shown, for its download

  const run = async (more: boolean) => {
    error.value = "";
    if (!form.value.q.trim()) return;
    state.value = "loading";
    if (!more) shown.value = apiQuery(form.value, null);
    try {
      const page = await api<SearchPage>(
        "GET",
        `/api/v1/search?${apiQuery(form.value, more ? cursor.value : null)}`,
      );
      items.value = more ? [...items.value, ...page.items] : page.items;
      cursor.value = page.cursor;
      partial.value = page.partial;
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      state.value = "done";
    }
  };
  useEffect(() => {
    const p = new URLSearchParams(location.search);
    form.value = Object.fromEntries(FIELDS.map((f) => [f, p.get(f) ?? ""])) as Form;
    loadLists(props.me).then((l) => lists.value = l).catch((e) => error.value = errorText(t, e));
    if (form.value.q) run(false);
  }, []);
  const set = (k: keyof Form, v: string) => form.value = { ...form.value, [k]: v };
  const submit = (e: Event) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const f of FIELDS) if (form.value[f]) p.set(f, form.value[f]);
    history.replaceState(null, "", `/search?${p}`);
    run(false);
  };

  return (
    <div class="admin search-page">
      <AdminNav t={t} me={props.me} current="search" />
      <main class="admin-main">
        <h1>{t("sr_title")}</h1>
        <p class="muted">{t("sr_help")}</p>
        <form class="search-form" role="search" onSubmit={submit}>
          <input
            type="search"
            name="q"
            aria-label={t("sr_query")}
            placeholder={t("sr_placeholder")}
            maxLength={200}
            value={form.value.q}
            onInput={(e) => set("q", (e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="primary">{t("sr_submit")}</button>
          <Filters t={t} form={form.value} set={set} lists={lists.value} />
        </form>
        <Outcome
          t={t}
          lang={lang}
          exportHref={`/api/v1/search/export?${shown.value}`}
          state={state.value}
          error={error.value}
          partial={partial.value}
          items={items.value}
          more={cursor.value !== null}
          onMore={() => run(true)}
          users={lists.value.users}
        />
      </main>
    </div>
  );
}
