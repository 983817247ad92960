/**
 * One HTTP/1.1 request over a connection the caller opened (to an address
 * it checked): `Connection: close`, and back come the status and the start
 * of the body. `fetch()` cannot be told which address to connect to for
 * https while it keeps the URL's host name for TLS (SNI and the certificate
 * check), so outbound requests speak HTTP/1.1 themselves.
 */

const enc = new TextEncoder();
const CRLF = [13, 10];
const HEAD_END = [13, 10, 13, 10];
/** Headers this module writes itself; a caller's copies are dropped. */
const OWN_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

export interface Http1Request {
  method: string;
  url: URL;
  /** Validated by the Headers class: no line breaks in names or values. */
  headers: Headers;
  body: string;
}

export interface Http1Response {
  status: number;
  /** The body, cut at the reading limit. */
  body: Uint8Array;
}

/** The request as bytes: origin-form target, `Host` from the URL (its port only when not the default). */
export function encodeRequest(req: Http1Request): Uint8Array {
  const body = enc.encode(req.body);
  const lines = [
    `${req.method} ${req.url.pathname}${req.url.search} HTTP/1.1`,
    `host: ${req.url.host}`,
  ];
  for (const [k, v] of req.headers) if (!OWN_HEADERS.has(k)) lines.push(`${k}: ${v}`);
  lines.push(`content-length: ${body.length}`, "connection: close", "", "");
  const head = enc.encode(lines.join("\r\n"));
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function indexOf(buf: Uint8Array, needle: number[], from: number, to: number): number {
  outer: for (let i = from; i + needle.length <= to; i++) {
    for (let j = 0; j < needle.length; j++) if (buf[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Decodes chunked transfer coding as far as `data` goes; `done` once the last chunk is in. */
export function dechunk(data: Uint8Array): { body: Uint8Array; done: boolean } {
  const parts: Uint8Array[] = [];
  let at = 0;
  let done = false;
  while (true) {
    const eol = indexOf(data, CRLF, at, data.length);
    if (eol < 0) break;
    const sizeText = new TextDecoder().decode(data.subarray(at, eol)).split(";")[0].trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new Error("bad chunk size");
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      done = true;
      break;
    }
    const start = eol + 2;
    parts.push(data.subarray(start, Math.min(start + size, data.length)));
    if (start + size + 2 > data.length) break;
    at = start + size + 2;
  }
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    body.set(p, o);
    o += p.length;
  }
  return { body, done };
}

interface Head {
  status: number;
  bodyStart: number;
  length: number | null;
  chunked: boolean;
}

function parseHead(buf: Uint8Array, end: number): Head {
  const text = new TextDecoder().decode(buf.subarray(0, end));
  const [statusLine, ...fields] = text.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (!m) throw new Error("not an HTTP/1.x response");
  let length: number | null = null;
  let chunked = false;
  for (const f of fields) {
    const colon = f.indexOf(":");
    const name = f.slice(0, colon).trim().toLowerCase();
    const value = f.slice(colon + 1).trim();
    if (name === "content-length" && /^\d+$/.test(value)) length = Number(value);
    if (name === "transfer-encoding" && /chunked\s*$/i.test(value)) chunked = true;
  }
  const status = Number(m[1]);
  if (status === 204 || status === 304) length = 0;
  return { status, bodyStart: end + 4, length: chunked ? null : length, chunked };
}

/**
 * Sends `req` on `conn` and reads the answer: at most `maxBytes` are read,
 * a longer body is cut (the caller only looks at its start). Interim 1xx
 * answers are skipped. Throws when the peer closes before a status line or
 * answers something that is not HTTP/1.x.
 */
export async function exchange(
  conn: Deno.Conn,
  req: Http1Request,
  maxBytes: number,
): Promise<Http1Response> {
  const out = encodeRequest(req);
  for (let o = 0; o < out.length;) o += await conn.write(out.subarray(o));
  const buf = new Uint8Array(maxBytes);
  let len = 0;
  let head: Head | null = null;
  while (true) {
    const n = len < buf.length ? await conn.read(buf.subarray(len)) : null;
    const eof = n === null;
    if (n !== null) len += n;
    while (!head) {
      const end = indexOf(buf, HEAD_END, 0, len);
      if (end < 0) break;
      const h = parseHead(buf, end);
      if (h.status >= 100 && h.status < 200 && h.status !== 101) {
        buf.copyWithin(0, h.bodyStart, len);
        len -= h.bodyStart;
        continue;
      }
      head = h;
    }
    if (!head) {
      if (eof) throw new Error(len === 0 ? "closed without an answer" : "response head too large");
      continue;
    }
    const data = buf.subarray(head.bodyStart, len);
    if (head.chunked) {
      const { body, done } = dechunk(data);
      if (done || eof) return { status: head.status, body };
    } else if (head.length !== null && data.length >= head.length) {
      return { status: head.status, body: data.subarray(0, head.length) };
    } else if (eof) return { status: head.status, body: data };
  }
}
