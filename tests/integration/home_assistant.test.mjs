// Does exactly what the Home Assistant smart-MAIC integration does, against
// the real daemon and a real mosquitto (compat.md §1, §2): devlogin with the
// PIN, webinit, mqtt with separat=2 and prefix smart-maic/, then listens on
// smart-maic/<ID>/JSON (and <ID>/JSON) for numeric JSON; pout switches the
// output and OUT follows; initval sets the meter. Then a strict client, as
// one exporter is, reads getdata and requires every key to be numeric.
// No cookies are kept between requests, as the integration keeps none.
import assert from "node:assert/strict";
import http from "node:http";
import path from "node:path";
import test from "node:test";

import { DEVICE_BIN, page, start, startBroker, startDevice, stop, tempDir, waitForLine } from "./harness.mjs";

const NUMERIC_KEYS = [
  "V1", "V2", "V3", "A1", "A2", "A3", "W1", "W2", "W3", "rW1", "rW2", "rW3",
  "Wh1", "Wh2", "Wh3", "rWh1", "rWh2", "rWh3", "PF1", "PF2", "PF3", "Fr1", "Fr2", "Fr3",
  "A", "W", "TWh", "T",
];

// The next JSON message on the subscription after output position `from`.
async function nextJson(sub, from) {
  const m = await waitForLine(sub, /^(\S+) (\{.*\})$/m, 20_000, from);
  return { topic: m[1], data: JSON.parse(m[2]), end: from + m.index + m[0].length };
}

test("the Home Assistant flow against the real daemon and broker",
  { skip: !DEVICE_BIN && "MAIC_DEVICE_BIN is not set", timeout: 120_000 }, async () => {
  const tmp = await tempDir("maic-ha-");
  let broker, device, sub;
  try {
    const b = await startBroker(tmp.dir);
    broker = b.broker;
    const d = await startDevice(path.join(tmp.dir, "data"), ["--time-scale", "20", "--quiet"]);
    device = d.device;
    const { url, devid } = d;

    // Without a login the protected pages answer 401.
    assert.equal((await page(url, { page: "getwdata" })).status, 401);
    const wrong = await page(url, { page: "devlogin", devpass: "9999" });
    assert.equal(wrong.status, 403);
    assert.equal((await page(url, { page: "devlogin", devpass: "0000" })).status, 200);

    const init = await page(url, { page: "webinit" });
    assert.equal(init.status, 200);
    for (const key of ["serv", "port", "uname", "pass"]) assert.ok(key in init.json, key);
    assert.equal(init.json.about.devid.value, devid);
    assert.equal(init.json.about.devtype.value, "D103");

    sub = start("/usr/bin/mosquitto_sub",
      ["-h", "127.0.0.1", "-p", String(b.port), "-v", "-t", `smart-maic/${devid}/JSON`, "-t", `${devid}/JSON`]);
    const saved = await page(url, {
      page: "mqtt", serv: "127.0.0.1", port: String(b.port), uname: "", pass: "",
      mqtt_on: "1", mqttint: "5", separat: "2", prefix: "smart-maic/",
    });
    assert.equal(saved.status, 200, saved.text);

    let msg = await nextJson(sub, 0);
    assert.equal(msg.topic, `smart-maic/${devid}/JSON`);
    for (const key of [...NUMERIC_KEYS.filter((k) => k !== "T"), "Temp", "OUT"]) {
      assert.equal(typeof msg.data[key], "number", `${key} is numeric in ${JSON.stringify(msg.data)}`);
    }
    assert.ok(msg.data.V1 > 200 && msg.data.V1 < 260, `V1 = ${msg.data.V1}`);
    assert.equal(msg.data.OUT, 0);

    // pout switches the output; OUT follows in the JSON.
    assert.equal((await page(url, { page: "pout", state: "1" })).status, 200);
    do {
      msg = await nextJson(sub, msg.end);
    } while (msg.data.OUT !== 1);

    // initval sets the meter's starting value.
    assert.equal((await page(url, { page: "initval", Wh1: "123456" })).status, 200);
    do {
      msg = await nextJson(sub, msg.end);
    } while (msg.data.Wh1 < 123456);
    assert.ok(msg.data.Wh1 < 123456 + 1000, `Wh1 = ${msg.data.Wh1}`);

    // A strict client: getdata with inline credentials, every key numeric.
    const data = await page(url, { page: "getdata", devid, devpass: "0000" });
    assert.equal(data.status, 200, data.text);
    assert.equal(data.json.devid, devid);
    assert.equal(typeof data.json.time, "number");
    // Strings, as the original sends them: a Go exporter decodes pout and
    // powset into string fields.
    assert.equal(data.json.pout, "1");
    assert.equal(data.json.powset, "1");
    for (const key of NUMERIC_KEYS) {
      const entry = data.json.data[key];
      assert.ok(entry, `${key} present`);
      assert.match(entry.value, /^-?\d+(\.\d+)?$/, `${key} = ${entry.value}`);
    }
    for (const heading of ["br0", "br1", "br2", "br3"]) assert.ok(data.json.data[heading].name);
    assert.ok(Number(data.json.data.Wh1.value) >= 123456);
  } finally {
    await stop(sub);
    await stop(device);
    await stop(broker);
    await tmp.remove();
  }
});

// A page request with chosen header fields (fetch cannot set Host).
function pageWith(url, query, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/?${new URLSearchParams(query)}`, { headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    req.on("error", reject);
  });
}

// Home Assistant may reach the device under any name (a router's DNS, a
// name in /etc/hosts) and Node's fetch adds Sec-Fetch-Mode: cors; neither
// makes it a browser, so the cookie-less flow works as before
// (docs/security.md, "The device: a LAN attacker").
test("the Home Assistant flow under a foreign Host with Sec-Fetch-Mode",
  { skip: !DEVICE_BIN && "MAIC_DEVICE_BIN is not set", timeout: 60_000 }, async () => {
  const tmp = await tempDir("maic-ha-host-");
  let device;
  try {
    const d = await startDevice(path.join(tmp.dir, "data"), ["--time-scale", "20", "--quiet"]);
    device = d.device;
    const headers = { Host: "some.rebound.name", "Sec-Fetch-Mode": "cors" };
    const call = (query) => pageWith(d.url, query, headers);
    assert.equal((await call({ page: "devlogin", devpass: "0000" })).status, 200);
    const init = await call({ page: "webinit" });
    assert.equal(init.status, 200, init.text);
    assert.equal(JSON.parse(init.text).about.devid.value, d.devid);
    assert.equal((await call({ page: "pout", state: "1" })).status, 200);
    assert.equal((await call({ page: "getwdata" })).status, 200);
    // A browser under that name (a DNS-rebinding page) is refused.
    const rebound = await pageWith(d.url, { page: "webinit" },
      { Host: "some.rebound.name", "Sec-Fetch-Site": "same-origin" });
    assert.equal(rebound.status, 403, rebound.text);
  } finally {
    await stop(device);
    await tmp.remove();
  }
});
