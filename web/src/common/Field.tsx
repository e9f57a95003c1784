// Labelled form controls. A hint and an error, when given, are read with
// the control (aria-describedby); an error also marks it invalid, so a
// screen reader says why a save was refused beside the field it names.
import type { ComponentChildren } from "preact";

type Common = {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
};

function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function Notes({ id, hint, error }: { id: string; hint?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

type FieldProps = Common & {
  value: string;
  onValue: (value: string) => void;
  type?: "text" | "email" | "password" | "number" | "url" | "time" | "date";
  autoComplete?: string;
  inputMode?: "text" | "numeric" | "decimal" | "email" | "url";
  required?: boolean;
  minLength?: number | undefined;
  maxLength?: number;
  min?: number | string;
  max?: number | string;
  step?: number | string;
  placeholder?: string;
  class?: string;
};

export function Field({ id, label, value, onValue, hint, error, type = "text", ...rest }: FieldProps) {
  return (
    <div class={`field${error ? " invalid" : ""}${rest.class ? ` ${rest.class}` : ""}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        // preact types <input> by a union over `type`; ours are all text-like.
        type={type as "text"}
        value={value}
        autoComplete={rest.autoComplete}
        inputMode={rest.inputMode}
        required={rest.required}
        minLength={rest.minLength}
        maxLength={rest.maxLength}
        min={rest.min}
        max={rest.max}
        step={rest.step}
        placeholder={rest.placeholder}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
      <Notes id={id} hint={hint} error={error} />
    </div>
  );
}

type ToggleProps = Common & { checked: boolean; onChecked: (checked: boolean) => void };

// A switch-like checkbox: the label beside it, as a person reads a setting.
export function Toggle({ id, label, checked, onChecked, hint, error }: ToggleProps) {
  return (
    <div class={`field toggle${error ? " invalid" : ""}`}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(e) => onChecked(e.currentTarget.checked)}
      />
      <label for={id}>{label}</label>
      <Notes id={id} hint={hint} error={error} />
    </div>
  );
}

type ChoiceProps = Common & {
  value: string;
  onValue: (value: string) => void;
  options: readonly { value: string; label: string }[];
  children?: ComponentChildren;
};

export function Choice({ id, label, value, onValue, options, hint, error }: ChoiceProps) {
  return (
    <div class={`field${error ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, hint, error)}
        onChange={(e) => onValue(e.currentTarget.value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Notes id={id} hint={hint} error={error} />
    </div>
  );
}
