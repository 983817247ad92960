import type { Translate } from "../client/i18n.ts";

/** The "Teams" select at the top of a team page. */
export function TeamPicker(props: {
  t: Translate;
  teams: { id: string; name: string }[];
  value: string;
  onPick: (id: string) => void;
}) {
  return (
    <label>
      {props.t("teams")}{" "}
      <select
        name="team"
        value={props.value}
        onChange={(e) => props.onPick((e.target as HTMLSelectElement).value)}
      >
        {props.teams.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
      </select>
    </label>
  );
}
