import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { useRunner } from "../client/use_runner.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import { useTeams } from "../client/use_teams.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { TeamPicker } from "../components/TeamPicker.tsx";
import type { RulesUi } from "./rules/ui.ts";
import { RoutingTab, useRouting } from "./rules/RoutingTab.tsx";
import { AutomationTab, useAutomation } from "./rules/AutomationTab.tsx";
import { RobotsTab, useRobots } from "./rules/RobotsTab.tsx";

export interface RulesProps {
  me: PublicUser;
  lang: Lang;
}

type Tab = "routing" | "automation" | "robots";
const TABS: Tab[] = ["routing", "automation", "robots"];

/** The page's shared busy flag, message lines and API runner. */
function useRulesUi(lang: Lang): RulesUi {
  const locale = useLocale(lang);
  const { t } = locale;
  return { t, lang: locale.lang, ...useRunner(t) };
}

/** The routing / automation / robots tabs. */
function TabBar(props: { ui: RulesUi; tab: Tab; onTab: (x: Tab) => void }) {
  return (
    <div class="tabs" role="tablist">
      {TABS.map((x) => (
        <button
          key={x}
          type="button"
          role="tab"
          aria-selected={props.tab === x}
          onClick={() => props.onTab(x)}
        >
          {props.ui.t(`rules_tab_${x}`)}
        </button>
      ))}
    </div>
  );
}

/**
 * A team's alert rules: routing (ordered, with the default route and a dry
 * run), automation rules, and chat robots. Team admins edit; members read.
 */
export default function Rules(props: RulesProps) {
  const ui = useRulesUi(props.lang);
  const { t } = ui;
  const tab = useSignal<Tab>("routing");
  const loading = useSignal(true);
  const routing = useRouting(ui);
  const automation = useAutomation(ui);
  const robots = useRobots(ui);
  const teams = useTeams({
    me: props.me,
    run: ui.run,
    load: async (id) => {
      loading.value = true;
      automation.editing.value = null;
      robots.editing.value = null;
      try {
        await routing.load(id);
        await Promise.all([automation.load(id), robots.load(id)]);
      } finally {
        loading.value = false;
      }
    },
    onNone: () => loading.value = false,
  });
  useEffect(() => {
    const fromHash = location.hash.slice(1) as Tab;
    if (TABS.includes(fromHash)) tab.value = fromHash;
  }, []);
  const { current: team, canManage } = teams;
  const shown = !loading.value && team;

  return (
    <div class="admin rules-page">
      <AdminNav t={t} me={props.me} current="rules" />
      <main class="admin-main">
        <h1>{t("rules_title")}</h1>
        {ui.error.value && <p class="error" role="alert">{ui.error.value}</p>}
        {ui.status.value && <p class="ok" role="status">{ui.status.value}</p>}
        {!loading.value && teams.teams.length === 0 && <p class="empty">{t("rules_noTeams")}</p>}
        {teams.teams.length > 0 && (
          <p class="inline-form">
            <TeamPicker t={t} teams={teams.teams} value={teams.teamId} onPick={teams.pick} />
            {!canManage && team && <span class="muted">{t("rules_readOnly")}</span>}
          </p>
        )}
        {teams.teams.length > 0 && (
          <TabBar
            ui={ui}
            tab={tab.value}
            onTab={(x) => {
              tab.value = x;
              history.replaceState(null, "", "#" + x);
            }}
          />
        )}
        {loading.value && <p class="muted" aria-busy="true">{t("rules_loading")}</p>}
        {shown && tab.value === "routing" && (
          <RoutingTab ui={ui} canManage={canManage} routing={routing} />
        )}
        {shown && tab.value === "automation" && (
          <AutomationTab
            ui={ui}
            canManage={canManage}
            members={routing.members.value}
            automation={automation}
          />
        )}
        {shown && tab.value === "robots" && (
          <RobotsTab ui={ui} canManage={canManage} robots={robots} />
        )}
      </main>
    </div>
  );
}
