// A condition as the form edits it (text as typed), and the way back to the
// device's JSON with the browser's checks. Errors are keyed by the path the
// device names ("automation.conditions[2].value"), so the device's own
// refusal lands on the same field.
import type { Translator } from "../../common/i18n";
import type { Errors } from "../form";
import type { Condition } from "../types";
import { CONSTANT, type OperandFamily, operandOf, partsOf } from "./ConditionsOperands";

export const MAX_CONDITIONS = 6;
export const MAX_FILTER_S = 86_400;
export const DELAY_MIN_S = 60; // manual §9: "The minimum time is 60 seconds"
export const DELAY_MAX_S = 86_400;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export type Draft = {
  id: number; // stable across moves: the row's identity for rendering
  origin: number | null; // its index in the saved list: whose live state it shows
  enabled: boolean;
  family: string; // CONSTANT, a catalogue family, or "" (unknown here)
  which: string; // "any", "all", a key; for CONSTANT the number
  compare: ">" | "<";
  value: string;
  action: "on" | "off" | "email";
  filter: string;
  windowOn: boolean;
  from: string;
  to: string;
  hysteresis: string;
};

let nextId = 1;

export function toDraft(c: Condition, origin: number | null, families: OperandFamily[]): Draft {
  const parts = partsOf(c.operand, c.phases, families);
  return {
    id: nextId++,
    origin,
    enabled: c.enabled,
    family: parts.family,
    which: parts.which,
    compare: c.compare,
    value: String(c.value),
    action: c.action,
    filter: String(c.filter ?? 0),
    windowOn: !!c.window,
    from: c.window?.from ?? "22:00",
    to: c.window?.to ?? "06:00",
    hysteresis: String(c.hysteresis ?? 0),
  };
}

// A new row: the manual's protection `V > 260 Relay OFF` when the device
// measures voltage, else the always-fulfilled `1 > 0`.
export function newDraft(families: OperandFamily[]): Draft {
  const voltage = families.find((f) => f.family === "voltage");
  const base: Condition = voltage
    ? { enabled: true, operand: voltage.stem ?? voltage.choices[0]?.which ?? "1", compare: ">", value: 260, action: "off", filter: 10 }
    : { enabled: true, operand: "1", compare: ">", value: 0, action: "off" };
  return toDraft(base, null, families);
}

// "230.5" and "230,5" (a decimal comma) alike; "" is no number.
export function parseNumber(text: string): number {
  const t = text.trim().replace(",", ".");
  return t === "" ? NaN : Number(t);
}

export function isConstantTrue(d: Draft): boolean {
  const a = Number(d.which);
  const b = parseNumber(d.value);
  return d.compare === ">" ? a > b : a < b;
}

// The JSON of every row, or the errors that keep it from being sent.
export function fromDrafts(
  drafts: Draft[],
  families: OperandFamily[],
  tr: Translator,
  errors: Errors,
): Condition[] {
  return drafts.map((d, k) => {
    const at = (name: string) => `automation.conditions[${k}].${name}`;
    if (d.family === "") errors[at("operand")] = tr.t("conditions.err_operand");
    const value = parseNumber(d.value);
    if (!Number.isFinite(value)) errors[at("value")] = tr.t("conditions.err_number");
    const filter = Number(d.filter.trim());
    if (d.filter.trim() === "" || !Number.isInteger(filter) || filter < 0 || filter > MAX_FILTER_S) {
      errors[at("filter")] = tr.t("form.integer_range", { min: 0, max: MAX_FILTER_S });
    }
    const hysteresis = d.action === "email" ? parseNumber(d.hysteresis) : 0;
    if (!Number.isFinite(hysteresis) || hysteresis < 0) errors[at("hysteresis")] = tr.t("conditions.err_hysteresis");
    if (d.windowOn) {
      if (!HHMM.test(d.from)) errors[at("window.from")] = tr.t("conditions.err_time");
      if (!HHMM.test(d.to)) errors[at("window.to")] = tr.t("conditions.err_time");
    }
    const operand = d.family === CONSTANT ? { operand: d.which } : operandOf(d, families);
    return {
      enabled: d.enabled,
      ...operand,
      compare: d.compare,
      value,
      action: d.action,
      filter,
      window: d.windowOn ? { from: d.from, to: d.to } : null,
      hysteresis,
    };
  });
}
