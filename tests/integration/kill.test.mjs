// The daemon killed with SIGKILL at random moments, many times, under
// accelerated time (a minute passes in 0.1 s). Afterwards the journal is
// readable, holds every minute that was completed before each kill (a
// minute is complete once a reading of a later minute was printed: the
// daemon prints a reading only after the step that journaled the minute
// before it), holds no minute twice, and the meters never went backwards.
//
// What the daemon publishes never goes backwards either (docs/mqtt.md, "As
// of the last save"): every value of the meter topics on a real mosquitto
// (the user's meters Wh1, TWh and the lifetime registers LWh1, TLWh), and
// /metrics' energy series scraped before each kill, across all restarts.
//
// A kill lands at a random moment because it follows a random number of
// printed readings while the daemon loops every 1.7 ms of real time.
import assert from "node:assert/strict";
import path from "node:path";
import test from "node:test";

import { DEVICE_BIN, page, start, startBroker, startDevice, stop, tempDir, waitForLine } from "./harness.mjs";

const PUBLISHED_METERS = ["Wh1", "TWh", "LWh1", "TLWh"];

const KILLS = Number(process.env.MAIC_KILLS ?? 50);
const READING = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z .*\| Wh [\d.]+ [\d.]+ [\d.]+ = ([\d.]+) /gm;

// A small deterministic generator: the same kills every run.
function lcg(seed) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

// The energy series of /metrics, summed over the phases (forward):
// { maic_energy_watt_hours_total: Wh, maic_energy_meter_watt_hours: Wh }.
async function scrapeEnergy(url) {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  const sums = {};
  for (const line of (await res.text()).split("\n")) {
    const m = /^(maic_energy_\w+)\{[^}]*direction="forward"\} (\S+)$/.exec(line);
    if (m) sums[m[1]] = (sums[m[1]] ?? 0) + Number(m[2]);
  }
  return sums;
}

// mosquitto_sub -v output: "topic value" lines, in the order received.
function publishedIn(output, devid) {
  const values = Object.fromEntries(PUBLISHED_METERS.map((name) => [name, []]));
  for (const [, name, value] of output.matchAll(new RegExp(`^smart-maic/${devid}/(\\w+) (\\S+)$`, "gm"))) {
    values[name]?.push(Number(value));
  }
  return values;
}

function readingsIn(output) {
  return [...output.matchAll(READING)].map((m) => ({
    t: Date.parse(`${m[1]}Z`) / 1000,
    kwh: Number(m[2]),
  }));
}

test(`${KILLS} kills: every completed minute kept, meters never backwards`,
  { skip: !DEVICE_BIN && "MAIC_DEVICE_BIN is not set", timeout: 600_000 }, async (t) => {
  const tmp = await tempDir("maic-kill-");
  const data = path.join(tmp.dir, "data");
  const random = lcg(20261123);
  const completed = new Set();  // minute starts (unix s) completed before some kill
  let startTime = 1_750_000_000;  // simulated wall time carries on across runs
  let lastKwh = 0;  // the meter as last printed
  // kWh: one save interval and a reading, plus the time a save itself takes
  // (its fsync) in scaled time: 20 ms at 150× is 3 s.
  const lossBound = (30 + 5 + 3) * 3 * 230 * 20 / 3600 / 1000;
  const scraped = {};  // the highest energy series of /metrics so far
  let device, broker, sub, devid;
  try {
    broker = await startBroker(tmp.dir);
    for (let k = 0; k < KILLS; k++) {
      let url;
      ({ device, url, devid } = await startDevice(data, [
        // Fast, yet slow enough that a save's own duration under load stays
        // a small part of the device's time (at 600× a 20 ms fsync was 12 s).
        "--time-scale", "150", "--start-time", String(startTime),
        "--profile", "constant", "--amps", "20", "--angle", "0", "--noise", "0",
      ]));
      if (k === 0) {
        // Every reading on separate topics; the settings stay for the restarts.
        sub = start("/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", String(broker.port), "-v",
          ...PUBLISHED_METERS.flatMap((name) => ["-t", `smart-maic/${devid}/${name}`])]);
        assert.equal((await page(url, { page: "devlogin", devpass: "0000" })).status, 200);
        const saved = await page(url, {
          page: "mqtt", serv: "127.0.0.1", port: String(broker.port), uname: "", pass: "",
          mqtt_on: "1", mqttint: "1", separat: "0", prefix: "smart-maic/",
        });
        assert.equal(saved.status, 200, saved.text);
      }
      const wanted = 1 + Math.floor(random() * 40);
      await waitForLine(device, new RegExp(`(?:^\\d{4}-.*\\n){${wanted}}`, "m"), 30_000);
      for (const [metric, value] of Object.entries(await scrapeEnergy(url))) {
        assert.ok(value >= (scraped[metric] ?? 0),
          `run ${k}: /metrics ${metric} ${value} after ${scraped[metric]} before the restart`);
        scraped[metric] = value;
      }
      device.kill("SIGKILL");
      await device.exited;
      const readings = readingsIn(device.output);
      assert.ok(readings.length >= wanted, `run ${k}: ${readings.length} readings`);
      // Meters: the first reading after a restart is at most one save
      // interval behind the last one printed before the kill.
      assert.ok(readings[0].kwh >= lastKwh - lossBound,
        `run ${k}: restarted at ${readings[0].kwh} kWh after ${lastKwh} kWh`);
      for (let i = 1; i < readings.length; i++) {
        assert.ok(readings[i].kwh >= readings[i - 1].kwh, `run ${k}: meter went backwards`);
      }
      lastKwh = readings.at(-1).kwh;
      const first = Math.floor(readings[0].t / 60) * 60;
      const last = readings.at(-1).t;
      for (let m = first; m + 61 <= last; m += 60) completed.add(m);
      startTime = Math.ceil(last) + 60;
    }

    // Read the whole journal through the API.
    const d = await startDevice(data, ["--quiet", "--start-time", String(startTime)]);
    device = d.device;
    assert.equal((await page(d.url, { page: "devlogin", devpass: "0000" })).status, 200);
    const res = await fetch(`${d.url}/api/v1/journal.csv`);
    assert.equal(res.status, 200);
    const [header, ...rows] = (await res.text()).trim().split("\n");
    const columns = header.split(",");
    const col = (name) => columns.indexOf(name);
    const minutes = rows.map((r) => r.split(",").map(Number));
    const times = minutes.map((r) => r[col("time")]);
    assert.equal(new Set(times).size, times.length, "no minute twice");
    for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], "in time order");
    const kept = new Set(times);
    const missing = [...completed].filter((m) => !kept.has(m));
    assert.deepEqual(missing, [], `completed minutes missing from the journal`);
    for (const meter of ["Wh1", "Wh2", "Wh3", "rWh1", "rWh2", "rWh3"]) {
      for (let i = 1; i < minutes.length; i++) {
        assert.ok(minutes[i][col(meter)] >= minutes[i - 1][col(meter)],
          `${meter} went backwards at minute ${times[i]}`);
      }
    }
    assert.ok(completed.size >= KILLS / 2, `only ${completed.size} minutes completed: kills too early`);

    // Every value published on MQTT, in the order the broker passed them on.
    const published = publishedIn(sub.output, devid);
    for (const [name, values] of Object.entries(published)) {
      assert.ok(values.length >= KILLS, `${name}: only ${values.length} messages`);
      for (let i = 1; i < values.length; i++) {
        assert.ok(values[i] >= values[i - 1], `${name} published ${values[i]} after ${values[i - 1]}`);
      }
    }
    assert.ok(scraped.maic_energy_watt_hours_total > 0, "/metrics had the energy counter");
    t.diagnostic(`${KILLS} kills, ${completed.size} completed minutes, ${times.length} journaled, ` +
      `${published.TLWh.length} TLWh messages`);
  } finally {
    await stop(device);
    await stop(sub);
    await stop(broker?.broker);
    await tmp.remove();
  }
});
