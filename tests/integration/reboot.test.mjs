// The manual's reboot against the real daemon and broker (docs/device.md,
// "Lifecycle and signals"): SIGHUP and POST /api/v1/reboot restart every
// service, so MQTT ends its connection and makes a new one. Seen from
// outside: the status topic goes offline, then online, and the broker logs
// a new CONNECT of the device's client id.
import assert from "node:assert/strict";
import path from "node:path";
import test from "node:test";

import {
  DEVICE_BIN, call, page, start, startBroker, startDevice, stop, tempDir, waitForLine, waitForOutput,
} from "./harness.mjs";

// Waits until the broker has logged `n` connections of the device's client
// id (its log comes through a pipe of its own, in its own time).
function connects(broker, devid, n) {
  return waitForOutput(broker, (out) => out.split(`as maic_${devid} `).length - 1 >= n,
    `connection ${n} of maic_${devid}`, 20_000);
}

test("SIGHUP and POST /api/v1/reboot reconnect MQTT",
  { skip: !DEVICE_BIN && "MAIC_DEVICE_BIN is not set", timeout: 120_000 }, async () => {
  const tmp = await tempDir("maic-reboot-");
  let broker, device, sub;
  try {
    const b = await startBroker(tmp.dir);
    broker = b.broker;
    const d = await startDevice(path.join(tmp.dir, "data"), ["--quiet"]);
    device = d.device;
    const { url, devid } = d;
    assert.equal((await page(url, { page: "devlogin", devpass: "0000" })).status, 200);

    const status = `smart-maic/${devid}/status`;
    sub = start("/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", String(b.port), "-v", "-t", status]);
    const saved = await page(url, {
      page: "mqtt", serv: "127.0.0.1", port: String(b.port), mqtt_on: "1", prefix: "smart-maic/",
    });
    assert.equal(saved.status, 200, saved.text);
    // Retained: the subscriber sees it however late it subscribed.
    await waitForLine(sub, new RegExp(`${status} online\\n`));
    await connects(broker, devid, 1);

    const offlineThenOnline = new RegExp(`${status} offline\\n[\\s\\S]*${status} online\\n`);
    let from = sub.output.length;
    device.kill("SIGHUP");
    await waitForLine(device, /restarting services/);
    await waitForLine(sub, offlineThenOnline, 20_000, from);
    await connects(broker, devid, 2);

    from = sub.output.length;
    const reboot = await call(`${url}/api/v1/reboot`, { method: "POST" });
    assert.equal(reboot.status, 200, reboot.text);
    await waitForLine(sub, offlineThenOnline, 20_000, from);
    await connects(broker, devid, 3);
  } finally {
    await stop(sub);
    await stop(device);
    await stop(broker);
    await tmp.remove();
  }
});
