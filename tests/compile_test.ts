/**
 * `deno task compile` builds one executable with the web client inside; it serves the first-run
 * page with its island hydrated. CPU-heavy: one compile for the whole file.
 *
 * `deno compile` needs the Deno runtime it embeds (denort) for this platform: it downloads it once
 * into the Deno cache, or takes DENORT_BIN. On a machine that has neither and no way to download it,
 * this test is skipped, and says so.
 */
import assert from "node:assert/strict";
import { closeBrowser, getBrowser, POLL } from "./_browser.ts";
import { freePort, ServerProcess } from "./_process.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Whether `deno compile` has a runtime to embed without going online: DENORT_BIN or a cached one. */
async function denortAvailable(): Promise<boolean> {
  const bin = Deno.env.get("DENORT_BIN");
  if (bin) return await Deno.stat(bin).then(() => true, () => false);
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
  const zip = `${denoDir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
  if (await Deno.stat(zip).then(() => true, () => false)) return true;
  // Not cached: try the download once (it is cached for next time when it works).
  const probe = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${probe}/x.ts`, "");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["compile", "--quiet", "--output", `${probe}/x`, `${probe}/x.ts`],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } finally {
    await Deno.remove(probe, { recursive: true }).catch(() => {});
  }
}

const available = await denortAvailable();
if (!available) {
  console.warn(
    "compile test skipped: no Deno runtime to embed (no DENORT_BIN, none cached, no download)",
  );
}

Deno.test({
  name: "compile - one executable serves the first-run page with its island hydrated",
  ignore: !available,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const built = await new Deno.Command(Deno.execPath(), {
      args: ["task", "compile"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(built.success, new TextDecoder().decode(built.stderr));
    const binary = `${ROOT}dist/tocsin`;
    assert.ok((await Deno.stat(binary)).isFile);

    // Run it from elsewhere, so that nothing is read from the checkout.
    const dir = await Deno.makeTempDir();
    try {
      await using server = new ServerProcess(`${dir}/tocsin.kv`, freePort(), {}, [], {
        exec: binary,
        captureOutput: true,
      });
      await server.start();
      const page = await (await getBrowser()).newPage();
      try {
        const assetsFailed: string[] = [];
        page.on("response", (r) => {
          if (r.url().includes("/static/") && !r.ok()) assetsFailed.push(r.url());
        });
        await page.goto(server.url + "/");
        assert.match(page.url(), /\/setup$/);
        // Preact keeps the rendered tree on a hydrated root (`__k`): set only once the island ran.
        await page.waitForFunction(
          () =>
            Boolean(
              (document.querySelector("[data-island]") as unknown as { __k?: unknown } | null)
                ?.__k,
            ),
          undefined,
          { ...POLL, timeout: 20_000 },
        );
        assert.deepEqual(assetsFailed, []);
        // And it works: the first-run form creates the admin and opens the app.
        await page.fill("input[name=name]", "Ada");
        await page.fill("input[name=email]", "ada@example.com");
        await page.fill("input[name=password]", "ada-password");
        await page.click("button[type=submit]");
        await page.waitForURL(server.url + "/");
        await page.waitForSelector("text=Ada");
      } finally {
        await page.close();
      }
      await server.stop();
      const { stderr } = await server.output();
      assert.ok(!stderr.includes("no web client bundle"), stderr);
    } finally {
      await closeBrowser();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
