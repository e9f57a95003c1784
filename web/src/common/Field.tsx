// A labelled input; a hint, when given, is read with it.
type Props = {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  hint?: string | undefined;
  type?: "text" | "email" | "password";
  autoComplete?: string;
  inputMode?: "text" | "numeric" | "email";
  required?: boolean;
  minLength?: number | undefined;
  maxLength?: number;
};

export function Field({ id, label, value, onValue, hint, type = "text", ...rest }: Props) {
  return (
    <div class="field">
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
        aria-describedby={hint ? `${id}-hint` : undefined}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
