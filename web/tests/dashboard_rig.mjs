// What the Dashboard's browser tests share: how Chromium is started, the
// viewports and accessibility rules they check, the English catalogue and
// axe-core, and the rig every test starts from — a real maic-cloud and a
// maic-device uploading to it, whose PIN is set to PIN (not 0000, so it can
// be added) and which has stored its first minutes.
import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import {
  call, page as devicePage, startCloud, startDevice, stop, tempDir, waitForLine,
} from "../../tests/integration/harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

export const CHROMIUM = process.env.MAIC_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const VIEWPORTS = [{ name: "phone", width: 390, height: 844 }, { name: "desktop", width: 1440, height: 900 }];
export const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
export const PIN = "4711";

export const en = JSON.parse(await readFile(path.join(here, "..", "i18n", "en.json"), "utf8"));
export const languages = JSON.parse(await readFile(path.join(here, "..", "i18n", "languages.json"), "utf8"));
export const axeSource = await readFile(path.join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
// An English string as the app shows it, its {placeholders} filled.
export const text = (key, params = {}) => en[key].replace(/\{(\w+)\}/g, (_, k) => String(params[k]));
// A catalogue key showing on screen means a missing translation.
export const RAW_KEY = new RegExp(`\\b(${[...new Set(Object.keys(en).map((k) => k.split(".")[0]))].join("|")})\\.[a-z][A-Za-z0-9.]*\\b`);

// Collects what must not happen on `page`: script errors and console
// errors other than the API's refusals (401, 403, 404, 409...), which the
// tests provoke. CSP violations land here too.
export function watchProblems(page) {
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  return problems;
}

// axe-core (WCAG 2.1 AA) in both themes, as the system asks for them, and
// a screenshot at each viewport in each, into `artifacts` as
// <name>-<viewport>-<scheme>.png; then no catalogue key may show. The page
// is left light, at `viewport`.
export async function checkPage(page, name, artifacts, viewport) {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    // CDP evaluation is not an inline script: the page's CSP stays in force.
    if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
    const violations = await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }, WCAG);
    assert.deepEqual(violations, [], `${name} (${scheme})`);
    for (const vp of VIEWPORTS) {
      await page.setViewportSize(vp);
      // Charts follow their box's new width before the picture.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.screenshot({ path: path.join(artifacts, `${name}-${vp.name}-${scheme}.png`), fullPage: true });
    }
    await page.setViewportSize(viewport);
  }
  await page.emulateMedia({ colorScheme: "light" });
  assert.doesNotMatch(await page.locator("body").innerText(), RAW_KEY, name);
}

// Starts the server and the device in `dir`; returns both (stop them in
// the caller's `finally`) with the server's URL and the device's ID and URL.
export async function startCloudAndDevice(dir) {
  let c;
  let d;
  try {
    c = await startCloud(path.join(dir, "cloud"), ["--log-level", "debug"]);
    d = await startDevice(path.join(dir, "device"), ["--server", c.url, "--time-scale", "60", "--quiet"]);
    // The device's PIN is 0000 until its owner sets one; the new one goes
    // to the server in a new hello. Then a minute of data arrives.
    await waitForLine(c.cloud, new RegExp(`device ${d.devid} connected for the first time`));
    const from = c.cloud.output.length;
    assert.equal((await devicePage(d.url, { page: "devlogin", devpass: "0000" })).status, 200);
    const set = await call(`${d.url}/api/v1/settings`, { method: "PATCH", body: { pin: PIN } });
    assert.equal(set.status, 200, set.text);
    await waitForLine(c.cloud, new RegExp(`device ${d.devid}: hello`), 20_000, from);
    await waitForLine(c.cloud, new RegExp(`device ${d.devid}: \\d+ minutes stored`), 60_000);
    return { c, d };
  } catch (e) {
    if (d) await stop(d.device);
    if (c) await stop(c.cloud);
    throw e;
  }
}

// Runs `body` with the rig: { c, d } as startCloudAndDevice returns them,
// a Chromium `browser`, and the `artifacts` directory ($MAIC_ARTIFACT_DIR,
// or the temporary one). Whatever happens, everything is stopped and the
// temporary directory removed (unless it holds the artifacts); on a
// failure the server's last output goes to the test's diagnostics.
export async function withRig(t, prefix, body) {
  const tmp = await tempDir(prefix);
  const artifacts = process.env.MAIC_ARTIFACT_DIR ?? tmp.dir;
  await mkdir(artifacts, { recursive: true });
  let rig;
  let browser;
  try {
    rig = await startCloudAndDevice(tmp.dir);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    await body({ ...rig, browser, artifacts });
    t.diagnostic(`screenshots in ${artifacts}`);
  } catch (e) {
    t.diagnostic(`cloud output:\n${rig?.c.cloud.output.slice(-3000) ?? ""}`);
    throw e;
  } finally {
    await browser?.close().catch(() => {});
    await stop(rig?.d.device);
    await stop(rig?.c.cloud);
    if (artifacts !== tmp.dir) await tmp.remove();
  }
}
