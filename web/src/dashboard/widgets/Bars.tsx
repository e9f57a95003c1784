// Energy per hour, day or month of the board's period, stacked per phase:
// consumption up, generation down. Each segment is the /api row's W<n> or
// rW<n> (Wh) of its period, the very numbers scripts read.

import { api, type ApiRow } from "../api";
import { useApp } from "../context";
import { slots } from "../periods";
import { usePolled } from "../usePolled";
import { ChartTable } from "./ChartTable";
import { family, periodLabel, PHASE_COLOURS, useView, type WidgetProps } from "./common";
import { useDrawn } from "./ready";

export function useRows(step: string, from: number, to: number) {
  const { device, apikey } = useView();
  // Rows whose period starts in [from, to - 1]: exactly the board's period.
  return usePolled<ApiRow[]>(() => api.rows(device.devid, apikey, step, from, to - 1), 60,
    [device.devid, apikey, step, from, to]);
}

export function Bars({ widget }: WidgetProps) {
  const { tr } = useApp();
  const { device, zone, step, from, to, period, day } = useView();
  const rows = useRows(step, from, to);
  useDrawn(widget.id, rows.data !== undefined || rows.error !== null);
  const phases = (widget.phases ?? [1]).filter((p): p is 1 | 2 | 3 => p !== "total" && p <= Math.max(1, device.phases));
  const stems = (widget.quantities ?? ["W"]).filter((q) => q === "W" || q === "rW");
  if (!rows.data) return <p class="muted">{rows.error ? tr.t("error.load") : tr.t("status.loading")}</p>;
  const data = rows.data;
  const value = (row: ApiRow, key: string) => {
    const v = row[key];
    return typeof v === "number" && Number.isFinite(v) ? v : 0;
  };
  const sum = (row: ApiRow, stem: string) => phases.reduce((a, p) => a + value(row, `${stem}${p}`), 0);
  const up = Math.max(0, ...data.map((r) => (stems.includes("W") ? sum(r, "W") : 0)));
  const down = Math.max(0, ...data.map((r) => (stems.includes("rW") ? sum(r, "rW") : 0)));
  const scale = up + down || 1;
  const kwh = (wh: number) => tr.number(wh / 1000, 2);
  // Every hour, day or month of the period has its place, with data or not.
  const byTime = new Map(data.map((r) => [Number(r.TIME), r]));
  const times = [...new Set([...slots(period, day, zone), ...byTime.keys()])].sort((a, b) => a - b);
  // Four labels at most, short: they fit under the bars of a phone too.
  const every = Math.max(1, Math.ceil(times.length / 4));
  const keys = stems.flatMap((s) => phases.map((p) => `${s}${p}`));

  if (data.length === 0) return <p class="muted">{tr.t("chart.noData")}</p>;
  return (
    <div class="bars-widget">
      <ul class="legend" aria-hidden="true">
        {phases.map((p) => (
          <li key={p}>
            <span class="swatch" style={{ background: PHASE_COLOURS[p - 1] }} />L{p}
          </li>
        ))}
        {stems.includes("rW") && (
          <li>
            <span class="swatch swatch-out" />
            {tr.t("totals.out")}
          </li>
        )}
      </ul>
      <div class="bars" aria-hidden="true">
        <div class="bars-axis">
          <span>{kwh(up)} kWh</span>
          {down > 0 && <span>−{kwh(down)} kWh</span>}
        </div>
        <div class="bars-plot">
          {times.map((time, i) => {
            const row: ApiRow = byTime.get(time) ?? {};
            const label = periodLabel(tr, time, step, zone);
            const tip = [label, ...keys.map((k) => `${k} ${kwh(value(row, k))} kWh`)].join("\n");
            return (
              <div class="bar" key={time} data-time={time} data-filled={byTime.has(time) ? "" : undefined} title={tip}>
                <div class="bar-up" style={{ height: `${(up / scale) * 100}%` }}>
                  {byTime.has(time) && stems.includes("W") && phases.map((p) => (
                    <span key={p} class="seg" data-key={`W${p}`} data-value={value(row, `W${p}`)}
                      style={{ height: `${(value(row, `W${p}`) / (up || 1)) * 100}%`, background: PHASE_COLOURS[p - 1] }} />
                  ))}
                </div>
                {down > 0 && byTime.has(time) && (
                  <div class="bar-down" style={{ height: `${(down / scale) * 100}%` }}>
                    {phases.map((p) => (
                      <span key={p} class="seg seg-out" data-key={`rW${p}`} data-value={value(row, `rW${p}`)}
                        style={{ height: `${(value(row, `rW${p}`) / down) * 100}%`, background: PHASE_COLOURS[p - 1] }} />
                    ))}
                  </div>
                )}
                <span class="bar-label">{i % every === 0 ? periodLabel(tr, time, step, zone, true) : ""}</span>
              </div>
            );
          })}
        </div>
      </div>
      <ChartTable
        columns={keys.map((k) => ({
          key: k,
          label: (
            <>
              {tr.t(`quantity.${family(k.replace(/\d$/, "")).name}`)} L{k.slice(-1)} <span class="symbol">kWh</span>
            </>
          ),
        }))}
        rows={() =>
          data?.map((row) => ({
            key: String(row.TIME),
            label: periodLabel(tr, Number(row.TIME), step, zone),
            cells: keys.map((k) => kwh(value(row, k))),
          })) ?? null
        }
      />
    </div>
  );
}
