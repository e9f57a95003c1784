// Pure rules of the devices pages: which refusal a failed add was, which
// live values a card shows and how fresh they are.
import type { Device } from "./api";

export type AddRefusal =
  | "pin0000"
  | "badName"
  | "badId"
  | "badPin"
  | "wrongPin"
  | "neverConnected"
  | "alreadyYours"
  | "ownedByOther"
  | "tooMany"
  | "network"
  | "failed";

// The API's answers to POST /api/v1/devices (cloud/api/src/device_routes.cpp):
// 400 names its field first ("pin: ..."), 403 wrong PIN, 404 never connected,
// 409 owned (by you or another account), 429 too many attempts.
export function addRefusal(status: number, message: string, pin: string): AddRefusal {
  switch (status) {
    case 0:
      return "network";
    case 400:
      if (pin === "0000" || /\b0000\b/.test(message)) return "pin0000";
      if (message.startsWith("devid:")) return "badId";
      if (message.startsWith("pin:")) return "badPin";
      if (message.startsWith("name:")) return "badName";
      return "failed";
    case 403:
      return "wrongPin";
    case 404:
      return "neverConnected";
    case 409:
      return /your account/.test(message) ? "alreadyYours" : "ownedByOther";
    case 429:
      return "tooMany";
    default:
      return "failed";
  }
}

// Checked before asking the server, with the same rules as the server.
export function checkAdd(name: string, devid: string, pin: string): AddRefusal | null {
  if (name.trim() === "" || new TextEncoder().encode(name).length > 64) return "badName";
  if (!/^\d{10}$/.test(devid)) return "badId";
  if (!/^\d{1,10}$/.test(pin)) return "badPin";
  if (pin === "0000") return "pin0000";
  return null;
}

export type LiveValue = { key: string; unit: string; value: number; digits: number };

// A card's few values: total power (consumed, else generated), the first
// phase's voltage, and the meter.
const LIVE: readonly { key: string; unit: string; digits: number }[] = [
  { key: "W", unit: "W", digits: 0 },
  { key: "TrW", unit: "W", digits: 0 },
  { key: "V1", unit: "V", digits: 1 },
  { key: "TWh", unit: "kWh", digits: 1 },
];

export function liveValues(device: Device): LiveValue[] {
  const out: LiveValue[] = [];
  for (const { key, unit, digits } of LIVE) {
    const raw = device.last?.[key];
    if (typeof raw !== "number" || !Number.isFinite(raw)) continue;
    out.push({ key, unit, digits, value: unit === "kWh" ? raw / 1000 : raw });
  }
  return out;
}

// Newer than this, the data counts as live (the server's online window).
export const FRESH_SECONDS = 180;

export function dataAge(device: Device, nowSeconds: number): number | null {
  return device.newest_minute > 0 ? Math.max(0, nowSeconds - device.newest_minute) : null;
}

// The live table of a device's page: one row per family of the catalogue
// (docs/device.md), a column per phase and the total where there is one.
export type Family = {
  name: string; // catalogue key quantity.<name>
  stem: string; // V -> V1, V2, V3
  total: string | null;
  unit: string;
  digits: number;
  scale: number; // Wh -> kWh
};

export const FAMILIES: readonly Family[] = [
  { name: "voltage", stem: "V", total: null, unit: "V", digits: 1, scale: 1 },
  { name: "current", stem: "A", total: "A", unit: "A", digits: 2, scale: 1 },
  { name: "power", stem: "W", total: "W", unit: "W", digits: 0, scale: 1 },
  { name: "reversePower", stem: "rW", total: "TrW", unit: "W", digits: 0, scale: 1 },
  { name: "powerFactor", stem: "PF", total: null, unit: "", digits: 2, scale: 1 },
  { name: "frequency", stem: "Fr", total: null, unit: "Hz", digits: 2, scale: 1 },
  { name: "energy", stem: "Wh", total: "TWh", unit: "kWh", digits: 2, scale: 0.001 },
  { name: "reverseEnergy", stem: "rWh", total: "rTWh", unit: "kWh", digits: 2, scale: 0.001 },
];

export type PhaseRow = { family: Family; phases: (number | null)[]; total: number | null };

export function phaseRows(last: Record<string, number>, phases: number): PhaseRow[] {
  const value = (key: string | null, scale: number): number | null => {
    const raw = key === null ? undefined : last[key];
    return typeof raw === "number" && Number.isFinite(raw) ? raw * scale : null;
  };
  const rows: PhaseRow[] = [];
  for (const family of FAMILIES) {
    const perPhase = Array.from({ length: Math.max(1, phases) }, (_, i) => value(`${family.stem}${i + 1}`, family.scale));
    const total = value(family.total, family.scale);
    if (total !== null || perPhase.some((v) => v !== null)) rows.push({ family, phases: perPhase, total });
  }
  return rows;
}
