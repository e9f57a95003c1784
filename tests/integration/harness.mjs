// What the integration tests share: free loopback ports, temporary
// directories, and real programs (maic-device, mosquitto) started on
// loopback and always stopped, even when a test fails.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const DEVICE_BIN = process.env.MAIC_DEVICE_BIN;
export const CLOUD_BIN = process.env.MAIC_CLOUD_BIN;

export async function tempDir(prefix) {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Resolves with the match once `child`'s output (stdout and stderr, kept
// from its start in child.output) has text matching `pattern` after
// position `from`; rejects when the child exits first or after `ms`.
export function waitForLine(child, pattern, ms = 20_000, from = 0) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = child.output.slice(from).match(pattern);
      if (m) finish(null, m);
    };
    const timer = setTimeout(
      () => finish(new Error(`no output matching ${pattern} in ${ms} ms:\n${child.output.slice(-4000)}`)),
      ms,
    );
    const onExit = () => {
      check();
      finish(new Error(`exited before ${pattern}:\n${child.output.slice(-4000)}`));
    };
    let done = false;
    function finish(err, m) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.off("output", check);
      child.off("exit", onExit);
      err ? reject(err) : resolve(m);
    }
    child.on("output", check);
    child.once("exit", onExit);
    check();
  });
}

const children = new Set();
process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

export function start(bin, args) {
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      child.output += chunk;
      child.emit("output");
    });
  }
  child.exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return child;
}

export async function stop(child, signal = "SIGTERM") {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await child.exited;
}

// A mosquitto broker on a free loopback port; `stop()` ends it.
export async function startBroker(tmp) {
  const port = await freePort();
  const conf = path.join(tmp, "mosquitto.conf");
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const broker = start("/usr/sbin/mosquitto", ["-c", conf, "-v"]);
  await waitForLine(broker, /running/);
  return { port, broker };
}

// maic-device on a free port with its own data dir; resolves with its URL
// and ID once it listens.
export async function startDevice(dataDir, extra = []) {
  const device = start(DEVICE_BIN, ["--data-dir", dataDir, "--listen", "127.0.0.1:0", ...extra]);
  const [, devid] = await waitForLine(device, /device (\d{10}) /);
  const [, url] = await waitForLine(device, /listening on (http:\/\/[\d.]+:\d+)/);
  return { device, url, devid };
}

export async function page(url, query) {
  const res = await fetch(`${url}/?${new URLSearchParams(query)}`);
  const text = await res.text();
  return { status: res.status, json: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : null, text };
}

// maic-cloud on a free port with its own data dir; resolves with its URL
// once it listens.
export async function startCloud(dataDir, extra = []) {
  const cloud = start(CLOUD_BIN, ["--data-dir", dataDir, "--listen", "127.0.0.1:0", ...extra]);
  const [, url] = await waitForLine(cloud, /listening on (http:\/\/[\d.]+:\d+)/);
  return { cloud, url };
}

// A JSON request; resolves with the status and the parsed body.
export async function call(url, { method = "GET", body, key, headers = {} } = {}) {
  const h = { ...headers };
  if (key) h.Authorization = `Bearer ${key}`;
  if (body !== undefined) h["Content-Type"] = "application/json";
  const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

// Resolves once `test(output)` — the child's output so far — returns a
// truthy value (which it resolves with); rejects when the child exits
// first or after `ms`. Event-driven: checked whenever output arrives.
export function waitForOutput(child, test, what, ms = 60_000) {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err, v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.off("output", check);
      child.off("exit", onExit);
      err ? reject(err) : resolve(v);
    };
    const check = () => {
      const v = test(child.output);
      if (v) finish(null, v);
    };
    const onExit = () => finish(new Error(`exited before ${what}:\n${child.output.slice(-4000)}`));
    const timer = setTimeout(
      () => finish(new Error(`no ${what} in ${ms} ms:\n${child.output.slice(-4000)}`)), ms);
    child.on("output", check);
    child.once("exit", onExit);
    check();
  });
}
