import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";
import { channelLabel, priorityLabel } from "../client/labels.ts";
import { errorText } from "../client/api_errors.ts";

export interface Contact {
  id: string;
  kind: string;
  address: string;
  verified: boolean;
}
type Step = { channel: string; afterMinutes: number };
export type Rules = Record<"urgent" | "high" | "medium" | "low", Step[]>;

const PRIORITIES = ["urgent", "high", "medium", "low"] as const;
const CHANNELS = ["email", "sms", "voice", "push"] as const;
/** One of my contacts: its channel and address, a code field until verified, and remove. */
function ContactRow(props: {
  t: Translate;
  contact: Contact;
  onVerify: (code: string) => void;
  onRemove: () => void;
}) {
  const { t, contact: c } = props;
  return (
    <li data-contact={c.kind}>
      <span class="grow">{channelLabel(t, c.kind)}: {c.address}</span>
      {c.verified ? <span class="ok">{t("verified")}</span> : (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const code = String(new FormData(e.target as HTMLFormElement).get("code"));
            props.onVerify(code);
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
        onClick={props.onRemove}
      >
        {t("remove")}
      </button>
    </li>
  );
}

/** Add an e-mail address or a phone number (SMS and voice). */
function AddContactForm(props: { t: Translate; onAdd: (kind: string, address: string) => void }) {
  const { t } = props;
  return (
    <form
      class="inline-form"
      aria-label={t("addContact")}
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.target as HTMLFormElement);
        props.onAdd(String(f.get("kind")), String(f.get("address")));
      }}
    >
      <select name="kind" aria-label={t("channel")}>
        <option value="email">{t("pp_channel_email")}</option>
        <option value="sms">{t("pp_channel_sms")} / {t("pp_channel_voice")}</option>
      </select>
      <input
        name="address"
        required
        placeholder="ann@example.com / +8613800000000"
        aria-label={t("address")}
      />
      <button type="submit">{t("addContact")}</button>
    </form>
  );
}

/** After how many minutes each channel notifies me, per priority (empty: not that channel). */
function RulesForm(props: { t: Translate; rules: Rules; onSave: (rules: Rules) => void }) {
  const { t } = props;
  const minutes = (p: keyof Rules, ch: string) =>
    props.rules[p].find((s) => s.channel === ch)?.afterMinutes;
  return (
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
        ])) as Rules;
        props.onSave(next);
      }}
    >
      <p class="muted">{t("rulesHelp")}</p>
      <table class="table">
        <thead>
          <tr>
            <th />
            {CHANNELS.map((ch) => <th key={ch}>{channelLabel(t, ch)}</th>)}
          </tr>
        </thead>
        <tbody>
          {PRIORITIES.map((p) => (
            <tr key={p}>
              <th scope="row">{priorityLabel(t, p)}</th>
              {CHANNELS.map((ch) => (
                <td key={ch} data-label={channelLabel(t, ch)}>
                  <input
                    name={`${p}.${ch}`}
                    type="number"
                    min="0"
                    step="1"
                    aria-label={`${priorityLabel(t, p)} ${channelLabel(t, ch)}`}
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
  );
}

/**
 * The user's own contact methods (added, then verified with a code) and notification rules.
 * Each change is the island's callback, which saves it and reloads what is shown.
 */
export function MyNotifications(props: {
  t: Translate;
  contacts: Contact[];
  rules: Rules | null;
  onAdd: (kind: string, address: string) => Promise<void>;
  onVerify: (contactId: string, code: string) => Promise<void>;
  onRemove: (contactId: string) => Promise<void>;
  onSaveRules: (rules: Rules) => Promise<void>;
}) {
  const { t } = props;
  const error = useSignal("");
  const saved = useSignal("");
  const run = async (f: () => Promise<unknown>) => {
    error.value = "";
    saved.value = "";
    try {
      await f();
      saved.value = t("saved");
    } catch (e) {
      error.value = errorText(t, e);
    }
  };

  return (
    <section id="my-notifications" aria-label={t("myNotifications")}>
      <h2>{t("myNotifications")}</h2>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {saved.value && <p class="ok" role="status">{saved.value}</p>}
      <ul class="member-list">
        {props.contacts.map((c) => (
          <ContactRow
            key={c.id}
            t={t}
            contact={c}
            onVerify={(code) => run(() => props.onVerify(c.id, code))}
            onRemove={() => run(() => props.onRemove(c.id))}
          />
        ))}
      </ul>
      <AddContactForm t={t} onAdd={(kind, address) => run(() => props.onAdd(kind, address))} />
      {props.rules && (
        <RulesForm
          t={t}
          rules={props.rules}
          onSave={(next) => run(() => props.onSaveRules(next))}
        />
      )}
    </section>
  );
}
