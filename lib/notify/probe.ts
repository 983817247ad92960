/**
 * "Send a test": one real message through one provider, to an address or
 * number the admin typed, and the provider's answer as it came (status and
 * the start of the body, or the SMTP reply). No failover, no retry: the point
 * is to see what this provider says.
 */
import { z } from "zod";
import type { Deps } from "../core/deps.ts";
import { ApiError } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import { describeIssues } from "../core/schemas.ts";
import { ContactInputSchema } from "./contacts.ts";
import { type Provider, sendEmail, takeRate } from "./providers.ts";
import { sendPhone } from "./sms.ts";

export const ProbeInputSchema = z.strictObject({
  channel: z.enum(["email", "sms", "voice"]),
  to: z.string().trim().min(3).max(254),
});
export type ProbeInput = z.infer<typeof ProbeInputSchema>;

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

const TEXT = "Tocsin test message: this provider works.";

export async function probeProvider(
  deps: Deps,
  p: Provider,
  input: ProbeInput,
): Promise<ProbeResult> {
  // The address rules of contacts: an e-mail address, or a phone number in E.164 form.
  const addr = ContactInputSchema.safeParse({ kind: input.channel, address: input.to });
  if (!addr.success) throw new ApiError("invalid_input", describeIssues(addr.error));
  const email = p.kind === "smtp";
  if ((input.channel === "email") !== email || (input.channel === "voice" && p.kind !== "twilio")) {
    throw new ApiError("invalid_input", `channel: ${p.kind} does not send ${input.channel}`);
  }
  // A test counts against the provider's per-minute limit like any message.
  if (!(await takeRate(deps.kv, p, deps.clock.now()))) {
    throw new ApiError("rate_limited", "this provider's messages for this minute are used up");
  }
  const r = email
    ? await sendEmail(deps, p, {
      to: addr.data.address,
      subject: "Tocsin test message",
      text: TEXT,
      html: `<p>${TEXT}</p>`,
      messageId: ulid(deps.clock.now()),
    })
    : await sendPhone(deps, p, input.channel as "sms" | "voice", addr.data.address, TEXT);
  return { ok: r.ok, detail: r.detail.slice(0, 300) };
}
