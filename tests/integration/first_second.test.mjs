// Every client works from the first second (compat.md §1): the page API
// answers 200 in the shape clients parse as soon as the daemon's port is
// open, before its first reading (5 s after the start) and with a meter
// that never answers, from the journal and the meters it kept.
import assert from "node:assert/strict";
import path from "node:path";
import test from "node:test";

import {
  DEVICE_BIN, freePort, page, start, startDevice, stop, tempDir, waitForOutput,
} from "./harness.mjs";

// The console's reading line starts with the end of its window.
const READING_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z /gm;

const NUMERIC_KEYS = [
  "V1", "V2", "V3", "A1", "A2", "A3", "W1", "W2", "W3", "rW1", "rW2", "rW3",
  "Wh1", "Wh2", "Wh3", "rWh1", "rWh2", "rWh3", "PF1", "PF2", "PF3", "Fr1", "Fr2", "Fr3",
  "A", "W", "TWh", "T",
];

// getdata as a strict client decodes it: devid, pout, powset strings, time
// a number, every value a number in text.
function assertGetdata(answer, devid) {
  assert.equal(answer.status, 200, answer.text);
  const j = answer.json;
  assert.equal(j.devid, devid);
  assert.equal(typeof j.time, "number");
  assert.ok(j.pout === "0" || j.pout === "1", `pout ${JSON.stringify(j.pout)}`);
  assert.ok(j.powset === "0" || j.powset === "1", `powset ${JSON.stringify(j.powset)}`);
  for (const key of NUMERIC_KEYS) {
    assert.match(j.data[key]?.value ?? "", /^-?\d+(\.\d+)?$/, `${key} in ${answer.text}`);
  }
  return j;
}

const opts = { skip: !DEVICE_BIN && "MAIC_DEVICE_BIN is not set", timeout: 60_000 };

test("a new device answers the page API the moment its port opens", opts, async () => {
  const tmp = await tempDir("maic-first-");
  let device;
  try {
    const d = await startDevice(path.join(tmp.dir, "data"), ["--quiet"]);
    device = d.device;
    // No waiting: the first reading is 5 s away.
    const j = assertGetdata(await page(d.url, { page: "getdata", devid: d.devid, devpass: "0000" }), d.devid);
    assert.equal(j.data.Wh1.value, "0.0");
    assert.equal((await page(d.url, { page: "devlogin", devpass: "0000" })).status, 200);
    const w = await page(d.url, { page: "getwdata" });
    assert.equal(w.status, 200, w.text);
    for (const key of NUMERIC_KEYS) assert.match(w.json.data[key].value, /^-?\d+(\.\d+)?$/, key);
    assert.equal((await page(d.url, { page: "webinit" })).status, 200);
  } finally {
    await stop(device);
    await tmp.remove();
  }
});

test("a restarted device whose meter never answers serves its journal and meters", opts, async () => {
  const tmp = await tempDir("maic-first-");
  const data = path.join(tmp.dir, "data");
  let device;
  try {
    // Three minutes journaled, simulated 600× faster, then a clean stop: a
    // reading after START + 180 s closes the third minute.
    const START = 1700000040;
    const first = start(DEVICE_BIN, [
      "--data-dir", data, "--listen", "127.0.0.1:0",
      "--time-scale", "600", "--start-time", String(START),
    ]);
    await waitForOutput(first, (out) => [...out.matchAll(READING_TIME)]
      .some((m) => Date.parse(`${m[1]}Z`) / 1000 > START + 180), "a reading after the third minute");
    await stop(first);
    assert.equal(first.exitCode, 0, first.output);

    // Nobody listens on the meter's port: no reading ever comes.
    const meter = `modbus:tcp://127.0.0.1:${await freePort()}?timeout_ms=100&interval_s=1`;
    const d = await startDevice(data, ["--quiet", "--source", meter]);
    device = d.device;
    const j = assertGetdata(await page(d.url, { page: "getdata", devid: d.devid, devpass: "0000" }), d.devid);

    // The values are the last journaled minute's, stamped with its end.
    assert.equal((await page(d.url, { page: "devlogin", devpass: "0000" })).status, 200);
    const res = await fetch(`${d.url}/api/v1/journal.csv`);
    assert.equal(res.status, 200);
    const lines = (await res.text()).trim().split("\n");
    assert.ok(lines.length >= 3, `journal:\n${lines.join("\n")}`);
    const header = lines[0].split(",");
    const last = lines.at(-1).split(",");
    const column = (key) => Number(last[header.indexOf(key)]);
    assert.equal(j.time, column("time") + 60);
    assert.ok(Math.abs(Number(j.data.V1.value) - column("V1")) < 0.05, `V1 ${j.data.V1.value} vs ${column("V1")}`);
    assert.ok(Math.abs(Number(j.data.A2.value) - column("A2")) < 0.0005, `A2 ${j.data.A2.value} vs ${column("A2")}`);
    // The meters stand where the last run left them: at least the journal's.
    assert.ok(Number(j.data.Wh1.value) >= column("Wh1") - 0.05, `Wh1 ${j.data.Wh1.value} vs ${column("Wh1")}`);
    assert.ok(Number(j.data.Wh1.value) > 0);

    const w = await page(d.url, { page: "getwdata" });
    assert.equal(w.status, 200, w.text);
    assert.equal(w.json.data.V1.value, j.data.V1.value);
  } finally {
    await stop(device);
    await tmp.remove();
  }
});
