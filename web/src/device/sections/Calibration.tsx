// Guided calibration (docs/metering.md, "Guided calibration"): the person
// gives a reference per phase (a load of known watts and power factor, or
// a reference meter's readings), the device averages its own readings for
// a while, proposes gains and a phase correction with the error before
// and after, and applies them to the settings on request.
import { useEffect, useState } from "preact/hooks";

import { Field } from "../../common/Field";
import type { Translator } from "../../common/i18n";
import { api } from "../api";
import { useSite } from "../context";
import { type Errors, fieldId, useSaver } from "../form";
import { Card } from "./parts";

type Gains = { voltage_gain: number; current_gain: number; phase_deg: number };
type ErrorsPct = { volts_pct: number; amps_pct: number; watts_pct: number; power_factor: number };
type PhaseReport = {
  phase: number;
  proposal: (Gains & { phase_determined: boolean }) | null;
  error_before: ErrorsPct | null;
  error_after: ErrorsPct | null;
};
type CalibrationState = {
  state: "idle" | "measuring" | "done" | "failed";
  error: string;
  calibratable: boolean;
  applied: boolean;
  progress: { readings: number; needed: number; seconds: number };
  phases: PhaseReport[];
  current: (Gains & { phase: number })[];
};

type Reference = { on: boolean; volts: string; amps: string; watts: string; power_factor: string };
const BLANK: Reference = { on: false, volts: "", amps: "", watts: "", power_factor: "" };
const POLL_MS = 2000;

// The head of a table of corrections per phase; `error`: with the power
// error before and after.
function GainsHead({ tr, error = false }: { tr: Translator; error?: boolean }) {
  return (
    <thead>
      <tr>
        {["phase", "voltage_gain", "current_gain", "phase_deg", ...(error ? ["error"] : [])].map((k) => (
          <th key={k} scope="col">
            {tr.t(`calibration.${k}`)}
          </th>
        ))}
      </tr>
    </thead>
  );
}

export function CalibrationSection() {
  const { tr } = useSite();
  const saver = useSaver();
  const [cal, setCal] = useState<CalibrationState | null>(null);
  const [refs, setRefs] = useState<Reference[]>([{ ...BLANK, on: true }, { ...BLANK }, { ...BLANK }]);
  const [seconds, setSeconds] = useState("60");

  const load = () => api.get<CalibrationState>("api/v1/calibration").then(setCal);
  useEffect(() => {
    void load();
  }, []);
  useEffect(() => {
    if (cal?.state !== "measuring") return undefined;
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [cal?.state]);

  if (!cal) return null;
  const number = (n: number, digits: number) => tr.number(n, digits);

  const measure = async (e: Event) => {
    e.preventDefault();
    const errors: Errors = {};
    const reference: Record<string, number>[] = [];
    refs.forEach((r, i) => {
      if (!r.on || i >= cal.current.length) return;
      const at = `reference[${reference.length}]`;
      const entry: Record<string, number> = { phase: i + 1 };
      for (const key of ["volts", "amps", "watts", "power_factor"] as const) {
        if (r[key].trim() === "") continue;
        const v = Number(r[key]);
        if (!Number.isFinite(v) || v <= 0 || (key === "power_factor" && v > 1)) errors[`${at}.${key}`] = tr.t("calibration.invalid");
        entry[key] = v;
      }
      if (r.volts.trim() === "") errors[`${at}.volts`] = tr.t("calibration.required");
      if (r.power_factor.trim() === "") errors[`${at}.power_factor`] = tr.t("calibration.required");
      if (r.amps.trim() === "" && r.watts.trim() === "") errors[`${at}.amps`] = tr.t("calibration.amps_or_watts");
      reference.push(entry);
    });
    const s = Number(seconds);
    if (!Number.isInteger(s) || s < 30 || s > 600) errors["seconds"] = tr.t("form.integer_range", { min: 30, max: 600 });
    if (reference.length === 0) errors["reference"] = tr.t("calibration.no_phase");
    if (Object.keys(errors).length > 0) {
      await saver.save({}, errors);
      return;
    }
    await saver.run(async () => setCal(await api.post<CalibrationState>("api/v1/calibration/measure", { seconds: s, reference })));
  };

  const act = (what: "apply" | "cancel") =>
    saver.run(async () => setCal(await api.post<CalibrationState>(`api/v1/calibration/${what}`)));

  let index = -1;
  return (
    <>
      <Card title={tr.t("calibration.current")} id="cal-current">
        {!cal.calibratable && <p class="banner info">{cal.error || tr.t("calibration.not_calibratable")}</p>}
        <div class="table-wrap">
          <table id="calibration-current">
            <GainsHead tr={tr} />
            <tbody>
              {cal.current.map((c) => (
                <tr key={c.phase}>
                  <th scope="row">L{c.phase}</th>
                  <td>{number(c.voltage_gain, 4)}</td>
                  <td>{number(c.current_gain, 4)}</td>
                  <td>{number(c.phase_deg, 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      {cal.calibratable && (
        <Card title={tr.t("calibration.measure")} id="cal-measure">
          <p class="muted">{tr.t("calibration.how")}</p>
          <form onSubmit={measure} noValidate>
            {saver.errors["reference"] && <p class="field-error">{saver.errors["reference"]}</p>}
            {refs.slice(0, cal.current.length).map((r, i) => {
              if (r.on) index += 1;
              const at = `reference[${index}]`;
              const set = (patch: Partial<Reference>) => setRefs(refs.map((x, j) => (j === i ? { ...x, ...patch } : x)));
              return (
                <fieldset key={i} class="cal-phase">
                  <legend>
                    <label>
                      <input type="checkbox" checked={r.on} onChange={(e) => set({ on: e.currentTarget.checked })} /> L{i + 1}
                    </label>
                  </legend>
                  {r.on && (
                    <div class="grid-2">
                      {(["volts", "amps", "watts", "power_factor"] as const).map((key) => (
                        <Field
                          key={key}
                          id={fieldId(`${at}.${key}`)}
                          label={tr.t(`calibration.${key}`)}
                          inputMode="decimal"
                          value={r[key]}
                          onValue={(v) => set({ [key]: v })}
                          error={saver.errors[`${at}.${key}`]}
                        />
                      ))}
                    </div>
                  )}
                </fieldset>
              );
            })}
            <Field id={fieldId("seconds")} label={tr.t("calibration.seconds")} inputMode="numeric" value={seconds} onValue={setSeconds} error={saver.errors["seconds"]} />
            <div class="form-actions">
              <button type="submit" class="primary" disabled={cal.state === "measuring"}>
                {tr.t("calibration.start")}
              </button>
              {cal.state === "measuring" && (
                <button type="button" onClick={() => void act("cancel")}>
                  {tr.t("form.cancel")}
                </button>
              )}
              <p class={`form-result ${saver.state}`} role="status" aria-live="polite">
                {saver.state === "failed" && saver.message}
              </p>
            </div>
          </form>
          {cal.state === "measuring" && (
            <p role="status">
              <progress max={cal.progress.needed} value={cal.progress.readings} aria-label={tr.t("calibration.progress")} />{" "}
              {tr.t("calibration.progress_text", { done: cal.progress.readings, needed: cal.progress.needed })}
            </p>
          )}
          {cal.state === "failed" && <p class="banner error">{cal.error}</p>}
        </Card>
      )}
      {cal.state === "done" && (
        <Card title={tr.t("calibration.result")} id="cal-result">
          <div class="table-wrap">
            <table id="calibration-result">
              <GainsHead tr={tr} error />
              <tbody>
                {cal.phases.map((p) => (
                  <tr key={p.phase}>
                    <th scope="row">L{p.phase}</th>
                    <td>{p.proposal ? number(p.proposal.voltage_gain, 4) : "–"}</td>
                    <td>{p.proposal ? number(p.proposal.current_gain, 4) : "–"}</td>
                    <td>{p.proposal ? (p.proposal.phase_determined ? number(p.proposal.phase_deg, 2) : tr.t("calibration.phase_kept")) : "–"}</td>
                    <td>
                      {p.error_before && p.error_after
                        ? tr.t("calibration.error_text", {
                            before: number(p.error_before.watts_pct, 2),
                            after: number(p.error_after.watts_pct, 2),
                          })
                        : "–"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="form-actions">
            <button type="button" class="primary" disabled={cal.applied} onClick={() => void act("apply")}>
              {cal.applied ? tr.t("calibration.applied") : tr.t("calibration.apply")}
            </button>
          </div>
        </Card>
      )}
    </>
  );
}
