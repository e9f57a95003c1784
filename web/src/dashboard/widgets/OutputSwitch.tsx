// The output: its state, a switch with confirmation, and "waiting" until
// the device acknowledges (docs/api.md, "Switching the output remotely").
import { useEffect, useState } from "preact/hooks";

import { api, type Output } from "../api";
import { Notice, type Message } from "../components/Status";
import { useApp } from "../context";
import { usePolled } from "../usePolled";
import { useView, type WidgetProps } from "./common";
import { useDrawn } from "./ready";

export function OutputSwitch({ widget }: WidgetProps) {
  const { tr } = useApp();
  const { device, reloadDevice } = useView();
  // Asked for its new state every second while a command waits.
  const [wanted, setWanted] = useState<boolean | null>(null);
  const output = usePolled<Output>(() => api.output(device.devid), wanted === null ? 15 : 1, [device.devid]);
  const [message, setMessage] = useState<Message>(null);
  const state = output.data;
  useDrawn(widget.id, state !== undefined || output.error !== null);
  const pending = wanted !== null;

  useEffect(() => {
    if (wanted === null || !state) return;
    if (state.pending.length === 0 && state.on === wanted) {
      setWanted(null);
      setMessage({ kind: "success", text: tr.t(wanted ? "output.isOn" : "output.isOff") });
      reloadDevice();
    }
  }, [state, wanted]);

  const toggle = async () => {
    if (!state) return;
    const next = !state.on;
    if (!window.confirm(tr.t(next ? "output.confirmOn" : "output.confirmOff"))) return;
    setMessage(null);
    try {
      await api.switchOutput(device.devid, next);
      setWanted(next);
      output.reload();
    } catch {
      setMessage({ kind: "error", text: tr.t("error.generic") });
    }
  };

  if (!state) return <p class="muted">{output.error ? tr.t("error.load") : tr.t("status.loading")}</p>;
  return (
    <div class="output">
      <p class="output-state" data-state={pending ? "pending" : state.on ? "on" : "off"}>
        <span class={state.on ? "pill pill-on" : "pill pill-off"}>
          {state.on ? tr.t("output.on") : tr.t("output.off")}
        </span>
        {pending && (
          <span class="output-pending">
            <span class="spinner" aria-hidden="true" /> {tr.t("output.pending")}
          </span>
        )}
      </p>
      <button type="button" class="button switch-button" onClick={toggle} disabled={pending || !state.online}
        aria-describedby={state.online ? undefined : "output-offline"}>
        {state.on ? tr.t("output.turnOff") : tr.t("output.turnOn")}
      </button>
      {!state.online && <p class="hint" id="output-offline">{tr.t("output.offline")}</p>}
      <Notice message={message} id="output-message" />
    </div>
  );
}
