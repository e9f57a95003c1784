// The MQTT settings (manual §8, docs/mqtt.md) as one form in five cards,
// saved with one PATCH {"mqtt": {...}} that the device applies whole or
// not at all. The browser makes the device's checks (settings.cpp,
// validate(MqttSettings)) first.
import { useState } from "preact/hooks";

import { Choice, Field, Toggle } from "../../common/Field";
import type { Translator } from "../../common/i18n";
import { useSite } from "../context";
import { type Errors, FormActions, checkInteger, fieldId, useSaver } from "../form";
import type { Settings } from "../types";
import { Card, useFollowUp } from "./parts";

type Mqtt = Settings["mqtt"];
// Numbers are edited as typed and checked on Save.
type Draft = Omit<Mqtt, "port" | "interval_s" | "layout"> & { port: string; interval_s: string; layout: string };

const DEFAULTS: Mqtt = {
  enabled: false,
  host: "",
  port: 1883,
  username: "",
  password: "",
  interval_s: 60,
  layout: 2,
  prefix: "smart-maic/",
  control_enabled: false,
  on_phrase: "1",
  off_phrase: "0",
  discovery: true,
  discovery_prefix: "homeassistant",
  tls: false,
  ca_file: "",
};
const LAYOUTS = ["0", "1", "2"] as const;
const WILDCARDS = /[#+]/;
// After a save the service reconnects: followed until it settles.
const RECONNECT_SETTLE_MS = 1500;
const RECONNECT_LIMIT_S = 15;
const utf8 = new TextEncoder();
const bytes = (s: string) => utf8.encode(s).length; // the device counts bytes

function draftOf(m: Mqtt | undefined): Draft {
  const s = { ...DEFAULTS, ...m };
  // The device never sends the password back: the field starts empty.
  return { ...s, password: "", port: String(s.port), interval_s: String(s.interval_s), layout: String(s.layout) };
}

function check(d: Draft, tr: Translator): Errors {
  const e: Errors = {};
  if (d.host.includes(" ")) e["mqtt.host"] = tr.t("mqtt.host_spaces");
  else if (d.enabled && d.host === "") e["mqtt.host"] = tr.t("mqtt.host_needed");
  else if (bytes(d.host) > 253) e["mqtt.host"] = tr.t("mqtt.too_long", { max: 253 });
  checkInteger(e, "mqtt.port", d.port, 1, 65535, tr);
  if (bytes(d.username) > 128) e["mqtt.username"] = tr.t("mqtt.too_long", { max: 128 });
  if (bytes(d.password) > 128) e["mqtt.password"] = tr.t("mqtt.too_long", { max: 128 });
  checkInteger(e, "mqtt.interval_s", d.interval_s, 1, 86400, tr);
  if (bytes(d.prefix) > 64) e["mqtt.prefix"] = tr.t("mqtt.too_long", { max: 64 });
  else if (WILDCARDS.test(d.prefix)) e["mqtt.prefix"] = tr.t("mqtt.wildcards");
  for (const key of ["on_phrase", "off_phrase"] as const) {
    const n = bytes(d[key]);
    if (n < 1 || n > 15) e[`mqtt.${key}`] = tr.t("mqtt.phrase_length");
  }
  if (!e["mqtt.off_phrase"] && d.on_phrase === d.off_phrase) e["mqtt.off_phrase"] = tr.t("mqtt.phrases_differ");
  if (d.discovery_prefix === "" || WILDCARDS.test(d.discovery_prefix)) {
    e["mqtt.discovery_prefix"] = tr.t("mqtt.discovery_prefix_invalid");
  }
  return e;
}

function patchOf(d: Draft): Record<string, unknown> {
  const { password, ...rest } = d;
  const mqtt: Record<string, unknown> = {
    ...rest,
    port: Number(d.port),
    interval_s: Number(d.interval_s),
    layout: Number(d.layout),
  };
  // An empty password field keeps the saved one; without a user name there
  // is no log-in at all (manual §8), so a saved password is dropped.
  if (password !== "" || d.username === "") mqtt["password"] = password;
  return { mqtt };
}

export function MqttForm() {
  const { tr, settings, session } = useSite();
  const saver = useSaver();
  const follow = useFollowUp();
  const [d, setD] = useState<Draft>(() => draftOf(settings?.mqtt));
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setD((old) => ({ ...old, [key]: value }));
  const err = (key: string) => saver.errors[`mqtt.${key}`];
  const id = (key: string) => fieldId(`mqtt.${key}`);
  const topic = (name: string) => `${d.prefix}${session.devid}/${name}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (await saver.save(patchOf(d), check(d, tr))) {
      setD((old) => ({ ...old, password: "" }));
      follow.start((s, ms) => ms >= RECONNECT_SETTLE_MS && s.mqtt.state !== "connecting", RECONNECT_LIMIT_S);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <Card title={tr.t("mqtt.broker")} id="mqtt-broker">
        <Toggle id={id("enabled")} label={tr.t("mqtt.enabled")} checked={d.enabled} onChecked={set("enabled")} error={err("enabled")} />
        <div class="grid-2">
          <Field id={id("host")} label={tr.t("mqtt.host")} hint={tr.t("mqtt.host_hint")} autoComplete="off"
            value={d.host} onValue={set("host")} error={err("host")} />
          <Field id={id("port")} label={tr.t("mqtt.port")} hint={tr.t("mqtt.port_hint")} type="number" inputMode="numeric"
            min={1} max={65535} value={d.port} onValue={set("port")} error={err("port")} />
          <Field id={id("username")} label={tr.t("mqtt.username")} autoComplete="off"
            value={d.username} onValue={set("username")} error={err("username")} />
          <Field id={id("password")} label={tr.t("mqtt.password")} hint={tr.t("mqtt.password_hint")} type="password"
            autoComplete="new-password" value={d.password} onValue={set("password")} error={err("password")} />
        </div>
      </Card>

      <Card title={tr.t("mqtt.topics")} id="mqtt-topics">
        <div class="grid-2">
          <Field id={id("interval_s")} label={tr.t("mqtt.interval")} hint={tr.t("mqtt.interval_hint")} type="number"
            inputMode="numeric" min={1} max={86400} value={d.interval_s} onValue={set("interval_s")} error={err("interval_s")} />
          <Choice id={id("layout")} label={tr.t("mqtt.layout")} value={d.layout} onValue={set("layout")} error={err("layout")}
            options={LAYOUTS.map((l) => ({ value: l, label: tr.t(`mqtt.layout_${l}`) }))} />
        </div>
        <Field id={id("prefix")} label={tr.t("mqtt.prefix")} autoComplete="off" maxLength={64}
          hint={tr.t("mqtt.prefix_hint", { topic: topic(d.layout === "1" ? "JSON" : "W1") })}
          value={d.prefix} onValue={set("prefix")} error={err("prefix")} />
      </Card>

      <Card title={tr.t("mqtt.control")} id="mqtt-control">
        <Toggle id={id("control_enabled")} label={tr.t("mqtt.control_enabled")} checked={d.control_enabled}
          hint={tr.t("mqtt.control_hint", { topic: topic("SETOUT") })} onChecked={set("control_enabled")} error={err("control_enabled")} />
        <div class="grid-2">
          <Field id={id("on_phrase")} label={tr.t("mqtt.on_phrase")} hint={tr.t("mqtt.phrase_hint")} autoComplete="off"
            maxLength={15} value={d.on_phrase} onValue={set("on_phrase")} error={err("on_phrase")} />
          <Field id={id("off_phrase")} label={tr.t("mqtt.off_phrase")} hint={tr.t("mqtt.phrase_hint")} autoComplete="off"
            maxLength={15} value={d.off_phrase} onValue={set("off_phrase")} error={err("off_phrase")} />
        </div>
      </Card>

      <Card title={tr.t("mqtt.home_assistant")} id="mqtt-ha">
        <Toggle id={id("discovery")} label={tr.t("mqtt.discovery")} hint={tr.t("mqtt.discovery_hint")}
          checked={d.discovery} onChecked={set("discovery")} error={err("discovery")} />
        <Field id={id("discovery_prefix")} label={tr.t("mqtt.discovery_prefix")} hint={tr.t("mqtt.discovery_prefix_hint")}
          autoComplete="off" value={d.discovery_prefix} onValue={set("discovery_prefix")} error={err("discovery_prefix")} />
      </Card>

      <Card title={tr.t("mqtt.security")} id="mqtt-security">
        <Toggle id={id("tls")} label={tr.t("mqtt.tls")} hint={tr.t("mqtt.tls_hint")} checked={d.tls} onChecked={set("tls")} error={err("tls")} />
        <Field id={id("ca_file")} label={tr.t("mqtt.ca_file")} hint={tr.t("mqtt.ca_file_hint")} autoComplete="off"
          value={d.ca_file} onValue={set("ca_file")} error={err("ca_file")} />
      </Card>

      <FormActions saver={saver} />
    </form>
  );
}
