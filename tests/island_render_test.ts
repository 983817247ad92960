import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { lang } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import AuthForm from "../islands/AuthForm.tsx";
import ChatApp from "../islands/ChatApp.tsx";

const ME: PublicUser = {
  id: "01HZZZZZZZZZZZZZZZZZZZZZZZ",
  name: "Ann",
  email: "ann@example.com",
  role: "member",
  disabled: false,
  quietHours: null,
  lang: null,
};

Deno.test("island render - the page language comes from the lang prop, one render after another", () => {
  const zh = renderToString(h(AuthForm, { mode: "login", lang: "zh", next: "/" }));
  const en = renderToString(h(AuthForm, { mode: "login", lang: "en", next: "/" }));
  const zhAgain = renderToString(h(AuthForm, { mode: "login", lang: "zh", next: "/" }));
  assert.match(zh, /登录 Tocsin/);
  assert.match(en, /Log in to Tocsin/);
  assert.doesNotMatch(en, /登录/);
  assert.match(zhAgain, /登录 Tocsin/);
});

Deno.test("island render - rendering on the server sets no client signal", () => {
  const before = lang.value;
  const html = renderToString(h(ChatApp, { me: ME, lang: "zh", conversationId: null }));
  assert.match(html, /在左侧选择一个会话/);
  assert.equal(lang.value, before);
});

Deno.test("island render - a form with a password is sent by POST if a click beats hydration", async () => {
  const { default: Profile } = await import("../islands/Profile.tsx");
  const { default: AdminUsers } = await import("../islands/AdminUsers.tsx");
  const admin = { ...ME, role: "admin" as const };
  const pages = [
    renderToString(h(Profile, { me: ME, lang: "en" })),
    renderToString(h(AdminUsers, { me: admin, lang: "en" })),
  ];
  let forms = 0;
  for (const html of pages) {
    for (const form of html.match(/<form[^>]*>[\s\S]*?<\/form>/g) ?? []) {
      if (!/type="password"/.test(form)) continue;
      forms++;
      // A native GET would put the password in the page's URL, its history and access logs.
      assert.match(form.slice(0, form.indexOf(">")), /method="post"/, form.slice(0, 200));
    }
  }
  assert.ok(forms >= 2, `${forms} password forms rendered`);
});
