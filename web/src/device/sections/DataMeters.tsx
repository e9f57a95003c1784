// The meters' initial values (manual §5): what the utility's meter shows,
// so the device's meters continue from there. The device counts Wh: a
// meter's kWh times 1000; a meter that shows only the three phases' total
// is divided by three. POST api/v1/meters sets the fields filled in, all
// or none.
import { useState } from "preact/hooks";

import type { Translator } from "../../common/i18n";
import { Field } from "../../common/Field";
import { api } from "../api";
import { useSite } from "../context";
import { type Errors, FormActions, fieldId, useSaver } from "../form";
import type { Reading } from "../readings";

// The device's bound (docs/device.md, "Initial values"): 9e12 Wh.
const MAX_WH = 9e12;
const NUMBER = /^\d+(?:\.\d{1,3})?$/; // non-negative, at most 3 decimals

type Kind = "Wh" | "rWh";
type Drafts = Record<string, string>;

// "1 234,5" and "1234.5" both mean 1234.5: a comma as the decimal mark,
// spaces as grouping are accepted.
function normalise(text: string): string {
  return text.trim().replace(/\s/g, "").replace(",", ".");
}

function checkWh(tr: Translator, text: string): string | undefined {
  const n = normalise(text);
  if (!NUMBER.test(n)) return tr.t("data.meters_invalid");
  if (Number(n) > MAX_WH) return tr.t("data.meters_too_big", { max: MAX_WH });
  return undefined;
}

// The three phases' fields of one kind, and the helper that divides a
// three-phase total among them.
function KindFields(props: {
  kind: Kind;
  phases: number[];
  drafts: Drafts;
  set: (key: string, value: string) => void;
  errors: Errors;
}) {
  const { tr } = useSite();
  const { kind, phases, drafts, set, errors } = props;
  const [total, setTotal] = useState("");
  const [totalError, setTotalError] = useState<string | undefined>();
  const totalId = `data-${kind}-total`;

  const divide = () => {
    const error = checkWh(tr, total);
    setTotalError(error);
    if (error) {
      document.getElementById(totalId)?.focus();
      return;
    }
    // kWh × 1000 / 3, to the Wh's three decimals the device keeps.
    const share = Math.round((Number(normalise(total)) * 1e6) / 3) / 1000;
    for (const p of phases) set(`${kind}${p}`, String(share));
  };

  return (
    <div role="group" aria-labelledby={`data-${kind}-legend`}>
      <h3 id={`data-${kind}-legend`}>{tr.t(kind === "Wh" ? "data.meters_forward" : "data.meters_reverse")}</h3>
      <div class="grid-2">
        {phases.map((p) => {
          const key = `${kind}${p}`;
          return (
            <Field
              key={key}
              id={fieldId(key)}
              label={tr.t("data.meters_phase", { phase: `L${p}` })}
              inputMode="decimal"
              autoComplete="off"
              value={drafts[key] ?? ""}
              onValue={(v) => set(key, v)}
              error={errors[key]}
            />
          );
        })}
      </div>
      {phases.length === 3 && (
        <div class="grid-2">
          <Field
            id={totalId}
            label={tr.t("data.meters_total")}
            hint={tr.t("data.meters_total_hint")}
            inputMode="decimal"
            autoComplete="off"
            value={total}
            onValue={setTotal}
            error={totalError}
          />
          <div class="button-row">
            <button type="button" id={`${totalId}-divide`} onClick={divide}>
              {tr.t("data.meters_divide")}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

export function DataMeters({ reading }: { reading: Reading }) {
  const { tr } = useSite();
  const saver = useSaver();
  const [drafts, setDrafts] = useState<Drafts>({});
  const phases = [1, 2, 3].slice(0, Math.max(1, Math.min(3, reading.phases)));
  const set = (key: string, value: string) => setDrafts((d) => ({ ...d, [key]: value }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const errors: Errors = {};
    const body: Record<string, number> = {};
    for (const kind of ["Wh", "rWh"] as const) {
      for (const p of phases) {
        const key = `${kind}${p}`;
        const text = drafts[key] ?? "";
        if (text.trim() === "") continue; // only the fields filled in
        const error = checkWh(tr, text);
        if (error) errors[key] = error;
        else body[key] = Number(normalise(text));
      }
    }
    if (Object.keys(errors).length === 0 && Object.keys(body).length === 0) {
      errors[`Wh${phases[0] ?? 1}`] = tr.t("data.meters_empty");
    }
    // Browser checks first, through the same reporting as the device's refusal.
    if (Object.keys(errors).length > 0) {
      await saver.save({}, errors);
      return;
    }
    if (await saver.run(() => api.post("api/v1/meters", body))) setDrafts({});
  };

  return (
    <form onSubmit={submit} noValidate>
      <p class="hint" id="data-meters-hint">
        {tr.t("data.meters_hint")}
      </p>
      <KindFields kind="Wh" phases={phases} drafts={drafts} set={set} errors={saver.errors} />
      <KindFields kind="rWh" phases={phases} drafts={drafts} set={set} errors={saver.errors} />
      <FormActions saver={saver} label={tr.t("data.meters_set")} />
    </form>
  );
}
