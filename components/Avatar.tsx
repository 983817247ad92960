import { initials } from "../client/format.ts";

/** A colour class from the id, so the same person always has the same colour (no inline styles: CSP). */
function tone(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 8;
}

/**
 * A person's picture: the uploaded one when `avatar` (its id) is known, else the generated
 * default (initials on a colour derived from the id).
 */
export function Avatar(
  props: { id: string; name: string; size?: "s" | "m" | "l"; avatar?: string | null },
) {
  const size = props.size === "s" ? "avatar-s" : props.size === "l" ? "avatar-l" : "";
  return (
    <span class={`avatar av-${tone(props.id)} ${size}`} aria-hidden="true">
      {initials(props.name || "?")}
      {props.avatar && (
        <img
          class="avatar-img"
          alt=""
          loading="lazy"
          src={`/api/v1/users/${encodeURIComponent(props.id)}/avatar?v=${
            encodeURIComponent(props.avatar)
          }`}
        />
      )}
    </span>
  );
}
