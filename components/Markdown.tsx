import { useMemo } from "preact/hooks";
import { type MentionMark, renderMarkdown } from "../client/markdown.ts";

/** Copies the code of the block whose copy button was clicked. */
function onCopyClick(e: MouseEvent): void {
  const btn = (e.target as HTMLElement).closest?.("[data-md-copy]");
  if (!btn) return;
  const code = btn.parentElement?.querySelector("code")?.textContent ?? "";
  navigator.clipboard?.writeText(code).then(() => {
    btn.setAttribute("data-copied", "");
    setTimeout(() => btn.removeAttribute("data-copied"), 1500);
  }, () => {});
}

/**
 * Text written in Markdown, rendered by client/markdown.ts (raw HTML off, safe links only, no
 * remote images). `copyLabel` names the copy button on code blocks.
 */
export function Markdown(
  props: { text: string; copyLabel: string; class?: string; mentions?: MentionMark[] },
) {
  const key = props.mentions ? JSON.stringify(props.mentions) : "";
  const html = useMemo(() => renderMarkdown(props.text, props.copyLabel, props.mentions), [
    props.text,
    props.copyLabel,
    key,
  ]);
  return (
    <div
      class={`md ${props.class ?? ""}`}
      onClick={onCopyClick}
      // The HTML comes only from the Markdown renderer, which escapes everything the sender wrote.
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
