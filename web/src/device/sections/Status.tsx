// Status (manual §4: "look at and copy the device ID"): who the device is,
// how it is connected, and its clock. Everything from GET /api/v1/status.
import { useState } from "preact/hooks";

import { useSite } from "../context";
import { Card, Fact, Facts, StateBadge, uptime, when } from "./parts";

export function StatusSection() {
  const { tr, status } = useSite();
  const [copied, setCopied] = useState(false);
  if (!status) return null;
  const net = status.network;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(status.devid);
      setCopied(true);
    } catch {
      // No clipboard (plain http on some browsers): select the text instead.
      const dd = document.getElementById("status-devid");
      if (dd) getSelection()?.selectAllChildren(dd);
    }
  };

  return (
    <>
      <Card title={tr.t("status.device")} id="status-device">
        <Facts>
          <Fact name={tr.t("status.devid")}>
            <span id="status-devid" class="devid-value">
              {status.devid}
            </span>{" "}
            <button type="button" class="quiet small" onClick={copy}>
              {copied ? tr.t("status.copied") : tr.t("status.copy")}
            </button>
          </Fact>
          <Fact name={tr.t("status.type")}>{status.devtype}</Fact>
          <Fact name={tr.t("status.firmware")}>{status.firmware}</Fact>
          <Fact name={tr.t("status.uptime")}>{uptime(tr, status.uptime_s)}</Fact>
          <Fact name={tr.t("status.source")}>
            {status.source.description}
            {status.source.error && <span class="field-error"> {status.source.error}</span>}
          </Fact>
        </Facts>
      </Card>
      <Card title={tr.t("status.network")} id="status-network">
        <Facts>
          <Fact name={tr.t("status.address")}>{net?.address ?? status.address}</Fact>
          <Fact name={tr.t("status.wifi")}>
            {net && net.state === "connected" && net.ssid
              ? tr.t("status.wifi_connected", { ssid: net.ssid, dbm: net.signal_dbm ?? 0 })
              : tr.t(`wifi.link_${net?.state ?? "disconnected"}`)}
          </Fact>
          {net?.access_point && <Fact name={tr.t("status.access_point")}>{net.access_point}</Fact>}
          <Fact name={tr.t("status.led")}>{tr.t(`led.${status.led_pattern ?? (status.led ? "steady" : "off")}`)}</Fact>
        </Facts>
      </Card>
      <Card title={tr.t("status.services")} id="status-services">
        <Facts>
          <Fact name={tr.t("nav.server")}>
            <StateBadge state={status.server.state} tr={tr} />{" "}
            {tr.t("status.server_detail", { last: when(tr, status.server.last_success), backlog: status.server.backlog })}
          </Fact>
          <Fact name={tr.t("nav.mqtt")}>
            <StateBadge state={status.mqtt.state} tr={tr} />
            {status.mqtt.error && <span class="muted"> {status.mqtt.error}</span>}
          </Fact>
          <Fact name={tr.t("nav.output")}>
            <span class={`badge ${status.output.on ? "ok" : "neutral"}`}>
              {status.output.on ? tr.t("output.on") : tr.t("output.off")}
            </span>
          </Fact>
        </Facts>
      </Card>
      <Card title={tr.t("status.clock")} id="status-clock">
        <Facts>
          <Fact name={tr.t("status.time")}>
            {tr.dateTime(status.clock?.time ?? Date.now() / 1000, undefined)}
          </Fact>
          <Fact name={tr.t("status.clock_source")}>
            {tr.t(`clock.${status.clock?.source ?? "rtc"}`)}
            {status.clock && status.clock.corrected_at > 0 && (
              <span class="muted"> · {tr.t("status.clock_corrected", { when: when(tr, status.clock.corrected_at) })}</span>
            )}
          </Fact>
        </Facts>
      </Card>
    </>
  );
}
