// The schedule editor: weekly entries (a day, a time, on or off) and one-off
// entries (a date, a time, on or off), in the device's time zone. Checked
// here as the device checks them (docs/automation.md, "Schedule"), then
// saved whole with one PATCH; a refusal ("automation.schedule.weekly[1].time:
// ...") shows beside that row's field.
import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";

import type { Translator } from "../../common/i18n";
import { Choice, Field } from "../../common/Field";
import { useSite } from "../context";
import { type Errors, FormActions, fieldId, useSaver } from "../form";
import type { OneOffEntry, WeeklyEntry } from "../types";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
// The device's limits (docs/automation.md): 8 a day, 56 weekly, 32 one-off.
const MAX_A_DAY = 8;
const MAX_WEEKLY = 56;
const MAX_ONE_OFF = 32;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEKLY = "automation.schedule.weekly";
const ONE_OFF = "automation.schedule.one_off";

// Monday..Sunday in the page's language: 1 January 2024 was a Monday.
function dayNames(tag: string): Record<string, string> {
  const f = new Intl.DateTimeFormat(tag, { weekday: "long", timeZone: "UTC" });
  return Object.fromEntries(DAYS.map((d, i) => [d, f.format(new Date(Date.UTC(2024, 0, 1 + i)))]));
}

function validDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

// Today in the device's time zone, as YYYY-MM-DD (a new one-off entry's date).
function today(zone: string): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

// The browser's checks, with the paths the device would name.
function check(tr: Translator, weekly: WeeklyEntry[], oneOff: OneOffEntry[]): Errors {
  const errors: Errors = {};
  const seen = new Map<string, number>();
  const perDay = new Map<string, number>();
  weekly.forEach((e, i) => {
    const path = `${WEEKLY}[${i}]`;
    if (!TIME.test(e.time)) errors[`${path}.time`] = tr.t("output.time_invalid");
    const same = seen.get(`${e.day} ${e.time}`);
    if (same !== undefined && !errors[`${path}.time`]) errors[`${path}.time`] = tr.t("output.duplicate", { number: same + 1 });
    seen.set(`${e.day} ${e.time}`, i);
    const count = (perDay.get(e.day) ?? 0) + 1;
    perDay.set(e.day, count);
    if (count > MAX_A_DAY) errors[`${path}.day`] = tr.t("output.too_many_a_day", { max: MAX_A_DAY });
  });
  if (weekly.length > MAX_WEEKLY) errors[WEEKLY] = tr.t("output.too_many", { max: MAX_WEEKLY });
  oneOff.forEach((e, i) => {
    const path = `${ONE_OFF}[${i}]`;
    if (!validDate(e.date)) errors[`${path}.date`] = tr.t("output.date_invalid");
    if (!TIME.test(e.time)) errors[`${path}.time`] = tr.t("output.time_invalid");
    const same = seen.get(`${e.date} ${e.time}`);
    if (same !== undefined && !errors[`${path}.time`]) errors[`${path}.time`] = tr.t("output.duplicate", { number: same + 1 });
    seen.set(`${e.date} ${e.time}`, i);
  });
  if (oneOff.length > MAX_ONE_OFF) errors[ONE_OFF] = tr.t("output.too_many", { max: MAX_ONE_OFF });
  return errors;
}

// One entry: its "when" (a day or a date) and time, on or off, and the
// button that removes it. A group named "Weekly entry 2" for screen readers.
function EntryRow(props: {
  path: string;
  title: string;
  when: ComponentChildren;
  time: string;
  on: boolean;
  errors: Errors;
  onTime: (time: string) => void;
  onOn: (on: boolean) => void;
  onRemove: () => void;
}) {
  const { tr } = useSite();
  const { path, errors } = props;
  return (
    <div class="schedule-entry" role="group" aria-labelledby={`${fieldId(path)}-title`}>
      <h4 id={`${fieldId(path)}-title`}>{props.title}</h4>
      {errors[path] && <p class="field-error">{errors[path]}</p>}
      <div class="grid-2 schedule-fields">
        {props.when}
        <Field
          id={fieldId(`${path}.time`)}
          label={tr.t("output.time")}
          type="time"
          value={props.time}
          onValue={props.onTime}
          // The documentation names the minute; the settings name the time.
          error={errors[`${path}.time`] ?? errors[`${path}.minute`]}
        />
        <Choice
          id={fieldId(`${path}.on`)}
          label={tr.t("output.action")}
          value={props.on ? "on" : "off"}
          onValue={(v) => props.onOn(v === "on")}
          options={[
            { value: "on", label: tr.t("output.switch_on") },
            { value: "off", label: tr.t("output.switch_off") },
          ]}
          error={errors[`${path}.on`]}
        />
        <div class="button-row">
          <button type="button" class="quiet" id={`${fieldId(path)}-remove`} onClick={props.onRemove}>
            {tr.t("output.remove")}
            <span class="visually-hidden"> {props.title}</span>
          </button>
        </div>
      </div>
    </div>
  );
}

// Replaces entry i of a list with the changes.
function edit<T>(list: T[], i: number, change: Partial<T>): T[] {
  return list.map((e, k) => (k === i ? { ...e, ...change } : e));
}

export function OutputSchedule() {
  const { tr, settings } = useSite();
  const saver = useSaver();
  const zone = settings?.timezone ?? "UTC";
  const [weekly, setWeekly] = useState<WeeklyEntry[]>(() => settings?.automation.schedule.weekly ?? []);
  const [oneOff, setOneOff] = useState<OneOffEntry[]>(() => settings?.automation.schedule.one_off ?? []);
  const days = useMemo(() => dayNames(tr.tag), [tr.tag]);
  const errors = saver.errors;

  const submit = async (e: Event) => {
    e.preventDefault();
    await saver.save({ automation: { schedule: { weekly, one_off: oneOff } } }, check(tr, weekly, oneOff));
  };

  // A new entry's fields get the focus, so a keyboard goes on from there.
  const focusLater = (id: string) => requestAnimationFrame(() => document.getElementById(id)?.focus());

  return (
    <form onSubmit={submit} noValidate>
      <p class="hint" id="output-schedule-hint">
        {tr.t("output.schedule_zone", { zone })}
      </p>

      <h3 id="output-weekly-title">{tr.t("output.weekly")}</h3>
      {errors[WEEKLY] && <p class="field-error">{errors[WEEKLY]}</p>}
      {weekly.length === 0 && <p class="muted">{tr.t("output.weekly_none")}</p>}
      {weekly.map((entry, i) => {
        const path = `${WEEKLY}[${i}]`;
        return (
          <EntryRow
            key={i}
            path={path}
            title={tr.t("output.entry_weekly", { number: i + 1 })}
            when={
              <Choice
                id={fieldId(`${path}.day`)}
                label={tr.t("output.day")}
                value={entry.day}
                onValue={(day) => setWeekly(edit(weekly, i, { day }))}
                options={DAYS.map((d) => ({ value: d, label: days[d] ?? d }))}
                error={errors[`${path}.day`]}
              />
            }
            time={entry.time}
            on={entry.on}
            errors={errors}
            onTime={(time) => setWeekly(edit(weekly, i, { time }))}
            onOn={(on) => setWeekly(edit(weekly, i, { on }))}
            onRemove={() => {
              saver.clear(); // the marks name rows by their place
              setWeekly(weekly.filter((_, k) => k !== i));
            }}
          />
        );
      })}
      <div class="button-row">
        <button
          type="button"
          id="output-weekly-add"
          onClick={() => {
            setWeekly([...weekly, { day: "mon", time: "07:00", on: true }]);
            focusLater(fieldId(`${WEEKLY}[${weekly.length}].day`));
          }}
        >
          {tr.t("output.weekly_add")}
        </button>
      </div>

      <h3 id="output-one-off-title">{tr.t("output.one_off")}</h3>
      {errors[ONE_OFF] && <p class="field-error">{errors[ONE_OFF]}</p>}
      {oneOff.length === 0 && <p class="muted">{tr.t("output.one_off_none")}</p>}
      {oneOff.map((entry, i) => {
        const path = `${ONE_OFF}[${i}]`;
        return (
          <EntryRow
            key={i}
            path={path}
            title={tr.t("output.entry_one_off", { number: i + 1 })}
            when={
              <Field
                id={fieldId(`${path}.date`)}
                label={tr.t("output.date")}
                type="date"
                value={entry.date}
                onValue={(date) => setOneOff(edit(oneOff, i, { date }))}
                error={errors[`${path}.date`]}
              />
            }
            time={entry.time}
            on={entry.on}
            errors={errors}
            onTime={(time) => setOneOff(edit(oneOff, i, { time }))}
            onOn={(on) => setOneOff(edit(oneOff, i, { on }))}
            onRemove={() => {
              saver.clear();
              setOneOff(oneOff.filter((_, k) => k !== i));
            }}
          />
        );
      })}
      <div class="button-row">
        <button
          type="button"
          id="output-one-off-add"
          onClick={() => {
            setOneOff([...oneOff, { date: today(zone), time: "18:00", on: false }]);
            focusLater(fieldId(`${ONE_OFF}[${oneOff.length}].date`));
          }}
        >
          {tr.t("output.one_off_add")}
        </button>
      </div>

      <FormActions saver={saver} />
    </form>
  );
}
