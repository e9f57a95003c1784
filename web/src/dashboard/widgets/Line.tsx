// A line chart (uPlot) of the widget's quantities: live minutes (the last
// three hours, redrawn while the tab is visible) or the board's period.
// The legend toggles a line, the cursor shows the values and follows the
// board's other charts, a drag zooms, a double click zooms out. A table of
// the same points is there for screen readers and keyboards.
import { useLayoutEffect, useMemo, useRef } from "preact/hooks";
import uPlot from "uplot";

import { api, type Series } from "../api";
import { useApp } from "../context";
import { keysOf } from "../periods";
import { usePolled } from "../usePolled";
import {
  cssVar, EXTRA_COLOURS, family, keyLabel, PHASE_COLOURS, splitKey, useThemeVersion, useView, type WidgetProps,
} from "./common";
import { mountPlot } from "../../common/chart";
import { ChartTable } from "./ChartTable";
import { useReport } from "./ready";

const LIVE_SECONDS = 3 * 3600;
const SYNC = "maic-board";
// The API's most points a request (docs/api.md, "Series").
const MAX_POINTS = 2000;
const HOUR = 3600;

export function Line({ widget }: WidgetProps) {
  const { tr } = useApp();
  const { device, zone, from, to } = useView();
  const live = widget.period === "live";
  const keys = useMemo(
    () => (widget.quantities ?? []).flatMap((q) => keysOf(q, widget.phases ?? [1], device.phases)),
    [widget, device.phases],
  );
  // Live: the three hours up to the newest minute (a device's clock may run
  // ahead of this browser's).
  const span = (): [number, number] => {
    const end = Math.max(Math.floor(Date.now() / 1000), device.newest_minute);
    return live ? [end - LIVE_SECONDS, end] : [from, to - 1];
  };
  const series = usePolled<Series>(
    () => {
      const [a, b] = span();
      return live ? api.series(device.devid, keys, "minute", a, b, MAX_POINTS) : periodSeries(device.devid, keys, a, b);
    },
    live ? 30 : 300,
    [device.devid, keys.join(), live, from, to],
  );
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shown = useRef<Series | null>(null); // the data the plot holds
  const theme = useThemeVersion();
  const data = series.data;
  const report = useReport(widget.id);

  // Built again when the keys or the theme change; new points only update it.
  // Layout effects: the chart is drawn before the frame that shows its data
  // is painted, not a frame later.
  useLayoutEffect(() => {
    const el = host.current;
    if (!el || !data) return;
    const text = cssVar("--text");
    const grid = cssVar("--border");
    const units = [...new Set(keys.map((k) => family(splitKey(k).stem).unit))];
    const axis = (scale: string, side: 1 | 3): uPlot.Axis => ({
      scale, side, stroke: text, grid: { stroke: grid, width: 1, show: side === 3 },
      ticks: { stroke: grid, width: 1 }, size: 64,
      values: (_u, ticks) => ticks.map((v) => `${tr.number(v)} ${scale}`),
    });
    let extra = 0;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: Math.max(160, el.clientHeight || 240),
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
      cursor: { sync: { key: SYNC }, drag: { x: true, y: false } },
      legend: { live: true },
      plugins: [wheelZoom(), thinWhenDense()],
      // Built only once the data is there: the first draw is the board's to count.
      hooks: { draw: [() => report()] },
      scales: { x: { time: true } },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        ...units.slice(0, 2).map((u, i) => axis(u, i === 0 ? 3 : 1)),
      ],
      series: [
        { label: tr.t("chart.time"), value: (_u, ts) => (ts == null ? "–" : tr.dateTime(ts, zone)) },
        ...keys.map((k) => {
          const { stem, phase } = splitKey(k);
          const f = family(stem);
          const colour = phase === null ? (stem === "W" || stem === "V" ? text : EXTRA_COLOURS[extra++ % 4]) : PHASE_COLOURS[phase - 1];
          return {
            label: keyLabel(tr, k),
            scale: f.unit,
            stroke: colour ?? text,
            width: stem.startsWith("r") ? 1.5 : 2,
            ...(stem.startsWith("r") ? { dash: [6, 4] } : {}),
            value: (_u: uPlot, v: number | null) => (v == null ? "–" : `${tr.number(v * f.scale, f.digits)} ${f.unit}`),
            spanGaps: false,
            points: { show: false },
          };
        }),
      ],
    };
    const mounted = mountPlot(opts, toColumns(data, keys, span()), el);
    plot.current = mounted.plot;
    shown.current = data;
    return () => {
      mounted.dispose();
      plot.current = null;
    };
  }, [keys.join(), theme, zone, tr, data === undefined]);

  useLayoutEffect(() => {
    const u = plot.current;
    if (!u || !data || shown.current === data) return;
    shown.current = data;
    // New points keep a zoom the person chose.
    const times = u.data[0];
    const zoomed = (u.scales.x?.min ?? 0) > (times[0] ?? 0) || (u.scales.x?.max ?? 0) < (times[times.length - 1] ?? 0);
    u.setData(toColumns(data, keys, span()), !zoomed);
  }, [data]);

  return (
    <div class="line-widget">
      {series.error ? <p class="muted">{tr.t("error.load")}</p> : null}
      {data && data.time.length === 0 && <p class="muted chart-empty">{tr.t("chart.noData")}</p>}
      <div class="chart" ref={host} aria-hidden="true" />
      <p class="hint chart-hint">{tr.t("chart.hint")}</p>
      <ChartTable
        tall
        columns={keys.map((k) => ({ key: k, label: keyLabel(tr, k) }))}
        rows={() =>
          data
            ? data.time.map((t, i) => ({
                key: t,
                label: tr.dateTime(t, zone),
                cells: keys.map((k) => {
                  const v = data.values[k]?.[i];
                  const f = family(splitKey(k).stem);
                  return v == null ? "–" : `${tr.number(v * f.scale, f.digits)} ${f.unit}`;
                }),
              }))
            : null
        }
      />
    </div>
  );
}

// The board's period at the finest resolution a person can zoom into: a
// day in minutes, a week or a month in hours (one request, "auto"), and a
// longer period in hours too, asked for in slices of 2,000 hours (a year:
// five requests, 8,760 points a key) rather than as the 366 day means one
// request could hold, which would hide every daily peak and make a zoom
// into a year show nothing finer than days. uPlot's paths keep only each
// pixel column's extremes, so drawing a year of hours stays fluid
// (docs/performance.md, "Dashboard").
async function periodSeries(devid: string, keys: string[], from: number, to: number): Promise<Series> {
  const slice = MAX_POINTS * HOUR;
  if (to - from < slice) return api.series(devid, keys, "auto", from, to, MAX_POINTS);
  // Local hours start 3,600 s apart from the period's local midnight (a DST
  // change moves the clock by a whole hour), so a slice holds MAX_POINTS.
  const starts: number[] = [];
  for (let a = from; a <= to; a += slice) starts.push(a);
  const parts = await Promise.all(
    starts.map((a) => api.series(devid, keys, "hour", a, Math.min(to, a + slice - 1), MAX_POINTS)));
  return {
    period: "hour",
    from,
    to,
    time: parts.flatMap((p) => p.time),
    status: parts.flatMap((p) => p.status),
    values: Object.fromEntries(keys.map((k) => [k, parts.flatMap((p) => p.values[k] ?? p.time.map(() => null))])),
  };
}

// A stroke wider than a device pixel costs a software rasteriser (headless
// Chromium, a browser without GPU raster) ten to fifty times a one-pixel
// line, and a year of hours redrawn on every step of a pan is many such
// strokes (docs/performance.md, "Dashboard"). So while the shown range
// holds more points than the plot has pixel columns, each line is one
// device pixel wide: its columns' extremes draw a band that shows the data
// as well. Fewer points get the widths the series were given.
function thinWhenDense(): uPlot.Plugin {
  let widths: number[] = [];
  return {
    hooks: {
      init: (u) => {
        widths = u.series.map((s) => s.width ?? 1);
      },
      drawClear: (u) => {
        const [i0, i1] = u.series[0]?.idxs ?? [0, u.data[0].length - 1];
        const dense = i1 - i0 > u.bbox.width; // points against device pixels
        u.series.forEach((s, i) => {
          if (i > 0) s.width = dense ? 1 / devicePixelRatio : widths[i] ?? 1;
        });
      },
    },
  };
}

// Ctrl + wheel (a trackpad's pinch) zooms the time axis around the cursor,
// Shift + wheel pans it; a plain wheel still scrolls the page.
function wheelZoom(): uPlot.Plugin {
  return {
    hooks: {
      // The shown time range, on the chart's box: tests and tools read it there.
      setScale: (u, key) => {
        if (key !== "x") return;
        u.root.dataset.xmin = String(Math.round(u.scales.x?.min ?? 0));
        u.root.dataset.xmax = String(Math.round(u.scales.x?.max ?? 0));
      },
      ready: (u) => {
        // A trackpad sends wheel events faster than frames: they add up to
        // one range, drawn once a frame (a year in hours is 26,000 points).
        let next: { min: number; max: number } | null = null;
        const apply = () => {
          if (next && u.root.isConnected) u.setScale("x", next); // not once destroyed
          next = null;
        };
        const setRange = (min: number, max: number) => {
          if (!next) requestAnimationFrame(apply);
          next = { min, max };
        };
        u.over.addEventListener("wheel", (e) => {
          if (!e.ctrlKey && !e.shiftKey) return;
          e.preventDefault();
          const min = next?.min ?? u.scales.x?.min ?? 0;
          const max = next?.max ?? u.scales.x?.max ?? 0;
          const first = u.data[0][0] ?? min;
          const last = u.data[0][u.data[0].length - 1] ?? max;
          const width = max - min;
          if (e.ctrlKey) {
            // The time under the cursor, in the range still to be drawn.
            const at = min + (e.offsetX / u.over.clientWidth) * width;
            const factor = e.deltaY < 0 ? 0.8 : 1.25;
            const lo = Math.max(first, at - (at - min) * factor);
            const hi = Math.min(last, at + (max - at) * factor);
            if (hi - lo > 60) setRange(lo, hi);
          } else {
            const step = (width * Math.sign(e.deltaY || e.deltaX)) / 10;
            const lo = Math.min(Math.max(first, min + step), last - width);
            setRange(lo, lo + width);
          }
        }, { passive: false });
      },
    },
  };
}

// The view's first and last second as empty points, so that the time axis
// shows the whole period (a day from midnight to midnight) however little
// data there is; zooming still works within it.
function toColumns(data: Series, keys: readonly string[], [from, to]: [number, number]): uPlot.AlignedData {
  const head = data.time.length === 0 || from < (data.time[0] ?? from) ? [from] : [];
  const tail = data.time.length === 0 || to > (data.time[data.time.length - 1] ?? to) ? [to] : [];
  const pad = (v: (number | null)[]) => [...head.map(() => null), ...v, ...tail.map(() => null)];
  return [[...head, ...data.time, ...tail], ...keys.map((k) => pad(data.values[k] ?? data.time.map(() => null)))];
}
