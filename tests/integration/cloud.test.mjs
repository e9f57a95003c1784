// The whole chain, as the README's main command runs it: maic-cloud on
// SQLite and a simulated device uploading to it (time-scaled). A person
// registers, adds the device by ID + PIN, and reads `/api` hour rows whose
// energy (W) and meters (Wh) agree with the device's own journal.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { call, page, startCloud, startDevice, stop, tempDir, waitForLine, waitForOutput } from "./harness.mjs";

const HOUR = 3600;
// Simulated time starts 10 minutes before a whole hour; at 600x an hour passes in 6 s.
const START = 1_700_000_000 - (1_700_000_000 % HOUR) + HOUR - 600;

function parseCsv(text) {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const cols = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], Number(v)])));
}

test("a device's uploads read back through /api agree with its journal", async () => {
  const tmp = await tempDir("maic-cloud-e2e-");
  let cloud, device;
  try {
    const c = await startCloud(path.join(tmp.dir, "cloud"), ["--log-level", "debug"]);
    cloud = c.cloud;
    const d = await startDevice(path.join(tmp.dir, "device"), [
      "--server", c.url, "--time-scale", "600", "--start-time", String(START), "--quiet",
    ]);
    device = d.device;
    const devid = d.devid;

    // The device connects; then its owner sets a PIN (the default 0000
    // cannot be added), which the device reports in a new hello.
    await waitForLine(cloud, new RegExp(`device ${devid} connected for the first time`));
    const from = cloud.output.length;
    assert.equal((await page(d.url, { page: "devlogin", devpass: "0000" })).status, 200);
    const pin = await call(`${d.url}/api/v1/settings`, { method: "PATCH", body: { pin: "4711" } });
    assert.equal(pin.status, 200, pin.text);
    await waitForLine(cloud, new RegExp(`device ${devid}: hello`), 20_000, from);

    // A script registers and adds the device.
    const reg = await call(`${c.url}/api/v1/register`, {
      method: "POST", body: { email: "ann@example.org", password: "correct horse" },
    });
    assert.equal(reg.status, 201, reg.text);
    const key = reg.json.api_key;
    assert.equal((await call(`${c.url}/api/v1/devices`, {
      method: "POST", key, body: { name: "Home", devid, pin: "0000" } })).status, 400);
    const added = await call(`${c.url}/api/v1/devices`, {
      method: "POST", key, body: { name: "Home", devid, pin: "4711" } });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.json.devid, devid);

    // Two whole hours after START arrive as /api hour rows.
    const first = START + 600;
    const api = `${c.url}/api?devid=${devid}&apikey=${key}&period=hour&date1=${first}&date2=${first + HOUR}`;
    // The server logs every stored batch (--log-level debug) with its newest minute.
    await waitForOutput(cloud, (out) => [...out.matchAll(new RegExp(`device ${devid}: \\d+ minutes stored, \\d+ already there, newest (\\d+)`, "g"))]
      .some((m) => Number(m[1]) >= first + 2 * HOUR - 60), "two hours of uploads", 90_000);
    const r = await call(api);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.length, 2, r.text);
    assert.equal(r.json[1].TIME, first + HOUR);
    const rows = r.json;

    // The device's login lasts 15 of its minutes: 1.5 s at this time scale.
    assert.equal((await page(d.url, { page: "devlogin", devpass: "4711" })).status, 200);
    const csv = await call(`${d.url}/api/v1/journal.csv?from=${first - 60}&to=${first + 2 * HOUR - 60}`);
    assert.equal(csv.status, 200, csv.text);
    const journal = parseCsv(csv.text);
    const at = (t) => journal.find((m) => m.time === t);
    for (const [i, row] of rows.entries()) {
      const start = first + i * HOUR;
      const before = at(start - 60);
      const last = at(start + HOUR - 60);
      assert.ok(before && last, `journal has the minutes around hour ${start}: ${journal.length} rows from ${journal[0]?.time} to ${journal.at(-1)?.time}`);
      for (const p of [1, 2, 3]) {
        // The meter at the hour's end is the journal's last minute's.
        assert.ok(Math.abs(row[`Wh${p}`] - last[`Wh${p}`]) < 0.02, `Wh${p}: ${row[`Wh${p}`]} vs ${last[`Wh${p}`]}`);
        // The hour's energy is what the journal's meter moved in it. Both
        // show Wh to 0.1 (the catalogue's decimals): the two meter readings
        // and the hour's energy are each within 0.05 of the true values.
        const moved = last[`Wh${p}`] - before[`Wh${p}`];
        assert.ok(Math.abs(row[`W${p}`] - moved) <= 0.15 + 1e-9, `W${p}: ${row[`W${p}`]} vs ${moved}`);
        assert.ok(row[`W${p}`] > 0, `W${p} is positive`);
      }
    }
  } finally {
    await stop(device);
    await stop(cloud);
    await tmp.remove();
  }
});
