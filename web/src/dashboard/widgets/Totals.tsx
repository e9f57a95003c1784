// The period's totals from /totals: energy in and out, and per phase the
// peak power and the voltage extremes.
import { api, type Totals as TotalsData } from "../api";
import { useApp } from "../context";
import { usePolled } from "../usePolled";
import { phaseLabel, useView, type WidgetProps } from "./common";
import { useDrawn } from "./ready";

export function Totals({ widget }: WidgetProps) {
  const { tr } = useApp();
  const { device, from, to } = useView();
  const totals = usePolled<TotalsData>(() => api.totals(device.devid, from, to), 60, [device.devid, from, to]);
  const t = totals.data;
  useDrawn(widget.id, t !== undefined || totals.error !== null);
  if (!t) return <p class="muted">{totals.error ? tr.t("error.load") : tr.t("status.loading")}</p>;
  const kwh = (wh: number) => tr.number(wh / 1000, 2);
  const chosen = new Set(widget.phases ?? [1, 2, 3, "total"]);
  const rows = t.phases.filter((p) => chosen.has(p.phase as 1 | 2 | 3) && p.phase <= Math.max(1, device.phases));
  const num = (v: number | null, digits: number) => (v === null ? "–" : tr.number(v, digits));
  return (
    <div class="totals">
      <dl class="totals-head">
        <div class="total-in">
          <dt>{tr.t("totals.in")}</dt>
          <dd data-total="wh" data-value={t.wh}>{kwh(t.wh)} <span class="unit">kWh</span></dd>
        </div>
        <div class="total-out">
          <dt>{tr.t("totals.out")}</dt>
          <dd data-total="rwh" data-value={t.rwh}>{kwh(t.rwh)} <span class="unit">kWh</span></dd>
        </div>
      </dl>
      {rows.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label={tr.t("widget.totals")}>
          <table class="live">
            <thead>
              <tr>
                <th scope="col">{tr.t("totals.phase")}</th>
                <th scope="col" class="num">{tr.t("totals.in")}</th>
                <th scope="col" class="num">{tr.t("totals.peak")}</th>
                <th scope="col" class="num">{tr.t("totals.minV")}</th>
                <th scope="col" class="num">{tr.t("totals.maxV")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.phase}>
                  <th scope="row">{phaseLabel(tr, p.phase)}</th>
                  <td class="num">{kwh(p.wh)} kWh</td>
                  <td class="num">{num(p.peak_w, 0)} W</td>
                  <td class="num">{num(p.min_v, 1)} V</td>
                  <td class="num">{num(p.max_v, 1)} V</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
