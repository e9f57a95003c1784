// Builds the front ends into static files that CMake embeds in the binaries.
//
//   node build.mjs [--outdir DIR]      (default: $MAIC_WEB_OUTDIR or ./dist)
//
// For each site: each entry src/<site>/<name>.ts(x) is bundled (esbuild,
// minified) to DIR/<site>/<out>, and its static files are copied beside it;
// a site with `i18n` also gets the catalogues of its i18n directory
// (minified) in DIR/<site>/i18n/.
// DIR/<site> is emptied first, so nothing stale gets embedded.
// esbuild does not type-check: `npm run typecheck` does.
//
// Every file a site serves is measured gzipped and printed; a site over its
// budget fails the build (issue 11: the whole Dashboard, all catalogues
// and charts included, within 150 KB gzip). A text file that gzip makes
// clearly smaller also gets DIR/<site>/<file>.gz: the servers send it to
// browsers that accept gzip (cmake/MaicEmbed.cmake, http/static_assets.hpp).
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));

const SITES = [
  {
    name: "device",
    // The site, and the log-in page's small script (the page itself is
    // plain HTML: its form works before any script has run).
    entries: { "app.js": "main.tsx", "login.js": "login.ts" },
    files: ["index.html", "login.html", "style.css"],
    appendCss: ["node_modules/uplot/dist/uPlot.min.css", "src/common/tokens.css"],
    systemDark: true,
    sourcemap: false,
    i18n: "i18n/device",
    compactI18n: true,
    // Issue 13: every file the device serves, all 25 catalogues included.
    budgetBytes: 200 * 1024,
  },
  {
    name: "dashboard",
    entries: { "app.js": "main.tsx" },
    files: ["index.html", "style.css", "icon.svg"],
    // uPlot's own rules (legend, cursor, selection) go after ours, into the
    // one stylesheet the page links: the CSP allows no inline style.
    appendCss: ["node_modules/uplot/dist/uPlot.min.css", "src/common/tokens.css"],
    // The dark palette is written once, for data-theme="dark"; the build
    // gives it to the system's dark mode too (systemDark below).
    systemDark: true,
    // Not served: a source map would spend a third of the budget.
    sourcemap: false,
    i18n: "i18n",
    budgetBytes: 150 * 1024,
  },
];

const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = path.resolve(values.outdir ?? process.env.MAIC_WEB_OUTDIR ?? path.join(here, "dist"));

async function filesUnder(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

// Gzipped bytes of every file under `dir`, as a server would send them.
async function measure(dir) {
  const sizes = [];
  for (const file of await filesUnder(dir)) {
    sizes.push({ file: path.relative(dir, file), gzip: gzipSync(await readFile(file), { level: 9 }).length });
  }
  return { sizes, total: sizes.reduce((sum, s) => sum + s.gzip, 0) };
}

// What is worth compressing: text (images such as PNG are compressed
// already), when gzip saves at least a tenth and 100 bytes.
const COMPRESSIBLE = /\.(html|js|mjs|css|svg|json|txt|webmanifest)$/i;

async function writeGzipVariants(dir) {
  for (const file of await filesUnder(dir)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const bytes = await readFile(file);
    // Level 9, and no name or time in the header: the same input always
    // gives the same bytes, so the same ETag.
    const gz = gzipSync(bytes, { level: 9 });
    if (gz.length <= bytes.length * 0.9 && bytes.length - gz.length >= 100) await writeFile(`${file}.gz`, gz);
  }
}

// style.css holds the dark palette once, as `:root[data-theme="dark"] {…}`
// (the person's choice). The same tokens apply when the system is dark and
// the person chose nothing: this adds that rule, with the block's body.
function withSystemDark(css) {
  const m = css.match(/:root\[data-theme="dark"\] \{([^}]*)\}/);
  if (!m) throw new Error('style.css has no :root[data-theme="dark"] block');
  return `${css}\n@media (prefers-color-scheme: dark) {\n  :root:not([data-theme="light"]) {${m[1]}}\n}\n`;
}

let failed = false;
for (const site of SITES) {
  const src = path.join(here, "src", site.name);
  const dest = path.join(outdir, site.name);
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  for (const [out, entry] of Object.entries(site.entries)) await esbuild.build({
    absWorkingDir: here,
    entryPoints: [path.join(src, entry)],
    outfile: path.join(dest, out),
    bundle: true,
    format: "iife",
    target: ["es2020"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: site.sourcemap,
    legalComments: "none",
    logLevel: "warning",
  });
  await Promise.all(site.files.map((f) => cp(path.join(src, f), path.join(dest, f))));
  // In the listed order, before the site's own rules.
  if (site.appendCss) {
    const parts = await Promise.all(site.appendCss.map((css) => readFile(path.join(here, css), "utf8")));
    const own = await readFile(path.join(dest, "style.css"), "utf8");
    await writeFile(path.join(dest, "style.css"), `${parts.join("\n")}\n${own}`);
  }
  if (site.systemDark) {
    const file = path.join(dest, "style.css");
    await writeFile(file, withSystemDark(await readFile(file, "utf8")));
  }
  if (site.i18n) {
    const from = path.join(here, site.i18n);
    await mkdir(path.join(dest, "i18n"));
    // A compact site sends its keys once (i18n/keys.json, in en's order) and
    // each language as an array of its texts in that order: the keys are a
    // quarter of a catalogue's gzipped bytes (common/i18n.ts reads both).
    const keys = site.compactI18n
      ? Object.keys(JSON.parse(await readFile(path.join(from, "en.json"), "utf8")))
      : null;
    if (keys) await writeFile(path.join(dest, "i18n", "keys.json"), JSON.stringify(keys));
    for (const name of await readdir(from)) {
      if (!name.endsWith(".json") || name === "languages.json") continue;
      const catalogue = JSON.parse(await readFile(path.join(from, name), "utf8"));
      const out = keys ? keys.map((k) => catalogue[k] ?? null) : catalogue;
      await writeFile(path.join(dest, "i18n", name), JSON.stringify(out));
    }
  }
  const { sizes, total } = await measure(dest);
  await writeGzipVariants(dest);
  await writeFile(path.join(outdir, `${site.name}.size.json`), JSON.stringify({ total, sizes }, null, 1));
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`built ${dest}: ${sizes.length} files, ${kb(total)} KB gzip`);
  if (site.budgetBytes !== undefined) {
    const largest = [...sizes].sort((a, b) => b.gzip - a.gzip).slice(0, 4);
    console.log(`  largest: ${largest.map((s) => `${s.file} ${kb(s.gzip)} KB`).join(", ")}`);
    if (total > site.budgetBytes) {
      console.error(`${site.name}: ${kb(total)} KB gzip is over its budget of ${kb(site.budgetBytes)} KB`);
      failed = true;
    }
  }
}
if (failed) process.exit(1);
