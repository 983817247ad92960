import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import type { Translate } from "../../client/i18n.ts";
import type { PublicUser } from "../../lib/protocol.ts";
import { type Contact, MyNotifications, type Rules } from "../../components/MyNotifications.tsx";
import type { Run } from "./Shifts.tsx";

/** My contacts and notification rules: loaded once, reloaded after each change. */
function useMyNotify() {
  const contacts = useSignal<Contact[]>([]);
  const rules = useSignal<Rules | null>(null);
  const load = async () => {
    contacts.value = (await api<{ items: Contact[] }>("GET", "/api/v1/me/contacts")).items;
    rules.value = (await api<{ rules: Rules }>("GET", "/api/v1/me/notification-rules")).rules;
  };
  /** A change to my contacts or rules, then what is shown is reloaded. */
  const change = async (method: string, path: string, body?: unknown) => {
    await api(method, path, body);
    await load();
  };
  useEffect(() => {
    load();
  }, []);
  return { contacts: contacts.value, rules: rules.value, change };
}

/** My quiet hours: on or off, from, to, in a time zone. */
function QuietHoursForm(props: {
  t: Translate;
  quietHours: PublicUser["quietHours"];
  run: Run;
  onSaved: () => void;
}) {
  const { t } = props;
  const q = props.quietHours;
  return (
    <form
      class="inline-form"
      aria-label={t("quietHours")}
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.target as HTMLFormElement);
        const on = f.get("on") === "on";
        props.run(async () => {
          await api("PATCH", "/api/v1/me", {
            quietHours: on
              ? {
                from: String(f.get("from")),
                to: String(f.get("to")),
                timeZone: String(f.get("tz")),
              }
              : null,
          });
          props.onSaved();
        });
      }}
    >
      <label>
        <input type="checkbox" name="on" defaultChecked={!!q} /> {t("quietOn")}
      </label>
      <input type="time" name="from" defaultValue={q?.from ?? "22:00"} aria-label={t("from")} />
      <input type="time" name="to" defaultValue={q?.to ?? "07:00"} aria-label={t("to")} />
      <input
        name="tz"
        defaultValue={q?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone}
        aria-label={t("timeZone")}
      />
      <button type="submit">{t("save")}</button>
    </form>
  );
}

/** My own settings on the on-call page: how I am notified, and my quiet hours. */
export function MySettings(props: {
  t: Translate;
  me: PublicUser;
  run: Run;
  onSaved: (message: string) => void;
}) {
  const { t } = props;
  const notify = useMyNotify();
  return (
    <>
      <MyNotifications
        t={t}
        contacts={notify.contacts}
        rules={notify.rules}
        onAdd={(kind, address) => notify.change("POST", "/api/v1/me/contacts", { kind, address })}
        onVerify={(id, code) => notify.change("POST", `/api/v1/me/contacts/${id}/verify`, { code })}
        onRemove={(id) => notify.change("DELETE", `/api/v1/me/contacts/${id}`)}
        onSaveRules={(next) => notify.change("PUT", "/api/v1/me/notification-rules", next)}
      />
      <h2>{t("quietHours")}</h2>
      <p class="muted">{t("quietHoursHelp")}</p>
      <QuietHoursForm
        t={t}
        quietHours={props.me.quietHours}
        run={props.run}
        onSaved={() => props.onSaved(t("saved"))}
      />
    </>
  );
}
