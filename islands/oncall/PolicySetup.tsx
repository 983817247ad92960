import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import type { Translate } from "../../client/i18n.ts";
import { type PolicyDraft, PolicyEditor, type Target } from "../../components/PolicyEditor.tsx";
import type { Person } from "../../components/ScheduleEditor.tsx";

interface Policy extends PolicyDraft {
  id: string;
  teamId: string;
}
interface Preview {
  items: { at: string; level: number; round: number; userIds: string[] }[];
  names: Record<string, string>;
}

interface SetupProps {
  t: Translate;
  canManage: boolean;
  team: { id: string; name: string };
  people: Person[];
  schedules: { id: string; name: string }[];
  defaultPolicy: string | null;
  run: (f: () => Promise<void>) => Promise<boolean>;
  onDefault: (id: string | null) => void;
  onSaved: (message: string) => void;
}

/** The team's policies, the one being edited ("new" or an id), the one being deleted, previews. */
function usePolicies(props: SetupProps) {
  const { t } = props;
  const policies = useSignal<Policy[]>([]);
  const editing = useSignal<string | null>(null);
  const confirming = useSignal<string | null>(null);
  const previews = useSignal<Record<string, Preview>>({});
  const busy = useSignal(false);
  const load = async () => {
    policies.value = (await api<{ items: Policy[] }>(
      "GET",
      `/api/v1/escalation-policies?teamId=${props.team.id}`,
    )).items;
  };
  useEffect(() => {
    editing.value = null;
    previews.value = {};
    props.run(load);
  }, [props.team.id]);
  const preview = (id: string) =>
    props.run(async () => {
      const p = await api<Preview>("GET", `/api/v1/escalation-policies/${id}/preview?minutes=60`);
      previews.value = { ...previews.value, [id]: p };
    });
  const save = (d: PolicyDraft) => {
    busy.value = true;
    props.run(async () => {
      if (editing.value === "new") {
        await api("POST", "/api/v1/escalation-policies", { ...d, teamId: props.team.id });
      } else {
        await api("PUT", `/api/v1/escalation-policies/${editing.value}`, d);
        const { [editing.value!]: _, ...rest } = previews.value;
        previews.value = rest;
      }
      editing.value = null;
      await load();
      props.onSaved(t("oc_policySaved"));
    }).finally(() => busy.value = false);
  };
  const makeDefault = (id: string) =>
    props.run(async () => {
      await api("PUT", `/api/v1/teams/${props.team.id}/escalation-policy`, { policyId: id });
      props.onDefault(id);
      props.onSaved(t("oc_defaultSet"));
    });
  const remove = (id: string) =>
    props.run(async () => {
      await api("DELETE", `/api/v1/escalation-policies/${id}`);
      await load();
      props.onSaved(t("oc_deleted"));
    }).then(() => confirming.value = null);
  return { policies, editing, confirming, previews, busy, preview, save, makeDefault, remove };
}

type Policies = ReturnType<typeof usePolicies>;

/** A policy's name, its default badge, and its preview / default / edit / delete buttons. */
function PolicyHead(props: SetupProps & { policy: Policy; ps: Policies }) {
  const { t, policy: p, ps } = props;
  return (
    <div class="oc-row">
      <strong class="grow">
        {p.name}
        {props.defaultPolicy === p.id && (
          <span class="oc-badge" data-testid="default-badge">{t("oc_default")}</span>
        )}
      </strong>
      <button type="button" onClick={() => ps.preview(p.id)}>{t("oc_preview")}</button>
      {props.canManage && (
        <>
          {props.defaultPolicy !== p.id && (
            <button
              type="button"
              onClick={() => ps.makeDefault(p.id)}
            >
              {t("oc_makeDefault")}
            </button>
          )}
          <button type="button" onClick={() => ps.editing.value = p.id}>{t("oc_edit")}</button>
          {ps.confirming.value === p.id
            ? (
              <span class="oc-confirm">
                {t("oc_confirmDelete", { name: p.name })}{" "}
                <button type="button" class="danger" onClick={() => ps.remove(p.id)}>
                  {t("oc_yesDelete")}
                </button>{" "}
                <button type="button" onClick={() => ps.confirming.value = null}>
                  {t("oc_cancel")}
                </button>
              </span>
            )
            : (
              <button
                type="button"
                class="danger-link"
                onClick={() => ps.confirming.value = p.id}
              >
                {t("oc_delete")}
              </button>
            )}
        </>
      )}
    </div>
  );
}

/** Who a policy would page over the next hour, level by level. */
function PolicyPreview(props: { t: Translate; preview: Preview }) {
  const { t, preview } = props;
  const time = (iso: string) =>
    new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return (
    <div class="oc-preview" data-testid="preview" aria-label={t("oc_preview")}>
      <p class="muted">{t("oc_previewHelp")}</p>
      <ol>
        {preview.items.map((x) => (
          <li key={x.at + x.level} data-level={x.level}>
            <strong>{time(x.at)}</strong> — {t("oc_levelN", { n: x.level + 1 })}: {x.userIds.length
              ? x.userIds.map((u) => preview.names[u] ?? u).join(", ")
              : t("oc_nobody")}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** A saved policy: its head, its levels in words, and its preview once asked for. */
function PolicyCard(props: SetupProps & { policy: Policy; ps: Policies }) {
  const { t, policy: p } = props;
  const label = (x: Target) =>
    x.type === "team"
      ? t("oc_wholeTeam", { team: props.team.name })
      : x.type === "schedule"
      ? t("oc_onCallOf", { name: props.schedules.find((s) => s.id === x.id)?.name ?? "?" })
      : props.people.find((p) => p.id === x.id)?.name ?? x.id;
  const preview = props.ps.previews.value[p.id];
  return (
    <>
      <PolicyHead {...props} />
      <ol class="oc-levels">
        {p.levels.map((l, i) => (
          <li key={i}>
            {l.targets.map(label).join(", ")}
            <span class="muted">
              {" · "}
              {i === p.levels.length - 1
                ? p.repeat
                  ? t("oc_thenRepeat", { n: l.delayMinutes, times: p.repeat })
                  : t("oc_stopsHere")
                : t("oc_thenAfter", { n: l.delayMinutes })}
            </span>
          </li>
        ))}
      </ol>
      {preview && <PolicyPreview t={t} preview={preview} />}
    </>
  );
}

/**
 * The team's escalation policies: create, edit, delete, make one the team
 * default, and a preview of who each would page when over the next hour.
 */
export function PolicySetup(props: SetupProps) {
  const { t } = props;
  const ps = usePolicies(props);
  const { editing } = ps;
  const editor = (initial: PolicyDraft, key: string) => (
    <PolicyEditor
      key={key}
      t={t}
      people={props.people}
      schedules={props.schedules}
      team={props.team}
      initial={initial}
      busy={ps.busy.value}
      onSave={ps.save}
      onCancel={() => editing.value = null}
    />
  );
  const first = props.schedules[0];
  return (
    <section class="oc-section" aria-label={t("oc_policies")}>
      <div class="oc-row">
        <h2 class="grow">{t("oc_policies")}</h2>
        {props.canManage && !editing.value && (
          <button
            type="button"
            class="primary"
            onClick={() => editing.value = "new"}
          >
            {t("oc_newPolicy")}
          </button>
        )}
      </div>
      <p class="muted">{t("oc_policiesHelp")}</p>
      {editing.value === "new" && editor(
        {
          name: "",
          repeat: 0,
          levels: [{ delayMinutes: 5, targets: first ? [{ type: "schedule", id: first.id }] : [] }],
        },
        "new",
      )}
      {ps.policies.value.length === 0 && (
        <p class="muted">{props.canManage ? t("oc_noPoliciesManager") : t("oc_noPolicies")}</p>
      )}
      <ul class="oc-policies">
        {ps.policies.value.map((p) => (
          <li key={p.id} class="oc-policy" data-policy={p.id} aria-label={p.name}>
            {editing.value === p.id
              ? editor({ name: p.name, repeat: p.repeat, levels: p.levels }, p.id)
              : <PolicyCard {...props} policy={p} ps={ps} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
