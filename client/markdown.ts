/**
 * Markdown for messages, alert notes and announcements: CommonMark with GFM tables, strikethrough
 * and task lists, rendered to HTML by markdown-it with raw HTML off. The text is stored as written;
 * only this renderer decides what it looks like. What it guarantees, whatever the sender wrote:
 * - no raw HTML: tags in the text come out as text;
 * - links only to http, https and mailto, opening in a new tab with rel="noopener noreferrer";
 * - nothing loads from elsewhere: image syntax becomes a link to the image, never an <img>;
 * - bounded nesting (deeply nested lists and quotes stop nesting at MAX_NESTING).
 * Browser code: imports no server module.
 */
import MarkdownIt from "markdown-it";

type Token = ReturnType<InstanceType<typeof MarkdownIt>["parse"]>[number];

/** How deep lists and quotes may nest before the rest is shown flat (markdown-it's default is 100). */
export const MAX_NESTING = 20;

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

const md = new MarkdownIt("default", {
  html: false,
  linkify: true,
  breaks: true,
  typographer: false,
  maxNesting: MAX_NESTING,
});
md.validateLink = (url) => SAFE_LINK.test(url.trim());

function escape(s: string): string {
  return md.utils.escapeHtml(s);
}

const rules = md.renderer.rules;

rules.link_open = (tokens, idx, options, _env, self) => {
  const tok = tokens[idx];
  tok.attrSet("target", "_blank");
  tok.attrSet("rel", "noopener noreferrer");
  return self.renderToken(tokens, idx, options);
};

/** Whether inline token `idx` sits inside a link (a link may not hold another). */
function inLink(tokens: Token[], idx: number): boolean {
  for (let i = idx - 1; i >= 0; i--) {
    if (tokens[i].type === "link_close") return false;
    if (tokens[i].type === "link_open") return true;
  }
  return false;
}

// An image is shown as a link to it: nothing is fetched from the sender's chosen host.
rules.image = (tokens, idx) => {
  const tok = tokens[idx];
  const src = String(tok.attrGet("src") ?? "");
  const alt = tok.children?.map((c) => c.content).join("") || src;
  if (inLink(tokens, idx)) return `${escape(alt)} ↗`;
  return `<a href="${escape(src)}" target="_blank" rel="noopener noreferrer" class="md-image">` +
    `${escape(alt)} ↗</a>`;
};

/** Code blocks get a copy button; its label comes in `env.copy`. */
function codeBlock(tokens: Token[], idx: number, env: unknown): string {
  const tok = tokens[idx];
  const lang = tok.info.trim().split(/\s+/)[0] ?? "";
  const cls = /^[A-Za-z0-9_+-]{1,30}$/.test(lang) ? ` class="language-${lang}"` : "";
  const label = escape((env as { copy?: string } | undefined)?.copy ?? "Copy");
  return `<div class="md-code"><button type="button" class="md-copy" data-md-copy>${label}</button>` +
    `<pre><code${cls}>${escape(tok.content)}</code></pre></div>\n`;
}
rules.fence = (tokens, idx, _o, env) => codeBlock(tokens, idx, env);
rules.code_block = (tokens, idx, _o, env) => codeBlock(tokens, idx, env);

// Task lists: a list item whose text starts with "[ ] " or "[x] " shows a disabled checkbox.
const TASK = /^\[([ xX])\][ \u00a0]/;
md.core.ruler.after("inline", "task_lists", (state) => {
  const tokens = state.tokens;
  for (let i = 2; i < tokens.length; i++) {
    const inline = tokens[i];
    if (
      inline.type !== "inline" || tokens[i - 1].type !== "paragraph_open" ||
      tokens[i - 2].type !== "list_item_open"
    ) continue;
    const first = inline.children?.[0];
    const m = first?.type === "text" ? TASK.exec(first.content) : null;
    if (!first || !m) continue;
    first.content = first.content.slice(m[0].length);
    const box = new state.Token("html_inline", "", 0);
    box.content = `<input type="checkbox" class="md-task" disabled${
      m[1] === " " ? "" : " checked"
    }> `;
    inline.children!.unshift(box);
    tokens[i - 2].attrJoin("class", "md-task-item");
  }
});

/**
 * Longest text rendered as Markdown; longer text is shown as plain text. Messages stop at
 * TOCSIN_MAX_MESSAGE_CHARS (8,000 by default), so this only bounds the time a huge note or a
 * raised limit could cost the reader's browser (a 1.6 MB table was measured at ~47 s).
 */
export const MAX_MARKDOWN_CHARS = 20_000;

/** Renders `text` as safe HTML. `copy` labels the copy button of code blocks. */
export function renderMarkdown(text: string, copy = "Copy"): string {
  if (text.length > MAX_MARKDOWN_CHARS) return `<p class="md-plain">${escape(text)}</p>`;
  // Without the renderer's trailing newline, the text of a message is exactly what was written.
  return md.render(text, { copy }).trimEnd();
}
