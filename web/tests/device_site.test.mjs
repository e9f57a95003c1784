// The device's web site (log-in page and app) in a real browser against
// the real daemon.
//
//   MAIC_DEVICE_BIN=build/release/apps/maic-device node --test tests/device_site.test.mjs
//
// One daemon ($MAIC_DEVICE_BIN --listen 127.0.0.1:0 --time-scale 50
// --data-dir TMP) and one headless Chromium (/usr/bin/chromium, or
// $MAIC_CHROMIUM) serve all tests; every test logs in from a fresh browser
// context. The tests run in order: the PIN change is the last one, as it
// ends the factory PIN the others see. The MQTT test starts its own
// mosquitto on a free loopback port. axe-core (WCAG 2.1 AA) checks every
// page in light and dark; screenshots go to
// $MAIC_ARTIFACT_DIR/device-site/<page>-<width>-<scheme>.png (default: a
// temporary directory). Everything is stopped and the temporary directory
// removed whatever happens. Skipped when MAIC_DEVICE_BIN is not set.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { freePort } from "../../tests/integration/harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DEVICE_BIN = process.env.MAIC_DEVICE_BIN;
const CHROMIUM = process.env.MAIC_CHROMIUM ?? "/usr/bin/chromium";
const MOSQUITTO = process.env.MAIC_MOSQUITTO ?? "/usr/sbin/mosquitto";
// Debian's python3, which has aiosmtpd (testing/data/smtp_sink.py).
const PYTHON = process.env.MAIC_PYTHON ?? "/usr/bin/python3";
const STARTUP_MS = 30_000;
const WAIT_MS = 30_000;
const SKIP = !DEVICE_BIN && "MAIC_DEVICE_BIN is not set";

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const VIEWPORTS = [{ width: 390, height: 844 }, { width: 1440, height: 900 }];
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const SECTIONS = ["status", "data", "wifi", "configuration", "server", "mqtt", "conditions", "notifications", "output",
                  "calibration"];

const en = JSON.parse(await readFile(path.join(here, "..", "i18n", "device", "en.json"), "utf8"));
const languages = JSON.parse(await readFile(path.join(here, "..", "i18n", "languages.json"), "utf8"));
const axeSource = await readFile(path.join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
// Catalogue keys: a dot and no spaces ("nav.status").
const KEYS = Object.keys(en).filter((k) => k.includes(".") && !/\s/.test(k));

// Polls `fn` until it returns a truthy value; throws with `what` after `ms`.
async function waitFor(what, fn, ms = WAIT_MS, every = 200) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}


// Resolves with the first match of `pattern` in `child`'s stdout lines.
function lineMatching(child, pattern, log) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${STARTUP_MS} ms`)), STARTUP_MS);
    const lines = readline.createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      log.push(line);
      if (log.length > 400) log.splice(0, 100);
      const match = pattern.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${child.spawnfile} exited (${signal ?? code}) too early`));
    });
  });
}

// SIGTERM, then SIGKILL if it lingers.
async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const children = new Set();
const killOnExit = () => { for (const c of children) c.kill("SIGKILL"); };
let tmp;
let artifacts;
let device;
let browser;
let url;
const log = [];

before(async () => {
  if (SKIP) return;
  process.once("exit", killOnExit);
  tmp = await mkdtemp(path.join(os.tmpdir(), "maic-device-site-"));
  artifacts = path.join(process.env.MAIC_ARTIFACT_DIR ?? tmp, "device-site");
  await mkdir(artifacts, { recursive: true });
  // A data server that is not there: Status shows the uplink trying.
  device = spawn(DEVICE_BIN, ["--listen", "127.0.0.1:0", "--time-scale", "50", "--server", "http://127.0.0.1:9",
    "--data-dir", path.join(tmp, "data")], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(device);
  device.stderr.on("data", (chunk) => log.push(String(chunk).trimEnd()));
  [, url] = await lineMatching(device, /listening on (http:\/\/127\.0\.0\.1:\d+)/, log);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  if (SKIP) return;
  await browser?.close().catch(() => {});
  await stopProcess(device);
  children.delete(device);
  process.removeListener("exit", killOnExit);
  if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
  // With no MAIC_ARTIFACT_DIR the screenshots went with tmp.
});

// Wraps a test body: on failure the device's last output goes to the diagnostics.
function siteTest(name, body, timeout = 120_000) {
  test(name, { skip: SKIP, timeout }, async (t) => {
    try {
      await body(t);
    } catch (e) {
      t.diagnostic(`device output:\n${log.slice(-40).join("\n")}`);
      throw e;
    }
  });
}

// A fresh context (no cookie), the log-in page; `language` preset in localStorage.
async function openLogin({ language, viewport = VIEWPORTS[1] } = {}) {
  const context = await browser.newContext({ viewport });
  if (language) {
    await context.addInitScript((tag) => localStorage.setItem("maic.device.language", tag), language);
  }
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { context, page, problems };
}

async function submitPin(page, pin) {
  await page.fill(".minput", pin);
  await Promise.all([page.waitForNavigation(), page.click(".msbmit")]);
}

// Logs in with `pin` and waits for the app's navigation.
async function logIn(options = {}) {
  const s = await openLogin(options);
  await submitPin(s.page, options.pin ?? "0000");
  await s.page.locator("nav.sections").waitFor({ timeout: WAIT_MS });
  return s;
}

async function show(page, section) {
  await page.evaluate((id) => { location.hash = `#${id}`; }, section);
  await page.locator(`nav.sections a[href="#${section}"][aria-current="page"]`).waitFor({ timeout: WAIT_MS });
}

const api = (page, p, init) => page.evaluate(([p, init]) => fetch(p, init).then((r) => r.json()), [p, init]);
const quantity = (readings, key) => readings.quantities.find((q) => q.key === key);

async function axe(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }, WCAG);
}

siteTest("1. an exporter logs in as compat.md §1 says and reads ?page=getwdata", async () => {
  const { context, page } = await openLogin();
  try {
    assert.equal(await page.title(), "MAIC Login");
    await submitPin(page, "0000");
    await page.goto(`${url}/?page=getwdata`);
    const json = JSON.parse(await page.evaluate(() => document.body.innerText));
    for (const key of ["V1", "A1", "W1"]) {
      assert.equal(typeof json.data[key]?.value, "string", key);
      assert.ok(Number.isFinite(Number(json.data[key].value)), `${key} = ${json.data[key].value}`);
    }
  } finally {
    await context.close();
  }
});

siteTest("2. the factory-PIN warning shows on every section", async () => {
  const { context, page, problems } = await logIn();
  try {
    for (const section of SECTIONS) {
      await show(page, section);
      await page.locator(".banner.warning", { hasText: en["shell.factory_pin"] }).first().waitFor({ timeout: WAIT_MS });
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

siteTest("2b. #status: the device ID, the simulated radio's link, the data server trying", async () => {
  const { context, page, problems } = await logIn();
  try {
    await show(page, "status");
    const status = await page.evaluate(() => fetch("api/v1/status").then((r) => r.json()));
    assert.equal(await page.locator("#status-devid").innerText(), status.devid);
    await page.getByText("maic-simulated, signal -50 dBm").waitFor({ timeout: WAIT_MS });
    await page.locator('.badge[data-state="connecting"], .badge[data-state="error"]').first().waitFor({ timeout: WAIT_MS });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

siteTest("3. #data shows what api/v1/readings says", async () => {
  const { context, page, problems } = await logIn();
  try {
    // The answers the page itself received: at --time-scale 50 a reading
    // comes every 0.1 s, so a second request of the test's own would
    // almost never see the reading the page shows.
    const answers = [];
    page.on("response", async (r) => {
      if (!r.url().endsWith("api/v1/readings") || !r.ok()) return;
      answers.push(await r.json().catch(() => null));
      if (answers.length > 20) answers.shift();
    });
    await show(page, "data");
    const keys = ["V1", "W1", "TWh"];
    let seen = "";
    // Every number shown is the one of a reading the API answered.
    await waitFor("the page's values to equal one of the API's answers", async () => {
      const shown = {};
      for (const k of keys) shown[k] = await page.locator(`[data-key="${k}"]`).first().getAttribute("data-value", { timeout: 2000 });
      seen = keys.map((k) => `${k} page ${shown[k]}`).join("; ");
      return answers.some((a) => a && keys.every((k) => shown[k] !== null && Number(shown[k]) === quantity(a, k)?.value));
    }, 60_000, 300).catch((e) => { throw new Error(`${e.message}; ${seen}; ${answers.length} answers`); });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

siteTest("4. initial meter values set on #data show in the cell and the API", async () => {
  const { context, page, problems } = await logIn();
  try {
    await show(page, "data");
    // Far above what the test's device meters by itself (tens of kWh at
    // --time-scale 50), and a margin the load cannot cross while the test
    // waits (at most a few kWh a minute): the set value shows, not drift.
    const SET = 5_000_000;
    const MARGIN = 50_000;
    await page.fill("#f-Wh1", String(SET));
    await page.locator("section.card:has(#data-meters-title) button[type=submit]").click();
    await page.locator("section.card:has(#data-meters-title) .form-result.saved").waitFor({ timeout: WAIT_MS });
    await waitFor("Wh1 at the set value in the API and on the page", async () => {
      const wh1 = quantity(await api(page, "api/v1/readings"), "Wh1")?.value;
      const cell = Number(await page.locator('[data-key="Wh1"]').first().getAttribute("data-value"));
      return wh1 >= SET && wh1 < SET + MARGIN && cell >= SET && cell < SET + MARGIN;
    });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

siteTest("5. #output switches the output on", async () => {
  const { context, page, problems } = await logIn();
  try {
    await show(page, "output");
    await page.click("#output-switch-on");
    await waitFor("api/v1/status output.on", async () => (await api(page, "api/v1/status")).output.on === true);
    await page.locator('#output-badge[data-on="true"]').waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator("#output-switch-off").getAttribute("class"), /primary/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

siteTest("6. a condition and a weekly schedule entry are saved", async () => {
  const { context, page, problems } = await logIn();
  try {
    await show(page, "conditions");
    await page.click("#conditions-add");
    // A new condition is "voltage above 260 V: off"; say so explicitly.
    await page.locator("#content form button[type=submit]").last().click();
    await page.locator("#content .form-result.saved").first().waitFor({ timeout: WAIT_MS });
    await show(page, "output");
    await page.click("#output-weekly-add");
    await page.locator("#f-automation-schedule-weekly-0-day").selectOption("wed");
    await page.fill("#f-automation-schedule-weekly-0-time", "06:30");
    await page.locator("section.card:has(#output-schedule-title) button[type=submit]").first().click();
    await page.locator("section.card:has(#output-schedule-title) .form-result.saved").waitFor({ timeout: WAIT_MS });
    const settings = await api(page, "api/v1/settings");
    const [c] = settings.automation.conditions;
    assert.equal(settings.automation.conditions.length, 1, JSON.stringify(settings.automation));
    assert.match(String(c.operand), /^V/);
    assert.equal(c.compare, ">");
    assert.equal(Number(c.value), 260);
    assert.equal(c.action, "off");
    assert.deepEqual(settings.automation.schedule.weekly.map(({ day, time }) => ({ day, time })),
      [{ day: "wed", time: "06:30" }], JSON.stringify(settings.automation.schedule));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

siteTest("7. MQTT connects to a real mosquitto", async (t) => {
  const port = await freePort();
  const conf = path.join(tmp, "mosquitto.conf");
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const broker = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(broker);
  const brokerLog = [];
  broker.stdout.on("data", (c) => brokerLog.push(String(c)));
  broker.stderr.on("data", (c) => brokerLog.push(String(c)));
  let session;
  try {
    await waitFor("mosquitto to listen", () => new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.destroy(); resolve(true); });
      s.once("error", () => resolve(false));
    }), STARTUP_MS);
    session = await logIn();
    const { page, problems } = session;
    await show(page, "mqtt");
    await page.locator("#f-mqtt-enabled").check();
    await page.fill("#f-mqtt-host", "127.0.0.1");
    await page.fill("#f-mqtt-port", String(port));
    await page.locator("#content form button[type=submit]").first().click();
    await page.locator("#content .form-result.saved").first().waitFor({ timeout: WAIT_MS });
    await waitFor("api/v1/status mqtt.state connected",
      async () => (await api(page, "api/v1/status")).mqtt.state === "connected");
    await page.locator("section.card:has(#mqtt-connection-title)", { hasText: en["state.connected"] }).waitFor({ timeout: WAIT_MS });
    assert.deepEqual(problems, []);
  } catch (e) {
    t.diagnostic(`mosquitto output:\n${brokerLog.join("")}`);
    throw e;
  } finally {
    await session?.context.close();
    await stopProcess(broker);
    children.delete(broker);
  }
});

siteTest("9. every language on every section: no raw catalogue key, html lang set", async () => {
  assert.equal(languages.length, 25);
  const { context, page, problems } = await logIn();
  try {
    const failures = [];
    for (const { tag } of languages) {
      await page.evaluate((t) => localStorage.setItem("maic.device.language", t), tag);
      await page.reload();
      await page.locator("nav.sections").waitFor({ timeout: WAIT_MS });
      await waitFor(`lang=${tag}`, () => page.evaluate((t) => document.documentElement.lang === t, tag));
      for (const section of SECTIONS) {
        await show(page, section);
        const text = await page.evaluate(() => document.body.innerText);
        const raw = KEYS.filter((k) => text.includes(k));
        if (raw.length) failures.push(`${tag} #${section}: ${raw.join(", ")}`);
      }
    }
    // And the log-in page in each language, through its select.
    const login = await openLogin();
    try {
      for (const { tag } of languages) {
        await login.page.selectOption("#language", tag);
        await waitFor(`log-in lang=${tag}`, () => login.page.evaluate((t) => document.documentElement.lang === t, tag));
        const text = await login.page.evaluate(() => document.body.innerText);
        const raw = KEYS.filter((k) => text.includes(k));
        if (raw.length) failures.push(`${tag} log-in: ${raw.join(", ")}`);
      }
    } finally {
      await login.context.close();
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}, 240_000);

siteTest("10+11. axe-core finds nothing, light and dark; screenshots", async (t) => {
  const failures = [];
  const check = async (page, name) => {
    for (const scheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await axe(page);
      if (violations.length) failures.push(`${name} (${scheme}): ${violations.join(" | ")}`);
      for (const vp of VIEWPORTS) {
        await page.setViewportSize(vp);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        // Nothing wider than the screen: a phone never scrolls sideways
        // (the section strip and wide tables scroll inside themselves).
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        if (wide > vp.width) failures.push(`${name} (${scheme}) is ${wide} px wide at ${vp.width} px`);
        await page.screenshot({ path: path.join(artifacts, `${name}-${vp.width}-${scheme}.png`), fullPage: true });
      }
      await page.setViewportSize(VIEWPORTS[1]);
    }
    await page.emulateMedia({ colorScheme: "light" });
  };
  const login = await openLogin();
  try {
    await login.page.locator("#language option").first().waitFor({ state: "attached", timeout: WAIT_MS });
    await check(login.page, "login");
  } finally {
    await login.context.close();
  }
  const { context, page, problems } = await logIn();
  try {
    for (const section of SECTIONS) {
      await show(page, section);
      if (section === "data") await page.locator('[data-key="V1"]').first().waitFor({ timeout: WAIT_MS });
      await check(page, section);
    }
    t.diagnostic(`screenshots in ${artifacts}`);
    assert.deepEqual(failures, []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}, 240_000);

siteTest("12. Notifications: a test e-mail reaches a real SMTP server", async (t) => {
  const port = await freePort();
  const dir = path.join(tmp, "mail");
  await mkdir(dir, { recursive: true });
  const sink = spawn(PYTHON, [path.join(here, "..", "..", "testing", "data", "smtp_sink.py"), "--port", String(port),
    "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(sink);
  const sinkLog = [];
  sink.stderr.on("data", (c) => sinkLog.push(String(c)));
  let session;
  try {
    await lineMatching(sink, /smtp sink ready/, sinkLog);
    session = await logIn();
    const { page, problems } = session;
    await show(page, "notifications");
    await page.fill("#f-smtp-host", "127.0.0.1");
    await page.locator("#f-smtp-security").selectOption("none");
    await page.fill("#f-smtp-port", String(port));
    await page.fill("#f-smtp-sender", "monitor@example.test");
    await page.fill("#f-smtp-recipients-0", "owner@example.test");
    await page.locator("#content form button[type=submit]").first().click();
    await page.locator("#content .form-result.saved").first().waitFor({ timeout: WAIT_MS });
    const saved = lineMatching(sink, /smtp sink saved 1/, sinkLog);
    await page.locator("section.card:has(#notifications-test-title) button").first().click();
    await saved;
    await page.locator("section.card:has(#notifications-test-title) .form-result.saved").waitFor({ timeout: WAIT_MS });
    assert.deepEqual(problems, []);
  } catch (e) {
    t.diagnostic(`smtp sink output:\n${sinkLog.join("")}`);
    throw e;
  } finally {
    await session?.context.close();
    await stopProcess(sink);
    children.delete(sink);
  }
});

siteTest("13. Calibration: measure against a reference, see the proposal, apply it", async () => {
  const { context, page, problems } = await logIn();
  try {
    await show(page, "calibration");
    // The reference: what the device reads on L2 now (the synthetic
    // household's load changes slowly), so the proposal is near 1.
    const reading = await api(page, "api/v1/readings");
    const value = (key) => reading.quantities.find((q) => q.key === key).value;
    const phases = page.locator("fieldset.cal-phase input[type=checkbox]");
    await phases.nth(0).uncheck();
    await phases.nth(1).check();
    await page.fill("#f-reference-0-volts", String(value("V2")));
    await page.fill("#f-reference-0-amps", String(value("A2")));
    await page.fill("#f-reference-0-power_factor", String(value("PF2")));
    await page.fill("#f-seconds", "30");
    await page.locator("section.card:has(#cal-measure-title) button[type=submit]").click();
    await page.locator("#calibration-result").waitFor({ timeout: WAIT_MS });
    await page.locator("section.card:has(#cal-result-title) button.primary").click();
    await waitFor("the calibration applied", async () => (await api(page, "api/v1/calibration")).applied === true);
    const { calibration } = await api(page, "api/v1/settings");
    const gain = calibration.phase2.voltage_gain;
    assert.ok(gain > 0.9 && gain < 1.1, `phase 2 voltage gain ${gain}`);
    assert.equal(calibration.phase1.voltage_gain, 1);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// Last: it ends the factory PIN.
siteTest("8. a new PIN: back to log-in, 0000 refused, 4711 works, warning gone", async () => {
  const { context, page } = await logIn();
  try {
    await show(page, "configuration");
    await page.fill("#f-pin", "4711");
    await page.fill("#f-pin_again", "4711");
    await Promise.all([
      page.waitForURL(/login=changed/, { timeout: WAIT_MS }),
      page.locator("section.card:has(#config-pin-title) button[type=submit]").click(),
    ]);
    assert.equal(await page.title(), "MAIC Login");
    await page.locator("#login-info", { hasText: en["login.changed"] }).waitFor({ timeout: WAIT_MS });
  } finally {
    await context.close();
  }
  const wrong = await openLogin();
  try {
    await submitPin(wrong.page, "0000");
    await wrong.page.locator("#login-error", { hasText: en["login.wrong"] }).waitFor({ timeout: WAIT_MS });
    assert.equal(await wrong.page.title(), "MAIC Login");
  } finally {
    await wrong.context.close();
  }
  const right = await logIn({ pin: "4711" });
  try {
    for (const section of ["status", "configuration"]) {
      await show(right.page, section);
      assert.equal(await right.page.locator(".banner.warning", { hasText: en["shell.factory_pin"] }).count(), 0, section);
    }
  } finally {
    await right.context.close();
  }
});
