import type { Translate } from "../client/i18n.ts";
import type { ReminderSettings } from "../lib/protocol.ts";
import { PRIORITIES } from "./RoutingEditor.tsx";

/**
 * Reminder interval and cap per priority, for unacknowledged alerts.
 * 0 minutes: no reminders; an empty cap: until acknowledged.
 */
export function ReminderForm(props: {
  t: Translate;
  settings: ReminderSettings;
  busy: boolean;
  onSave: (s: ReminderSettings) => void;
}) {
  const { t } = props;
  return (
    <form
      aria-label={t("prov_reminders")}
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.target as HTMLFormElement);
        const out = {} as ReminderSettings;
        for (const p of PRIORITIES) {
          const max = String(f.get(`${p}.max`) ?? "").trim();
          out[p] = {
            everyMinutes: Number(f.get(`${p}.every`) || 0),
            maxRepeats: max === "" ? null : Number(max),
          };
        }
        props.onSave(out);
      }}
    >
      <table class="table reminders">
        <thead>
          <tr>
            <th scope="col">{t("rules_priorityLabel")}</th>
            <th scope="col">{t("prov_everyMinutes")}</th>
            <th scope="col">{t("prov_maxRepeats")}</th>
          </tr>
        </thead>
        <tbody>
          {PRIORITIES.map((p) => (
            <tr key={p + JSON.stringify(props.settings[p])}>
              <th scope="row">{t(`rules_prio_${p}`)}</th>
              <td>
                <input
                  type="number"
                  name={`${p}.every`}
                  min={0}
                  max={1440}
                  step="any"
                  aria-label={`${t(`rules_prio_${p}`)} · ${t("prov_everyMinutes")}`}
                  defaultValue={String(props.settings[p].everyMinutes)}
                />
              </td>
              <td>
                <input
                  type="number"
                  name={`${p}.max`}
                  min={0}
                  max={1000}
                  placeholder={t("prov_untilAck")}
                  aria-label={`${t(`rules_prio_${p}`)} · ${t("prov_maxRepeats")}`}
                  defaultValue={props.settings[p].maxRepeats === null
                    ? ""
                    : String(props.settings[p].maxRepeats)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">{t("prov_remindersHelp")}</p>
      <div class="actions">
        <button type="submit" class="primary" disabled={props.busy}>{t("save")}</button>
      </div>
    </form>
  );
}
