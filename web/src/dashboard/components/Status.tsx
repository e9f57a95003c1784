// The states of anything asynchronous: loading, and a message announced to
// screen readers when it appears (the live region exists before its text).
export function Loading({ label }: { label: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export type Message = { kind: "error" | "success"; text: string } | null;

export function Notice({ message, id }: { message: Message; id?: string }) {
  return (
    <div id={id} class={message ? `notice notice-${message.kind}` : "notice-empty"} role="status" aria-live="polite">
      {message?.text}
    </div>
  );
}
