// Conditions (manual §9, docs/automation.md): up to six conditions that
// switch the output or send an e-mail, checked 1st to 6th, and the "Delay
// after [sec]". The whole list and the delay go in one PATCH: the device
// replaces the list whole, and a new list starts its filters afresh.
import { useEffect, useState } from "preact/hooks";

import { Field } from "../../common/Field";
import { api } from "../api";
import { useSite } from "../context";
import { type Errors, FormActions, checkInteger, fieldId, useSaver } from "../form";
import { parseReading } from "../readings";
import {
  DELAY_MAX_S,
  DELAY_MIN_S,
  type Draft,
  MAX_CONDITIONS,
  fromDrafts,
  newDraft,
  toDraft,
} from "./ConditionsDraft";
import { type OperandFamily, operandFamilies } from "./ConditionsOperands";
import { ConditionRow } from "./ConditionsRow";
import { Card, when } from "./parts";

const RETRY_MS = 5000; // the device's reading interval

// The device's data types, from its reading; retried until there is one
// (a source that has not measured yet).
function useFamilies(): OperandFamily[] | null {
  const [families, setFamilies] = useState<OperandFamily[] | null>(null);
  useEffect(() => {
    let timer = 0;
    let live = true;
    const load = () => {
      api
        .get<unknown>("api/v1/readings")
        .then((json) => live && setFamilies(operandFamilies(parseReading(json))))
        .catch(() => {
          if (live) timer = window.setTimeout(load, RETRY_MS);
        });
    };
    load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return families;
}

// Whether the automation may switch now, and what it did last.
function AutomationState() {
  const { tr, status } = useSite();
  const a = status?.automation;
  if (!a || a.conditions.length === 0) return null;
  const last = a.last_switch;
  return (
    <p class="muted" role="status">
      {a.in_delay ? tr.t("conditions.in_delay", { until: when(tr, a.delay_ends) }) : tr.t("conditions.not_in_delay")}
      {last &&
        " " +
          tr.t("conditions.last_switch", {
            state: tr.t(last.on ? "conditions.did_on" : "conditions.did_off"),
            cause: last.condition ? tr.t("conditions.cause_condition", { n: last.condition }) : tr.t(`conditions.cause_${last.cause}`),
            when: when(tr, last.at),
          })}
    </p>
  );
}

function ConditionsForm({ families }: { families: OperandFamily[] }) {
  const { tr, settings, status } = useSite();
  const saver = useSaver();
  const saved = settings?.automation;
  const [drafts, setDrafts] = useState<Draft[]>(() => (saved?.conditions ?? []).map((c, k) => toDraft(c, k, families)));
  const [delay, setDelay] = useState(String(saved?.delay_s ?? DELAY_MIN_S));
  const live = status?.automation?.conditions ?? [];

  const update = (k: number, d: Draft) => setDrafts(drafts.map((x, i) => (i === k ? d : x)));
  const move = (k: number, by: -1 | 1) => {
    const next = [...drafts];
    const [row] = next.splice(k, 1);
    if (!row) return;
    next.splice(k + by, 0, row);
    setDrafts(next);
    // Keep the keyboard where it was: the same button, now one place away
    // (or its partner when the row reached an end and the button is off).
    const atEnd = k + by === 0 || k + by === next.length - 1;
    const dir = by < 0 ? "up" : "down";
    const other = by < 0 ? "down" : "up";
    requestAnimationFrame(() => document.getElementById(`cond-${row.id}-${atEnd ? other : dir}`)?.focus());
  };
  const remove = (k: number) => {
    setDrafts(drafts.filter((_, i) => i !== k));
    requestAnimationFrame(() => document.getElementById("conditions-add")?.focus());
  };
  const add = () => {
    const d = newDraft(families);
    setDrafts([...drafts, d]);
    requestAnimationFrame(() => document.getElementById(fieldId(`automation.conditions[${drafts.length}].operand`))?.focus());
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const errors: Errors = {};
    const conditions = fromDrafts(drafts, families, tr, errors);
    const delay_s = checkInteger(errors, "automation.delay_s", delay, DELAY_MIN_S, DELAY_MAX_S, tr);
    if (await saver.save({ automation: { conditions, delay_s } }, errors)) {
      // The saved list is the device's now: its live state follows the rows.
      setDrafts(drafts.map((d, k) => ({ ...d, origin: k })));
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <Card title={tr.t("conditions.how")} id="conditions-how">
        <p>{tr.t("conditions.how")}</p>
        <Field
          id={fieldId("automation.delay_s")}
          label={tr.t("conditions.delay")}
          hint={tr.t("conditions.delay_hint", { min: DELAY_MIN_S, max: DELAY_MAX_S })}
          inputMode="numeric"
          value={delay}
          onValue={setDelay}
          error={saver.errors["automation.delay_s"]}
        />
        <AutomationState />
      </Card>
      <div id={fieldId("automation.conditions")} tabIndex={-1}>
        {saver.errors["automation.conditions"] && <p class="banner error">{saver.errors["automation.conditions"]}</p>}
        {drafts.length === 0 && <p class="banner info">{tr.t("conditions.none")}</p>}
        {drafts.map((d, k) => (
          <ConditionRow
            key={d.id}
            draft={d}
            index={k}
            count={drafts.length}
            families={families}
            errors={saver.errors}
            live={d.origin === null ? undefined : live.find((s) => s.number === (d.origin ?? 0) + 1)}
            onChange={(next) => update(k, next)}
            onMove={(by) => move(k, by)}
            onRemove={() => remove(k)}
          />
        ))}
      </div>
      <div class="card">
        <div class="button-row">
          <button type="button" id="conditions-add" disabled={drafts.length >= MAX_CONDITIONS} onClick={add}>
            {tr.t("conditions.add")}
          </button>
          <span class="muted">{tr.t("conditions.count", { count: drafts.length, max: MAX_CONDITIONS })}</span>
        </div>
        <FormActions saver={saver} />
      </div>
    </form>
  );
}

export function ConditionsSection() {
  const { tr, settings } = useSite();
  const families = useFamilies();
  if (!settings) return null;
  if (!families) return <p class="loading">{tr.t("conditions.loading")}</p>;
  return <ConditionsForm families={families} />;
}
