// The device's automation and e-mail, end to end: the real daemon, a real
// SMTP server (aiosmtpd, testing/data/smtp_sink.py) on loopback, and a
// replay whose voltages cross the manual's thresholds (§9):
//
//   1. V > 260          relay OFF   (any phase)
//   2. V < 250 (all)    relay ON
//   3. V > 260          e-mail, hysteresis 20
//
// The relay switches as the conditions say, in order and with their
// numbers; the e-mails arrive with the right content and count (the
// hysteresis holds back the second over-voltage until the voltage fell
// below 240 V). Then the daemon is killed with SIGKILL while the SMTP server
// holds a mail unanswered: after the restart the mail arrives again with the
// same Message-ID, and nothing is lost.
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";

import {
  call, DEVICE_BIN, freePort, page, start, startDevice, stop, tempDir, waitForLine,
} from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const SINK = path.join(here, "..", "..", "testing", "data", "smtp_sink.py");
const RATE = 1000;
const V_SCALE = 0.1;
const I_SCALE = 0.01;

// The voltage profile, [device seconds, V on L1, L2, L3], and what it
// should do (the comments: the conditions fulfilled).
const PROFILE = [
  [60, 230, 230, 230],  // 2: ON
  [90, 265, 231, 229],  // 1: OFF; 3: e-mail #1
  [90, 255, 230, 230],  // nothing: no inverse action, 3 not re-armed (255 > 240)
  [90, 266, 230, 230],  // OFF already; no e-mail: not re-armed
  [90, 235, 230, 230],  // 2: ON; 3 re-armed (235 < 240)
  [30, 230, 270, 230],  // 1: OFF; 3: e-mail #2 (any phase)
  [20, 230, 230, 230],  // 2 would switch ON, but the delay after that OFF holds it
];
const EXPECTED_SWITCHES = [["2", "on"], ["1", "off"], ["2", "on"], ["1", "off"]];

// A three-phase replay of PROFILE (docs/replay-format.md): 50 Hz sines, 2 A
// per phase.
async function writeReplay(file) {
  const seconds = PROFILE.reduce((sum, [s]) => sum + s, 0);
  const header = Buffer.from(
    `maic-replay/1 rate=${RATE} phases=3 nominal_hz=50 v_scale=${V_SCALE},${V_SCALE},${V_SCALE} ` +
      `i_scale=${I_SCALE},${I_SCALE},${I_SCALE}\n`);
  const frames = Buffer.alloc(seconds * RATE * 12);
  let n = 0;
  for (const [duration, ...volts] of PROFILE) {
    for (let k = 0; k < duration * RATE; k++, n++) {
      const t = n / RATE;
      for (let p = 0; p < 3; p++) {
        const angle = 2 * Math.PI * 50 * t - (2 * Math.PI * p) / 3;
        const v = (volts[p] * Math.SQRT2 * Math.sin(angle)) / V_SCALE;
        const i = (2 * Math.SQRT2 * Math.sin(angle - 0.3)) / I_SCALE;
        frames.writeInt16LE(Math.round(v), (n * 6 + p * 2) * 2);
        frames.writeInt16LE(Math.round(i), (n * 6 + p * 2 + 1) * 2);
      }
    }
  }
  await writeFile(file, Buffer.concat([header, frames]));
}

// The SMTP sink on a free port, saving into `dir`; resolves once it listens.
async function startSink(dir, extra = []) {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const sink = start("/usr/bin/python3", [SINK, "--port", String(port), "--dir", dir, ...extra]);
  await waitForLine(sink, /smtp sink ready/);
  return { sink, port, dir };
}

// The messages the sink saved, oldest first: { data, message_id, subject }.
async function mails(dir) {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const out = [];
  for (const name of names) {
    const data = await readFile(path.join(dir, name.replace(".json", ".eml")), "utf8");
    const header = (h) => new RegExp(`^${h}: (.*)$`, "mi").exec(data)?.[1] ?? "";
    out.push({ data, message_id: header("Message-ID"), subject: header("Subject") });
  }
  return out;
}

// The text part of a mail, decoded (base64, UTF-8).
function textOf(mail) {
  const m = /Content-Type: text\/plain[^]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(mail.data);
  return m ? Buffer.from(m[1].replace(/\r\n/g, ""), "base64").toString("utf8") : "";
}

test("conditions switch the relay and send e-mails; a kill mid-send loses none",
  { skip: !DEVICE_BIN && "MAIC_DEVICE_BIN is not set", timeout: 300_000 }, async (t) => {
  const tmp = await tempDir("maic-automation-");
  const data = path.join(tmp.dir, "device");
  const replay = path.join(tmp.dir, "crossing.replay");
  let d;
  let smtp;
  try {
    await writeReplay(replay);
    smtp = await startSink(path.join(tmp.dir, "mail"));

    // Set-up on the synthetic source: the conditions and the mail server.
    d = await startDevice(data, ["--quiet"]);
    assert.equal((await page(d.url, { page: "devlogin", devpass: "0000" })).status, 200);
    const settings = {
      language: "de",
      automation: {
        delay_s: 60,
        conditions: [
          { enabled: true, operand: "V", compare: ">", value: 260, action: "off" },
          { enabled: true, operand: "V", phases: "all", compare: "<", value: 250, action: "on" },
          { enabled: true, operand: "V", compare: ">", value: 260, action: "email", hysteresis: 20 },
        ],
      },
      smtp: {
        host: "127.0.0.1", port: smtp.port, security: "none", sender: "meter@example.org",
        recipients: ["ann@example.org"],
      },
      notify: {
        enabled: true, on_condition: true, on_output: false, on_phase: false, on_restart: false,
        on_server: false, on_mqtt: false,
        // The replay's minutes pass in a second: the hysteresis alone
        // decides the count here, not the rate limit (15 minutes by default).
        rate_limit_min: 0,
      },
    };
    const set = await call(`${d.url}/api/v1/settings`, { method: "PATCH", body: settings });
    assert.equal(set.status, 200, set.text);
    await stop(d.device);

    // The replay, 60 times faster than real time; the daemon stops at its end.
    d = await startDevice(data, ["--source", `replay:${replay}`, "--time-scale", "60", "--quiet"]);
    await d.device.exited;
    const switches = [...d.device.output.matchAll(/condition (\d) switched the output (on|off)/g)]
      .map((m) => [m[1], m[2]]);
    assert.deepEqual(switches, EXPECTED_SWITCHES, d.device.output.slice(-3000));

    // Mails still queued at the end go out after a restart (the queue is
    // persisted); the synthetic source's voltages fulfil no e-mail condition.
    d = await startDevice(data, ["--quiet"]);
    await waitForLine(smtp.sink, /smtp sink saved 2\b/, 60_000);
    const received = await mails(smtp.dir);
    assert.equal(received.length, 2, received.map((m) => m.subject).join("\n"));
    const devid = d.devid;
    for (const [k, mail] of received.entries()) {
      const text = textOf(mail);
      assert.match(text, new RegExp(devid), `mail ${k}: the device's ID`);
      assert.match(text, /\b3\b/, `mail ${k}: condition 3`);
      assert.match(text, /V > 260 V/, `mail ${k}: the condition as written`);
      assert.match(text, k === 0 ? /265/ : /270/, `mail ${k}: the value in\n${text}`);
      assert.match(mail.message_id, new RegExp(`^<.+@${devid}\\.maic>$`));
    }
    assert.notEqual(received[0].message_id, received[1].message_id);
    t.diagnostic(`condition mails: ${received.map((m) => m.subject).join(" | ")}`);

    // A kill while the SMTP server holds a mail: no conditions now, the
    // output's switches mailed, a slow server.
    await stop(smtp.sink);
    const before = received.length;
    smtp = await startSink(smtp.dir.replace(/mail$/, "mail2"), ["--hold-data", "3"]);
    assert.equal((await page(d.url, { page: "devlogin", devpass: "0000" })).status, 200);
    const quiet = await call(`${d.url}/api/v1/settings`, {
      method: "PATCH",
      body: {
        automation: { conditions: [] },
        smtp: { port: smtp.port },
        notify: { on_condition: false, on_output: true },
      },
    });
    assert.equal(quiet.status, 200, quiet.text);
    const now = (await call(`${d.url}/api/v1/status`)).json.output.on;
    const switched = await call(`${d.url}/api/v1/output`, { method: "POST", body: { on: !now } });
    assert.equal(switched.status, 200, switched.text);
    const [, held] = await waitForLine(smtp.sink, /smtp sink holding 1 (<[^>]+>)/, 60_000);
    await stop(d.device, "SIGKILL");
    d = await startDevice(data, ["--quiet"]);
    await waitForLine(smtp.sink, /smtp sink saved 2\b/, 60_000);
    // The server may keep the killed send's copy or drop it with the
    // connection; the resend arrives either way, as the same message.
    const resent = await mails(smtp.dir);
    assert.ok(resent.length >= 1 && resent.length <= 2, `${resent.length} copies`);
    for (const copy of resent) {
      assert.equal(copy.message_id, held, "a resend is the message the kill cut off");
      assert.equal(copy.data, resent[0].data);
    }
    assert.match(textOf(resent[0]), /api/, "says who switched");
    t.diagnostic(`after the kill: ${resent.length} copies of ${resent[0].message_id}`);
    assert.equal(before, 2);
  } finally {
    await stop(d?.device);
    await stop(smtp?.sink);
    await tmp.remove();
  }
});
