// A section's form: a draft of its settings, checks in the browser before
// anything is sent, then one PATCH that the device applies whole or not at
// all. A refusal is shown beside the field the device's message names
// ("mqtt.port: must be 1..65535"), or above the buttons when it names none.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

import { ApiError, fieldOf } from "./api";
import { useSite } from "./context";

export type Errors = Record<string, string>;

// The DOM id of a settings path: "mqtt.port" -> "f-mqtt-port".
export function fieldId(path: string): string {
  return `f-${path.replace(/[.[\]]+/g, "-").replace(/-$/, "")}`;
}

type SaveState = "idle" | "saving" | "saved" | "failed";

export type Saver = {
  state: SaveState;
  errors: Errors;
  message: string;
  // Sends `patch` unless `check` found errors; true when saved.
  save: (patch: Record<string, unknown>, check?: Errors) => Promise<boolean>;
  // Runs any action with the same reporting (a test mail, a check).
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
};

function focusFirst(errors: Errors): void {
  const first = Object.keys(errors)[0];
  if (first === undefined) return;
  // After the render that shows the messages.
  requestAnimationFrame(() => document.getElementById(fieldId(first))?.focus());
}

export function useSaver(): Saver {
  const { saveSettings } = useSite();
  const [state, setState] = useState<SaveState>("idle");
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState("");

  const fail = (e: unknown) => {
    // Beside the field it names, when this form shows that field; else
    // the whole message above the buttons, so that none is lost.
    if (e instanceof ApiError && e.field && document.getElementById(fieldId(e.field))) {
      const next = { [e.field]: fieldOf(e.message).text };
      setErrors(next);
      setMessage("");
      focusFirst(next);
    } else {
      setErrors({});
      setMessage(e instanceof Error ? e.message : String(e));
    }
    setState("failed");
  };

  const run = async (action: () => Promise<unknown>) => {
    setState("saving");
    setMessage("");
    try {
      await action();
      setErrors({});
      setState("saved");
      return true;
    } catch (e) {
      fail(e);
      return false;
    }
  };

  return {
    state,
    errors,
    message,
    clear: () => {
      setErrors({});
      setMessage("");
      setState("idle");
    },
    run,
    save: async (patch, check = {}) => {
      if (Object.keys(check).length > 0) {
        setErrors(check);
        setMessage("");
        setState("failed");
        focusFirst(check);
        return false;
      }
      return run(() => saveSettings(patch));
    },
  };
}

// The buttons row of a form and what became of the last save.
export function FormActions({ saver, label, children }: { saver: Saver; label?: string; children?: ComponentChildren }) {
  const { tr } = useSite();
  const invalid = Object.keys(saver.errors).length;
  return (
    <div class="form-actions">
      <button type="submit" class="primary" disabled={saver.state === "saving"}>
        {saver.state === "saving" ? tr.t("form.saving") : (label ?? tr.t("form.save"))}
      </button>
      {children}
      <p class={`form-result ${saver.state}`} role="status" aria-live="polite">
        {saver.state === "saved" && tr.t("form.saved")}
        {saver.state === "failed" && (saver.message || tr.t("form.invalid", { count: invalid }))}
      </p>
    </div>
  );
}

// Number checks shared by the sections: an integer in [min, max].
export function checkInteger(errors: Errors, path: string, text: string, min: number, max: number, tr: { t: (k: string, p?: Record<string, string | number>) => string }): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    errors[path] = tr.t("form.integer_range", { min, max });
  }
  return n;
}
