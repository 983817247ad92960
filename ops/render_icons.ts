/**
 * Renders the app icons (static/icon-192.png, icon-512.png, icon-maskable-512.png) from the bell
 * of static/favicon.svg, with Chromium. Run it after changing the icon:
 * `deno run -A ops/render_icons.ts`. The PNGs are committed; the build only copies them.
 */
import { chromium } from "playwright-core";

const ROOT = new URL("../", import.meta.url).pathname;
const BELL =
  `<path d="M16 6a6 6 0 0 0-6 6v5l-2 3v1h16v-1l-2-3v-5a6 6 0 0 0-6-6zm-2 17a2 2 0 0 0 4 0z" fill="#fff"/>`;

/** `inset`: the bell's share of the square (a maskable icon keeps it in the safe zone). */
function svg(size: number, rounded: boolean, inset: number): string {
  const scale = (size * inset) / 32;
  const off = (size - 32 * scale) / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <rect width="${size}" height="${size}" rx="${rounded ? size * 0.22 : 0}" fill="#d9480f"/>
    <g transform="translate(${off} ${off}) scale(${scale})">${BELL}</g></svg>`;
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
try {
  const page = await browser.newPage();
  for (
    const [name, size, rounded, inset] of [
      ["icon-192.png", 192, true, 0.9],
      ["icon-512.png", 512, true, 0.9],
      ["icon-maskable-512.png", 512, false, 0.62],
    ] as const
  ) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${
        svg(size, rounded, inset)
      }</body></html>`,
    );
    await page.screenshot({
      path: `${ROOT}static/${name}`,
      omitBackground: true,
      clip: { x: 0, y: 0, width: size, height: size },
    });
    console.log(`static/${name}`);
  }
} finally {
  await browser.close();
}
