/**
 * SMS and voice through provider HTTP APIs: Twilio (or a compatible API at
 * another base URL; voice reads the text with TTS), Aliyun SMS, Tencent
 * Cloud SMS, and a generic HTTP template. 2xx with the provider's success
 * code is sent; 429, 5xx, timeouts and the providers' throttling codes are
 * transient (retry later or fail over); anything else is permanent.
 */
import { base64, hex, hmac, hmacSha256, sha256Hex } from "../core/crypto.ts";
import type { Deps } from "../core/deps.ts";
import { sendOutbound } from "./outbound.ts";
import type { Provider, SendResult } from "./providers.ts";

/** RFC 3986 percent-encoding, as Aliyun's signature wants it. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function classify(status: number, detail: string): SendResult {
  if (status >= 200 && status < 300) return { ok: true, permanent: false, detail };
  return { ok: false, permanent: !(status === 0 || status === 429 || status >= 500), detail };
}

async function post(
  deps: Deps,
  url: string,
  init: { headers: Record<string, string>; body: string },
): Promise<{ status: number; text: string }> {
  const res = await sendOutbound(
    url,
    { ...init, timeoutMs: deps.config.webhookTimeoutMs },
    deps.config,
  );
  return { status: res.status, text: res.text.slice(0, 2_000) };
}

function xml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One provider kind's settings. */
type ConfigOf<K extends Provider["kind"]> = Extract<Provider, { kind: K }>["config"];

/** Sends `text` by SMS (or reads it out in a call) through one provider. */
export async function sendPhone(
  deps: Deps,
  p: Provider,
  channel: "sms" | "voice",
  to: string,
  text: string,
): Promise<SendResult> {
  if (channel === "voice" && p.kind !== "twilio") {
    return { ok: false, permanent: true, detail: `${p.kind} cannot place calls` };
  }
  switch (p.kind) {
    case "twilio":
      return await sendTwilio(deps, p.config, channel, to, text);
    case "aliyun-sms":
      return await sendAliyun(deps, p.config, to, text);
    case "tencent-sms":
      return await sendTencent(deps, p.config, to, text);
    case "http":
      return await sendHttp(deps, p.config, to, text);
    default:
      return { ok: false, permanent: true, detail: `${p.kind} does not send SMS` };
  }
}

/** Twilio's Messages API, or its Calls API with TwiML that reads the text out. */
async function sendTwilio(
  deps: Deps,
  c: ConfigOf<"twilio">,
  channel: "sms" | "voice",
  to: string,
  text: string,
): Promise<SendResult> {
  const base = c.baseUrl.replace(/\/+$/, "");
  const form = new URLSearchParams({ To: to, From: c.from });
  if (channel === "sms") form.set("Body", text.slice(0, 1_500));
  else form.set("Twiml", `<Response><Say>${xml(text.slice(0, 1_000))}</Say></Response>`);
  const r = await post(
    deps,
    `${base}/2010-04-01/Accounts/${encodeURIComponent(c.accountSid)}/${
      channel === "sms" ? "Messages" : "Calls"
    }.json`,
    {
      headers: {
        authorization: "Basic " + btoa(`${c.accountSid}:${c.authToken}`),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: form.toString(),
    },
  );
  return classify(r.status, `${r.status} ${r.text.slice(0, 120)}`);
}

/** Aliyun SMS (SendSms, signed with HMAC-SHA1); the text fills the template's `content`. */
async function sendAliyun(
  deps: Deps,
  c: ConfigOf<"aliyun-sms">,
  to: string,
  text: string,
): Promise<SendResult> {
  const params: Record<string, string> = {
    AccessKeyId: c.accessKeyId,
    Action: "SendSms",
    Format: "JSON",
    PhoneNumbers: to.replace(/^\+/, ""),
    RegionId: "cn-hangzhou",
    SignName: c.signName,
    SignatureMethod: "HMAC-SHA1",
    SignatureNonce: crypto.randomUUID(),
    SignatureVersion: "1.0",
    TemplateCode: c.templateCode,
    TemplateParam: JSON.stringify({ content: text.slice(0, 300) }),
    Timestamp: new Date(deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    Version: "2017-05-25",
  };
  const canonical = Object.keys(params).sort().map((k) =>
    `${percentEncode(k)}=${percentEncode(params[k])}`
  )
    .join("&");
  const toSign = `POST&${percentEncode("/")}&${percentEncode(canonical)}`;
  const signature = base64(await hmac("SHA-1", c.accessKeySecret + "&", toSign));
  const r = await post(deps, c.endpoint.replace(/\/+$/, "") + "/", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `Signature=${percentEncode(signature)}&${canonical}`,
  });
  if (r.status < 200 || r.status >= 300) {
    return classify(r.status, `${r.status} ${r.text.slice(0, 120)}`);
  }
  let code = "";
  try {
    code = JSON.parse(r.text).Code ?? "";
  } catch {
    code = "bad answer";
  }
  if (code === "OK") return { ok: true, permanent: false, detail: "OK" };
  const throttled = /LIMIT_CONTROL|Throttling/i.test(code);
  return { ok: false, permanent: !throttled, detail: `aliyun ${code}` };
}

/** Tencent Cloud SMS (SendSms, signed with TC3-HMAC-SHA256); the text is the template's parameter. */
async function sendTencent(
  deps: Deps,
  c: ConfigOf<"tencent-sms">,
  to: string,
  text: string,
): Promise<SendResult> {
  const url = new URL(c.endpoint);
  const payload = JSON.stringify({
    PhoneNumberSet: [to],
    SmsSdkAppId: c.sdkAppId,
    SignName: c.signName,
    TemplateId: c.templateId,
    TemplateParamSet: [text.slice(0, 300)],
  });
  const ts = Math.floor(deps.clock.now() / 1000);
  const date = new Date(ts * 1000).toISOString().slice(0, 10);
  const canonicalRequest = [
    "POST",
    "/",
    "",
    "content-type:application/json; charset=utf-8",
    `host:${url.host}`,
    "",
    "content-type;host",
    await sha256Hex(payload),
  ].join("\n");
  const scope = `${date}/sms/tc3_request`;
  const toSign = ["TC3-HMAC-SHA256", String(ts), scope, await sha256Hex(canonicalRequest)].join(
    "\n",
  );
  const kDate = await hmacSha256("TC3" + c.secretKey, date);
  const kService = await hmacSha256(kDate, "sms");
  const kSigning = await hmacSha256(kService, "tc3_request");
  const signature = hex(await hmacSha256(kSigning, toSign));
  const r = await post(deps, url.href, {
    headers: {
      authorization:
        `TC3-HMAC-SHA256 Credential=${c.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
      "content-type": "application/json; charset=utf-8",
      "x-tc-action": "SendSms",
      "x-tc-version": "2021-01-11",
      "x-tc-timestamp": String(ts),
      "x-tc-region": c.region,
    },
    body: payload,
  });
  if (r.status < 200 || r.status >= 300) {
    return classify(r.status, `${r.status} ${r.text.slice(0, 120)}`);
  }
  try {
    const res = JSON.parse(r.text).Response ?? {};
    if (res.Error) {
      const transient = /RequestLimitExceeded|InternalError|FailedOperation\.(Frequency|Limit)/
        .test(res.Error.Code);
      return { ok: false, permanent: !transient, detail: `tencent ${res.Error.Code}` };
    }
    const code = res.SendStatusSet?.[0]?.Code;
    return code === "Ok"
      ? { ok: true, permanent: false, detail: "Ok" }
      : { ok: false, permanent: true, detail: `tencent ${code}` };
  } catch {
    return { ok: false, permanent: false, detail: "tencent: bad answer" };
  }
}

/** A generic HTTP API: the body template with `{{to}}` and `{{text}}` as JSON strings. */
async function sendHttp(
  deps: Deps,
  c: ConfigOf<"http">,
  to: string,
  text: string,
): Promise<SendResult> {
  const body = c.bodyTemplate.replaceAll("{{to}}", JSON.stringify(to)).replaceAll(
    "{{text}}",
    JSON.stringify(text),
  );
  const r = await post(deps, c.url, {
    headers: { "content-type": "application/json", ...c.headers },
    body,
  });
  return classify(r.status, `${r.status} ${r.text.slice(0, 120)}`);
}
