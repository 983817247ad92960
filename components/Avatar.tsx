import { initials } from "../client/format.ts";

/** A colour class from the id, so the same person always has the same colour (no inline styles: CSP). */
function tone(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 8;
}

export function Avatar(props: { id: string; name: string; size?: "s" | "m" }) {
  return (
    <span
      class={`avatar av-${tone(props.id)} ${props.size === "s" ? "avatar-s" : ""}`}
      aria-hidden="true"
    >
      {initials(props.name || "?")}
    </span>
  );
}
