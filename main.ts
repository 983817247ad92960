/**
 * Tocsin's composition root: config -> KV -> core -> app -> serve.
 * Side effects happen only when this file is run.
 */
import { loadAssets } from "./lib/assets.ts";
import { type Config, loadConfig, SHUTDOWN_GRACE_MS } from "./lib/core/config.ts";
import { isSetUp } from "./lib/accounts/users.ts";
import { createCore } from "./lib/runtime.ts";
import { createApp } from "./routes/mod.ts";
import { log, setLogFormat } from "./lib/core/log.ts";

/** Opens the KV store named by `path`: a URL (Deploy, denokv) or a file whose folder is created. */
export async function openStore(path: string): Promise<Deno.Kv> {
  if (!/^https?:\/\//.test(path) && path !== ":memory:") {
    const dir = path.replace(/[\\/][^\\/]*$/, "");
    if (dir && dir !== path) await Deno.mkdir(dir, { recursive: true });
  }
  return await Deno.openKv(path);
}

/** Where the administrator opens Tocsin: TOCSIN_PUBLIC_URL, else the address it listens on. */
export function openUrl(config: Config, hostname: string, port: number): string {
  if (config.publicOrigin) return config.publicOrigin + "/";
  // A wildcard address is not one a browser can open everywhere.
  const host = hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}

if (import.meta.main) {
  // A configuration error is logged in the format asked for, even when another variable is wrong.
  if (Deno.env.get("TOCSIN_LOG_FORMAT") === "json") setLogFormat("json");
  let config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (err) {
    log.error("tocsin: invalid configuration", err instanceof Error ? err.message : err);
    Deno.exit(1);
  }
  setLogFormat(config.logFormat);
  const kv = await openStore(config.kvPath);
  const core = createCore(kv, config);
  await core.start();
  const assets = await loadAssets();
  if (!assets) {
    log.warn("tocsin: no web client bundle; run `deno task build` (the API works without it)");
  }
  const app = createApp(core, { assets });
  const firstRun = !(await isSetUp(kv));
  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) =>
      log.info(
        `tocsin listening on http://${
          hostname.includes(":") ? `[${hostname}]` : hostname
        }:${port}` +
          (firstRun
            ? `; open ${openUrl(config, hostname, port)} to create the first administrator`
            : ""),
      ),
  }, app.fetch);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info("tocsin: shutting down");
    await core.close();
    const grace = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), SHUTDOWN_GRACE_MS));
    if (await Promise.race([server.shutdown(), grace]) === "timeout") {
      log.warn(`tocsin: requests still open after ${SHUTDOWN_GRACE_MS} ms; exiting anyway`);
    }
    kv.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
