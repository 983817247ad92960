import { useSignal } from "@preact/signals";
import { api } from "../../client/api.ts";
import {
  maskUrl,
  type RobotDraft,
  RobotForm,
  type RobotView,
} from "../../components/RobotForm.tsx";
import { confirmDelete, type RulesUi } from "./ui.ts";

type TestResult = { ok: boolean; detail: string };

/** A team's chat robots: the list, the one being edited, and the last test of each. */
export function useRobots(ui: RulesUi) {
  const teamId = useSignal("");
  const robots = useSignal<RobotView[]>([]);
  const editing = useSignal<RobotView | null | "new">(null);
  const results = useSignal<Record<string, TestResult>>({});
  const load = async (id: string) => {
    teamId.value = id;
    robots.value = (await api<{ items: RobotView[] }>("GET", `/api/v1/robots?teamId=${id}`)).items;
  };
  const save = (d: RobotDraft) => {
    const current = editing.value;
    return ui.run(async () => {
      const body = {
        name: d.name,
        kind: d.kind,
        ...(d.url ? { url: d.url } : {}),
        ...(d.secret ? { secret: d.secret } : {}),
      };
      if (current && current !== "new") await api("PUT", `/api/v1/robots/${current.id}`, body);
      else await api("POST", "/api/v1/robots", { ...body, teamId: teamId.value });
      editing.value = null;
      await load(teamId.value);
    }, ui.t("rules_saved"));
  };
  const test = (r: RobotView) =>
    ui.run(async () => {
      const { [r.id]: _, ...others } = results.value;
      results.value = others;
      const res = await api<{ result: TestResult }>("POST", `/api/v1/robots/${r.id}/test`);
      results.value = { ...results.value, [r.id]: res.result };
    });
  const remove = (r: RobotView) =>
    confirmDelete(ui, r.name, async () => {
      await api("DELETE", `/api/v1/robots/${r.id}`);
      await load(teamId.value);
    });
  return { robots, editing, results, load, save, test, remove };
}

export type Robots = ReturnType<typeof useRobots>;

/** One robot: platform, masked URL, its last test's answer, and a manager's buttons. */
function RobotCard(props: {
  ui: RulesUi;
  robot: RobotView;
  result: TestResult | undefined;
  canManage: boolean;
  robots: Robots;
}) {
  const { ui: { t }, robot: r, result } = props;
  return (
    <li class="rule-card" data-testid="robot" data-name={r.name}>
      <div class="rule-head">
        <strong>{r.name}</strong>
        <span class="tag">{t(`rules_robot_${r.kind}`)}</span>
      </div>
      <p class="muted url" data-testid="robot-url">{maskUrl(r.url)}</p>
      {result && (
        <p class={result.ok ? "ok" : "error"} role="status" data-testid="robot-result">
          {result.ok ? t("rules_testOk") : t("rules_testFailed", { detail: result.detail })}
        </p>
      )}
      {props.canManage && (
        <div class="row-actions">
          <button
            type="button"
            disabled={props.ui.busy.value}
            onClick={() => props.robots.test(r)}
          >
            {t("rules_sendTest")}
          </button>
          <button type="button" onClick={() => props.robots.editing.value = r}>
            {t("rules_edit")}
          </button>
          <button type="button" class="danger" onClick={() => props.robots.remove(r)}>
            {t("rules_delete")}
          </button>
        </div>
      )}
    </li>
  );
}

/** The robots tab: the team's chat robots, a test button each, and the robot form. */
export function RobotsTab(props: { ui: RulesUi; canManage: boolean; robots: Robots }) {
  const { ui, canManage, robots: { robots, editing, results } } = props;
  const { t } = ui;
  return (
    <section aria-label={t("rules_tab_robots")}>
      <p class="muted">{t("rules_robotsHelp")}</p>
      {robots.value.length === 0 && editing.value === null && (
        <p class="empty">{canManage ? t("rules_noRobots") : t("rules_noRobotsRead")}</p>
      )}
      {robots.value.length > 0 && (
        <ul class="card-list">
          {robots.value.map((r) => (
            <RobotCard
              key={r.id}
              ui={ui}
              robot={r}
              result={results.value[r.id]}
              canManage={canManage}
              robots={props.robots}
            />
          ))}
        </ul>
      )}
      {canManage && editing.value === null && (
        <p>
          <button type="button" class="primary" onClick={() => editing.value = "new"}>
            + {t("rules_newRobot")}
          </button>
        </p>
      )}
      {editing.value !== null && (
        <RobotForm
          key={editing.value === "new" ? "new" : editing.value.id}
          t={t}
          initial={editing.value === "new" ? null : editing.value}
          busy={ui.busy.value}
          onSubmit={props.robots.save}
          onCancel={() => editing.value = null}
        />
      )}
    </section>
  );
}
