// The site's sections, in the manual's order and with its names (§2–§9).
import type { FunctionComponent } from "preact";

import { CalibrationSection } from "./Calibration";
import { ConditionsSection } from "./Conditions";
import { ConfigurationSection } from "./Configuration";
import { DataSection } from "./Data";
import { MqttSection } from "./Mqtt";
import { NotificationsSection } from "./Notifications";
import { OutputSection } from "./Output";
import { ServerSection } from "./Server";
import { StatusSection } from "./Status";
import { WifiSection } from "./Wifi";

export type Section = { id: string; title: string; component: FunctionComponent };

// `title` is the catalogue key of the section's name.
export const SECTIONS: readonly Section[] = [
  { id: "status", title: "nav.status", component: StatusSection },
  { id: "data", title: "nav.data", component: DataSection },
  { id: "wifi", title: "nav.wifi", component: WifiSection },
  { id: "configuration", title: "nav.configuration", component: ConfigurationSection },
  { id: "server", title: "nav.server", component: ServerSection },
  { id: "mqtt", title: "nav.mqtt", component: MqttSection },
  { id: "conditions", title: "nav.conditions", component: ConditionsSection },
  { id: "notifications", title: "nav.notifications", component: NotificationsSection },
  { id: "output", title: "nav.output", component: OutputSection },
  // Beyond the manual: guided calibration (for waveform sources).
  { id: "calibration", title: "nav.calibration", component: CalibrationSection },
];

export function sectionOf(hash: string): Section {
  const id = hash.replace(/^#\/?/, "");
  return SECTIONS.find((s) => s.id === id) ?? (SECTIONS[0] as Section);
}
