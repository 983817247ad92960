/**
 * Password hashing with Argon2id (hash-wasm), in PHC string form. Every hash
 * and verification holds one of the process's hashing slots
 * (`deps.limits.hashing`), so that a burst of logins cannot multiply
 * Argon2's memory or starve other requests of CPU.
 */
import { argon2id, argon2Verify } from "hash-wasm";
import type { Config } from "../core/config.ts";
import type { Deps } from "../core/deps.ts";

/** Counts of Argon2 work done in this process, for tests and diagnostics. */
export const passwordStats = { hashes: 0, verifies: 0, active: 0, peak: 0 };

async function counted<T>(kind: "hashes" | "verifies", fn: () => Promise<T>): Promise<T> {
  passwordStats[kind]++;
  passwordStats.active++;
  passwordStats.peak = Math.max(passwordStats.peak, passwordStats.active);
  try {
    return await fn();
  } finally {
    passwordStats.active--;
  }
}

function rawHash(config: Config, password: string): Promise<string> {
  return counted("hashes", () =>
    argon2id({
      password,
      salt: crypto.getRandomValues(new Uint8Array(16)),
      parallelism: 1,
      iterations: config.argon2Iterations,
      memorySize: config.argon2MemoryKib,
      hashLength: 32,
      outputType: "encoded",
    }));
}

/** Hashes a password with the configured Argon2id cost (waits for a slot; 503 when none frees up). */
export function hashPassword(deps: Deps, password: string): Promise<string> {
  return deps.limits.hashing.run(() => rawHash(deps.config, password));
}

/** Checks a password against a stored PHC hash (cost read from the hash); waits for a slot like hashPassword. */
export function verifyPassword(deps: Deps, hash: string, password: string): Promise<boolean> {
  return deps.limits.hashing.run(() =>
    counted("verifies", async () => {
      try {
        return await argon2Verify({ hash, password });
      } catch {
        return false;
      }
    })
  );
}

/** A hash of a random password, verified against when the account does not exist, so timing does not reveal it. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(deps: Deps): Promise<string> {
  dummyHash ??= hashPassword(deps, crypto.randomUUID());
  // A failed first try (no slot) must not be remembered.
  dummyHash.catch(() => (dummyHash = null));
  return dummyHash;
}
