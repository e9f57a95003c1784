// The device's live reading (GET /api/v1/readings) and how the page lays it
// out. Pure functions, no DOM: tests/readings.test.mjs runs them in node.
//
// Nothing here lists quantity keys: rows, columns and labels come from the
// JSON, which the device generates from the catalogue (core/quantity.hpp).
// What the page adds is presentation per family: digits and display unit.

export interface Quantity {
  key: string; // "V1", "TWh"
  name: string; // "Voltage L1", "Energy total"
  unit: string; // "V", "Wh", "" for dimensionless
  family: string; // "voltage", "reverse_energy", ...
  phase: number; // 1..3; 0 for totals and device-wide quantities
  total: boolean; // a sum over the phases
  value: number;
}

export interface Reading {
  devid: string;
  devtype: string;
  time: number; // unix seconds of the reading
  phases: number;
  quantities: Quantity[];
}

// Thrown when the JSON does not have the documented shape.
export class ReadingFormatError extends Error {
  override name = "ReadingFormatError";
}

function field<T>(
  obj: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  what: string,
): T {
  const v = obj[name];
  if (!check(v)) throw new ReadingFormatError(`"${name}" is not ${what}`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

// Validates a parsed /api/v1/readings body; throws ReadingFormatError.
export function parseReading(json: unknown): Reading {
  if (!isObject(json)) throw new ReadingFormatError("the reading is not an object");
  const quantities = field(json, "quantities", isArray, "an array").map((q, i) => {
    if (!isObject(q)) throw new ReadingFormatError(`quantity ${i} is not an object`);
    return {
      key: field(q, "key", isString, "a string"),
      name: field(q, "name", isString, "a string"),
      unit: field(q, "unit", isString, "a string"),
      family: field(q, "family", isString, "a string"),
      phase: field(q, "phase", isNumber, "a number"),
      total: field(q, "total", isBoolean, "a boolean"),
      value: field(q, "value", isNumber, "a number"),
    };
  });
  return {
    devid: field(json, "devid", isString, "a string"),
    devtype: field(json, "devtype", isString, "a string"),
    time: field(json, "time", isNumber, "a number"),
    phases: field(json, "phases", isNumber, "a number"),
    quantities,
  };
}

// How a family's values are shown. `scale` converts to `unit` (Wh -> kWh).
interface Presentation {
  digits: (value: number) => number;
  scale?: number;
  unit?: string; // replaces the JSON's unit
  text?: (value: number) => string; // replaces number formatting
}

const fixed = (n: number) => () => n;

const PRESENTATION: Readonly<Record<string, Presentation>> = {
  voltage: { digits: fixed(1) },
  current: { digits: (a) => (Math.abs(a) < 10 ? 3 : 2) },
  power: { digits: fixed(1) },
  reverse_power: { digits: fixed(1) },
  energy: { digits: fixed(3), scale: 1e-3, unit: "kWh" },
  reverse_energy: { digits: fixed(3), scale: 1e-3, unit: "kWh" },
  power_factor: { digits: fixed(3) },
  frequency: { digits: fixed(2) },
  temperature: { digits: fixed(1) },
  output: { digits: fixed(0), unit: "", text: (v) => (v !== 0 ? "on" : "off") },
};
const DEFAULT_PRESENTATION: Presentation = { digits: fixed(2) };

function presentation(family: string): Presentation {
  return PRESENTATION[family] ?? DEFAULT_PRESENTATION;
}

// The value as the page shows it, without unit: "230.1", "12.345", "on".
export function formatValue(q: Pick<Quantity, "family" | "value">): string {
  const p = presentation(q.family);
  if (p.text) return p.text(q.value);
  const v = q.value * (p.scale ?? 1);
  return v.toFixed(p.digits(v));
}

// The unit the page shows for a family's values.
export function displayUnit(q: Pick<Quantity, "family" | "unit">): string {
  return presentation(q.family).unit ?? q.unit;
}

// A family's label from a quantity's name: the catalogue names per-phase
// quantities "<family> L<n>" and totals "<family> total".
export function familyLabel(q: Pick<Quantity, "name" | "phase" | "total">): string {
  const suffix = q.total ? " total" : q.phase > 0 ? ` L${q.phase}` : "";
  return suffix && q.name.endsWith(suffix) ? q.name.slice(0, -suffix.length) : q.name;
}

export interface Column {
  label: string; // "L1", "Total"
  phase: number; // 1..phases; 0 for the total column
}

export interface Row {
  family: string;
  label: string; // "Voltage"
  unit: string; // display unit
  cells: (Quantity | undefined)[]; // one per column; undefined: no such quantity
}

export interface Layout {
  columns: Column[];
  rows: Row[]; // per-phase families, in the order the JSON lists them
  device: Quantity[]; // device-wide quantities (temperature, output)
  signature: string; // equal signatures: same table, only values differ
}

// Lays a reading out as a table: a row per family with per-phase values,
// a column per phase and one for totals when any quantity is a total.
export function layout(reading: Reading): Layout {
  const phases = Math.max(1, Math.min(3, Math.trunc(reading.phases)));
  const columns: Column[] = [];
  for (let p = 1; p <= phases; ++p) columns.push({ label: `L${p}`, phase: p });
  if (reading.quantities.some((q) => q.total)) columns.push({ label: "Total", phase: 0 });

  const rows = new Map<string, Row>();
  const device: Quantity[] = [];
  for (const q of reading.quantities) {
    if (!q.total && q.phase === 0) {
      device.push(q);
      continue;
    }
    const column = columns.findIndex((c) => (q.total ? c.phase === 0 : c.phase === q.phase));
    if (column < 0) continue; // a phase beyond `phases`: malformed, skip
    let row = rows.get(q.family);
    if (!row) {
      row = {
        family: q.family,
        label: familyLabel(q),
        unit: displayUnit(q),
        cells: columns.map(() => undefined),
      };
      rows.set(q.family, row);
    }
    row.cells[column] = q;
  }
  const keys = reading.quantities.map((q) => `${q.key}:${q.family}:${q.phase}:${q.total}`);
  return {
    columns,
    rows: [...rows.values()],
    device,
    signature: `${phases}|${keys.join(",")}`,
  };
}
