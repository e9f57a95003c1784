// One condition of the Conditions form: what it says in words, what the
// device last made of it, and its fields. Ids are the device's paths
// (fieldId("automation.conditions[2].value")) so a refusal lands here.
import { useState } from "preact/hooks";

import { Choice, Field, Toggle } from "../../common/Field";
import type { Translator } from "../../common/i18n";
import { useSite } from "../context";
import { type Errors, fieldId } from "../form";
import type { ConditionState } from "../types";
import { type Draft, MAX_FILTER_S, isConstantTrue, parseNumber } from "./ConditionsDraft";
import { CONSTANT, type Choice as OperandChoice, type OperandFamily, defaultWhich } from "./ConditionsOperands";
import { when } from "./parts";

// The status members types.ts leaves out (docs/automation.md, "Status").
type Live = ConditionState & { last_action_at?: number; emails_sent?: number };

export function familyName(tr: Translator, family: string): string {
  return tr.t(`conditions.family_${family}`);
}

function choiceLabel(tr: Translator, f: OperandFamily, c: OperandChoice): string {
  if (c.which === "any" || c.which === "all") return tr.t(`conditions.phases_${c.which}`);
  if (c.total) return tr.t("conditions.phase_total");
  if (c.phase > 0 && f.choices.length > 1) return tr.t("conditions.phase_n", { phase: c.phase });
  return familyName(tr, f.family);
}

// "any phase's voltage", "the total current", "the temperature".
function subject(tr: Translator, d: Draft, f: OperandFamily | undefined): string {
  if (!f) return d.which;
  const family = tr.t(`conditions.noun_${f.family}`);
  const c = f.choices.find((x) => x.which === d.which);
  if (d.which === "any" || d.which === "all") return tr.t(`conditions.subject_${d.which}`, { family });
  if (c?.total) return tr.t("conditions.subject_total", { family });
  if (c && c.phase > 0 && f.choices.length > 1) return tr.t("conditions.subject_phase", { family, phase: c.phase });
  return tr.t("conditions.subject_one", { family });
}

// "If any phase's voltage is above 260 V for longer than 10 s between
// 22:00 and 06:00: switch the output off."
export function sentence(tr: Translator, d: Draft, f: OperandFamily | undefined): string {
  const filter = Number(d.filter);
  const extra =
    (filter > 0 ? tr.t("conditions.sentence_filter", { count: filter }) : "") +
    (d.windowOn && d.from !== d.to ? tr.t("conditions.sentence_window", { from: d.from, to: d.to }) : "");
  const action = tr.t(`conditions.do_${d.action}`);
  if (d.family === CONSTANT) {
    return tr.t(isConstantTrue(d) ? "conditions.sentence_always" : "conditions.sentence_never", { extra, action });
  }
  const value = parseNumber(d.value);
  const shown = Number.isFinite(value) ? `${tr.number(value)}${f?.unit ? `\u00a0${f.unit}` : ""}` : "…"; // "260 V" on one line
  return tr.t("conditions.sentence", {
    subject: subject(tr, d, f),
    compare: tr.t(d.compare === ">" ? "conditions.above" : "conditions.below"),
    value: shown,
    extra,
    action,
  });
}

// The device's view of the saved condition, in words (never colour alone).
function LiveState({ live, tr }: { live: Live; tr: Translator }) {
  const badge = (tone: string, key: string) => <span class={`badge ${tone}`}>{tr.t(key)}</span>;
  return (
    <p class="button-row" aria-label={tr.t("conditions.live")}>
      {!live.enabled
        ? badge("neutral", "conditions.live_disabled")
        : !live.checked
          ? badge("neutral", "conditions.live_unchecked")
          : [
              live.in_range ? badge("busy", "conditions.live_in_range") : badge("neutral", "conditions.live_out_of_range"),
              live.fulfilled ? badge("ok", "conditions.live_fulfilled") : badge("neutral", "conditions.live_not_fulfilled"),
            ]}
      {live.last_action && (
        <span class="muted">
          {tr.t("conditions.live_last", {
            action: tr.t(`conditions.did_${live.last_action}`),
            when: when(tr, live.last_action_at ?? 0),
          })}
        </span>
      )}
    </p>
  );
}

type RowProps = {
  draft: Draft;
  index: number;
  count: number;
  families: OperandFamily[];
  errors: Errors;
  live: ConditionState | undefined;
  onChange: (d: Draft) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
};

export function ConditionRow({ draft: d, index, count, families, errors, live, onChange, onMove, onRemove }: RowProps) {
  const { tr } = useSite();
  const path = (name: string) => `automation.conditions[${index}].${name}`;
  const id = (name: string) => fieldId(path(name));
  const err = (name: string) => errors[path(name)];
  const set = (patch: Partial<Draft>) => onChange({ ...d, ...patch });
  const family = families.find((f) => f.family === d.family);
  const n = index + 1;
  // Saved rows read as their sentence; the fields open on demand, and
  // always when the browser or the device refused one of them.
  const [open, setOpen] = useState(d.origin === null);
  const refused = Object.keys(errors).some((k) => k.startsWith(`automation.conditions[${index}].`));
  const shown = open || refused;

  const chooseFamily = (value: string) => {
    if (value === CONSTANT) {
      set({ family: CONSTANT, which: "1", compare: ">", value: "0" }); // the manual's 1 > 0
      return;
    }
    const f = families.find((x) => x.family === value);
    if (f) set({ family: f.family, which: defaultWhich(f) });
  };

  const familyOptions = [
    ...families.map((f) => ({ value: f.family, label: familyName(tr, f.family) })),
    { value: CONSTANT, label: tr.t("conditions.family_constant") },
    // A key this device does not measure stays visible rather than vanish.
    ...(d.family === "" ? [{ value: "", label: d.which }] : []),
  ];

  return (
    <section class="card" aria-labelledby={`cond-${d.id}-title`}>
      <h2 id={`cond-${d.id}-title`}>{tr.t("conditions.number", { n })}</h2>
      <p>
        <strong class={d.enabled ? "" : "muted"}>{sentence(tr, d, family)}</strong>
      </p>
      {live && <LiveState live={live} tr={tr} />}
      <Toggle id={id("enabled")} label={tr.t("conditions.enabled")} checked={d.enabled} onChecked={(enabled) => set({ enabled })} error={err("enabled")} />
      {shown && (
        <div id={`cond-${d.id}-fields`}>
          <div class="grid-2">
            <Choice id={id("operand")} label={tr.t("conditions.operand")} value={d.family} onValue={chooseFamily} options={familyOptions} error={err("operand")} />
            {family && family.choices.length > 1 && (
              <Choice
                id={id("phases")}
                label={tr.t("conditions.which")}
                hint={d.which === "all" ? tr.t("conditions.all_hint") : d.which === "any" ? tr.t("conditions.any_hint") : undefined}
                value={d.which}
                onValue={(which) => set({ which })}
                options={family.choices.map((c) => ({ value: c.which, label: choiceLabel(tr, family, c) }))}
                error={err("phases")}
              />
            )}
          </div>
          <div class="grid-2">
            <Choice
              id={id("compare")}
              label={tr.t("conditions.compare")}
              value={d.compare}
              onValue={(v) => set({ compare: v === "<" ? "<" : ">" })}
              options={[
                { value: ">", label: tr.t("conditions.compare_gt") },
                { value: "<", label: tr.t("conditions.compare_lt") },
              ]}
              error={err("compare")}
            />
            <Field
              id={id("value")}
              label={family?.unit ? tr.t("conditions.value_unit", { unit: family.unit }) : tr.t("conditions.value")}
              inputMode="decimal"
              value={d.value}
              onValue={(value) => set({ value })}
              error={err("value")}
            />
          </div>
          <div class="grid-2">
            <Choice
              id={id("action")}
              label={tr.t("conditions.action")}
              value={d.action}
              onValue={(v) => set({ action: v === "on" || v === "email" ? v : "off" })}
              options={["on", "off", "email"].map((a) => ({ value: a, label: tr.t(`conditions.action_${a}`) }))}
              error={err("action")}
            />
            <Field
              id={id("filter")}
              label={tr.t("conditions.filter")}
              hint={tr.t("conditions.filter_hint", { max: MAX_FILTER_S })}
              inputMode="numeric"
              value={d.filter}
              onValue={(filter) => set({ filter })}
              error={err("filter")}
            />
          </div>
          {d.action === "email" && (
            <Field
              id={id("hysteresis")}
              label={family?.unit ? tr.t("conditions.hysteresis_unit", { unit: family.unit }) : tr.t("conditions.hysteresis")}
              inputMode="decimal"
              value={d.hysteresis}
              onValue={(hysteresis) => set({ hysteresis })}
              error={err("hysteresis")}
            />
          )}
          <Toggle
            id={id("window")}
            label={tr.t("conditions.window")}
            checked={d.windowOn}
            onChecked={(windowOn) => set({ windowOn })}
            error={err("window")}
          />
          {d.windowOn && (
            <div class="grid-2">
              <Field id={id("window.from")} label={tr.t("conditions.from")} type="time" value={d.from} onValue={(from) => set({ from })} error={err("window.from")} />
              <Field id={id("window.to")} label={tr.t("conditions.to")} type="time" value={d.to} onValue={(to) => set({ to })} error={err("window.to")} />
            </div>
          )}
        </div>
      )}
      <div class="button-row">
        {!refused && (
          <button
            type="button"
            class="small"
            aria-expanded={shown}
            aria-controls={shown ? `cond-${d.id}-fields` : undefined}
            aria-label={tr.t(shown ? "conditions.close_n" : "conditions.edit_n", { n })}
            onClick={() => setOpen(!shown)}
          >
            {tr.t(shown ? "conditions.close" : "conditions.edit")}
          </button>
        )}
        <button
          type="button"
          class="small"
          id={`cond-${d.id}-up`}
          disabled={index === 0}
          aria-label={tr.t("conditions.move_up_n", { n })}
          onClick={() => onMove(-1)}
        >
          {tr.t("conditions.move_up")}
        </button>
        <button
          type="button"
          class="small"
          id={`cond-${d.id}-down`}
          disabled={index === count - 1}
          aria-label={tr.t("conditions.move_down_n", { n })}
          onClick={() => onMove(1)}
        >
          {tr.t("conditions.move_down")}
        </button>
        <button type="button" class="small quiet" aria-label={tr.t("conditions.remove_n", { n })} onClick={onRemove}>
          {tr.t("conditions.remove")}
        </button>
      </div>
    </section>
  );
}
