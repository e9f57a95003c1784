// Unit tests of the device page's pure logic (src/device/readings.ts),
// compiled in memory with esbuild: no browser, no device.
import assert from "node:assert/strict";
import { test } from "node:test";

import { importTs } from "./import_ts.mjs";

const { parseReading, layout, formatValue, displayUnit, familyLabel, ReadingFormatError } =
  await importTs("src/device/readings.ts");

// A D103 reading shaped like the device's catalogue output (core/quantity.cpp).
function d103() {
  const families = [
    ["voltage", "V", "Voltage", "V", false, 230.12],
    ["current", "A", "Current", "A", "A", 1.23456],
    ["power", "W", "Active power", "W", "W", 250.04],
    ["reverse_power", "rW", "Reverse power", "W", "TrW", 0],
    ["energy", "Wh", "Energy", "Wh", "TWh", 12345.6789],
    ["reverse_energy", "rWh", "Reverse energy", "Wh", "rTWh", 0.4],
    ["power_factor", "PF", "Power factor", "", false, 0.98765],
    ["frequency", "Fr", "Frequency", "Hz", false, 50.0149],
  ];
  const quantities = [];
  for (const [family, stem, name, unit, total, value] of families) {
    for (let p = 1; p <= 3; ++p) {
      quantities.push({ key: `${stem}${p}`, name: `${name} L${p}`, unit, family, phase: p, total: false, value: value + p });
    }
    if (total) quantities.push({ key: total, name: `${name} total`, unit, family, phase: 0, total: true, value: value * 3 });
  }
  quantities.push({ key: "T", name: "Temperature", unit: "°C", family: "temperature", phase: 0, total: false, value: 31.25 });
  quantities.push({ key: "OUT", name: "Output", unit: "", family: "output", phase: 0, total: false, value: 1 });
  return { devid: "1828719372", devtype: "D103", time: 1700000000, phases: 3, quantities };
}

test("parseReading accepts the documented shape", () => {
  const r = parseReading(d103());
  assert.equal(r.devid, "1828719372");
  assert.equal(r.quantities.length, 8 * 3 + 5 + 2);
});

test("parseReading rejects malformed readings with a reason", () => {
  const cases = [
    [null, /not an object/],
    [{ ...d103(), quantities: "x" }, /"quantities" is not an array/],
    [{ ...d103(), time: "now" }, /"time" is not a number/],
    [{ ...d103(), quantities: [{ ...d103().quantities[0], value: null }] }, /"value" is not a number/],
    [{ ...d103(), quantities: [7] }, /quantity 0 is not an object/],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => parseReading(json), (e) => e instanceof ReadingFormatError && message.test(e.message));
  }
});

test("layout: a row per family, columns L1..L3 and Total, device values apart", () => {
  const l = layout(parseReading(d103()));
  assert.deepEqual(l.columns.map((c) => c.label), ["L1", "L2", "L3", "Total"]);
  assert.deepEqual(l.rows.map((r) => r.label), [
    "Voltage", "Current", "Active power", "Reverse power", "Energy", "Reverse energy", "Power factor", "Frequency",
  ]);
  const voltage = l.rows[0];
  assert.deepEqual(voltage.cells.map((q) => q?.key), ["V1", "V2", "V3", undefined]);
  assert.deepEqual(l.rows[1].cells.map((q) => q?.key), ["A1", "A2", "A3", "A"]);
  assert.equal(l.rows[4].unit, "kWh");
  assert.deepEqual(l.device.map((q) => q.key), ["T", "OUT"]);
});

test("layout: a single-phase device has one column and no total", () => {
  const one = {
    devid: "1", devtype: "D101", time: 0, phases: 1,
    quantities: [
      { key: "V", name: "Voltage", unit: "V", family: "voltage", phase: 1, total: false, value: 229.9 },
      { key: "W", name: "Active power", unit: "W", family: "power", phase: 1, total: false, value: 10 },
    ],
  };
  const l = layout(parseReading(one));
  assert.deepEqual(l.columns.map((c) => c.label), ["L1"]);
  assert.deepEqual(l.rows.map((r) => [r.label, r.cells[0]?.key]), [["Voltage", "V"], ["Active power", "W"]]);
});

test("layout: the signature changes with the quantities, not with values", () => {
  const a = d103();
  const b = d103();
  b.quantities[0].value = 1;
  assert.equal(layout(parseReading(a)).signature, layout(parseReading(b)).signature);
  b.quantities.pop();
  assert.notEqual(layout(parseReading(a)).signature, layout(parseReading(b)).signature);
});

test("formatValue: digits and units per family", () => {
  const f = (family, value) => formatValue({ family, value });
  assert.equal(f("voltage", 230.149), "230.1");
  assert.equal(f("current", 1.23456), "1.235");
  assert.equal(f("current", 12.3456), "12.35");
  assert.equal(f("power", 1234.56), "1234.6");
  assert.equal(f("reverse_power", 0), "0.0");
  assert.equal(f("energy", 12345.6789), "12.346"); // kWh
  assert.equal(f("reverse_energy", 0.4), "0.000");
  assert.equal(f("power_factor", 0.98765), "0.988");
  assert.equal(f("frequency", 50.0149), "50.01");
  assert.equal(f("temperature", 31.25), "31.3");
  assert.equal(f("output", 1), "on");
  assert.equal(f("output", 0), "off");
  assert.equal(f("something_new", 1.005), "1.00"); // unknown families still show
  assert.equal(displayUnit({ family: "energy", unit: "Wh" }), "kWh");
  assert.equal(displayUnit({ family: "voltage", unit: "V" }), "V");
  assert.equal(displayUnit({ family: "output", unit: "" }), "");
});

test("familyLabel strips the phase or total suffix the catalogue adds", () => {
  assert.equal(familyLabel({ name: "Voltage L2", phase: 2, total: false }), "Voltage");
  assert.equal(familyLabel({ name: "Energy total", phase: 0, total: true }), "Energy");
  assert.equal(familyLabel({ name: "Voltage", phase: 1, total: false }), "Voltage");
  assert.equal(familyLabel({ name: "Temperature", phase: 0, total: false }), "Temperature");
});
