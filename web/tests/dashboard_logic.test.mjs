// Unit tests of the Dashboard's pure logic (src/dashboard/{devices,i18n}.ts),
// compiled in memory with esbuild: no browser, no server.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { importTs } from "./import_ts.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

const { addRefusal, checkAdd, liveValues, dataAge, phaseRows } = await importTs("src/dashboard/devices.ts");
const { Translator, browserLanguage } = await importTs("src/common/i18n.ts");
const catalogue = async (tag) =>
  JSON.parse(await readFile(path.join(here, "..", "i18n", `${tag}.json`), "utf8"));

test("each refusal of POST /api/v1/devices has its own message", () => {
  const cases = [
    [400, "pin: a device whose PIN is still 0000 cannot be added; set a PIN on the device first", "0000", "pin0000"],
    [400, "devid: 10 digits are required", "1234", "badId"],
    [400, "pin: 1 to 10 digits are required", "12a", "badPin"],
    [400, "name: 1 to 64 bytes are required", "1234", "badName"],
    [403, "pin: wrong PIN for device 1828719372", "1234", "wrongPin"],
    [404, "device 1828719372 has not connected to this server yet; set its data server and try again", "1234", "neverConnected"],
    [409, "device 1828719372 is in your account already", "1234", "alreadyYours"],
    [409, "device 1828719372 belongs to another account", "1234", "ownedByOther"],
    [429, "too many attempts to add this device; try again later", "1234", "tooMany"],
    [0, "network", "1234", "network"],
    [503, "the database is unavailable; try again shortly", "1234", "failed"],
  ];
  for (const [status, message, pin, want] of cases) assert.equal(addRefusal(status, message, pin), want, message);
});

test("the form checks what the server would refuse", () => {
  assert.equal(checkAdd("Home", "1828719372", "1234"), null);
  assert.equal(checkAdd(" ", "1828719372", "1234"), "badName");
  assert.equal(checkAdd("Home", "182871937", "1234"), "badId");
  assert.equal(checkAdd("Home", "1828719372", "12345678901"), "badPin");
  assert.equal(checkAdd("Home", "1828719372", "0000"), "pin0000");
});

test("a card's live values and the data's age", () => {
  const device = { newest_minute: 1_700_000_040, last: { TIME: 1_700_000_040, W: 1234.5, V1: 230.1, TWh: 45678.9 } };
  assert.deepEqual(liveValues(device).map((v) => [v.key, v.unit, v.value]),
                   [["W", "W", 1234.5], ["V1", "V", 230.1], ["TWh", "kWh", 45.6789]]);
  assert.equal(dataAge(device, 1_700_000_160), 120);
  assert.equal(dataAge({ newest_minute: 0, last: {} }, 1_700_000_160), null);
});

test("the live table: a row per family, phases and total, energy in kWh", () => {
  const rows = phaseRows({ V1: 230, V2: 231, V3: 229, W1: 100, W2: 200, W3: 300, W: 600, TWh: 12345, Wh1: 1000 }, 3);
  assert.deepEqual(rows.map((r) => [r.family.name, r.phases, r.total]), [
    ["voltage", [230, 231, 229], null],
    ["power", [100, 200, 300], 600],
    ["energy", [1, null, null], 12.345],
  ]);
  assert.deepEqual(phaseRows({ V1: 230 }, 1).map((r) => r.phases), [[230]]);
});

test("plurals, numbers and relative times follow the language", async () => {
  const en = new Translator("en", await catalogue("en"));
  assert.equal(en.t("devices.count", { count: 1 }), "1 device");
  assert.equal(en.t("devices.count", { count: 1200 }), "1,200 devices");
  assert.equal(en.ago(120), "2 minutes ago");
  assert.equal(en.t("no.such.key"), "no.such.key");
  const uk = new Translator("uk", await catalogue("uk"));
  const forms = [1, 2, 5, 21].map((count) => uk.t("devices.count", { count }));
  assert.equal(new Set(forms.map((s) => s.split(" ")[1])).size, 3, forms.join(" / "));
  const de = new Translator("de", await catalogue("de"));
  assert.equal(de.number(1234.5, 1), "1.234,5");
  assert.equal(de.ago(120), "vor 2 Minuten");
});

test("the browser's language, else English", () => {
  assert.equal(browserLanguage(["de-AT", "en"]), "de");
  assert.equal(browserLanguage(["ja", "pt-BR"]), "pt");
  assert.equal(browserLanguage(["ja"]), "en");
});

const { range, shift, slots, parseDay, formatDay, csv, imbalance, keysOf } = await importTs("src/dashboard/periods.ts");

test("a board's periods are the device's local calendar periods", () => {
  const day = parseDay("2026-03-29"); // Berlin goes to summer time: 23 hours
  const berlin = range("day", day, "Europe/Berlin");
  assert.equal(berlin.from, Date.UTC(2026, 2, 28, 23) / 1000);
  assert.equal(berlin.to - berlin.from, 23 * 3600);
  assert.equal(slots("day", day, "Europe/Berlin").length, 23);
  assert.equal(range("day", parseDay("2026-10-25"), "Europe/Berlin").to - range("day", parseDay("2026-10-25"), "Europe/Berlin").from, 25 * 3600);
  // Kolkata (+5:30): its days start at 18:30 UTC the day before.
  assert.equal(range("day", parseDay("2023-11-15"), "Asia/Kolkata").from, Date.UTC(2023, 10, 14, 18, 30) / 1000);
  // ISO weeks start on Monday; 2026-11-30 is one.
  const week = range("week", parseDay("2026-12-03"), "UTC");
  assert.equal(week.from, Date.UTC(2026, 10, 30) / 1000);
  assert.equal(week.to, Date.UTC(2026, 11, 7) / 1000);
  assert.equal(slots("week", parseDay("2026-12-03"), "UTC").length, 7);
  assert.equal(slots("month", parseDay("2026-02-10"), "UTC").length, 28);
  assert.equal(slots("year", parseDay("2026-02-10"), "UTC").length, 12);
  assert.equal(formatDay(shift("month", parseDay("2026-01-31"), 1)), "2026-02-01");
  assert.equal(formatDay(shift("year", parseDay("2026-06-15"), -1)), "2025-01-01");
  assert.equal(formatDay(shift("day", parseDay("2026-12-31"), 1)), "2027-01-01");
  assert.equal(parseDay("2026-02-30"), null);
});

test("CSV cells are quoted as RFC 4180 asks; imbalance; keys of phases", () => {
  assert.equal(csv([["TIME", "a,b"], [1, 'say "hi"']]), 'TIME,"a,b"\r\n1,"say ""hi"""\r\n');
  assert.equal(imbalance([230, 230, 230]), 0);
  assert.equal(Math.round(imbalance([100, 200, 300]) * 10) / 10, 50);
  assert.equal(imbalance([null, 5]), null);
  assert.deepEqual(keysOf("W", [1, "total"], 3), ["W1", "W"]);
  assert.deepEqual(keysOf("rW", ["total", 2], 3), ["TrW", "rW2"]);
  assert.deepEqual(keysOf("V", ["total", 1, 2, 3], 1), ["V1"]);
});
