// Configuration (manual §4): the site's language, the PIN, the LED, the
// time zone, the temperature unit, and the Reset button's two functions
// (manual §6) as buttons.
import { useState } from "preact/hooks";

import { Choice, Field, Toggle } from "../../common/Field";
import { LANGUAGES } from "../../common/i18n";
import { api } from "../api";
import { useSite } from "../context";
import { type Errors, FormActions, fieldId, useSaver } from "../form";
import { manualOfTag, tagOfManual } from "../prefs";
import { Card, ConfirmButton } from "./parts";

const FACTORY_PIN = "0000";
const PIN = /^[0-9]{1,10}$/; // manual §4: digits, at most 10

function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (what: string) => string[] };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

function GeneralForm() {
  const { tr, settings, setLanguage } = useSite();
  const saver = useSaver();
  const [language, setLanguageDraft] = useState(tagOfManual(settings?.language) ?? "en");
  const [led, setLed] = useState(settings?.led ?? true);
  const [zone, setZone] = useState(settings?.timezone ?? "UTC");
  const [unit, setUnit] = useState(settings?.temperature_unit ?? "C");

  const submit = async (e: Event) => {
    e.preventDefault();
    const patch: Record<string, unknown> = { led, timezone: zone, temperature_unit: unit };
    if (await saver.save(patch)) {
      if (manualOfTag(language) !== settings?.language || tr.tag !== language) await setLanguage(language);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <Choice
        id={fieldId("language")}
        label={tr.t("config.language")}
        value={language}
        onValue={setLanguageDraft}
        options={LANGUAGES.map((l) => ({ value: l.tag, label: l.name }))}
        error={saver.errors["language"]}
      />
      <Choice
        id={fieldId("timezone")}
        label={tr.t("config.timezone")}
        value={zone}
        onValue={setZone}
        options={timeZones().map((z) => ({ value: z, label: z.replace(/_/g, " ") }))}
        error={saver.errors["timezone"]}
      />
      <Choice
        id={fieldId("temperature_unit")}
        label={tr.t("config.temperature_unit")}
        hint={tr.t("config.temperature_unit_hint")}
        value={unit}
        onValue={(v) => setUnit(v === "F" ? "F" : "C")}
        options={[
          { value: "C", label: tr.t("config.celsius") },
          { value: "F", label: tr.t("config.fahrenheit") },
        ]}
        error={saver.errors["temperature_unit"]}
      />
      <Toggle
        id={fieldId("led")}
        label={tr.t("config.led")}
        hint={tr.t("config.led_hint")}
        checked={led}
        onChecked={setLed}
        error={saver.errors["led"]}
      />
      <FormActions saver={saver} />
    </form>
  );
}

function PinForm() {
  const { tr, session } = useSite();
  const saver = useSaver();
  const [pin, setPin] = useState("");
  const [again, setAgain] = useState("");

  const submit = async (e: Event) => {
    e.preventDefault();
    const errors: Errors = {};
    if (!PIN.test(pin)) errors["pin"] = tr.t("config.pin_invalid");
    else if (pin === FACTORY_PIN) errors["pin"] = tr.t("config.pin_factory");
    else if (pin !== again) errors["pin_again"] = tr.t("config.pin_mismatch");
    // The device ends every session when the PIN changes: log in again.
    if (await saver.save({ pin }, errors)) location.replace("./?login=changed");
  };

  return (
    <form onSubmit={submit} noValidate>
      {session.factory_pin && (
        <p class="banner warning" id="pin-warning">
          {tr.t("shell.factory_pin")}
        </p>
      )}
      <Field
        id={fieldId("pin")}
        label={tr.t("config.pin_new")}
        hint={tr.t("config.pin_hint")}
        type="password"
        inputMode="numeric"
        autoComplete="new-password"
        maxLength={10}
        value={pin}
        onValue={setPin}
        error={saver.errors["pin"]}
      />
      <Field
        id={fieldId("pin_again")}
        label={tr.t("config.pin_again")}
        type="password"
        inputMode="numeric"
        autoComplete="new-password"
        maxLength={10}
        value={again}
        onValue={setAgain}
        error={saver.errors["pin_again"]}
      />
      <FormActions saver={saver} label={tr.t("config.pin_change")} />
    </form>
  );
}

function ResetButtons() {
  const { tr } = useSite();
  const saver = useSaver();
  return (
    <div class="button-row">
      <ConfirmButton
        tr={tr}
        label={tr.t("config.reboot")}
        question={tr.t("config.reboot_question")}
        yes={tr.t("config.reboot_yes")}
        onConfirm={() => void saver.run(() => api.post("api/v1/reboot"))}
      />
      <ConfirmButton
        tr={tr}
        danger
        label={tr.t("config.factory_reset")}
        question={tr.t("config.factory_reset_question")}
        yes={tr.t("config.factory_reset_yes")}
        onConfirm={async () => {
          // The device ends every session: the log-in page, PIN 0000.
          if (await saver.run(() => api.post("api/v1/factory-reset"))) location.replace("./?login=reset");
        }}
      />
      <p class={`form-result ${saver.state}`} role="status" aria-live="polite">
        {saver.state === "saved" && tr.t("config.reboot_done")}
        {saver.state === "failed" && saver.message}
      </p>
    </div>
  );
}

export function ConfigurationSection() {
  const { tr } = useSite();
  return (
    <>
      <Card title={tr.t("config.general")} id="config-general">
        <GeneralForm />
      </Card>
      <Card title={tr.t("config.pin")} id="config-pin">
        <PinForm />
      </Card>
      <Card title={tr.t("config.reset")} id="config-reset">
        <ResetButtons />
      </Card>
    </>
  );
}
