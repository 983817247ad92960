import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Translate } from "../../client/i18n.ts";
import {
  type ProviderDraft,
  ProviderForm,
  providerInput,
  type ProviderView,
} from "../../components/ProviderForm.tsx";
import { moved } from "../../components/OrderedList.tsx";
import type { NotifyUi } from "./ui.ts";

type TestResult = { ok: boolean; detail: string };

/** The providers in failover order, the one being edited, and each one's test. */
export function useProviders(ui: NotifyUi) {
  const { t } = ui;
  const providers = useSignal<ProviderView[]>([]);
  const editing = useSignal<ProviderView | null | "new">(null);
  const testing = useSignal<string | null>(null);
  const testResult = useSignal<Record<string, TestResult>>({});
  /** What the admin typed per provider for its test (kept across reloads of the list). */
  const testTo = useSignal<Record<string, string>>({});
  const load = async () => {
    providers.value = (await api<{ items: ProviderView[] }>("GET", "/api/v1/providers")).items;
  };
  useEffect(() => {
    load();
  }, []);
  /** A provider change: shown by its translated error code when it fails. */
  const change = async (f: () => Promise<unknown>, done: string) => {
    ui.error.value = "";
    ui.msg.value = "";
    ui.busy.value = true;
    try {
      await f();
      await load();
      ui.msg.value = done;
    } catch (e) {
      ui.error.value = errorText(t, e);
    } finally {
      ui.busy.value = false;
    }
  };
  const save = (d: ProviderDraft) => {
    const current = editing.value;
    change(async () => {
      if (current && current !== "new") {
        await api("PUT", `/api/v1/providers/${current.id}`, providerInput(d, current.order));
      } else {
        const order = providers.value.reduce((n, p) => Math.max(n, p.order + 1), 0);
        await api("POST", "/api/v1/providers", providerInput(d, order));
      }
      editing.value = null;
    }, t("saved"));
  };
  const move = (i: number, by: number) => {
    const ids = moved(providers.value.map((p) => p.id), i, i + by);
    change(() => api("POST", "/api/v1/providers/reorder", { ids }), t("prov_reordered"));
  };
  const remove = (p: ProviderView) => {
    if (!confirm(t("rules_confirmDelete", { name: p.name }))) return;
    change(() => api("DELETE", `/api/v1/providers/${p.id}`), t("rules_deleted"));
  };
  const sendTest = (p: ProviderView, f: FormData) => {
    testing.value = p.id;
    const { [p.id]: _, ...others } = testResult.value;
    testResult.value = others;
    change(async () => {
      const r = await api<{ result: TestResult }>("POST", `/api/v1/providers/${p.id}/test`, {
        channel: String(f.get("channel")),
        to: String(f.get("to")),
      });
      testResult.value = { ...testResult.value, [p.id]: r.result };
    }, "").finally(() => testing.value = null);
  };
  return { providers, editing, testing, testResult, testTo, change, save, move, remove, sendTest };
}

type Providers = ReturnType<typeof useProviders>;

/** A provider's test: a channel it serves, an address, and what the provider answered. */
function ProviderTest(props: { t: Translate; provider: ProviderView; ps: Providers }) {
  const { t, provider: p, ps: { testing, testTo } } = props;
  const result = props.ps.testResult.value[p.id];
  const channels = p.kind === "smtp" ? ["email"] : p.kind === "twilio" ? ["sms", "voice"] : ["sms"];
  return (
    <>
      <form
        class="inline-form"
        aria-label={t("prov_test")}
        onSubmit={(e) => {
          e.preventDefault();
          props.ps.sendTest(p, new FormData(e.target as HTMLFormElement));
        }}
      >
        <select name="channel" aria-label={t("prov_channel")}>
          {channels.map((c) => <option key={c} value={c}>{t(`prov_ch_${c as "sms"}`)}</option>)}
        </select>
        <input
          name="to"
          required
          aria-label={t("prov_testTo")}
          placeholder={p.kind === "smtp" ? "you@example.com" : "+8613800000000"}
          value={testTo.value[p.id] ?? ""}
          onInput={(e) =>
            testTo.value = { ...testTo.value, [p.id]: (e.target as HTMLInputElement).value }}
        />
        <button type="submit" disabled={testing.value !== null}>
          {testing.value === p.id ? t("prov_sending") : t("rules_sendTest")}
        </button>
      </form>
      {result && (
        <div class={result.ok ? "ok" : "error"} role="status" data-testid="provider-result">
          {result.ok ? t("prov_testOk") : t("prov_testFailed")}
          <pre class="preview answer">{result.detail}</pre>
        </div>
      )}
    </>
  );
}

/** One provider: its place in the order, name, type and limit; move, edit, delete; its test. */
function ProviderCard(
  props: { ui: NotifyUi; provider: ProviderView; index: number; ps: Providers },
) {
  const { ui: { t, busy }, provider: p, index: i, ps } = props;
  return (
    <li class="rule-card" data-testid="provider" data-name={p.name}>
      <div class="rule-head">
        <span class="route-no">{i + 1}</span>
        <strong>{p.name}</strong>
        <span class="tag">{t(`prov_kind_${p.kind}`)}</span>
        {p.perMinute && <span class="muted">{t("prov_perMinuteShort", { n: p.perMinute })}</span>}
      </div>
      <div class="row-actions">
        <button
          type="button"
          aria-label={t("rules_moveUp")}
          title={t("rules_moveUp")}
          disabled={i === 0 || busy.value}
          onClick={() => ps.move(i, -1)}
        >
          ↑
        </button>
        <button
          type="button"
          aria-label={t("rules_moveDown")}
          title={t("rules_moveDown")}
          disabled={i === ps.providers.value.length - 1 || busy.value}
          onClick={() => ps.move(i, 1)}
        >
          ↓
        </button>
        <button type="button" onClick={() => ps.editing.value = p}>{t("rules_edit")}</button>
        <button type="button" class="danger" onClick={() => ps.remove(p)}>
          {t("rules_delete")}
        </button>
      </div>
      <ProviderTest t={t} provider={p} ps={ps} />
    </li>
  );
}

/** The providers in failover order, and the form for a new or edited one. */
export function ProvidersSection(props: { ui: NotifyUi; ps: Providers }) {
  const { ui, ps: { providers, editing } } = props;
  const { t } = ui;
  return (
    <>
      <h2>{t("providers")}</h2>
      <p class="muted">{t("prov_help")}</p>
      {providers.value.length === 0 && editing.value === null && (
        <p class="empty">{t("prov_none")}</p>
      )}
      <ul class="card-list" aria-label={t("providers")}>
        {providers.value.map((p, i) => (
          <ProviderCard key={p.id} ui={ui} provider={p} index={i} ps={props.ps} />
        ))}
      </ul>
      {editing.value === null
        ? (
          <p>
            <button type="button" class="primary" onClick={() => editing.value = "new"}>
              + {t("prov_new")}
            </button>
          </p>
        )
        : (
          <ProviderForm
            key={editing.value === "new" ? "new" : editing.value.id}
            t={t}
            initial={editing.value === "new" ? null : editing.value}
            busy={ui.busy.value}
            onSubmit={props.ps.save}
            onCancel={() => editing.value = null}
          />
        )}
    </>
  );
}
