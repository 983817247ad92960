import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { type Teams, useTeams } from "../client/use_teams.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { OnCallNow } from "../components/OnCallNow.tsx";
import { TeamPicker } from "../components/TeamPicker.tsx";
import { ScheduleSetup } from "./oncall/ScheduleSetup.tsx";
import { PolicySetup } from "./oncall/PolicySetup.tsx";
import { SchedulePicker, ShiftTable, TakeShiftForm, useTeamOnCall } from "./oncall/Shifts.tsx";
import { MySettings } from "./oncall/MySettings.tsx";
import { DryRunSection } from "./oncall/DryRun.tsx";

export interface OnCallProps {
  me: PublicUser;
  lang: Lang;
}

/** The page's message lines and its runner: an API call's error is shown by code. */
function useRunner(t: Translate) {
  const error = useSignal("");
  const saved = useSignal("");
  const run = async (f: () => Promise<void>) => {
    error.value = "";
    saved.value = "";
    try {
      await f();
      return true;
    } catch (e) {
      error.value = errorText(t, e);
      return false;
    }
  };
  return { error, saved, run };
}

/** The team and schedule pickers at the top of the page. */
function Pickers(props: { t: Translate; teams: Teams; oc: ReturnType<typeof useTeamOnCall> }) {
  const { t, teams, oc } = props;
  return (
    <p class="inline-form">
      <TeamPicker t={t} teams={teams.teams} value={teams.teamId} onPick={teams.pick} />
      <SchedulePicker
        t={t}
        schedules={oc.schedules.value}
        value={oc.schedule.value}
        onPick={oc.loadShifts}
      />
    </p>
  );
}

/** Schedules (next two weeks, overrides marked, take a shift), my quiet hours, and the routing dry run. */
export default function OnCall(props: OnCallProps) {
  const { t, lang } = useLocale(props.lang);
  const { error, saved, run } = useRunner(t);
  const oc = useTeamOnCall(run);
  const { schedules, schedule } = oc;
  const teams = useTeams({ me: props.me, run, load: oc.loadTeam });
  const { current, canManage } = teams;
  const people = oc.members.value.map((m) => ({ id: m.userId, name: m.user?.name ?? m.userId }));

  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="oncall" />
      <main class="admin-main">
        <h1>{t("oncall")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {saved.value && <p class="ok" role="status">{saved.value}</p>}
        <Pickers t={t} teams={teams} oc={oc} />
        {current && <OnCallNow t={t} lang={lang} items={oc.now.value} />}
        {current && (
          <ScheduleSetup
            t={t}
            lang={lang}
            me={props.me}
            canManage={canManage}
            teamId={current.id}
            people={people}
            scheduleId={schedule.value}
            version={oc.version.value}
            run={run}
            onSaved={async (id, msg) => {
              await oc.loadSchedules(teams.teamId, id);
              saved.value = msg;
            }}
          />
        )}
        {schedules.value.length === 0 && (
          <p class="muted">{canManage ? t("oc_noSchedulesManager") : t("oc_noSchedulesYet")}</p>
        )}
        {oc.shifts.value.length > 0 && <ShiftTable t={t} lang={lang} shifts={oc.shifts.value} />}
        {schedule.value && (
          <TakeShiftForm
            t={t}
            onTake={(start, end) =>
              run(async () => {
                await oc.takeShift(props.me.id, start, end);
                saved.value = t("shiftTaken");
              })}
          />
        )}

        {current && (
          <PolicySetup
            t={t}
            canManage={canManage}
            team={{ id: current.id, name: current.name }}
            people={people}
            schedules={schedules.value}
            defaultPolicy={oc.defaultPolicy.value}
            run={run}
            onDefault={(id) => oc.defaultPolicy.value = id}
            onSaved={(msg) => saved.value = msg}
          />
        )}

        <MySettings t={t} me={props.me} run={run} onSaved={(msg) => saved.value = msg} />
        <DryRunSection
          t={t}
          teamId={teams.teamId}
          integrations={oc.integrations.value}
          run={run}
        />
      </main>
    </div>
  );
}
