/**
 * A real OpenLDAP server for tests: Debian's `slapd` started in a temp dir
 * with a generated slapd.conf (mdb back end), loaded with an LDIF through
 * slapadd, listening on a free loopback port. CI installs it (.ci/run);
 * elsewhere tests that need it are skipped when it is missing.
 */
import { Client } from "ldapts";

export const SLAPD = "/usr/sbin/slapd";
const SLAPADD = "/usr/sbin/slapadd";
export const hasSlapd = await Deno.stat(SLAPD).then(() => true, () => false);

export const SUFFIX = "dc=example,dc=test";
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const ROOT_PW = "root-secret";

export interface Slapd extends AsyncDisposable {
  url: string;
  /** A client bound as the root DN, to change the directory as its admins would. */
  admin(): Promise<Client>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function startSlapd(ldif: string): Promise<Slapd> {
  const dir = await Deno.makeTempDir({ prefix: "tocsin-slapd-" });
  await Deno.mkdir(`${dir}/db`);
  const conf = `${dir}/slapd.conf`;
  await Deno.writeTextFile(
    conf,
    [
      "include /etc/ldap/schema/core.schema",
      "include /etc/ldap/schema/cosine.schema",
      "include /etc/ldap/schema/inetorgperson.schema",
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      `pidfile ${dir}/slapd.pid`,
      "database mdb",
      `suffix "${SUFFIX}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${ROOT_PW}`,
      `directory ${dir}/db`,
      "maxsize 10485760",
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(`${dir}/data.ldif`, ldif);
  const add = await new Deno.Command(SLAPADD, {
    args: ["-f", conf, "-l", `${dir}/data.ldif`],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!add.success) throw new Error("slapadd: " + new TextDecoder().decode(add.stderr));
  const url = `ldap://127.0.0.1:${freePort()}`;
  const proc = new Deno.Command(SLAPD, {
    args: ["-d", "0", "-f", conf, "-h", `${url}/`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const admin = async () => {
    const c = new Client({ url, timeout: 5_000, connectTimeout: 5_000 });
    await c.bind(ROOT_DN, ROOT_PW);
    return c;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await (await admin()).unbind();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        proc.kill("SIGKILL");
        throw new Error(`slapd did not answer: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    admin,
    async [Symbol.asyncDispose]() {
      proc.kill("SIGTERM");
      await proc.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
