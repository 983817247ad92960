/**
 * Names of the server's enumerations (priorities, channels, how a change was
 * made) in the UI language. Pure: components call them with their translator.
 * A value the client does not know yet is shown as the server sent it.
 */
import type { Key, Translate } from "./i18n.ts";

const PRIORITY = new Map<string, Key>([
  ["urgent", "prioUrgent"],
  ["high", "prioHigh"],
  ["medium", "prioMedium"],
  ["low", "prioLow"],
]);

const CHANNEL = new Map<string, Key>([
  ["email", "pp_channel_email"],
  ["sms", "pp_channel_sms"],
  ["voice", "pp_channel_voice"],
  ["push", "push_channel"],
  ["in-app", "pp_channel_inapp"],
]);

const VIA = new Map<string, Key>([
  ["card", "viaCard"],
  ["api", "viaApi"],
  ["page", "wr_via_page"],
  ["in-app", "pp_via_inapp"],
  ["session", "pp_via_inapp"],
  ["token", "pp_via_token"],
  ["command", "viaCommand"],
  ["automation", "pp_via_automation"],
  ["personal", "pp_via_personal"],
  ["email", "pp_channel_email"],
  ["sms", "pp_channel_sms"],
  ["voice", "pp_channel_voice"],
]);

const STEP = new Map<string, Key>([
  ["notify", "tlNotified"],
  ["escalate", "tlEscalated"],
  ["reminder", "pp_step_reminder"],
]);

const ITEM_STATUS = new Map<string, Key>([
  ["firing", "pp_item_firing"],
  ["resolved", "pp_item_resolved"],
]);

const LANGUAGE = new Map<string, Key>([["en", "pp_lang_en"], ["zh", "pp_lang_zh"]]);

const label = (map: Map<string, Key>) => (t: Translate, value: string): string => {
  const key = map.get(value);
  return key ? t(key) : value;
};

export const priorityLabel = label(PRIORITY);
export const channelLabel = label(CHANNEL);
export const viaLabel = label(VIA);
export const stepLabel = label(STEP);
export const itemStatusLabel = label(ITEM_STATUS);
export const languageLabel = label(LANGUAGE);
