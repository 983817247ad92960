/**
 * The encoding of KV keys and values in a backup line (see lib/ops/backup.ts for the format):
 * key parts keep their type, and every value JSON cannot say is an object tagged `$type`.
 */
import { base64 } from "../core/crypto.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A key part as JSON, keeping its type. */
export function encodeKeyPart(p: Deno.KvKeyPart): Json {
  if (typeof p === "string" || typeof p === "boolean") return p;
  if (typeof p === "number") return jsonNumber(p) ? p : { number: numberName(p) };
  if (typeof p === "bigint") return { bigint: p.toString() };
  if (p instanceof Uint8Array) return { bytes: base64(p) };
  throw new Error(`unsupported key part ${String(p)}`);
}

/** The inverse of encodeKeyPart; throws on anything it did not write. */
export function decodeKeyPart(j: unknown): Deno.KvKeyPart {
  if (typeof j === "string" || typeof j === "boolean") return j;
  if (typeof j === "number") return j;
  if (isRecord(j)) {
    const keys = Object.keys(j);
    if (keys.length === 1) {
      if (typeof j.bigint === "string" && /^-?\d+$/.test(j.bigint)) return BigInt(j.bigint);
      if (typeof j.bytes === "string") return fromBase64(j.bytes);
      if (typeof j.number === "string") return numberFrom(j.number);
    }
  }
  throw new Error(`not a key part: ${JSON.stringify(j)}`);
}

function jsonNumber(n: number): boolean {
  return Number.isFinite(n) && !Object.is(n, -0);
}

function numberName(n: number): string {
  return Object.is(n, -0) ? "-0" : String(n);
}

function numberFrom(s: string): number {
  if (s === "NaN") return NaN;
  if (s === "Infinity") return Infinity;
  if (s === "-Infinity") return -Infinity;
  if (s === "-0") return -0;
  throw new Error(`not a number: ${JSON.stringify(s)}`);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** A stored value as JSON, with every non-JSON type tagged (see the module doc). */
export function encodeValue(v: unknown, seen = new Set<object>()): Json {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (v === undefined) return { $type: "undefined" };
  if (typeof v === "number") return jsonNumber(v) ? v : { $type: "number", value: numberName(v) };
  if (typeof v === "bigint") return { $type: "bigint", value: v.toString() };
  if (typeof v !== "object") throw new Error(`cannot back up a ${typeof v}`);
  if (v instanceof Deno.KvU64) return { $type: "KvU64", value: v.value.toString() };
  if (v instanceof Uint8Array && v.constructor === Uint8Array) {
    return { $type: "Uint8Array", value: base64(v) };
  }
  if (v instanceof Date) {
    return { $type: "Date", value: Number.isNaN(v.getTime()) ? null : v.toISOString() };
  }
  if (v instanceof RegExp) return { $type: "RegExp", source: v.source, flags: v.flags };
  if (seen.has(v)) throw new Error("cannot back up a value that refers to itself");
  seen.add(v);
  try {
    if (Array.isArray(v)) return Array.from(v, (x) => encodeValue(x, seen));
    if (v instanceof Map) {
      return {
        $type: "Map",
        value: [...v].map(([k, x]) => [encodeValue(k, seen), encodeValue(x, seen)]),
      };
    }
    if (v instanceof Set) return { $type: "Set", value: [...v].map((x) => encodeValue(x, seen)) };
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      throw new Error(`cannot back up a ${proto?.constructor?.name ?? "value"}`);
    }
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encodeValue(x, seen);
    return Object.hasOwn(out, "$type") ? { $type: "object", value: out } : out;
  } finally {
    seen.delete(v);
  }
}

/** The inverse of encodeValue; throws on a tag it does not know. */
export function decodeValue(j: unknown): unknown {
  if (j === null || typeof j !== "object") return j;
  if (Array.isArray(j)) return j.map(decodeValue);
  const o = j as Record<string, unknown>;
  if (!Object.hasOwn(o, "$type")) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x);
    return out;
  }
  const value = o.value;
  switch (o.$type) {
    case "object": {
      if (!isRecord(value)) break;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(value)) out[k] = decodeValue(x);
      return out;
    }
    case "undefined":
      return undefined;
    case "number":
      if (typeof value === "string") return numberFrom(value);
      break;
    case "bigint":
      if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
      break;
    case "KvU64":
      if (typeof value === "string" && /^\d+$/.test(value)) return new Deno.KvU64(BigInt(value));
      break;
    case "Uint8Array":
      if (typeof value === "string") return fromBase64(value);
      break;
    case "Date":
      if (value === null) return new Date(NaN);
      if (typeof value === "string") return new Date(value);
      break;
    case "RegExp":
      if (typeof o.source === "string" && typeof o.flags === "string") {
        return new RegExp(o.source, o.flags);
      }
      break;
    case "Map":
      if (Array.isArray(value)) {
        return new Map(value.map((p) => {
          if (!Array.isArray(p) || p.length !== 2) throw new Error("a Map entry is not a pair");
          return [decodeValue(p[0]), decodeValue(p[1])];
        }));
      }
      break;
    case "Set":
      if (Array.isArray(value)) return new Set(value.map(decodeValue));
      break;
  }
  throw new Error(`not a backed-up value: ${JSON.stringify(j).slice(0, 200)}`);
}
