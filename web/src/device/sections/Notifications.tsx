// Notifications (docs/automation.md, "Notifications"): which events the
// device mails, its limits, the SMTP account, a test mail, and the state of
// the queue. The events and the account go in one PATCH.
import { useState } from "preact/hooks";

import { Choice, Field, Toggle } from "../../common/Field";
import { api } from "../api";
import { useSite } from "../context";
import { type Errors, FormActions, checkInteger, fieldId, useSaver } from "../form";
import type { Settings } from "../types";
import { Card, Fact, Facts, StateBadge, when } from "./parts";

type Notify = Settings["notify"];
type Smtp = Settings["smtp"];
type EventKey = "on_condition" | "on_output" | "on_phase" | "on_restart" | "on_server" | "on_mqtt";
type LimitKey = "phase_lost_v" | "phase_filter_s" | "server_unreachable_min" | "rate_limit_min" | "daily_cap";

const EVENTS: readonly EventKey[] = ["on_condition", "on_output", "on_phase", "on_restart", "on_server", "on_mqtt"];
// The device's limits (device/src/settings.cpp).
const LIMITS: readonly { key: LimitKey; min: number; max: number }[] = [
  { key: "phase_lost_v", min: 1, max: 400 },
  { key: "phase_filter_s", min: 1, max: 3600 },
  { key: "server_unreachable_min", min: 1, max: 1440 },
  { key: "rate_limit_min", min: 0, max: 1440 },
  { key: "daily_cap", min: 0, max: 1000 },
];
const MAX_RECIPIENTS = 3;
// The usual port of each security, offered when the port is still a usual one.
const PORTS: Record<Smtp["security"], number> = { none: 25, starttls: 587, tls: 465 };

// The device's own test (notify/src/smtp.cpp valid_address): one "@", a
// local part of at most 64, no spaces, brackets, commas or quotes.
const ADDRESS = /^[^\s<>,"\\@]{1,64}@[^\s<>,"\\@.][^\s<>,"\\@]*$/;
export function isAddress(text: string): boolean {
  return text.length <= 254 && ADDRESS.test(text) && !text.endsWith(".") && !text.includes("..");
}

function padRecipients(list: readonly string[]): string[] {
  return Array.from({ length: MAX_RECIPIENTS }, (_, k) => list[k] ?? "");
}

function NotificationsForm({ notify, smtp }: { notify: Notify; smtp: Smtp }) {
  const { tr } = useSite();
  const saver = useSaver();
  const tester = useSaver();
  const [n, setN] = useState<Notify>(notify);
  const [limits, setLimits] = useState(() => Object.fromEntries(LIMITS.map((l) => [l.key, String(notify[l.key])])));
  const [s, setS] = useState<Smtp>({ ...smtp, password: "" });
  const [port, setPort] = useState(String(smtp.port));
  const [recipients, setRecipients] = useState(() => padRecipients(smtp.recipients));
  const [dirty, setDirty] = useState(false);

  const touch = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setDirty(true);
  };
  const setNotify = (patch: Partial<Notify>) => touch(setN)({ ...n, ...patch });
  const setSmtp = (patch: Partial<Smtp>) => touch(setS)({ ...s, ...patch });
  // A refusal of the save or of the test, beside the field it names.
  const err = (path: string) => saver.errors[path] ?? tester.errors[path];

  const chooseSecurity = (v: string) => {
    const security = v === "none" || v === "tls" ? v : "starttls";
    if (Object.values(PORTS).includes(Number(port))) setPort(String(PORTS[security]));
    setSmtp({ security });
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    tester.clear();
    const errors: Errors = {};
    const numbers = Object.fromEntries(
      LIMITS.map((l) => [l.key, checkInteger(errors, `notify.${l.key}`, limits[l.key] ?? "", l.min, l.max, tr)]),
    );
    const smtpPort = checkInteger(errors, "smtp.port", port, 1, 65535, tr);
    const list = recipients.map((r) => r.trim());
    const host = s.host.trim();
    const sender = s.sender.trim();
    // The device checks the account only while notifications are on; an
    // address that is there must be one all the same.
    if (n.enabled && host === "") errors["smtp.host"] = tr.t("notifications.err_host");
    if (sender !== "" && !isAddress(sender)) errors["smtp.sender"] = tr.t("notifications.err_address");
    if (sender === "" && n.enabled) errors["smtp.sender"] = tr.t("notifications.err_sender");
    list.forEach((r, k) => {
      if (r !== "" && !isAddress(r)) errors[`smtp.recipients[${k}]`] = tr.t("notifications.err_address");
    });
    if (n.enabled && list.every((r) => r === "")) errors["smtp.recipients[0]"] = tr.t("notifications.err_recipients");
    const username = s.username.trim();
    const patchSmtp: Record<string, unknown> = {
      host,
      port: smtpPort,
      security: s.security,
      username,
      sender,
      recipients: list.filter((r) => r !== ""),
      ca_file: s.ca_file.trim(),
      verify_peer: s.verify_peer,
    };
    // The password is never sent back: send it only when typed, and drop
    // it with the user name (no AUTH needs none).
    if (s.password !== "") patchSmtp["password"] = s.password;
    else if (username === "") patchSmtp["password"] = "";
    if (await saver.save({ notify: { ...n, ...numbers }, smtp: patchSmtp }, errors)) {
      setS({ ...s, password: "" });
      setDirty(false);
    }
  };

  const test = () => {
    saver.clear();
    void tester.run(() => api.post("api/v1/notifications/test"));
  };

  return (
    <form onSubmit={submit} noValidate>
      <Card title={tr.t("notifications.events")} id="notifications-events">
        <Toggle
          id={fieldId("notify.enabled")}
          label={tr.t("notifications.enabled")}
          hint={tr.t("notifications.enabled_hint")}
          checked={n.enabled}
          onChecked={(enabled) => setNotify({ enabled })}
          error={err("notify.enabled")}
        />
        <div role="group" aria-labelledby="notifications-which">
          <p id="notifications-which">
            <strong>{tr.t("notifications.which")}</strong>
          </p>
          {EVENTS.map((key) => (
            <Toggle
              key={key}
              id={fieldId(`notify.${key}`)}
              label={tr.t(`notifications.${key}`)}
              checked={n[key]}
              onChecked={(v) => setNotify({ [key]: v })}
              error={err(`notify.${key}`)}
            />
          ))}
        </div>
      </Card>
      <Card title={tr.t("notifications.limits")} id="notifications-limits">
        <div class="grid-2">
          {LIMITS.map((l) => (
            <Field
              key={l.key}
              id={fieldId(`notify.${l.key}`)}
              label={tr.t(`notifications.${l.key}`)}
              hint={tr.t("form.integer_range", { min: l.min, max: l.max })}
              inputMode="numeric"
              value={limits[l.key] ?? ""}
              onValue={(v) => touch(setLimits)({ ...limits, [l.key]: v })}
              error={err(`notify.${l.key}`)}
            />
          ))}
        </div>
      </Card>
      <Card title={tr.t("notifications.account")} id="notifications-account">
        <div class="grid-2">
          <Field id={fieldId("smtp.host")} label={tr.t("notifications.host")} autoComplete="off" value={s.host} onValue={(host) => setSmtp({ host })} error={err("smtp.host")} />
          <Field id={fieldId("smtp.port")} label={tr.t("notifications.port")} inputMode="numeric" value={port} onValue={touch(setPort)} error={err("smtp.port")} />
        </div>
        <Choice
          id={fieldId("smtp.security")}
          label={tr.t("notifications.security")}
          value={s.security}
          onValue={chooseSecurity}
          options={(["starttls", "tls", "none"] as const).map((v) => ({ value: v, label: tr.t(`notifications.security_${v}`) }))}
          error={err("smtp.security")}
        />
        <div class="grid-2">
          <Field id={fieldId("smtp.username")} label={tr.t("notifications.username")} hint={tr.t("notifications.username_hint")} autoComplete="off" value={s.username} onValue={(username) => setSmtp({ username })} error={err("smtp.username")} />
          <Field
            id={fieldId("smtp.password")}
            label={tr.t("notifications.password")}
            hint={tr.t("notifications.password_hint")}
            type="password"
            autoComplete="new-password"
            value={s.password}
            onValue={(password) => setSmtp({ password })}
            error={err("smtp.password")}
          />
        </div>
        <Field id={fieldId("smtp.sender")} label={tr.t("notifications.sender")} hint={tr.t("notifications.sender_hint")} type="email" inputMode="email" autoComplete="off" value={s.sender} onValue={(sender) => setSmtp({ sender })} error={err("smtp.sender")} />
        <div role="group" id={fieldId("smtp.recipients")} tabIndex={-1} aria-labelledby="notifications-recipients">
          <p id="notifications-recipients">
            <strong>{tr.t("notifications.recipients")}</strong>
          </p>
          {err("smtp.recipients") && <p class="field-error">{err("smtp.recipients")}</p>}
          {recipients.map((r, k) => (
            <Field
              key={k}
              id={fieldId(`smtp.recipients[${k}]`)}
              label={tr.t("notifications.recipient_n", { n: k + 1 })}
              hint={k === 0 ? tr.t("notifications.recipients_hint") : undefined}
              type="email"
              inputMode="email"
              autoComplete="off"
              value={r}
              onValue={(v) => touch(setRecipients)(recipients.map((x, i) => (i === k ? v : x)))}
              error={err(`smtp.recipients[${k}]`)}
            />
          ))}
        </div>
        <Field id={fieldId("smtp.ca_file")} label={tr.t("notifications.ca_file")} hint={tr.t("notifications.ca_file_hint")} autoComplete="off" value={s.ca_file} onValue={(ca_file) => setSmtp({ ca_file })} error={err("smtp.ca_file")} />
        <Toggle
          id={fieldId("smtp.verify_peer")}
          label={tr.t("notifications.verify_peer")}
          hint={tr.t("notifications.verify_peer_hint")}
          checked={s.verify_peer}
          onChecked={(verify_peer) => setSmtp({ verify_peer })}
          error={err("smtp.verify_peer")}
        />
        <FormActions saver={saver} />
      </Card>
      <Card title={tr.t("notifications.test")} id="notifications-test">
        {dirty && <p class="banner warning">{tr.t("notifications.test_unsaved")}</p>}
        <div class="button-row">
          <button type="button" disabled={tester.state === "saving"} onClick={test}>
            {tester.state === "saving" ? tr.t("notifications.test_sending") : tr.t("notifications.test_send")}
          </button>
          <p class={`form-result ${tester.state}`} role="status" aria-live="polite">
            {tester.state === "saved" && tr.t("notifications.test_sent")}
            {tester.state === "failed" && (tester.message || tr.t("notifications.test_field"))}
          </p>
        </div>
      </Card>
    </form>
  );
}

// The queue as the device reports it.
function QueueState() {
  const { tr, status } = useSite();
  const q = status?.notifications;
  if (!q) return null;
  return (
    <Card title={tr.t("notifications.queue")} id="notifications-queue">
      <Facts>
        <Fact name={tr.t("notifications.state")}>
          <StateBadge state={q.state} tr={tr} />
          {q.error && <span class="muted"> {q.error}</span>}
        </Fact>
        <Fact name={tr.t("notifications.queued")}>{tr.number(q.queued)}</Fact>
        <Fact name={tr.t("notifications.sent")}>{tr.number(q.sent)}</Fact>
        <Fact name={tr.t("notifications.refused")}>
          {tr.t("notifications.refused_detail", {
            rate: q.refused.rate_limit,
            cap: q.refused.daily_cap,
            full: q.refused.full,
          })}
        </Fact>
        <Fact name={tr.t("notifications.last_sent")}>{when(tr, q.last_sent)}</Fact>
      </Facts>
    </Card>
  );
}

export function NotificationsSection() {
  const { settings } = useSite();
  if (!settings) return null;
  return (
    <>
      <QueueState />
      <NotificationsForm notify={settings.notify} smtp={settings.smtp} />
    </>
  );
}
