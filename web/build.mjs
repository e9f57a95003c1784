// Builds the front ends into static files that CMake embeds in the binaries.
//
//   node build.mjs [--outdir DIR]      (default: $MAIC_WEB_OUTDIR or ./dist)
//
// For each site: src/<site>/main.ts is bundled (esbuild, minified, linked
// source map) to DIR/<site>/app.js, and its static files are copied beside
// it. DIR/<site> is emptied first, so nothing stale gets embedded.
// esbuild does not type-check: `npm run typecheck` does.
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));

const SITES = [{ name: "device", files: ["index.html", "style.css"] }];

const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = path.resolve(values.outdir ?? process.env.MAIC_WEB_OUTDIR ?? path.join(here, "dist"));

for (const site of SITES) {
  const src = path.join(here, "src", site.name);
  const dest = path.join(outdir, site.name);
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  await esbuild.build({
    absWorkingDir: here,
    entryPoints: [path.join(src, "main.ts")],
    outfile: path.join(dest, "app.js"),
    bundle: true,
    format: "iife",
    target: ["es2020"],
    minify: true,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
  });
  await Promise.all(site.files.map((f) => cp(path.join(src, f), path.join(dest, f))));
  console.log(`built ${dest}`);
}
