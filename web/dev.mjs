// For work on the device's site: serves the files of a fresh build from
// disk and passes everything else (the API, the page API, /login, "/") to a
// running maic-device, so a change needs a rebuild of the site only:
//
//   node build.mjs --outdir /tmp/site && \
//   node dev.mjs --daemon http://127.0.0.1:8080 --dist /tmp/site/device --port 8081
//
// The Host header passes unchanged, so the device's browser rules see the
// same origin as the browser does.
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { daemon: { type: "string" }, dist: { type: "string" }, port: { type: "string", default: "8081" } },
});
if (!values.daemon || !values.dist) {
  console.error("usage: node dev.mjs --daemon URL --dist DIR [--port N]");
  process.exit(2);
}
const daemon = new URL(values.daemon);
const TYPES = { ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".html": "text/html" };
const FROM_DISK = /^\/(app\.js|login\.js|style\.css|i18n\/([a-z]{2}|keys)\.json)$/;

http
  .createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && FROM_DISK.test(url.pathname)) {
      try {
        const body = await readFile(path.join(values.dist, url.pathname));
        res.writeHead(200, { "Content-Type": TYPES[path.extname(url.pathname)], "Cache-Control": "no-store" });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    const upstream = http.request(
      { host: daemon.hostname, port: daemon.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end("the daemon does not answer"));
    req.pipe(upstream);
  })
  .listen(Number(values.port), "127.0.0.1", () => console.log(`http://127.0.0.1:${values.port}/`));
