// A WiFi signal as bars and words (the words carry the meaning: a screen
// reader hears them, and colour plays no part), and the manual's advice
// (§3, "General tips") when it is too weak.
import type { Translator } from "../../common/i18n";

// Manual §3: "For stable operation, the signal level must be ... better
// than -70dB". Above it, steps a person knows from a phone's bars.
export const WEAK_BELOW_DBM = -70;
const LEVELS: readonly { from: number; word: string }[] = [
  { from: -55, word: "excellent" },
  { from: -65, word: "good" },
  { from: WEAK_BELOW_DBM, word: "fair" },
  { from: -Infinity, word: "weak" },
];

function level(dbm: number): { bars: number; word: string } {
  const i = LEVELS.findIndex((l) => dbm >= l.from);
  return { bars: LEVELS.length - i, word: (LEVELS[i] as (typeof LEVELS)[number]).word };
}

export function isWeak(dbm: number | null | undefined): boolean {
  return dbm !== null && dbm !== undefined && dbm < WEAK_BELOW_DBM;
}

// Four rising bars, the lit ones in the text's colour (SVG attributes, not
// inline styles: the device's CSP allows none).
function Bars({ lit }: { lit: number }) {
  return (
    <svg width="18" height="14" viewBox="0 0 18 14" aria-hidden="true" focusable="false">
      {[0, 1, 2, 3].map((i) => (
        <rect
          key={i}
          x={i * 5}
          y={10 - i * 3}
          width="3"
          height={4 + i * 3}
          rx="1"
          fill="currentColor"
          opacity={i < lit ? 1 : 0.25}
        />
      ))}
    </svg>
  );
}

// "▂▄▆█ Good, −60 dBm"
export function Signal({ dbm, tr }: { dbm: number; tr: Translator }) {
  const { bars, word } = level(dbm);
  return (
    <span class={isWeak(dbm) ? "signal weak" : "signal"}>
      <Bars lit={bars} /> {tr.t("wifi.signal", { level: tr.t(`wifi.signal_${word}`), dbm: tr.number(dbm) })}
    </span>
  );
}

export function WeakSignalAdvice({ tr, ssid }: { tr: Translator; ssid: string }) {
  return (
    <p class="banner warning" role="note">
      <strong>{tr.t("wifi.weak_title", { ssid })}</strong> {tr.t("wifi.weak_advice")}
    </p>
  );
}
