/**
 * Preloaded into a server child process (`deno run --preload`) by
 * tests/_process.ts in the "no queues" mode: every commit that carries an
 * enqueue is refused as KV Connect refuses it.
 */
import { refuseEnqueue } from "./_queues.ts";

refuseEnqueue();
