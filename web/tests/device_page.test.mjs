// The device's site in a real browser against the real daemon.
//
//   MAIC_DEVICE_BIN=build/release/apps/maic-device node --test tests/device_page.test.mjs
//
// Starts $MAIC_DEVICE_BIN --listen 127.0.0.1:0 --time-scale 50 --data-dir TMP [$MAIC_DEVICE_ARGS],
// waits for its "listening on http://..." line, opens the page in headless
// Chromium (/usr/bin/chromium, or $MAIC_CHROMIUM) and waits until the live
// readings show. A screenshot goes to $MAIC_ARTIFACT_DIR (default: a
// temporary directory). The daemon and the browser are stopped whatever
// happens. Skipped when MAIC_DEVICE_BIN is not set.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { test } from "node:test";

import { chromium } from "playwright-core";

const DEVICE_BIN = process.env.MAIC_DEVICE_BIN;
const DEVICE_ARGS = (process.env.MAIC_DEVICE_ARGS ?? "").split(/\s+/).filter(Boolean);
const CHROMIUM = process.env.MAIC_CHROMIUM ?? "/usr/bin/chromium";
const STARTUP_MS = 30_000;
const READING_MS = 30_000;

// Flags for a quiet, self-contained browser in a container: no sandbox (we
// may run as root), no GPU, no calls home.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// Resolves with the URL the daemon prints; rejects if it exits or is silent too long.
function listeningUrl(child, log) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening on" line within ${STARTUP_MS} ms`)),
      STARTUP_MS,
    );
    const lines = readline.createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      log.push(line);
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the device exited (${signal ?? code}) before listening`));
    });
  });
}

// SIGTERM (the daemon's deliberate shutdown), then SIGKILL if it lingers.
async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

test(
  "device site: log in as an exporter does, live readings, status",
  { skip: !DEVICE_BIN && "MAIC_DEVICE_BIN is not set", timeout: 120_000 },
  async (t) => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), "maic-device-page-"));
    const artifacts = process.env.MAIC_ARTIFACT_DIR ?? tmp;
    const log = [];
    let device;
    let context;
    // Last resort if the runner is torn down: never leave the daemon behind.
    const killOnExit = () => device?.kill("SIGKILL");
    process.once("exit", killOnExit);
    try {
      // A data server that is not there: the page shows the uplink's state.
      device = spawn(DEVICE_BIN, ["--listen", "127.0.0.1:0", "--time-scale", "50",
                                 "--server", "http://127.0.0.1:9",
                                 "--data-dir", path.join(tmp, "data"), ...DEVICE_ARGS], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      device.stderr.on("data", (chunk) => log.push(String(chunk).trimEnd()));
      const url = await listeningUrl(device, log);
      t.diagnostic(`device at ${url}`);

      context = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 420, height: 900 }, // a phone-sized page
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const pageErrors = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      // The log-in page, as an exporter's headless browser sees it
      // (compat.md §1): the title, the PIN in .minput, a click on .msbmit.
      await page.goto(url);
      assert.equal(await page.title(), "MAIC Login");
      await page.fill(".minput", "0000");
      await Promise.all([page.waitForURL(`${url}/`), page.click(".msbmit")]);

      await page.goto(`${url}/#data`);
      const v1 = page.locator('[data-key="V1"]');
      await v1.filter({ hasText: /\d/ }).waitFor({ timeout: READING_MS });
      const volts = Number.parseFloat(await v1.innerText());
      assert.ok(volts > 200 && volts < 260, `V1 shows ${volts}`);
      const totals = [];
      for (const key of ["W", "TrW"]) {
        const cell = page.locator(`td[data-key="${key}"]`);
        if ((await cell.count()) === 1) totals.push(Number.parseFloat(await cell.innerText()));
      }
      assert.ok(totals.some(Number.isFinite), `total power cells: ${totals.join(", ")}`);

      // The data server that is not there, and the simulated radio joined at once.
      await page.goto(`${url}/#status`);
      await page.locator('[data-state="connecting"], [data-state="error"]').first().waitFor({ timeout: READING_MS });
      await page.getByText("maic-simulated, signal -50 dBm").waitFor({ timeout: READING_MS });

      // The exporter's last step: the page API in the same browser.
      await page.goto(`${url}/?page=getwdata`);
      const data = JSON.parse(await page.locator("body").innerText()).data;
      assert.ok(Number.parseFloat(data.V1.value) > 200, `getwdata V1 = ${JSON.stringify(data.V1)}`);
      assert.deepEqual(pageErrors, []);
      await page.goto(`${url}/#data`);
      await v1.filter({ hasText: /\d/ }).waitFor({ timeout: READING_MS });

      await mkdir(artifacts, { recursive: true });
      const shot = path.join(artifacts, "device_page.png");
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot}`);
    } catch (e) {
      t.diagnostic(`device output:\n${log.join("\n")}`);
      throw e;
    } finally {
      await context?.close().catch(() => {});
      await stopProcess(device);
      process.removeListener("exit", killOnExit);
      await rm(path.join(tmp, "profile"), { recursive: true, force: true });
      if (artifacts !== tmp) await rm(tmp, { recursive: true, force: true });
    }
  },
);
