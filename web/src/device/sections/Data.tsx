// Data (manual §5): the live values of every phase and the totals, read
// every 5 s (the device's own refresh), the last hour's active power as a
// chart, and the energy meters' initial values.
import { useEffect, useState } from "preact/hooks";

import type { Translator } from "../../common/i18n";
import { api } from "../api";
import { useSite } from "../context";
import { formatValue, layout, parseReading, type Quantity, type Reading } from "../readings";
import { DataChart } from "./DataChart";
import { DataMeters } from "./DataMeters";
import { Card, Fact, Facts } from "./parts";

const READING_POLL_MS = 5000;

// The newest reading, asked for now and every 5 s. A failed poll keeps the
// last values on screen and says so.
function useReading(): { reading: Reading | null; failed: boolean } {
  const [reading, setReading] = useState<Reading | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    const poll = () =>
      api
        .get<unknown>("api/v1/readings")
        .then((json) => {
          if (!live) return;
          setReading(parseReading(json));
          setFailed(false);
        })
        .catch(() => live && setFailed(true));
    poll();
    const timer = setInterval(poll, READING_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return { reading, failed };
}

const plainFormats = new Map<string, Intl.NumberFormat>();

// formatValue's digits in the page's language, without grouping: English
// shows exactly the text the API's value formats to ("12.346"), German
// "12,346".
export function localValue(tr: Translator, q: Pick<Quantity, "family" | "value">): string {
  const text = formatValue(q);
  if (q.family === "output") return tr.t(q.value !== 0 ? "output.on" : "output.off");
  const digits = /\.(\d+)$/.exec(text)?.[1]?.length ?? 0;
  const id = `${tr.tag}|${digits}`;
  let format = plainFormats.get(id);
  if (!format) {
    format = new Intl.NumberFormat(tr.tag, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      useGrouping: false,
    });
    plainFormats.set(id, format);
  }
  return format.format(Number(text));
}

// A family's name in the page's language; the device's English name for a
// family the catalogue does not know yet.
function familyName(tr: Translator, family: string, fallback: string): string {
  const key = `data.family_${family}`;
  const text = tr.t(key);
  return text === key ? fallback : text;
}

// The phases whose reverse power is above 0: their current transformer is
// the wrong way round (manual §5: "check the connection if you see the
// word Revers").
function reversedPhases(reading: Reading): number[] {
  return reading.quantities.filter((q) => q.family === "reverse_power" && !q.total && q.value > 0).map((q) => q.phase);
}

function LiveTable({ reading }: { reading: Reading }) {
  const { tr } = useSite();
  const { columns, rows } = layout(reading);
  const reversed = reversedPhases(reading);
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="data-live-title">
      <table id="data-table">
        <thead>
          <tr>
            <th scope="col">{tr.t("data.quantity")}</th>
            {columns.map((c) => (
              <th scope="col" key={c.label}>
                {c.phase === 0 ? tr.t("data.total") : c.label}
                {reversed.includes(c.phase) && (
                  <>
                    {" "}
                    <span class="reverse" data-reverse={c.phase}>
                      {tr.t("data.reverse")}
                    </span>
                  </>
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.family}>
              <th scope="row">
                {familyName(tr, row.family, row.label)}
                {row.unit && <span class="muted"> ({row.unit})</span>}
              </th>
              {row.cells.map((q, i) =>
                q ? (
                  <td key={q.key} data-key={q.key} data-value={q.value}>
                    {localValue(tr, q)}
                  </td>
                ) : (
                  <td key={`-${i}`} aria-label={tr.t("data.none")}>
                    –
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// Temperature and the output: one value for the whole device. The
// temperature in the unit Configuration chose (the device sends °C).
function DeviceValues({ reading }: { reading: Reading }) {
  const { tr, settings } = useSite();
  const fahrenheit = settings?.temperature_unit === "F";
  const { device } = layout(reading);
  if (device.length === 0) return null;
  return (
    <Facts>
      {device.map((q) => {
        const f = q.family === "temperature" && fahrenheit;
        const shown = f ? { ...q, value: q.value * 1.8 + 32 } : q;
        const unit = f ? "°F" : q.unit;
        return (
          <Fact key={q.key} name={familyName(tr, q.family, q.name)}>
            <span data-key={q.key} data-value={q.value}>
              {localValue(tr, shown)}
            </span>
            {unit && ` ${unit}`}
          </Fact>
        );
      })}
    </Facts>
  );
}

export function DataSection() {
  const { tr, settings } = useSite();
  const { reading, failed } = useReading();
  const reversed = reading ? reversedPhases(reading) : [];
  return (
    <>
      <Card title={tr.t("data.live")} id="data-live">
        {failed && (
          <p class="banner error" role="alert">
            {tr.t("data.failed")}
          </p>
        )}
        {reading ? (
          <>
            <p class="muted" id="data-time">
              {tr.t("data.as_of", { time: tr.format(reading.time, { timeStyle: "medium" }, settings?.timezone) })}
            </p>
            {reversed.length > 0 && (
              <p class="banner warning" role="note" id="data-reverse-hint">
                <strong class="reverse">{tr.t("data.reverse")}</strong>{" "}
                {tr.t("data.reverse_hint", { phases: reversed.map((p) => `L${p}`).join(", ") })}
              </p>
            )}
            <LiveTable reading={reading} />
            <DeviceValues reading={reading} />
          </>
        ) : (
          !failed && <p class="muted">{tr.t("data.loading")}</p>
        )}
      </Card>
      <Card title={tr.t("data.chart")} id="data-chart">
        <DataChart reading={reading} />
      </Card>
      <Card title={tr.t("data.meters")} id="data-meters">
        {reading ? <DataMeters reading={reading} /> : <p class="muted">{tr.t("data.loading")}</p>}
      </Card>
    </>
  );
}
