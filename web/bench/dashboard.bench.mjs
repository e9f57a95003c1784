// The Dashboard's performance in headless Chromium (issue 11 §5), as a
// benchmark: it prints figures and never fails on them.
//
//   node web/bench/dashboard.bench.mjs [--runs 10] [--days N] [--quick] [--json]
//
// Binaries: $MAIC_CLOUD_BIN and $MAIC_HISTORY_BIN, else those of
// $MAIC_BUILD_DIR (default build/release) under apps/. Chromium:
// $MAIC_CHROMIUM (default /usr/bin/chromium).
//
// A real maic-cloud is filled by maic-history with last calendar year's
// minutes of a three-phase device (the history ends at this year's first
// second, UTC), then an account adds the device and stores a board, then
// another (both on the PC layout, 1440 × 900):
//
// 1. month: four charts over last December (lines of P, U and I per phase
//    in hours, bars of each day's energy per phase). The board is opened
//    --runs times cold, each in a new browser context (no HTTP cache, a new
//    renderer, the session cookie only), and each time once more warm, in
//    the same tab. A figure is the Performance API's time from navigation
//    start to the app's "maic:board-ready" mark
//    (web/src/dashboard/widgets/ready.ts): every widget drawn with its
//    data, all fetches included. Then, in the same tab, the in-app way
//    there, as a person usually comes: the device's page is loaded, and the
//    router moves to the board (history.pushState and a popstate, as a
//    link or back and forward do); the figure is the time from that route
//    change to the mark.
// 2. year: one line of P per phase over last year in hours (8,760 points a
//    phase). A scripted pan and zoom of about 3 s (Ctrl + wheel, Shift +
//    wheel, a drag, the cursor across, a double click) runs while a
//    PerformanceObserver collects long tasks and a requestAnimationFrame
//    loop the frame intervals.
//
// --days: the history's length, by default all of last year; --quick (for
// ctest's bench label): 40 days of history (December and a little of
// November: the year's line holds only those), 2 runs.
// Exits non-zero only when the setup fails.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { chromium } from "playwright-core";

import { call, start, stop, tempDir, waitForLine } from "../../tests/integration/harness.mjs";
import { CHROMIUM, CHROMIUM_ARGS, text, watchProblems } from "../tests/dashboard_rig.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    runs: { type: "string" },
    days: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const RUNS = Number(opt.runs ?? (opt.quick ? 2 : 10));
const YEAR = new Date().getUTCFullYear() - 1;
const END = Date.UTC(YEAR + 1, 0, 1) / 1000; // where the history ends
const DAYS = Number(opt.days ?? (opt.quick ? 40 : (END - Date.UTC(YEAR, 0, 1) / 1000) / 86400));
const buildDir = path.resolve(process.env.MAIC_BUILD_DIR ?? path.join(here, "..", "..", "build", "release"));
const CLOUD = process.env.MAIC_CLOUD_BIN ?? path.join(buildDir, "apps", "maic-cloud");
const HISTORY = process.env.MAIC_HISTORY_BIN ?? path.join(buildDir, "apps", "maic-history");
const PIN = "4711";
const VIEWPORT = { width: 1440, height: 900 };
const READY = "maic:board-ready";

const log = (line) => { if (!opt.json) console.log(line); };

// maic-history to its end; resolves with its output.
function history(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(HISTORY, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    for (const s of [child.stdout, child.stderr]) s.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`maic-history exited ${code}:\n${out}`))));
  });
}

function board(name, columns, widgets) {
  return { version: 2, name, columns, widgets };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const ms = (v) => (v === undefined ? "–" : `${v.toFixed(1)} ms`);

// Opens `url` in a fresh context signed in as `session`; resolves with the
// board-ready time (ms since navigation start) and the open page.
async function openBoard(browser, session, url, widgets) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: "en-GB", storageState: session });
  const page = await context.newPage();
  const problems = watchProblems(page);
  const ready = await readyTime(page, url, widgets);
  assert.deepEqual(problems, [], "the page reported errors");
  return { ready, page, context };
}

// Navigates `page` to `url`; resolves with the board-ready time, the CPU
// time the page's main thread spent until then (from a trace of its
// top-level tasks: on a shared machine this hardly depends on the others'
// load, the wall time does) and the points the charts were given (the
// series' answers).
async function readyTime(page, url, widgets) {
  const browser = page.context().browser();
  await browser.startTracing(page, { categories: ["toplevel", "blink.user_timing"] });
  const answers = [];
  const onResponse = (res) => {
    if (res.url().includes("/series?")) answers.push(res.json().then((j) => j.time.length, () => 0));
  };
  page.on("response", onResponse);
  await page.goto(url);
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, READY, { timeout: 60_000 });
  page.off("response", onResponse);
  const ms = await page.evaluate((mark) => performance.getEntriesByName(mark)[0].startTime, READY);
  const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  const mark = events.find((e) => e.name === READY);
  assert.ok(mark, `no ${READY} in the trace`);
  const cpu = events
    .filter((e) => e.ph === "X" && e.pid === mark.pid && e.tid === mark.tid && e.ts <= mark.ts && e.name === "ThreadControllerImpl::RunTask")
    .reduce((sum, e) => sum + (e.tdur ?? 0) / 1000, 0);
  // What the mark claims: a chart per line widget and the bars, drawn.
  const drawn = await page.evaluate(() => document.querySelectorAll(".uplot canvas, .bars-widget").length);
  assert.ok(drawn >= widgets, `only ${drawn} of ${widgets} charts drawn at ${READY}`);
  return { ms, cpu, points: (await Promise.all(answers)).reduce((a, b) => a + b, 0) };
}

// In-app navigation in `page`, where the app runs: loads `deviceUrl`, waits
// for its list of boards, then has the router go to `boardPath`; resolves
// with the ms from the route change to the board-ready mark.
async function navigationTime(page, deviceUrl, boardPath, widgets) {
  await page.goto(deviceUrl);
  await page.locator('a[href$="/boards/pc"]').first().waitFor();
  const ms = await page.evaluate(([path, mark]) => new Promise((resolve, reject) => {
    performance.clearMarks(mark);
    const observer = new PerformanceObserver((list) => {
      const entry = list.getEntries().find((e) => e.name === mark);
      if (!entry) return;
      observer.disconnect();
      resolve(entry.startTime - t0);
    });
    observer.observe({ type: "mark" });
    setTimeout(() => reject(new Error(`no ${mark} within 60 s`)), 60_000);
    const t0 = performance.now();
    history.pushState(null, "", path);
    dispatchEvent(new PopStateEvent("popstate"));
  }), [boardPath, READY]);
  const drawn = await page.evaluate(() => document.querySelectorAll(".uplot canvas, .bars-widget").length);
  assert.ok(drawn >= widgets, `only ${drawn} of ${widgets} charts drawn at ${READY}`);
  return ms;
}

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), max: sorted.at(-1), all: times };
}

// A scripted pan and zoom over the chart of `selector` while long tasks
// and frame intervals are recorded.
async function panAndZoom(page, selector) {
  const over = page.locator(`${selector} .u-over`);
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  const y = box.y + box.height / 2;
  const at = (f) => box.x + box.width * f;
  await page.mouse.move(at(0.5), y);
  await page.evaluate(() => {
    const rec = { tasks: [], frames: [], running: true };
    window.__bench = rec;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) rec.tasks.push(e.duration);
    }).observe({ type: "longtask" });
    let last = null;
    const frame = (t) => {
      if (last !== null) rec.frames.push(t - last);
      last = t;
      if (rec.running) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const pause = (n) => page.waitForTimeout(n);
  const started = Date.now();
  // Zoom into the middle of the year (0.8 a step: 10 steps show ~40 days).
  await page.keyboard.down("Control");
  for (let i = 0; i < 10; ++i) { await page.mouse.wheel(0, -100); await pause(40); }
  await page.keyboard.up("Control");
  // Pan forward and back.
  await page.keyboard.down("Shift");
  for (let i = 0; i < 8; ++i) { await page.mouse.wheel(0, 100); await pause(40); }
  for (let i = 0; i < 8; ++i) { await page.mouse.wheel(0, -100); await pause(40); }
  await page.keyboard.up("Shift");
  // Back to the whole year, then the cursor across all of it.
  await page.mouse.dblclick(at(0.5), y);
  await pause(100);
  await page.mouse.move(at(0.05), y, { steps: 1 });
  await page.mouse.move(at(0.95), y, { steps: 30 });
  // A drag selects a quarter; Ctrl + wheel zooms out of it again.
  await page.mouse.move(at(0.3), y);
  await page.mouse.down();
  await page.mouse.move(at(0.55), y, { steps: 15 });
  await page.mouse.up();
  await pause(100);
  await page.keyboard.down("Control");
  for (let i = 0; i < 10; ++i) { await page.mouse.wheel(0, 100); await pause(40); }
  await page.keyboard.up("Control");
  await page.mouse.dblclick(at(0.5), y);
  await pause(200);
  const seconds = (Date.now() - started) / 1000;
  const rec = await page.evaluate(() => {
    window.__bench.running = false;
    return window.__bench;
  });
  return { ...rec, seconds };
}

async function main() {
  for (const bin of [CLOUD, HISTORY, CHROMIUM]) {
    await access(bin, constants.X_OK).catch(() => {
      throw new Error(`${bin} is not there (set MAIC_BUILD_DIR, MAIC_CLOUD_BIN, MAIC_HISTORY_BIN or MAIC_CHROMIUM)`);
    });
  }
  const tmp = await tempDir("maic-bench-");
  let c;
  let browser;
  try {
    // As the harness's startCloud, with this binary.
    const cloud = start(CLOUD, ["--data-dir", path.join(tmp.dir, "cloud"), "--listen", "127.0.0.1:0"]);
    c = { cloud, url: (await waitForLine(cloud, /listening on (http:\/\/[\d.]+:\d+)/))[1] };
    const t0 = Date.now();
    const out = await history(["--data-dir", path.join(tmp.dir, "device"), "--server", c.url, "--pin", PIN,
      "--days", String(DAYS), "--end", String(END), "--quiet"]);
    const devid = out.match(/\b(\d{10})\b/)?.[1];
    assert.ok(devid, `no device ID in maic-history's output:\n${out}`);
    log(`history: ${DAYS} days of device ${devid} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const email = "bench@example.org";
    const password = "correct horse battery";
    const account = await call(`${c.url}/api/v1/register`, { method: "POST", body: { email, password } });
    assert.equal(account.status, 201, account.text);
    const key = account.json.api_key;
    const added = await call(`${c.url}/api/v1/devices`, { method: "POST", key, body: { name: "Bench", devid, pin: PIN } });
    assert.equal(added.status, 201, added.text);
    const dev = `${c.url}/api/v1/devices/${devid}`;
    const line = (id, q, x, y) => ({ id, type: "line", x, y, w: 1, h: 5, quantities: [q], phases: [1, 2, 3], period: "month" });
    const month = board("Month", 2, [
      line("power", "W", 0, 0), line("voltage", "V", 1, 0), line("current", "A", 0, 5),
      { id: "energy", type: "bars", x: 1, y: 5, w: 1, h: 5, quantities: ["W", "rW"], phases: [1, 2, 3], period: "month" },
    ]);
    const yearBoard = board("Year", 1, [
      { id: "year", type: "line", x: 0, y: 0, w: 1, h: 8, quantities: ["W"], phases: [1, 2, 3], period: "year" },
    ]);
    // Both on the PC layout, one after the other: the mobile one is narrow.
    const store = async (b) => {
      const put = await call(`${dev}/boards/pc`, { method: "PUT", key, body: b });
      assert.equal(put.status, 200, put.text);
    };
    await store(month);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const signin = await browser.newContext({ viewport: VIEWPORT, locale: "en-GB" });
    const page = await signin.newPage();
    await page.goto(`${c.url}/signin`);
    await page.getByLabel(text("field.email")).fill(email);
    await page.getByLabel(text("field.password")).fill(password);
    await page.getByRole("button", { name: text("signin.submit") }).click();
    await page.getByRole("heading", { level: 1, name: text("devices.title") }).waitFor();
    const session = await signin.storageState();
    await signin.close();

    const boardUrl = (layout, period, date) => `${c.url}/devices/${devid}/boards/${layout}?period=${period}&date=${date}`;
    const monthUrl = boardUrl("pc", "month", `${YEAR}-12-15`);
    // One unmeasured opening: the server's first reads of the rollups.
    await (await openBoard(browser, session, monthUrl, 4)).context.close();
    // Cold: a new context each time (no HTTP cache, a new renderer, whose
    // first Intl call loads ICU's data). Warm: the board opened again in
    // the same tab (cached files revalidated, V8's code cache, ICU loaded).
    // In-app: from the device's page to the board, in the same tab.
    const cold = [];
    const warm = [];
    const inApp = [];
    const deviceUrl = `${c.url}/devices/${devid}`;
    const monthPath = monthUrl.slice(c.url.length);
    for (let i = 0; i < RUNS; ++i) {
      const run = await openBoard(browser, session, monthUrl, 4);
      cold.push(run.ready);
      warm.push(await readyTime(run.page, monthUrl, 4));
      inApp.push(await navigationTime(run.page, deviceUrl, monthPath, 4));
      await run.context.close();
    }
    const monthFig = {
      runs: RUNS,
      cold: summary(cold.map((r) => r.ms)), coldCpu: summary(cold.map((r) => r.cpu)),
      warm: summary(warm.map((r) => r.ms)), warmCpu: summary(warm.map((r) => r.cpu)),
      inApp: summary(inApp),
    };

    await store(yearBoard);
    const yr = await openBoard(browser, session, boardUrl("pc", "year", `${YEAR}-06-15`), 1);
    const pz = await panAndZoom(yr.page, '[data-widget="year"] .uplot');
    await yr.context.close();
    const frames = [...pz.frames].sort((a, b) => a - b);
    const yearFig = {
      ready: yr.ready.ms,
      points: yr.ready.points,
      seconds: pz.seconds,
      longTasks: pz.tasks.length,
      longestTask: pz.tasks.length ? Math.max(...pz.tasks) : 0,
      tasks: pz.tasks,
      frames: frames.length,
      within33: frames.length ? frames.filter((f) => f <= 33).length / frames.length : 0,
      p95Frame: quantile(frames, 0.95),
      maxFrame: frames.at(-1),
    };
    const load = os.loadavg().map((l) => l.toFixed(2));

    if (opt.json) {
      console.log(JSON.stringify({ days: DAYS, load, month: monthFig, year: yearFig }, null, 2));
      return;
    }
    const row = (name, f) => log(`  ${name}  median ${ms(f.median)}   p90 ${ms(f.p90)}   max ${ms(f.max)}   (${f.all.map((t) => t.toFixed(0)).join(", ")})`);
    log("");
    log(`month board, 4 charts (lines of P, U, I × 3 phases in hours; bars), ${RUNS} openings; target < 300 ms`);
    row("cold          ", monthFig.cold);
    row("  its CPU time", monthFig.coldCpu);
    row("warm          ", monthFig.warm);
    row("  its CPU time", monthFig.warmCpu);
    row("in-app        ", monthFig.inApp);
    log(`year line, 3 phases × ${yearFig.points} hours, ${pz.seconds.toFixed(1)} s of scripted pan and zoom (ready in ${ms(yearFig.ready)})`);
    log(`  long tasks      ${yearFig.longTasks}, longest ${ms(yearFig.longestTask)}   (target: none over 50 ms)`);
    log(`  frames ≤ 33 ms  ${(yearFig.within33 * 100).toFixed(1)} % of ${yearFig.frames}, p95 ${ms(yearFig.p95Frame)}, max ${ms(yearFig.maxFrame)}   (target ≥ 95 %)`);
    log(`load average ${load.join(" ")} (${os.cpus().length} CPUs)`);
  } finally {
    await browser?.close().catch(() => {});
    await stop(c?.cloud);
    await tmp.remove();
  }
}

main().catch((e) => {
  console.error(`setup failed: ${e.stack ?? e}`);
  process.exit(1);
});
