import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import type { ReminderSettings } from "../lib/protocol.ts";
import { ReminderForm } from "../components/ReminderForm.tsx";
import type { NotifyUi } from "./notify/ui.ts";
import { TemplatesSection } from "./notify/Templates.tsx";
import { ProvidersSection, useProviders } from "./notify/Providers.tsx";

export interface AdminNotifyProps {
  me: PublicUser;
  lang: Lang;
}

/**
 * Templates per channel and language, with a live preview; the providers in
 * failover order (create, edit, reorder, delete, send a test); reminder intervals.
 */
export default function AdminNotify(props: AdminNotifyProps) {
  const { t } = useLocale(props.lang);
  const ui: NotifyUi = { t, busy: useSignal(false), msg: useSignal(""), error: useSignal("") };
  const ps = useProviders(ui);
  const reminders = useSignal<ReminderSettings | null>(null);
  useEffect(() => {
    api<{ reminders: ReminderSettings }>("GET", "/api/v1/settings/reminders").then((r) =>
      reminders.value = r.reminders
    );
  }, []);
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="notify" />
      <main class="admin-main">
        <h1>{t("notifications")}</h1>
        {ui.error.value && <p class="error" role="alert">{ui.error.value}</p>}
        {ui.msg.value && <p class="ok" role="status">{ui.msg.value}</p>}
        <TemplatesSection ui={ui} />
        <ProvidersSection ui={ui} ps={ps} />
        <h2>{t("prov_reminders")}</h2>
        {reminders.value
          ? (
            <ReminderForm
              t={t}
              settings={reminders.value}
              busy={ui.busy.value}
              onSave={(next) =>
                ps.change(async () => {
                  reminders.value = (await api<{ reminders: ReminderSettings }>(
                    "PUT",
                    "/api/v1/settings/reminders",
                    next,
                  )).reminders;
                }, t("saved"))}
            />
          )
          : <p class="muted" aria-busy="true">{t("rules_loading")}</p>}
      </main>
    </div>
  );
}
