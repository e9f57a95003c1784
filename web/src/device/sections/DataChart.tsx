// The last hour's active power per phase (uPlot): seeded from the device's
// journal (one mean a minute) and extended by each 5 s reading. The chart
// is hidden from screen readers: the live table above it is the accessible
// equivalent (the same quantities, as numbers, refreshed at the same pace).
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";

import { cssVar, mountPlot, PHASE_COLOURS, useThemeVersion } from "../../common/chart";
import { useSite } from "../context";
import type { Reading } from "../readings";

const HOUR = 3600;
type Points = { time: number[]; values: (number | null)[][] };

// GET api/v1/journal.csv: "time,V1,...\n<minute>,<value>,...": the columns
// of `keys`, one row a minute.
export function parseJournal(csv: string, keys: readonly string[]): Points {
  const [head = "", ...lines] = csv.trim().split("\n");
  const columns = head.split(",");
  const at = keys.map((k) => columns.indexOf(k));
  const points: Points = { time: [], values: keys.map(() => []) };
  for (const line of lines) {
    const cells = line.split(",");
    const time = Number(cells[0]);
    if (!Number.isFinite(time)) continue;
    points.time.push(time);
    at.forEach((i, k) => {
      const v = i < 0 ? NaN : Number(cells[i]);
      points.values[k]?.push(Number.isFinite(v) ? v : null);
    });
  }
  return points;
}

// Appends a reading unless it is not newer, then drops what is more than an
// hour older than the newest point.
function append(points: Points, time: number, values: (number | null)[]): void {
  const last = points.time[points.time.length - 1];
  if (last !== undefined && time <= last) return;
  points.time.push(time);
  values.forEach((v, k) => points.values[k]?.push(v));
  const cut = points.time.findIndex((t) => t >= time - HOUR);
  if (cut > 0) {
    points.time.splice(0, cut);
    points.values.forEach((v) => v.splice(0, cut));
  }
}

export function DataChart({ reading }: { reading: Reading | null }) {
  const { tr, settings } = useSite();
  const zone = settings?.timezone ?? "UTC";
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const points = useRef<Points | null>(null);
  const [seeded, setSeeded] = useState(false);
  const [failed, setFailed] = useState(false);
  const theme = useThemeVersion();

  // Active power per phase, as the device names it (W1..W3; W on one phase).
  const power = reading?.quantities.filter((q) => q.family === "power" && !q.total) ?? [];
  const keys = power.map((q) => q.key).join(",");

  // The journal's last hour, once the keys are known.
  useEffect(() => {
    if (!keys) return;
    let live = true;
    const from = Math.floor(Date.now() / 1000) - HOUR;
    fetch(`api/v1/journal.csv?from=${from}`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((csv) => {
        if (live) points.current = parseJournal(csv, keys.split(","));
      })
      .catch(() => {
        // Without the journal the chart starts with the live readings.
        if (live) points.current = { time: [], values: keys.split(",").map(() => []) };
        if (live) setFailed(true);
      })
      .finally(() => live && setSeeded(true));
    return () => {
      live = false;
    };
  }, [keys]);

  // Built again when the keys, the theme or the language change.
  useLayoutEffect(() => {
    const el = host.current;
    if (!el || !seeded || !points.current) return;
    const text = cssVar("--text");
    const grid = cssVar("--border");
    const unit = power[0]?.unit ?? "W";
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true } },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          size: 72,
          values: (_u, ticks) => ticks.map((v) => `${tr.number(v)} ${unit}`),
        },
      ],
      series: [
        { label: tr.t("data.chart_time"), value: (_u, ts) => (ts == null ? "–" : tr.dateTime(ts, zone)) },
        ...power.map((q) => ({
          label: q.phase > 0 && power.length > 1 ? `L${q.phase}` : tr.t("data.family_power"),
          stroke: PHASE_COLOURS[q.phase - 1] ?? text,
          width: 2,
          value: (_u: uPlot, v: number | null) => (v == null ? "–" : `${tr.number(v, 1)} ${unit}`),
          points: { show: false },
        })),
      ],
    };
    const p = points.current;
    const mounted = mountPlot(opts, [p.time, ...p.values], el);
    plot.current = mounted.plot;
    return () => {
      mounted.dispose();
      plot.current = null;
    };
  }, [seeded, keys, theme, tr, zone]);

  // Each new reading: one more point, the oldest beyond the hour dropped.
  useEffect(() => {
    const p = points.current;
    if (!reading || !p) return;
    const values = keys.split(",").map((k) => reading.quantities.find((q) => q.key === k)?.value ?? null);
    append(p, reading.time, values);
    plot.current?.setData([p.time, ...p.values]);
  }, [reading, seeded]);

  return (
    <>
      {failed && <p class="muted">{tr.t("data.chart_no_journal")}</p>}
      <div id="data-power-chart" ref={host} role="img" aria-label={tr.t("data.chart_label")} />
    </>
  );
}
