// The Dashboard's boards in a real browser against the real server and a
// real device (issue 11 §2):
//
//   MAIC_CLOUD_BIN=build/release/apps/maic-cloud MAIC_DEVICE_BIN=build/release/apps/maic-device \
//     node --test tests/dashboard_boards.test.mjs
//
// Adds the device and accepts the two pre-configured boards; on the PC
// board sees a live value change, switches the output and sees the device
// confirm it, steps through day, week, month and year checking a bar
// against the `/api` row scripts read, exports the table as CSV and
// compares it with the table and with `/api`; axe-core (WCAG 2.1 AA) in
// light and dark; screenshots of both boards at 390×844 and 1440×900 into
// $MAIC_ARTIFACT_DIR. Skipped when MAIC_CLOUD_BIN is not set.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import { call, CLOUD_BIN, stop } from "../../tests/integration/harness.mjs";

import {
  checkPage as checkPageIn, en, languages, PIN, RAW_KEY, text, VIEWPORTS, watchProblems, withRig,
} from "./dashboard_rig.mjs";

// RFC 4180 as the app writes it: quoted cells may hold commas and quotes.
function parseCsv(body) {
  const rows = [];
  for (const line of body.split("\r\n").filter(Boolean)) {
    const cells = [];
    for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
      cells.push(m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]);
      if (m[2] === "") break;
    }
    rows.push(cells);
  }
  return rows;
}

test("the Dashboard's boards: offer, live values, output, periods against /api, CSV, access",
  { skip: !CLOUD_BIN && "MAIC_CLOUD_BIN is not set", timeout: 480_000 },
  (t) => withRig(t, "maic-boards-", async ({ c, d, browser, artifacts }) => {
    const email = "cleo@example.org";
    const password = "correct horse battery";
    const account = await call(`${c.url}/api/v1/register`, { method: "POST", body: { email, password } });
    assert.equal(account.status, 201, account.text);
    const key = account.json.api_key;
    const dev = `${c.url}/api/v1/devices/${d.devid}`;

    const context = await browser.newContext({ viewport: VIEWPORTS[1], locale: "en-GB", acceptDownloads: true });
    const page = await context.newPage();
    const problems = watchProblems(page);
    const dialogs = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    const heading = (name) => page.getByRole("heading", { level: 1, name }).waitFor();
    const checkPage = (name) => checkPageIn(page, name, artifacts, VIEWPORTS[1]);

    // Sign in, add the device, accept the two boards.
    await page.goto(`${c.url}/signin`);
    await heading(text("signin.title"));
    await page.getByLabel(text("field.email")).fill(email);
    await page.getByLabel(text("field.password")).fill(password);
    await page.getByRole("button", { name: text("signin.submit") }).click();
    await heading(text("devices.title"));
    await page.getByLabel(text("add.name")).fill("Home");
    await page.getByLabel(text("add.id")).fill(d.devid);
    await page.getByLabel(text("add.pin")).fill(PIN);
    await page.getByRole("button", { name: text("add.submit") }).click();
    await page.getByRole("heading", { name: text("boards.offerTitle", { name: "Home" }) }).waitFor();
    assert.deepEqual((await call(`${dev}/boards`, { key })).json, {}, "no board before the offer is accepted");
    await checkPage("boards-offer");
    await page.getByRole("button", { name: text("boards.accept") }).click();
    await page.locator("#offer-message").filter({ hasText: text("boards.created") }).waitFor();
    const stored = (await call(`${dev}/boards`, { key })).json;
    assert.deepEqual(Object.keys(stored).sort(), ["mobile", "pc"]);

    // The device's page lists both and re-creates one on request.
    await page.goto(`${c.url}/devices/${d.devid}`);
    await heading("Home");
    await page.locator('.board-item[data-layout="mobile"] a').waitFor();
    await page.getByRole("button", { name: text("boards.recreateOne", { board: text("boards.mobile") }) }).click();
    await page.locator("#boards-message")
      .filter({ hasText: text("boards.createdOne", { board: text("boards.mobile") }) }).waitFor();
    assert.deepEqual(dialogs, [text("boards.confirmRecreate")]);
    await checkPage("device-boards");

    // A table on the PC board, to export (the presets have none).
    const pc = stored.pc;
    const bottom = Math.max(...pc.widgets.map((w) => w.y + w.h));
    pc.widgets.push({ id: "rows", type: "table", x: 0, y: bottom, w: pc.columns, h: 6,
                      quantities: ["W", "V"], phases: [1, 2, 3], period: "day" });
    const put = await call(`${dev}/boards/pc`, { method: "PUT", key, body: pc });
    assert.equal(put.status, 200, put.text);

    // The PC board: live values that change.
    await page.locator('.board-item[data-layout="pc"] a').click();
    await heading(`Home · ${pc.name}`);
    const url = new URL(page.url());
    assert.equal(url.pathname, `/devices/${d.devid}/boards/pc`);
    const tile = page.locator('[data-widget="live"] [data-key="W"]');
    await tile.filter({ hasText: /\d/ }).waitFor();
    const first = await tile.innerText();
    await page.waitForFunction((was) => document.querySelector('[data-widget="live"] [data-key="W"]')?.textContent !== was,
      first, { timeout: 60_000 });

    // The output: confirmed, pending, then the device's acknowledgement.
    const before = (await call(`${dev}/output`, { key })).json.on;
    const want = !before;
    await page.getByRole("button", { name: text(want ? "output.turnOn" : "output.turnOff") }).click();
    await page.locator("#output-message").filter({ hasText: text(want ? "output.isOn" : "output.isOff") })
      .waitFor({ timeout: 30_000 });
    assert.equal(dialogs.at(-1), text(want ? "output.confirmOn" : "output.confirmOff"));
    const after = (await call(`${dev}/output`, { key })).json;
    assert.equal(after.on, want);
    assert.deepEqual(after.pending, []);
    await page.locator(`.output-state[data-state="${want ? "on" : "off"}"]`).waitFor();

    // Day, week, month, year: the URL follows, and a bar equals its /api row.
    // The device stops first, so that the period in progress holds still.
    await stop(d.device);
    await page.reload();
    await heading(`Home · ${pc.name}`);
    const step = { day: "hour", week: "day", month: "day", year: "month" };
    const checkBar = async (period) => {
      const bar = page.locator('[data-widget="energy"] .bar[data-filled]').last();
      await bar.waitFor();
      const time = Number(await bar.getAttribute("data-time"));
      const shown = {};
      for (const seg of await bar.locator(".seg").all())
        shown[await seg.getAttribute("data-key")] = Number(await seg.getAttribute("data-value"));
      // As a script reads it: /api with the API key, from the page.
      const rows = await page.evaluate(async ({ devid, apikey, p, time }) => {
        const q = new URLSearchParams({ devid, apikey, period: p, date1: String(time), date2: String(time) });
        return (await fetch(`/api?${q}`)).json();
      }, { devid: d.devid, apikey: key, p: step[period], time });
      assert.equal(rows.length, 1, `${period}: one /api row at ${time}`);
      assert.ok(Object.keys(shown).length >= 3, `${period}: a segment per phase`);
      for (const [k, v] of Object.entries(shown)) assert.equal(v, rows[0][k] ?? 0, `${period} ${k} at ${time}`);
      assert.ok(Object.values(shown).some((v) => v > 0), `${period}: some energy`);
    };
    await checkBar("day");
    for (const period of ["week", "month", "year"]) {
      await page.getByLabel(text(`period.${period}`), { exact: true }).check();
      await page.waitForURL((u) => u.searchParams.get("period") === period);
      await checkBar(period);
    }
    // Back steps through the views; previous and next move the date.
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get("period") === "month");
    assert.ok(await page.getByLabel(text("period.month"), { exact: true }).isChecked());
    await page.getByLabel(text("period.day"), { exact: true }).check();
    await page.waitForURL((u) => u.searchParams.get("period") === "day");
    const today = new URL(page.url()).searchParams.get("date");
    await page.getByRole("button", { name: text("board.previous") }).click();
    await page.waitForURL((u) => u.searchParams.get("date") !== today);
    await page.getByRole("button", { name: text("board.next") }).click();
    await page.waitForURL((u) => u.searchParams.get("date") === today);
    // A bookmark opens the same view.
    await page.goto(page.url());
    await heading(`Home · ${pc.name}`);
    await checkBar("day");

    // The table's CSV is the table, and the table is /api's rows.
    const table = page.locator('[data-widget="rows"] table');
    await table.locator("tbody tr").first().waitFor();
    const download = page.waitForEvent("download");
    await page.locator('[data-widget="rows"]').getByRole("button", { name: text("table.export") }).click();
    const csv = parseCsv(await readFile(await (await download).path(), "utf8"));
    const headers = await table.locator("thead th").allInnerTexts();
    assert.deepEqual(csv[0].slice(1), headers);
    const shownRows = await table.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [
      tr.getAttribute("data-time"), tr.querySelector("th").textContent,
      ...[...tr.querySelectorAll("td")].map((td) => td.getAttribute("data-value")),
    ]));
    assert.deepEqual(csv.slice(1), shownRows);
    const keys = await table.locator("tbody tr").first().locator("td")
      .evaluateAll((tds) => tds.map((td) => td.getAttribute("data-key")));
    const firstTime = Number(shownRows[0][0]);
    const last = Number(shownRows.at(-1)[0]);
    const api = await call(`${c.url}/api?${new URLSearchParams({ devid: d.devid, apikey: key, period: "hour",
                                                              date1: firstTime, date2: last })}`);
    assert.deepEqual(api.json.map((r) => [String(r.TIME), ...keys.map((k) => String(r[k] ?? ""))]),
                     csv.slice(1).map((r) => [r[0], ...r.slice(2)]));

    // The line chart: a drag zooms in, Ctrl + wheel zooms, Shift + wheel
    // pans, a double click shows all again.
    const chart = page.locator('[data-widget="power"] .uplot');
    const shownRange = async () => {
      const [lo, hi] = await Promise.all([chart.getAttribute("data-xmin"), chart.getAttribute("data-xmax")]);
      return [Number(lo), Number(hi)];
    };
    await chart.locator(".u-over").scrollIntoViewIfNeeded();
    const all = await shownRange();
    const box = await chart.locator(".u-over").boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(([lo, hi]) => {
      const el = document.querySelector('[data-widget="power"] .uplot');
      return Number(el.dataset.xmax) - Number(el.dataset.xmin) < (hi - lo) * 0.6;
    }, all);
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(([lo, hi]) => {
      const el = document.querySelector('[data-widget="power"] .uplot');
      return Number(el.dataset.xmin) === lo && Number(el.dataset.xmax) === hi;
    }, all);
    await page.keyboard.down("Control");
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -100);
    await page.keyboard.up("Control");
    await page.waitForFunction(([lo, hi]) => {
      const el = document.querySelector('[data-widget="power"] .uplot');
      return Number(el.dataset.xmax) - Number(el.dataset.xmin) < hi - lo;
    }, all);
    const zoomed = await shownRange();
    await page.keyboard.down("Shift");
    await page.mouse.wheel(0, -100);
    await page.keyboard.up("Shift");
    await page.waitForFunction(([lo]) => Number(document.querySelector('[data-widget="power"] .uplot').dataset.xmin) < lo, zoomed);
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);

    // The line chart's data table, for those who cannot see the chart.
    await page.locator('[data-widget="power"] summary').click();
    await page.locator('[data-widget="power"] details table tbody tr').first().waitFor();
    await page.locator('[data-widget="power"] summary').click();

    // The editor: rename, resize, save; kept after a reload. A board the
    // schema refuses is not saved, and the server's message says why.
    await page.getByRole("button", { name: text("editor.edit") }).click();
    await page.getByLabel(text("editor.name")).fill("Living room");
    await page.locator('[data-edit="rows"]').getByRole("button", { name: text("editor.shorter") }).click();
    // The power chart: the board's period instead of live, without generation.
    const power = page.locator('[data-edit="power"]');
    await power.getByLabel(text("board.period")).selectOption("day");
    await power.getByLabel(text("quantity.reversePower"), { exact: true }).uncheck();
    await power.getByLabel(text("device.total"), { exact: true }).uncheck();
    await page.getByRole("button", { name: text("editor.save") }).click();
    await page.locator("#board-message").filter({ hasText: text("editor.saved") }).waitFor();
    await page.reload();
    await heading("Home · Living room");
    const edited = (await call(`${dev}/boards`, { key })).json.pc;
    assert.equal(edited.name, "Living room");
    assert.equal(edited.widgets.find((w) => w.id === "rows").h, 5);
    const chartWidget = edited.widgets.find((w) => w.id === "power");
    assert.deepEqual([chartWidget.period, chartWidget.quantities, chartWidget.phases], ["day", ["W"], [1, 2, 3]]);
    await page.getByRole("button", { name: text("editor.edit") }).click();
    await page.locator('[data-edit="rows"]').getByRole("button", { name: text("editor.up") }).click();
    await page.getByRole("button", { name: text("editor.save") }).click();
    await page.locator("#editor-message").filter({ hasText: /^The board was not saved: widgets\[\d+\]: overlaps widgets\[\d+\]/ }).waitFor();
    await checkPage("board-editor");
    await page.getByRole("button", { name: text("editor.cancel") }).click();
    assert.equal((await call(`${dev}/boards`, { key })).json.pc.widgets.find((w) => w.id === "rows").y, bottom);
    await page.getByRole("button", { name: text("editor.edit") }).waitFor();

    await checkPage("board-pc");
    await page.getByRole("link", { name: text("boards.mobile") }).click();
    await heading(`Home · ${stored.mobile.name}`);
    await page.locator('[data-widget="live"] [data-key="W"]').filter({ hasText: /\d/ }).waitFor();
    await page.locator('[data-widget="energy"] .bar').first().waitFor();
    await checkPage("board-mobile");

    // Every language on a board: loaded, and no key left untranslated. The
    // profile's language, as the person chooses it: this browser's copy
    // shows only until the profile has come (which asks for it together
    // with the catalogue), so with the copy alone the board would be shown
    // in the profile's language.
    for (const { tag } of [...languages, { tag: "en" }]) {
      const chosen = await call(`${c.url}/api/v1/profile`, { method: "PATCH", key, body: { language: tag } });
      assert.equal(chosen.status, 200, chosen.text);
      await page.reload();
      await page.locator(`html[lang="${tag}"]`).waitFor({ state: "attached" });
      await page.locator('[data-widget="energy"] .bar').first().waitFor();
      await page.locator('[data-widget="totals"] [data-total="wh"]').waitFor();
      assert.doesNotMatch(await page.locator("body").innerText(), RAW_KEY, `${tag}: mobile board`);
    }

    assert.deepEqual(problems, []);
  }),
);
