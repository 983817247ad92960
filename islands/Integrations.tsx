import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { useRunner } from "../client/use_runner.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { IntegrationCard, type IntegrationView } from "../components/IntegrationCard.tsx";
import { createBody, IntegrationCreate } from "../components/IntegrationCreate.tsx";

export interface IntegrationsProps {
  me: PublicUser;
  lang: Lang;
  /** Where senders post (TOCSIN_PUBLIC_URL, else this page's origin). */
  origin: string;
}

interface Team {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
}

type Fresh = Record<string, { token?: string; secret?: string }>;

/** The page's state and its one way of running an API call (busy flag, error, notice). */
function usePageState(t: Translate) {
  const teams = useSignal<Team[]>([]);
  const team = useSignal("");
  const items = useSignal<IntegrationView[] | null>(null);
  const { busy, error, status: notice, run } = useRunner(t);
  const load = async (teamId: string) => {
    team.value = teamId;
    items.value = null;
    items.value = teamId
      ? (await api<{ items: IntegrationView[] }>("GET", `/api/v1/integrations?teamId=${teamId}`))
        .items
      : [];
  };
  useEffect(() => {
    run(async () => {
      teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
      await load(teams.value[0]?.id ?? "");
    });
  }, []);
  return { teams, team, items, error, notice, busy, run, load };
}

/** What the page's buttons and forms do. Tokens and secrets are kept in `fresh` only. */
function useActions(t: Translate, s: ReturnType<typeof usePageState>, type: Signal<string>) {
  const fresh = useSignal<Fresh>({});
  const copied = useSignal("");
  const { run, load, team, notice } = s;
  const remember = (id: string, v: { token?: string; secret?: string }) =>
    fresh.value = { ...fresh.value, [id]: { ...fresh.value[id], ...v } };
  const path = (i: IntegrationView, rest = "") => `/api/v1/integrations/${i.id}${rest}`;
  return {
    fresh,
    copied,
    create: (e: Event) => {
      e.preventDefault();
      const form = e.target as HTMLFormElement;
      const body = createBody(type.value, team.value, new FormData(form));
      run(async () => {
        const r = await api<{ integration: IntegrationView; token: string }>(
          "POST",
          "/api/v1/integrations",
          body,
        );
        const secret = body.signingSecret as string | undefined;
        remember(r.integration.id, { token: r.token, ...(secret ? { secret } : {}) });
        form.reset();
        await load(team.value);
      });
    },
    rotate: (i: IntegrationView) =>
      confirm(t("int_rotateConfirm")) && run(async () => {
        remember(i.id, { token: (await api<{ token: string }>("POST", path(i, "/token"))).token });
      }),
    toggle: (i: IntegrationView) =>
      run(async () => {
        await api("PATCH", path(i), { disabled: !i.disabled });
        await load(team.value);
      }),
    test: (i: IntegrationView) =>
      run(async () => {
        await api("POST", path(i, "/test"));
        notice.value = t("int_testSent");
        await load(team.value);
      }),
    remove: (i: IntegrationView) =>
      confirm(t("int_deleteConfirm", { name: i.name })) && run(async () => {
        await api("DELETE", path(i));
        await load(team.value);
      }),
    save: (i: IntegrationView, body: Record<string, unknown>) =>
      run(async () => {
        await api("PATCH", path(i), body);
        await load(team.value);
        notice.value = t("intd_saved");
      }),
    copy: (what: string, text: string) => {
      navigator.clipboard?.writeText(text).then(() => copied.value = what).catch(() => {});
    },
  };
}

/** A team's integrations: create, copy the URL and token, rotate, pause, test, delete, set up. */
export default function Integrations(props: IntegrationsProps) {
  const { t, lang } = useLocale(props.lang);
  const type = useSignal<string>("alertmanager");
  const s = usePageState(t);
  const a = useActions(t, s, type);
  const { teams, team, items, busy } = s;
  const current = teams.value.find((x) => x.id === team.value);
  const canManage = props.me.role === "admin" || current?.myRole === "admin";
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="integrations" />
      <main class="admin-main int-page">
        <h1>{t("int_title")}</h1>
        <p class="muted">{t("int_help")}</p>
        {s.error.value && <p class="error" role="alert">{s.error.value}</p>}
        {s.notice.value && <p class="ok" role="status">{s.notice.value}</p>}
        {teams.value.length > 1 && (
          <p class="inline-form">
            <label>
              {t("al_team")}{" "}
              <select
                name="team"
                value={team.value}
                onChange={(e) => s.run(() => s.load((e.target as HTMLSelectElement).value))}
              >
                {teams.value.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
              </select>
            </label>
          </p>
        )}
        {teams.value.length === 0 && items.value !== null && <p class="muted">{t("al_noTeams")}</p>}
        {team.value && canManage && (
          <IntegrationCreate
            t={t}
            type={type.value}
            busy={busy.value}
            onType={(x) => type.value = x}
            onSubmit={a.create}
          />
        )}
        {team.value && !canManage && <p class="muted">{t("int_manageOnly")}</p>}
        {items.value === null && team.value && <p class="muted">{t("al_loading")}</p>}
        {items.value?.length === 0 && (
          <p class="empty">
            {t("int_empty")} {canManage ? t("int_emptyManage") : t("int_emptyMember")}
          </p>
        )}
        {items.value?.map((i) => (
          <IntegrationCard
            key={i.id}
            t={t}
            lang={lang}
            i={i}
            hookUrl={props.origin + i.url}
            enqueueUrl={props.origin + "/v2/enqueue"}
            fresh={a.fresh.value[i.id] ?? {}}
            canManage={canManage}
            busy={busy.value}
            copied={a.copied.value}
            onCopy={a.copy}
            onTest={() => a.test(i)}
            onRotate={() => a.rotate(i)}
            onToggle={() => a.toggle(i)}
            onRemove={() => a.remove(i)}
            onSave={(body) => a.save(i, body)}
          />
        ))}
      </main>
    </div>
  );
}
