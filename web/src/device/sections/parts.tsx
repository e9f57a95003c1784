// Pieces the sections share: a list of facts, a service's state as a
// badge, times as a person reads them.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

import type { Translator } from "../../common/i18n";
import { useSite } from "../context";
import type { DeviceStatus, ServiceState } from "../types";

export function Facts({ children, label }: { children: ComponentChildren; label?: string }) {
  return (
    <dl class="facts" aria-label={label}>
      {children}
    </dl>
  );
}

export function Fact({ name, children, id }: { name: string; children: ComponentChildren; id?: string }) {
  return (
    <div class="fact">
      <dt>{name}</dt>
      <dd id={id}>{children}</dd>
    </div>
  );
}

// A service's state in words, coloured by what it means (and never by
// colour alone: the words say it).
export function StateBadge({ state, tr }: { state: ServiceState; tr: Translator }) {
  const tone = state === "connected" ? "ok" : state === "disabled" ? "neutral" : state === "connecting" ? "busy" : "bad";
  return (
    <span class={`badge ${tone}`} data-state={state}>
      {tr.t(`state.${state}`)}
    </span>
  );
}

// "30 Nov 2026, 14:05 (3 minutes ago)"; "never" for 0.
export function when(tr: Translator, unix: number, nowUnix = Date.now() / 1000): string {
  if (!unix) return tr.t("time.never");
  return `${tr.dateTime(unix, undefined)} (${tr.ago(nowUnix - unix)})`;
}

// "2 d 3 h 4 min": an uptime.
export function uptime(tr: Translator, seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  return tr.t("time.uptime", { d, h, m });
}

export function Card({ title, children, id }: { title?: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" aria-labelledby={title && id ? `${id}-title` : undefined}>
      {title && <h2 id={id ? `${id}-title` : undefined}>{title}</h2>}
      {children}
    </section>
  );
}

// A button whose action needs a second, explicit yes: the question and the
// two answers appear in its place (no browser dialog, so it reads and
// tabs like the rest of the page).
export function ConfirmButton(props: {
  tr: Translator;
  label: string;
  question: string;
  yes: string;
  onConfirm: () => void | Promise<void>;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class={props.danger ? "danger" : ""} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <div class="confirm" role="group" aria-label={props.label}>
      <p>{props.question}</p>
      <button
        type="button"
        class={props.danger ? "danger" : "primary"}
        ref={(b) => b?.focus()}
        onClick={async () => {
          setAsking(false);
          await props.onConfirm();
        }}
      >
        {props.yes}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        {props.tr.t("form.cancel")}
      </button>
    </div>
  );
}

const FOLLOW_UP_MS = 1000;

export type FollowUp = {
  // "waiting" until `done` finds the outcome in the status, "timeout" when
  // `limitS` seconds passed first.
  state: "idle" | "waiting" | "done" | "timeout";
  start: (done: (status: DeviceStatus, elapsedMs: number) => boolean, limitS: number) => void;
};

// After an action whose outcome the device reports in its status a moment
// later (a WiFi scan or connection, the data server's check, a new MQTT
// broker): the status is asked for every second instead of every 5 s, until
// the outcome is there. Used by the WiFi, Data Server and MQTT sections.
export function useFollowUp(): FollowUp {
  const { status, refreshStatus } = useSite();
  const [watch, setWatch] = useState<{ done: (s: DeviceStatus, ms: number) => boolean; from: number; limitMs: number } | null>(null);
  const [state, setState] = useState<FollowUp["state"]>("idle");

  useEffect(() => {
    if (!watch) return;
    const timer = setInterval(() => {
      if (Date.now() - watch.from > watch.limitMs) {
        setWatch(null);
        setState("timeout");
      } else {
        refreshStatus();
      }
    }, FOLLOW_UP_MS);
    return () => clearInterval(timer);
  }, [watch, refreshStatus]);

  useEffect(() => {
    if (watch && status && watch.done(status, Date.now() - watch.from)) {
      setWatch(null);
      setState("done");
    }
  }, [watch, status]);

  return {
    state,
    start: (done, limitS) => {
      setState("waiting");
      setWatch({ done, from: Date.now(), limitMs: limitS * 1000 });
      refreshStatus();
    },
  };
}
