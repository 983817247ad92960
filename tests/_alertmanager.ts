/** The real Prometheus Alertmanager (Debian's prometheus-alertmanager) on loopback, for tests. */
import { sleep } from "./_helpers.ts";
import { freePort } from "./_process.ts";

export const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

/** Skip outside CI when the package is missing; in CI (.ci/run installs it) it must run. */
export const noAlertmanager = !Deno.env.get("CI") &&
  !(await Deno.stat(ALERTMANAGER).then(() => true, () => false));

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== null) return v;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts Alertmanager with `yaml` as its configuration; `post` sends it alerts (API v2). */
export async function startAlertmanager(yaml: string) {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-am-" });
  const port = freePort();
  await Deno.writeTextFile(`${dir}/alertmanager.yml`, yaml);
  const proc = new Deno.Command(ALERTMANAGER, {
    args: [
      `--config.file=${dir}/alertmanager.yml`,
      `--storage.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      proc.kill("SIGTERM");
    } catch { /* already gone */ }
    const out = await proc.output();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    return new TextDecoder().decode(out.stderr);
  };
  try {
    await waitFor("alertmanager to start", async () => {
      try {
        const r = await fetch(`${url}/-/ready`);
        await r.body?.cancel();
        return r.ok ? true : null;
      } catch {
        return null;
      }
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${await stop()}`);
  }
  return {
    url,
    async post(alerts: unknown[]) {
      const r = await fetch(`${url}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alerts),
      });
      if (r.status !== 200) throw new Error(`alertmanager refused alerts: ${await r.text()}`);
      await r.body?.cancel();
    },
    stop,
  };
}
