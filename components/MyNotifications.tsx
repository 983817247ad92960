import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../client/api.ts";
import { t } from "../client/i18n.ts";

interface Contact {
  id: string;
  kind: string;
  address: string;
  verified: boolean;
}
type Step = { channel: string; afterMinutes: number };
type Rules = Record<"urgent" | "high" | "medium" | "low", Step[]>;

const PRIORITIES = ["urgent", "high", "medium", "low"] as const;
const CHANNELS = ["email", "sms", "voice"] as const;

/** The user's own contact methods (added, then verified with a code) and notification rules. */
export function MyNotifications() {
  const contacts = useSignal<Contact[]>([]);
  const rules = useSignal<Rules | null>(null);
  const error = useSignal("");
  const saved = useSignal("");
  const load = async () => {
    contacts.value = (await api<{ items: Contact[] }>("GET", "/api/v1/me/contacts")).items;
    rules.value = (await api<{ rules: Rules }>("GET", "/api/v1/me/notification-rules")).rules;
  };
  useEffect(() => {
    load();
  }, []);
  const run = async (f: () => Promise<unknown>) => {
    error.value = "";
    saved.value = "";
    try {
      await f();
      await load();
      saved.value = t("saved");
    } catch (e) {
      error.value = (e as HttpError).message;
    }
  };
  const minutes = (p: keyof Rules, ch: string) =>
    rules.value?.[p].find((s) => s.channel === ch)?.afterMinutes;

  return (
    <section aria-label={t("myNotifications")}>
      <h2>{t("myNotifications")}</h2>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {saved.value && <p class="ok" role="status">{saved.value}</p>}
      <ul class="member-list">
        {contacts.value.map((c) => (
          <li key={c.id} data-contact={c.kind}>
            <span class="grow">{c.kind}: {c.address}</span>
            {c.verified ? <span class="ok">{t("verified")}</span> : (
              <form
                class="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  const code = String(new FormData(e.target as HTMLFormElement).get("code"));
                  run(() => api("POST", `/api/v1/me/contacts/${c.id}/verify`, { code }));
                }}
              >
                <input
                  name="code"
                  inputMode="numeric"
                  autocomplete="one-time-code"
                  placeholder={t("code")}
                  aria-label={t("code")}
                  required
                />
                <button type="submit">{t("verify")}</button>
              </form>
            )}
            <button
              type="button"
              class="danger-link"
              onClick={() => run(() => api("DELETE", `/api/v1/me/contacts/${c.id}`))}
            >
              {t("remove")}
            </button>
          </li>
        ))}
      </ul>
      <form
        class="inline-form"
        aria-label={t("addContact")}
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.target as HTMLFormElement);
          run(() =>
            api("POST", "/api/v1/me/contacts", { kind: f.get("kind"), address: f.get("address") })
          );
        }}
      >
        <select name="kind" aria-label={t("channel")}>
          <option value="email">email</option>
          <option value="sms">sms / voice</option>
        </select>
        <input
          name="address"
          required
          placeholder="ann@example.com / +8613800000000"
          aria-label={t("address")}
        />
        <button type="submit">{t("addContact")}</button>
      </form>
      {rules.value && (
        <form
          aria-label={t("rules")}
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.target as HTMLFormElement);
            const next = Object.fromEntries(PRIORITIES.map((p) => [
              p,
              CHANNELS.flatMap((ch) => {
                const v = String(f.get(`${p}.${ch}`) ?? "").trim();
                return v === "" ? [] : [{ channel: ch, afterMinutes: Number(v) }];
              }),
            ]));
            run(() => api("PUT", "/api/v1/me/notification-rules", next));
          }}
        >
          <p class="muted">{t("rulesHelp")}</p>
          <table class="table">
            <thead>
              <tr>
                <th />
                {CHANNELS.map((ch) => <th key={ch}>{ch}</th>)}
              </tr>
            </thead>
            <tbody>
              {PRIORITIES.map((p) => (
                <tr key={p}>
                  <th scope="row">{p}</th>
                  {CHANNELS.map((ch) => (
                    <td key={ch}>
                      <input
                        name={`${p}.${ch}`}
                        type="number"
                        min="0"
                        step="1"
                        aria-label={`${p} ${ch}`}
                        defaultValue={minutes(p, ch) === undefined ? "" : String(minutes(p, ch))}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <div class="actions">
            <button type="submit" class="primary">{t("save")}</button>
          </div>
        </form>
      )}
    </section>
  );
}
