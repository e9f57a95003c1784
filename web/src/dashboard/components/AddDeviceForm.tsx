// Adding a device by name, ID and PIN (manual §12), with a message for
// each refusal the API gives.
import { useState } from "preact/hooks";

import { api, ApiError, type Device } from "../api";
import { useApp } from "../context";
import { addRefusal, checkAdd } from "../devices";
import { Field } from "../../common/Field";
import { Notice, type Message } from "./Status";

export function AddDeviceForm({ onAdded }: { onAdded: (d: Device) => void }) {
  const { tr } = useApp();
  const [name, setName] = useState("");
  const [devid, setDevid] = useState("");
  const [pin, setPin] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = checkAdd(name, devid, pin);
    if (problem) {
      setMessage({ kind: "error", text: tr.t(`add.refused.${problem}`) });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const device = await api.addDevice(name.trim(), devid, pin);
      setMessage({ kind: "success", text: tr.t("add.added", { name: device.name }) });
      setName("");
      setDevid("");
      setPin("");
      onAdded(device);
    } catch (err) {
      const why = err instanceof ApiError ? addRefusal(err.status, err.message, pin) : "failed";
      setMessage({ kind: "error", text: tr.t(`add.refused.${why}`, { id: devid }) });
    }
    setBusy(false);
  };

  return (
    <section class="card add-device" aria-labelledby="add-title">
      <h2 id="add-title">{tr.t("add.title")}</h2>
      <p class="muted">{tr.t("add.lead")}</p>
      <form onSubmit={submit}>
        <Field id="add-name" label={tr.t("add.name")} required maxLength={64} value={name}
          onValue={(v) => setName(v)} />
        <Field id="add-id" label={tr.t("add.id")} hint={tr.t("add.idHint")} required inputMode="numeric"
          autoComplete="off" value={devid} onValue={(v) => setDevid(v.trim())} />
        <Field id="add-pin" label={tr.t("add.pin")} hint={tr.t("add.pinHint")} required inputMode="numeric"
          autoComplete="off" value={pin} onValue={(v) => setPin(v.trim())} />
        <Notice message={message} id="add-message" />
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? tr.t("status.working") : tr.t("add.submit")}
        </button>
      </form>
    </section>
  );
}
