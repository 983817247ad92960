/** Password hashing with Argon2id (hash-wasm), in PHC string form. */
import { argon2id, argon2Verify } from "hash-wasm";
import type { Config } from "../core/config.ts";

/** Hashes a password with the configured Argon2id cost. */
export function hashPassword(config: Config, password: string): Promise<string> {
  return argon2id({
    password,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    parallelism: 1,
    iterations: config.argon2Iterations,
    memorySize: config.argon2MemoryKib,
    hashLength: 32,
    outputType: "encoded",
  });
}

/** Checks a password against a stored PHC hash (cost read from the hash). */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify({ hash, password });
  } catch {
    return false;
  }
}

/** A hash of a random password, verified against when the account does not exist, so timing does not reveal it. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(config: Config): Promise<string> {
  dummyHash ??= hashPassword(config, crypto.randomUUID());
  return dummyHash;
}
