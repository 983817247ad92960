import { useEffect, useState } from "preact/hooks";
import { api } from "../client/api.ts";
import { t } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { Avatar } from "./Avatar.tsx";

/** Directory search; calls onPick with a user. `exclude` hides ids (e.g. existing members). */
export function UserPicker(props: {
  onPick: (u: PublicUser) => void;
  exclude?: string[];
  selected?: string[];
}) {
  const [q, setQ] = useState("");
  const [items, setItems] = useState<PublicUser[]>([]);
  useEffect(() => {
    const timer = setTimeout(async () => {
      const r = await api<{ items: PublicUser[] }>(
        "GET",
        `/api/v1/users?q=${encodeURIComponent(q)}&limit=30`,
      );
      setItems(r.items);
    }, 150);
    return () => clearTimeout(timer);
  }, [q]);
  const shown = items.filter((u) => !props.exclude?.includes(u.id) && !u.disabled);
  return (
    <div class="picker">
      <input
        type="search"
        placeholder={t("searchPeople")}
        aria-label={t("searchPeople")}
        value={q}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
      />
      <ul class="picker-list">
        {shown.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              class={`picker-item ${props.selected?.includes(u.id) ? "selected" : ""}`}
              aria-pressed={props.selected ? props.selected.includes(u.id) : undefined}
              onClick={() => props.onPick(u)}
            >
              <Avatar id={u.id} name={u.name} size="s" />
              <span class="picker-name">{u.name}</span>
              <span class="muted">{u.email}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
