/**
 * Hostile Markdown: whatever a sender writes, the rendered HTML runs nothing, loads nothing from
 * outside, links only to http, https and mailto, and comes back in bounded time.
 */
import * as assert from "node:assert/strict";
import { MAX_MARKDOWN_CHARS, MAX_NESTING, renderMarkdown } from "../client/markdown.ts";

/** Everything in the output that could run script or fetch something, by a coarse but strict scan. */
function dangers(html: string): string[] {
  const found: string[] = [];
  const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
  const allowed = new Set([
    "p",
    "br",
    "strong",
    "em",
    "s",
    "code",
    "pre",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "div",
    "button",
    "input",
  ]);
  for (const tag of tags) {
    const name = /^<([a-z0-9]+)/i.exec(tag)![1].toLowerCase();
    if (!allowed.has(name)) found.push(`tag ${tag}`);
    // Attributes as a browser reads them: name="value" pairs (values are escaped: no quote inside).
    const attrs = [...tag.matchAll(/\s([a-z-]+)(?:="([^"]*)")?/gi)].map((m) => m[1].toLowerCase());
    const rest = tag.replace(/^<[a-z0-9]+/i, "").replace(/\s([a-z-]+)(?:="[^"]*")?/gi, "");
    if (!/^\s*\/?>$/.test(rest)) found.push(`unparsed ${tag}`);
    if (attrs.some((a) => a.startsWith("on"))) found.push(`handler ${tag}`);
    if (attrs.some((a) => ["src", "srcset", "style", "formaction", "background"].includes(a))) {
      found.push(`loads ${tag}`);
    }
    const href = /\shref="([^"]*)"/i.exec(tag)?.[1];
    if (href !== undefined && !/^(https?:\/\/|mailto:)/i.test(href)) found.push(`href ${tag}`);
    if (name === "a" && !/rel="noopener noreferrer"/.test(tag)) found.push(`rel ${tag}`);
    if (name === "input" && !/\sdisabled/.test(tag)) found.push(`enabled ${tag}`);
  }
  return found;
}

function timed(text: string): { html: string; ms: number } {
  const t0 = performance.now();
  const html = renderMarkdown(text);
  return { html, ms: performance.now() - t0 };
}

Deno.test("markdown - formatting people expect: code, tables, strikethrough, tasks, links", () => {
  const html = renderMarkdown(
    "**bold** _it_ ~~gone~~ `x<y`\n\n```sh\nrm -rf <dir>\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n" +
      "- [ ] todo\n- [x] done\n\nsee https://example.com/x?a=1 and [docs](https://docs.example.org)",
  );
  assert.match(html, /<strong>bold<\/strong>/);
  assert.match(html, /<s>gone<\/s>/);
  assert.match(html, /<code>x&lt;y<\/code>/);
  assert.match(html, /<pre><code class="language-sh">rm -rf &lt;dir&gt;\n<\/code><\/pre>/);
  assert.match(html, /data-md-copy/);
  assert.match(html, /<table>[\s\S]*<td>2<\/td>/);
  assert.match(html, /<input type="checkbox" class="md-task" disabled> todo/);
  assert.match(html, /<input type="checkbox" class="md-task" disabled checked> done/);
  assert.match(
    html,
    /<a href="https:\/\/example.com\/x\?a=1" target="_blank" rel="noopener noreferrer">/,
  );
  assert.match(html, /<a href="https:\/\/docs.example.org" target="_blank"/);
  assert.deepEqual(dangers(html), []);
});

Deno.test("markdown - script links, raw HTML and remote images do nothing", () => {
  const hostile = [
    "[a](javascript:alert(1))",
    "[b](JaVaScRiPt:alert(1))",
    "[c](  javascript:alert(1))",
    "[d](java&#x73;cript:alert(1))",
    "[e](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[f](vbscript:msgbox(1))",
    "[g](file:///etc/passwd)",
    "[h](//evil.example/x)",
    "<javascript:alert(1)>",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)"></svg>',
    "<style>body{background:url(https://evil.example/t)}</style>",
    "![track](https://evil.example/pixel.png)",
    "![x](data:image/png;base64,AAAA)",
    '[![img](https://evil.example/i.png)](https://ok.example "t\\" onmouseover=\\"x")',
    "[ok](https://ok.example \"title\" onclick='x')",
    "```\n<script>alert(1)</script>\n```",
    '```js" onclick="alert(1)\n1\n```',
    "`<img src=x onerror=alert(1)>`",
    "<!-- comment --><b>x</b>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "- [x] <img src=x onerror=alert(1)>",
    "| <script> | x |\n|---|---|\n| [a](javascript:x) | ![i](https://evil.example/t.png) |",
  ];
  for (const src of hostile) {
    const html = renderMarkdown(src);
    assert.deepEqual(dangers(html), [], `${src}\n=> ${html}`);
    assert.doesNotMatch(html, /<img|<script|<iframe|<svg|<style/i, src);
  }
  // A remote image becomes a link to it (which the reader may choose to open).
  assert.match(
    renderMarkdown("![graph](https://grafana.example/render.png)"),
    /<a href="https:\/\/grafana.example\/render.png" target="_blank" rel="noopener noreferrer" class="md-image">graph ↗<\/a>/,
  );
  // Raw HTML stays visible as the text it is.
  assert.match(renderMarkdown("<b>hi</b>"), /&lt;b&gt;hi&lt;\/b&gt;/);
  // A mailto link is kept.
  assert.match(
    renderMarkdown("[m](mailto:oncall@example.com)"),
    /href="mailto:oncall@example.com"/,
  );
});

Deno.test("markdown - enormous tables and deep nesting come back in bounded time and depth", () => {
  const table = (cols: number, rows: number) => {
    const row = "|" + " x |".repeat(cols);
    return [row, "|" + "-|".repeat(cols), ...Array.from({ length: rows }, () => row)].join("\n");
  };
  // The largest table that is still rendered as Markdown: many columns, many rows.
  const wide = table(300, 13);
  assert.ok(wide.length <= MAX_MARKDOWN_CHARS);
  const rendered = timed(wide);
  assert.ok(rendered.ms < 2000, `table took ${rendered.ms} ms`);
  assert.match(rendered.html, /<table>/);
  assert.deepEqual(dangers(rendered.html), []);
  // A 1.6 MB table is shown as plain text at once rather than freezing the page.
  const huge = timed(table(200, 2000));
  assert.ok(huge.ms < 500, `huge table took ${huge.ms} ms`);
  assert.doesNotMatch(huge.html, /<table>/);
  assert.deepEqual(dangers(huge.html), []);

  const depth = 5000;
  const lists = timed(
    Array.from({ length: depth }, (_, i) => " ".repeat(i * 2) + "- x").join("\n"),
  );
  assert.ok(lists.ms < 3000, `lists took ${lists.ms} ms`);
  const quotes = timed(">".repeat(depth) + " deep");
  assert.ok(quotes.ms < 3000, `quotes took ${quotes.ms} ms`);
  const maxDepth = (html: string, tag: string) => {
    let d = 0, max = 0;
    for (const m of html.matchAll(new RegExp(`<(/?)${tag}>`, "g"))) {
      d += m[1] ? -1 : 1;
      max = Math.max(max, d);
    }
    return max;
  };
  assert.ok(
    maxDepth(quotes.html, "blockquote") <= MAX_NESTING,
    "quotes nest no deeper than allowed",
  );
  assert.ok(maxDepth(lists.html, "ul") <= MAX_NESTING, "lists nest no deeper than allowed");

  // Pathological inline input: many openers and brackets.
  for (
    const src of [
      "*".repeat(50_000),
      "[".repeat(50_000),
      "`".repeat(50_000),
      "![".repeat(20_000),
      "<".repeat(50_000),
      "a_".repeat(30_000),
    ]
  ) {
    const r = timed(src);
    assert.ok(r.ms < 3000, `${src.slice(0, 4)}… took ${r.ms} ms`);
    assert.deepEqual(dangers(r.html), []);
  }
});
