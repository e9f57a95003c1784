// What a condition can compare (docs/automation.md, "Operand"), derived
// from the device's own reading (GET /api/v1/readings): the families, their
// keys and units come from the catalogue the device generates, so a
// single-phase device offers no L2/L3 and nothing here lists keys.
//
// An operand string is a catalogue key ("V2", "A" the total current on three
// phases, "T"), a family's stem that is not a key ("V", "PF": several
// phases, with `phases` any or all), or a number: the manual's `1 > 0`.
import type { Reading } from "../readings";

// "any" / "all" read every phase through the stem; any other value is a key.
export type Which = "any" | "all" | string;

export type Choice = { which: Which; phase: number; total: boolean };

export type OperandFamily = {
  family: string; // "voltage", as the catalogue names it
  unit: string; // the unit of the values compared: "V", "Wh", "" for PF
  stem: string | null; // reads several phases; null when it is a key itself (A, W)
  choices: Choice[]; // any, all, L1.., total; one entry for a single quantity
};

export const CONSTANT = "constant";

// The output is no data type of conditions (the device refuses it).
const NOT_OPERANDS = new Set(["output"]);

export function operandFamilies(reading: Reading): OperandFamily[] {
  const keys = new Set(reading.quantities.map((q) => q.key));
  const byFamily = new Map<string, OperandFamily>();
  for (const q of reading.quantities) {
    if (NOT_OPERANDS.has(q.family)) continue;
    let f = byFamily.get(q.family);
    if (!f) {
      f = { family: q.family, unit: q.unit, stem: null, choices: [] };
      byFamily.set(q.family, f);
    }
    f.choices.push({ which: q.key, phase: q.total ? 0 : q.phase, total: q.total });
  }
  for (const f of byFamily.values()) {
    const phases = f.choices.filter((c) => !c.total && c.phase > 0);
    // "V1" -> "V"; usable only when no quantity has that key (on three
    // phases "A" is the total current, so current has no "any phase").
    const first = phases[0]?.which.replace(/\d+$/, "");
    if (phases.length > 1 && first && !keys.has(first)) {
      f.stem = first;
      f.choices.unshift({ which: "any", phase: 0, total: false }, { which: "all", phase: 0, total: false });
    }
  }
  return [...byFamily.values()];
}

export type OperandParts = { family: string; which: Which };

// The family and selector of a stored operand; `family` is CONSTANT for a
// number and "" for a key this device does not have (kept as it is).
export function partsOf(operand: string, phases: string | undefined, families: OperandFamily[]): OperandParts {
  if (operand.trim() !== "" && Number.isFinite(Number(operand))) return { family: CONSTANT, which: operand };
  for (const f of families) {
    if (f.stem === operand) return { family: f.family, which: phases === "all" ? "all" : "any" };
    if (f.choices.some((c) => c.which === operand)) return { family: f.family, which: operand };
  }
  return { family: "", which: operand };
}

// The operand string and the `phases` member the device expects.
export function operandOf(parts: OperandParts, families: OperandFamily[]): { operand: string; phases?: "any" | "all" } {
  const f = families.find((x) => x.family === parts.family);
  if (f?.stem && (parts.which === "any" || parts.which === "all")) return { operand: f.stem, phases: parts.which };
  return { operand: parts.which };
}

// The selector a family starts with: any phase for a protection (the
// manual's `V > 260 Relay OFF`), else its total, else its one quantity.
export function defaultWhich(f: OperandFamily): Which {
  const total = f.choices.find((c) => c.total);
  if (f.stem) return "any";
  return (total ?? f.choices[0])?.which ?? "";
}
