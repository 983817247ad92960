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
