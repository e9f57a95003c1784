// A chart's numbers as a table: the alternative for screen readers and for
// reading exact values. Closed until asked for, so a long period's rows
// are built only then.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

import { useApp } from "../context";

export type ChartRow = { key: string | number; label: ComponentChildren; cells: ComponentChildren[] };

export function ChartTable(props: {
  columns: { key: string; label: ComponentChildren }[];
  rows: () => ChartRow[] | null; // built when the table opens
  tall?: boolean;
}) {
  const { tr } = useApp();
  const [open, setOpen] = useState(false);
  const rows = open ? props.rows() : null;
  return (
    <details class="data-table" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{tr.t("chart.table")}</summary>
      {rows && (
        <div class={props.tall ? "table-scroll table-tall" : "table-scroll"} tabIndex={0} role="region"
          aria-label={tr.t("chart.table")}>
          <table class="live">
            <thead>
              <tr>
                <th scope="col">{tr.t("chart.time")}</th>
                {props.columns.map((c) => (
                  <th scope="col" class="num" key={c.key}>{c.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key}>
                  <th scope="row">{row.label}</th>
                  {row.cells.map((cell, i) => (
                    <td class="num" key={props.columns[i]?.key ?? i}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </details>
  );
}
