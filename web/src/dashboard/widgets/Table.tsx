// The rows of the board's period as /api gives them, and a CSV file of
// exactly the table shown: the same columns, rows and numbers.
import type { ApiRow } from "../api";
import { useApp } from "../context";
import { csv, keysOf } from "../periods";
import { periodLabel, useView, type WidgetProps } from "./common";
import { useRows } from "./Bars";
import { useDrawn } from "./ready";

// Hour-to-year rows carry the period's energy in W/rW (docs/api.md, "/api").
const UNITS: Record<string, string> = { V: "V", A: "A", W: "Wh", rW: "Wh", Wh: "Wh", rWh: "Wh", Fr: "Hz", T: "°C" };

export function Table({ widget }: WidgetProps) {
  const { tr } = useApp();
  const { device, zone, step, from, to, period, day } = useView();
  const rows = useRows(step, from, to);
  useDrawn(widget.id, rows.data !== undefined || rows.error !== null);
  if (!rows.data) return <p class="muted">{rows.error ? tr.t("error.load") : tr.t("status.loading")}</p>;
  const data = rows.data;
  const keys = (widget.quantities ?? []).flatMap((q) => keysOf(q, widget.phases ?? [1], device.phases));
  const unit = (k: string) => UNITS[k.replace(/^T(?=[rW])/, "").replace(/\d$/, "")] ?? "";
  const cell = (row: ApiRow, k: string): number | "" => {
    const v = row[k];
    return typeof v === "number" ? v : "";
  };
  const header = (k: string) => (unit(k) ? `${k} (${unit(k)})` : k);

  const download = () => {
    const lines = [
      ["TIME", tr.t("chart.time"), ...keys.map(header)],
      ...data.map((r) => [Number(r.TIME), periodLabel(tr, Number(r.TIME), step, zone), ...keys.map((k) => cell(r, k))]),
    ];
    const url = URL.createObjectURL(new Blob([csv(lines)], { type: "text/csv;charset=utf-8" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `maic-${device.devid}-${period}-${String(day.y)}-${String(day.m).padStart(2, "0")}-${String(day.d).padStart(2, "0")}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <div class="table-widget">
      <div class="actions">
        <button type="button" class="button" onClick={download} disabled={data.length === 0}>
          {tr.t("table.export")}
        </button>
        <span class="muted small">{tr.t("table.rows", { count: data.length })}</span>
      </div>
      {data.length === 0 ? (
        <p class="muted">{tr.t("chart.noData")}</p>
      ) : (
        <div class="table-scroll table-tall" tabIndex={0} role="region" aria-label={tr.t("widget.table")}>
          <table class="live data-rows">
            <thead>
              <tr>
                <th scope="col">{tr.t("chart.time")}</th>
                {keys.map((k) => (
                  <th scope="col" class="num" key={k}>{header(k)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.map((r) => (
                <tr key={String(r.TIME)} data-time={Number(r.TIME)}>
                  <th scope="row">{periodLabel(tr, Number(r.TIME), step, zone)}</th>
                  {keys.map((k) => {
                    const v = cell(r, k);
                    return (
                      <td class="num" key={k} data-key={k} data-value={v}>{v === "" ? "–" : tr.number(v)}</td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
