/** `deno task build`: bundles the browser client into static/build. */
import { buildClient } from "./lib/assets.ts";

if (import.meta.main) {
  const id = await buildClient();
  console.log(`client built: static/build (build ${id})`);
}
