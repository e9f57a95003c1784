// A device's newest minute as a table: a row per quantity, a column per
// phase and the total, each with its unit.
import type { Device } from "../api";
import { useApp } from "../context";
import { phaseRows } from "../devices";

export function LiveTable({ device }: { device: Device }) {
  const { tr } = useApp();
  const rows = phaseRows(device.last ?? {}, device.phases);
  const temperature = device.last?.T;
  if (rows.length === 0) return <p class="muted">{tr.t("device.noValues")}</p>;
  const phases = rows[0]?.phases.length ?? 1;
  const cell = (value: number | null, digits: number) => (value === null ? "–" : tr.number(value, digits));
  return (
    // Focusable so that a keyboard can scroll it on a narrow screen.
    <div class="table-scroll" tabIndex={0} role="region" aria-label={tr.t("device.live")}>
      <table class="live">
        <caption class="visually-hidden">{tr.t("device.live")}</caption>
        <thead>
          <tr>
            <th scope="col">{tr.t("device.quantity")}</th>
            {Array.from({ length: phases }, (_, i) => (
              <th scope="col" class="num" key={i}>
                L{i + 1}
              </th>
            ))}
            <th scope="col" class="num">
              {tr.t("device.total")}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ family, phases: values, total }) => (
            <tr key={family.name}>
              <th scope="row">
                {tr.t(`quantity.${family.name}`)}
                {family.unit && <span class="symbol">{family.unit}</span>}
              </th>
              {values.map((v, i) => (
                <td class="num" key={i} data-key={`${family.stem}${i + 1}`}>
                  {cell(v, family.digits)}
                </td>
              ))}
              <td class="num" data-key={family.total ?? undefined}>
                {cell(total, family.digits)}
              </td>
            </tr>
          ))}
          {typeof temperature === "number" && (
            <tr>
              <th scope="row">
                {tr.t("quantity.temperature")}
                <span class="symbol">°C</span>
              </th>
              <td class="num" colSpan={phases + 1} data-key="T">
                {tr.number(temperature, 1)}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
