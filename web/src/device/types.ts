// The shapes of GET /api/v1/status and GET /api/v1/settings (docs/device.md,
// docs/automation.md). Settings are edited as the device sends them; a
// section saves its own members with one PATCH, which the device applies
// whole or not at all.

export type ServiceState = "disabled" | "connecting" | "connected" | "error" | "failed";

export type Condition = {
  enabled: boolean;
  operand: string;
  phases?: "any" | "all";
  compare: ">" | "<";
  value: number;
  action: "on" | "off" | "email";
  filter?: number;
  window?: { from: string; to: string } | null;
  hysteresis?: number;
};
export type WeeklyEntry = { day: string; time: string; on: boolean };
export type OneOffEntry = { date: string; time: string; on: boolean };

export type Settings = {
  pin: string; // never sent back: always ""
  language: string; // the manual's code
  led: boolean;
  timezone: string;
  temperature_unit?: "C" | "F";
  wifi_type?: "b" | "g" | "n";
  mqtt: {
    enabled: boolean;
    host: string;
    port: number;
    username: string;
    password: string;
    interval_s: number;
    layout: number;
    prefix: string;
    control_enabled: boolean;
    on_phrase: string;
    off_phrase: string;
    discovery: boolean;
    discovery_prefix: string;
    tls: boolean;
    ca_file: string;
  };
  server: { url: string };
  automation: {
    delay_s: number;
    conditions: Condition[];
    schedule: { weekly: WeeklyEntry[]; one_off: OneOffEntry[] };
  };
  notify: {
    enabled: boolean;
    on_condition: boolean;
    on_output: boolean;
    on_phase: boolean;
    on_restart: boolean;
    on_server: boolean;
    on_mqtt: boolean;
    phase_lost_v: number;
    phase_filter_s: number;
    server_unreachable_min: number;
    rate_limit_min: number;
    daily_cap: number;
  };
  smtp: {
    host: string;
    port: number;
    security: "none" | "starttls" | "tls";
    username: string;
    password: string;
    sender: string;
    recipients: string[];
    ca_file: string;
    verify_peer: boolean;
  };
};

export type ConditionState = {
  number: number;
  enabled: boolean;
  checked: boolean;
  in_range: boolean;
  fulfilled: boolean;
  last_action: string | null;
};
export type Firing = { at: number; on: boolean; list: string; index: number };

export type DeviceStatus = {
  devid: string;
  devtype: string;
  firmware: string;
  language: string;
  uptime_s: number;
  address: string;
  led: boolean;
  led_pattern?: "off" | "fast" | "slow" | "steady";
  source: { description: string; error: string };
  output: { on: boolean; driver: string };
  mqtt: { state: ServiceState; error: string; published: number };
  journal: { records: number; newest_seq: number };
  server: { state: ServiceState; last_success: number; backlog: number; error: string };
  clock?: { time: number; source: string; corrected_at: number };
  network?: {
    state: "disconnected" | "connecting" | "connected";
    ssid: string | null;
    address: string | null;
    signal_dbm: number | null;
    access_point: string | null;
    error: string;
    networks: { ssid: string; signal_dbm: number; secured: boolean }[] | null;
    connect: { ssid: string; result: string | null; message: string } | null;
  };
  notifications: {
    state: ServiceState;
    error: string;
    queued: number;
    sent: number;
    refused: { rate_limit: number; daily_cap: number; full: number };
    last_sent: number;
  };
  automation?: {
    active: boolean;
    in_delay: boolean;
    delay_ends: number;
    held: Firing | null;
    next: Firing | null;
    last_switch: { at: number; on: boolean; cause: string; condition?: number } | null;
    switches: number;
    conditions: ConditionState[];
  };
};
