// Output (manual §9): the dry contact's state, who switched it last and
// whether the automation's delay holds it, a switch for a person, and the
// weekly and dated schedule (docs/automation.md).
import type { Translator } from "../../common/i18n";
import { api } from "../api";
import { useSite } from "../context";
import { useSaver } from "../form";
import type { DeviceStatus, Firing } from "../types";
import { OutputSchedule } from "./OutputSchedule";
import { Card, Fact, Facts, when } from "./parts";

type Automation = NonNullable<DeviceStatus["automation"]>;
type LastSwitch = NonNullable<Automation["last_switch"]>;

function onOff(tr: Translator, on: boolean): string {
  return tr.t(on ? "output.on" : "output.off");
}

// "By condition 2", "By the schedule", "From this page or the JSON API".
function cause(tr: Translator, s: LastSwitch): string {
  const key = `output.cause_${s.cause}`;
  const text = tr.t(key, { number: s.condition ?? 0 });
  return text === key ? s.cause : text;
}

// A schedule firing: "On · 1 Dec 2026, 07:00 (in 3 hours) · weekly entry 1".
function firing(tr: Translator, f: Firing): string {
  const entry = tr.t(f.list === "one_off" ? "output.entry_one_off" : "output.entry_weekly", { number: f.index + 1 });
  return `${onOff(tr, f.on)} · ${when(tr, f.at)} · ${entry}`;
}

function AutomationFacts({ automation }: { automation: Automation }) {
  const { tr } = useSite();
  const last = automation.last_switch;
  return (
    <>
      <Fact name={tr.t("output.last_switch")} id="output-last-switch">
        {last ? `${onOff(tr, last.on)} · ${cause(tr, last)} · ${when(tr, last.at)}` : tr.t("output.last_switch_none")}
      </Fact>
      <Fact name={tr.t("output.delay")} id="output-delay">
        {automation.in_delay
          ? tr.t("output.in_delay", { until: when(tr, automation.delay_ends) })
          : tr.t("output.no_delay")}
      </Fact>
      <Fact name={tr.t("output.next")} id="output-next">
        {automation.next ? firing(tr, automation.next) : tr.t("output.next_none")}
      </Fact>
      {automation.held && (
        <Fact name={tr.t("output.held")} id="output-held">
          {firing(tr, automation.held)}
        </Fact>
      )}
    </>
  );
}

// Two buttons; the one that changes the state is the primary one. Both act
// (a person's command counts even when the output is already so, and
// starts the automation's delay: docs/automation.md, "Precedence").
function OutputSwitch({ on }: { on: boolean }) {
  const { tr, refreshStatus } = useSite();
  const saver = useSaver();
  const send = async (next: boolean) => {
    await saver.run(() => api.post("api/v1/output", { on: next }));
    refreshStatus();
  };
  return (
    <div class="button-row" role="group" aria-label={tr.t("output.switch")}>
      <button
        type="button"
        id="output-switch-on"
        class={on ? "" : "primary"}
        disabled={saver.state === "saving"}
        onClick={() => send(true)}
      >
        {tr.t("output.switch_on")}
      </button>
      <button
        type="button"
        id="output-switch-off"
        class={on ? "primary" : ""}
        disabled={saver.state === "saving"}
        onClick={() => send(false)}
      >
        {tr.t("output.switch_off")}
      </button>
      <p class={`form-result ${saver.state}`} role="status" aria-live="polite">
        {saver.state === "failed" && saver.message}
      </p>
    </div>
  );
}

export function OutputSection() {
  const { tr, status } = useSite();
  return (
    <>
      <Card title={tr.t("output.state")} id="output-state">
        {status ? (
          <>
            <Facts>
              <Fact name={tr.t("output.contact")}>
                <span id="output-badge" class={`badge ${status.output.on ? "ok" : "neutral"}`} data-on={status.output.on}>
                  {onOff(tr, status.output.on)}
                </span>
              </Fact>
              {status.automation && <AutomationFacts automation={status.automation} />}
            </Facts>
            <OutputSwitch on={status.output.on} />
          </>
        ) : (
          <p class="muted">{tr.t("shell.offline")}</p>
        )}
      </Card>
      <Card title={tr.t("output.schedule")} id="output-schedule">
        <OutputSchedule />
      </Card>
    </>
  );
}
