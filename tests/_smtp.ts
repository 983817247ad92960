/** A real SMTP server for tests: Debian's python3-aiosmtpd on loopback, writing a maildir. */
import { sleep } from "./_helpers.ts";
import { freePort } from "./_process.ts";

export const PYTHON = "/usr/bin/python3";

/** Starts aiosmtpd; `messages()` reads what it received so far. */
export async function smtpServer() {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-mail-" });
  const port = freePort();
  const child = new Deno.Command(PYTHON, {
    args: [
      "-m",
      "aiosmtpd",
      "-n",
      "-l",
      `127.0.0.1:${port}`,
      "-c",
      "aiosmtpd.handlers.Mailbox",
      `${dir}/box`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      await sleep(50);
    }
  }
  const messages = async () => {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(`${dir}/box/new`)) {
        out.push(await Deno.readTextFile(`${dir}/box/new/${e.name}`));
      }
    } catch {
      // no mail yet
    }
    return out;
  };
  return {
    port,
    messages,
    async close() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
