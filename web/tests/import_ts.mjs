// Imports a TypeScript module of web/ for the unit tests: compiled in memory
// with esbuild (bundled, as the build does), no browser, nothing on disk.
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const web = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

// `file` relative to web/: "src/device/readings.ts".
export async function importTs(file) {
  const out = await esbuild.build({
    entryPoints: [path.join(web, file)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
  });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
}
