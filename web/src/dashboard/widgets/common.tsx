// What every widget of a board shares: the board's view (device, period,
// range), how a catalogue key is named, its unit and decimals, the colours
// of the phases, and a theme change to redraw the charts on.
import { createContext } from "preact";
import { useContext } from "preact/hooks";

import type { Device, Widget } from "../api";
import type { Translator } from "../../common/i18n";
import { STEP, type Day, type Period } from "../periods";

export type View = {
  device: Device;
  zone: string; // the device's: its calendar periods
  period: Period;
  day: Day;
  from: number; // [from, to) unix seconds
  to: number;
  step: (typeof STEP)[Period];
  apikey: string;
  reloadDevice: () => void;
};

export const ViewContext = createContext<View | null>(null);

export function useView(): View {
  const view = useContext(ViewContext);
  if (!view) throw new Error("useView outside a board");
  return view;
}

export type WidgetProps = { widget: Widget };

// A family by its key stem (docs/api.md, "Boards"): its name in the
// catalogue (quantity.<name>), unit, decimals and scale for display.
type Family = { name: string; unit: string; digits: number; scale: number };
const FAMILIES: Record<string, Family> = {
  V: { name: "voltage", unit: "V", digits: 1, scale: 1 },
  A: { name: "current", unit: "A", digits: 2, scale: 1 },
  W: { name: "power", unit: "W", digits: 0, scale: 1 },
  rW: { name: "reversePower", unit: "W", digits: 0, scale: 1 },
  Wh: { name: "energy", unit: "kWh", digits: 2, scale: 0.001 },
  rWh: { name: "reverseEnergy", unit: "kWh", digits: 2, scale: 0.001 },
  PF: { name: "powerFactor", unit: "", digits: 2, scale: 1 },
  Fr: { name: "frequency", unit: "Hz", digits: 2, scale: 1 },
  T: { name: "temperature", unit: "°C", digits: 1, scale: 1 },
  OUT: { name: "output", unit: "", digits: 0, scale: 1 },
};
const TOTAL_KEYS: Record<string, string> = { W: "W", TrW: "rW", A: "A", TWh: "Wh", rTWh: "rWh", T: "T", OUT: "OUT" };

// "W2" -> stem W, phase 2; "TrW" -> stem rW, the total.
export function splitKey(key: string): { stem: string; phase: number | null } {
  const total = TOTAL_KEYS[key];
  if (total) return { stem: total, phase: null };
  const m = /^([A-Za-z]+?)([123])$/.exec(key);
  return m ? { stem: m[1] ?? key, phase: Number(m[2]) } : { stem: key, phase: null };
}

export function family(stem: string): Family {
  return FAMILIES[stem] ?? { name: stem, unit: "", digits: 1, scale: 1 };
}

export function phaseLabel(tr: Translator, phase: number | null): string {
  return phase === null ? tr.t("device.total") : `L${phase}`;
}

// "Power L2", "Power · Total".
export function keyLabel(tr: Translator, key: string): string {
  const { stem, phase } = splitKey(key);
  return `${tr.t(`quantity.${family(stem).name}`)} ${phase === null ? `· ${tr.t("device.total")}` : `L${phase}`}`;
}

export function widgetTitle(tr: Translator, widget: Widget): string {
  return widget.title?.trim() ? widget.title : tr.t(`widget.${widget.type}`);
}

// Phase colours, told apart in both themes and by people with the common
// colour-vision deficiencies (Okabe–Ito); the total is the text colour.
// The charts' colours and theme, shared with the device's site.
export { cssVar, EXTRA_COLOURS, PHASE_COLOURS, useThemeVersion } from "../../common/chart";

export function periodLabel(tr: Translator, unix: number, step: string, zone: string, short = false): string {
  const options: Intl.DateTimeFormatOptions =
    step === "hour" ? (short ? { hour: "numeric" } : { hour: "2-digit", minute: "2-digit" })
    : step === "day" && short ? { day: "numeric", month: "numeric" }
    : step === "day" ? { weekday: "short", day: "numeric" }
    : step === "month" ? { month: "short" }
    : { dateStyle: "short", timeStyle: "short" };
  return tr.format(unix, options, zone);
}
