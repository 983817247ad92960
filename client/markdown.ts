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

/** A mention to highlight: the text after "@" and whether it names the reader. */
export interface MentionMark {
  label: string;
  me: boolean;
}

// Mentions: "@label" in plain text (not in code or links) becomes a highlighted span; the labels
// come in `env.mentions` (the message's mentions, named), never from the text alone.
md.core.ruler.after("inline", "mentions", (state) => {
  const marks = (state.env as { mentions?: MentionMark[] } | undefined)?.mentions;
  if (!marks?.length) return;
  const sorted = [...marks].sort((a, b) => b.label.length - a.label.length);
  for (const block of state.tokens) {
    if (block.type !== "inline" || !block.children) continue;
    const out: Token[] = [];
    let linkDepth = 0;
    for (const tok of block.children) {
      if (tok.type === "link_open") linkDepth++;
      if (tok.type === "link_close") linkDepth--;
      if (tok.type !== "text" || linkDepth > 0 || !tok.content.includes("@")) {
        out.push(tok);
        continue;
      }
      let rest = tok.content;
      let plain = "";
      const flush = () => {
        if (!plain) return;
        const t = new state.Token("text", "", 0);
        t.content = plain;
        out.push(t);
        plain = "";
      };
      while (rest.length) {
        const at = rest.indexOf("@");
        if (at < 0) {
          plain += rest;
          break;
        }
        plain += rest.slice(0, at);
        rest = rest.slice(at);
        const hit = sorted.find((m) => rest.slice(1, 1 + m.label.length) === m.label);
        if (!hit) {
          plain += "@";
          rest = rest.slice(1);
          continue;
        }
        flush();
        const span = new state.Token("html_inline", "", 0);
        span.content = `<span class="mention${hit.me ? " mention-me" : ""}" data-mention${
          hit.me ? " data-mention-me" : ""
        }>@${escape(hit.label)}</span>`;
        out.push(span);
        rest = rest.slice(1 + hit.label.length);
      }
      flush();
    }
    block.children = out;
  }
});

/**
 * Longest text rendered as Markdown; longer text is shown as plain text. Messages stop at
 * TOCSIN_MAX_MESSAGE_CHARS (8,000 by default), so this only bounds the time a huge note or a
 * raised limit could cost the reader's browser (a 1.6 MB table was measured at ~47 s).
 */
export const MAX_MARKDOWN_CHARS = 20_000;

/**
 * Renders `text` as safe HTML. `copy` labels the copy button of code blocks; `mentions` are
 * highlighted where "@label" appears.
 */
export function renderMarkdown(text: string, copy = "Copy", mentions?: MentionMark[]): string {
  if (text.length > MAX_MARKDOWN_CHARS) return `<p class="md-plain">${escape(text)}</p>`;
  // Without the renderer's trailing newline, the text of a message is exactly what was written.
  return md.render(text, { copy, mentions }).trimEnd();
}
