// L1–L3 side by side, each quantity with its imbalance: the largest
// deviation of a phase from the three's mean, in percent of the mean.
import { useApp } from "../context";
import { imbalance } from "../periods";
import { family, useView, type WidgetProps } from "./common";
import { useDrawn } from "./ready";

export function Phases({ widget }: WidgetProps) {
  const { tr } = useApp();
  const { device } = useView();
  useDrawn(widget.id, true); // drawn from the device, which the board had first
  const last = device.last ?? {};
  const phases = [1, 2, 3].slice(0, Math.max(1, device.phases));
  const value = (k: string) => {
    const v = last[k];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  };
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={tr.t("widget.phases")}>
      <table class="live phases">
        <thead>
          <tr>
            <th scope="col">{tr.t("device.quantity")}</th>
            {phases.map((p) => (
              <th scope="col" class="num" key={p}>L{p}</th>
            ))}
            <th scope="col" class="num">{tr.t("phases.imbalance")}</th>
          </tr>
        </thead>
        <tbody>
          {(widget.quantities ?? []).map((stem) => {
            const f = family(stem);
            const values = phases.map((p) => value(`${stem}${p}`));
            const off = imbalance(values);
            return (
              <tr key={stem}>
                <th scope="row">
                  {tr.t(`quantity.${f.name}`)}
                  {f.unit && <span class="symbol">{f.unit}</span>}
                </th>
                {values.map((v, i) => (
                  <td class="num" key={i} data-key={`${stem}${i + 1}`}>
                    {v === null ? "–" : tr.number(v * f.scale, f.digits)}
                  </td>
                ))}
                <td class={off !== null && off > 10 ? "num imbalance-high" : "num"} data-imbalance={stem}>
                  {off === null ? "–" : `${tr.number(off, 1)} %`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
