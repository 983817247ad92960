/**
 * Message templates per channel and language, with {{variables}}. Admins
 * override the built-in ones; a preview renders any template against a
 * sample or a real alert.
 */
import { auditedAtomic } from "../audit/chain.ts";
import { systemClock } from "../core/clock.ts";
import { z } from "zod";
import type { Alert } from "../alerts/model.ts";
import { keys } from "../core/keys.ts";

export const TemplateChannelSchema = z.enum(["email", "sms", "voice"]);
export type TemplateChannel = z.infer<typeof TemplateChannelSchema>;
export const LangSchema = z.enum(["en", "zh"]);
export type Lang = z.infer<typeof LangSchema>;

export const TemplateSchema = z.strictObject({
  /** E-mail only. */
  subject: z.string().max(300).optional(),
  body: z.string().min(1).max(4_000),
});
export type Template = z.infer<typeof TemplateSchema>;

/** The variables a template may use (documented in docs/notifications.md). */
export const VARIABLES = [
  "alert.title",
  "alert.summary",
  "alert.priority",
  "alert.status",
  "alert.source",
  "alert.url",
  "alert.id",
  "alert.firingCount",
  "ack.url",
  "labels.<name>",
] as const;

const BUILT_IN: Record<TemplateChannel, Record<Lang, Template>> = {
  email: {
    en: {
      subject: "[{{alert.priority|upper}}] {{alert.title}}",
      body:
        "{{alert.title}}\n{{alert.summary}}\n\nPriority: {{alert.priority}} · fired {{alert.firingCount}}×\n\n" +
        "Acknowledge: {{ack.url}}\nOpen in Tocsin: {{alert.url}}",
    },
    zh: {
      subject: "【{{alert.priority|zh}}】{{alert.title}}",
      body:
        "{{alert.title}}\n{{alert.summary}}\n\n优先级：{{alert.priority|zh}} · 触发 {{alert.firingCount}} 次\n\n" +
        "一键认领：{{ack.url}}\n在 Tocsin 中查看：{{alert.url}}",
    },
  },
  sms: {
    en: { body: "[{{alert.priority|upper}}] {{alert.title}} - ack: {{ack.url}}" },
    zh: { body: "【{{alert.priority|zh}}】{{alert.title}} 认领：{{ack.url}}" },
  },
  voice: {
    en: {
      body:
        "Tocsin alert, priority {{alert.priority}}: {{alert.title}}. Please acknowledge it in Tocsin.",
    },
    zh: { body: "Tocsin 告警，优先级{{alert.priority|zh}}：{{alert.title}}。请在 Tocsin 中认领。" },
  },
};

const ZH_PRIORITY: Record<string, string> = { urgent: "紧急", high: "高", medium: "中", low: "低" };

/** The template in force: the admins' override, else the built-in one. */
export async function getTemplate(
  kv: Deno.Kv,
  channel: TemplateChannel,
  lang: Lang,
): Promise<Template> {
  return (await kv.get<Template>(keys.template(channel, lang))).value ?? BUILT_IN[channel][lang];
}

export async function allTemplates(kv: Deno.Kv) {
  const out = [];
  for (const channel of TemplateChannelSchema.options) {
    for (const lang of LangSchema.options) {
      const custom = (await kv.get<Template>(keys.template(channel, lang))).value;
      out.push({
        channel,
        lang,
        custom: custom !== null,
        template: custom ?? BUILT_IN[channel][lang],
      });
    }
  }
  return out;
}

export async function setTemplate(
  kv: Deno.Kv,
  channel: TemplateChannel,
  lang: Lang,
  t: Template | null,
) {
  const op = auditedAtomic(kv, systemClock, {
    action: t ? "template.update" : "template.reset",
    target: { type: "template", id: `${channel}/${lang}` },
  });
  await (t ? op.set(keys.template(channel, lang), t) : op.delete(keys.template(channel, lang)))
    .commit();
}

export interface RenderContext {
  alert: Pick<
    Alert,
    "id" | "title" | "summary" | "priority" | "status" | "source" | "labels" | "firingCount"
  >;
  alertUrl: string;
  ackUrl: string;
}

/** Fills {{var}} and {{var|upper}} / {{var|zh}}; unknown variables become empty. Output is plain text. */
export function render(template: string, ctx: RenderContext): string {
  return template.replace(
    /\{\{\s*([\w.<>-]+)(?:\|(\w+))?\s*\}\}/g,
    (_, name: string, filter?: string) => {
      let v = "";
      // Own entries only: a label or value named "constructor" must not find Object's.
      if (name.startsWith("labels.")) {
        const label = name.slice(7);
        v = Object.hasOwn(ctx.alert.labels, label) ? ctx.alert.labels[label] : "";
      } else if (name === "alert.url") v = ctx.alertUrl;
      else if (name === "ack.url") v = ctx.ackUrl;
      else if (name.startsWith("alert.")) {
        const x = (ctx.alert as unknown as Record<string, unknown>)[name.slice(6)];
        v = typeof x === "string" || typeof x === "number" ? String(x) : "";
      }
      if (filter === "upper") v = v.toUpperCase();
      if (filter === "zh" && Object.hasOwn(ZH_PRIORITY, v)) v = ZH_PRIORITY[v];
      return v;
    },
  );
}

/** A made-up alert for previews. */
export const SAMPLE: RenderContext = {
  alert: {
    id: "01SAMPLE0000000000000000000",
    title: "HighErrorRate prod-sh",
    summary: "checkout 5xx ratio 7.3% over 5m",
    priority: "urgent",
    status: "triggered",
    source: "alertmanager",
    labels: { service: "checkout", cluster: "prod-sh", severity: "critical" },
    firingCount: 3,
  },
  alertUrl: "https://tocsin.example.com/c/01SAMPLECONVERSATION0000000",
  ackUrl: "https://tocsin.example.com/ack/…",
};
