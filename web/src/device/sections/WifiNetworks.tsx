// The networks in reach (manual §3: "select your network name from the list
// of wireless networks ... If there is no name of your network in the list,
// refresh the list by clicking the Refresh button").
import { api } from "../api";
import { useSite } from "../context";
import { useSaver } from "../form";
import { useFollowUp } from "./parts";
import { Signal } from "./WifiSignal";

// The life-cycle loop scans within a second or two; the status has no time
// of the scan, so the list is trusted after this long (or when it first
// appears), and a radio that says nothing for SCAN_LIMIT_S is reported.
const SCAN_SETTLE_MS = 2000;
const SCAN_LIMIT_S = 15;

export function WifiNetworks({ chosen, onChoose }: { chosen: string; onChoose: (ssid: string) => void }) {
  const { tr, status } = useSite();
  const saver = useSaver();
  const scan = useFollowUp();
  const net = status?.network;
  const networks = net?.networks ?? null;

  const refresh = async () => {
    const before = networks;
    if (await saver.run(() => api.post("api/v1/wifi/scan"))) {
      scan.start((s, ms) => {
        const found = s.network?.networks ?? null;
        return found !== null && (before === null || ms >= SCAN_SETTLE_MS);
      }, SCAN_LIMIT_S);
    }
  };
  const scanning = saver.state === "saving" || scan.state === "waiting";

  return (
    <>
      <div class="button-row">
        <button type="button" onClick={refresh} disabled={scanning} aria-describedby="wifi-scan-result">
          {tr.t("wifi.refresh")}
        </button>
        <p id="wifi-scan-result" class={`form-result ${saver.state === "failed" ? "failed" : ""}`} role="status" aria-live="polite">
          {scanning && tr.t("wifi.scanning")}
          {saver.state === "failed" && saver.message}
          {scan.state === "timeout" && (net?.error || tr.t("wifi.scan_timeout"))}
          {scan.state === "done" && networks && tr.t("wifi.found", { count: networks.length })}
        </p>
      </div>
      {networks === null ? (
        <p class="muted">{tr.t("wifi.not_scanned")}</p>
      ) : networks.length === 0 ? (
        <p class="muted">{tr.t("wifi.none_found")}</p>
      ) : (
        // Rows that wrap (the details under the name on a phone) rather than
        // a table that scrolls sideways; a list for a screen reader.
        <>
        <p class="hint" id="wifi-choose-hint">{tr.t("wifi.choose_hint")}</p>
        <div role="list" aria-label={tr.t("wifi.networks_caption")} aria-describedby="wifi-choose-hint">
          {networks.map((n) => (
            <div role="listitem" class="button-row" key={n.ssid}>
              <button
                type="button"
                class={n.ssid === chosen ? "primary" : ""}
                aria-pressed={n.ssid === chosen}
                aria-label={tr.t("wifi.choose", { ssid: n.ssid })}
                onClick={() => onChoose(n.ssid)}
              >
                {n.ssid}
              </button>
              <span>
                <Signal dbm={n.signal_dbm} tr={tr} /> · {n.secured ? tr.t("wifi.secured") : tr.t("wifi.open")}
              </span>
            </div>
          ))}
        </div>
        </>
      )}
    </>
  );
}
