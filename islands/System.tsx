import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Key, type Lang, useLocale } from "../client/i18n.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import {
  DeadLetters,
  ProviderHealth,
  RecentErrors,
  SystemOverview,
  SystemTimers,
} from "../components/SystemPanels.tsx";
import type { PublicUser, SystemStatus } from "../lib/protocol.ts";

export interface SystemProps {
  me: PublicUser;
  lang: Lang;
}

/** The admin System page: how this Tocsin is doing, and the dead letters to act on. */
export default function System(props: SystemProps) {
  const { lang, t } = useLocale(props.lang);
  const status = useSignal<SystemStatus | null>(null);
  const error = useSignal("");
  const note = useSignal("");
  const busy = useSignal<string | null>(null);

  const load = async () => {
    status.value = await api<SystemStatus>("GET", "/api/v1/system");
  };
  const run = async (id: string, f: () => Promise<unknown>, done: Key) => {
    error.value = "";
    note.value = "";
    busy.value = id;
    try {
      await f();
      note.value = t(done);
      await load();
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      busy.value = null;
    }
  };
  useEffect(() => {
    load().catch((e) => error.value = errorText(t, e));
  }, []);

  const s = status.value;
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="system" />
      <main class="admin-main sys">
        <div class="sys-head">
          <h1>{t("sys_title")}</h1>
          <button
            type="button"
            onClick={() => load().catch((e) => error.value = errorText(t, e))}
          >
            {t("sys_refresh")}
          </button>
        </div>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {note.value && <p class="notice" role="status">{note.value}</p>}
        {!s && !error.value && <p class="muted" aria-busy="true">{t("sys_loading")}</p>}
        {s && (
          <>
            <SystemOverview t={t} lang={lang} s={s} />
            <SystemTimers t={t} lang={lang} s={s} />
            <DeadLetters
              t={t}
              lang={lang}
              s={s}
              busy={busy.value !== null}
              onRetry={(id) =>
                run(id, () => api("POST", `/api/v1/admin/dead-letters/${id}/retry`), "sys_retried")}
              onDiscard={(id) => {
                if (!confirm(t("sys_discardConfirm"))) return;
                run(id, () => api("DELETE", `/api/v1/admin/dead-letters/${id}`), "sys_discarded");
              }}
            />
            <ProviderHealth t={t} lang={lang} s={s} />
            <RecentErrors t={t} lang={lang} s={s} />
          </>
        )}
      </main>
    </div>
  );
}
