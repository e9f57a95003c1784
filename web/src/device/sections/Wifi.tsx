// WiFi and Network (manual §3, "Connecting to a wireless network"): the
// current link and its address, the networks in reach ("Refresh"), the
// "Connect" form, and the WiFi type of the manual's tips. The radio's work
// is done by the device's life-cycle loop (docs/lifecycle.md); the site
// asks for it and reads the outcome in the status.
import { useState } from "preact/hooks";

import { Choice } from "../../common/Field";
import { useSite } from "../context";
import { FormActions, fieldId, useSaver } from "../form";
import type { Settings } from "../types";
import { Card, Fact, Facts } from "./parts";
import { WifiConnect } from "./WifiConnect";
import { WifiNetworks } from "./WifiNetworks";
import { Signal, WeakSignalAdvice, isWeak } from "./WifiSignal";

type WifiType = NonNullable<Settings["wifi_type"]>;
const WIFI_TYPES: readonly WifiType[] = ["b", "g", "n"];

function CurrentLink() {
  const { tr, status } = useSite();
  const net = status?.network;
  if (!status) return null;
  if (!net) {
    // A device without a radio (no life-cycle loop): only its web address.
    return (
      <Facts>
        <Fact name={tr.t("status.address")}>{status.address}</Fact>
      </Facts>
    );
  }
  const tone = net.state === "connected" ? "ok" : net.state === "connecting" ? "busy" : "neutral";
  return (
    <>
      <Facts>
        <Fact name={tr.t("wifi.state")}>
          <span class={`badge ${tone}`}>{tr.t(`wifi.link_${net.state}`)}</span>
        </Fact>
        {net.ssid && <Fact name={tr.t("wifi.network")}>{net.ssid}</Fact>}
        <Fact name={tr.t("status.address")}>
          {net.address ? <strong class="devid-value">{net.address}</strong> : <span class="muted">{tr.t("wifi.no_address")}</span>}
        </Fact>
        {net.signal_dbm !== null && (
          <Fact name={tr.t("wifi.signal_label")}>
            <Signal dbm={net.signal_dbm} tr={tr} />
          </Fact>
        )}
        <Fact name={tr.t("status.access_point")}>
          {net.access_point ? tr.t("wifi.ap_open", { name: net.access_point }) : tr.t("wifi.ap_closed")}
        </Fact>
        {net.error && (
          <Fact name={tr.t("wifi.error")}>
            {net.error}
          </Fact>
        )}
      </Facts>
      {net.ssid && isWeak(net.signal_dbm) && <WeakSignalAdvice tr={tr} ssid={net.ssid} />}
    </>
  );
}

function WifiTypeForm() {
  const { tr, settings } = useSite();
  const saver = useSaver();
  const [type, setType] = useState<WifiType>(settings?.wifi_type ?? "n");

  const submit = async (e: Event) => {
    e.preventDefault();
    await saver.save({ wifi_type: type });
  };

  return (
    <form onSubmit={submit} noValidate>
      <Choice
        id={fieldId("wifi_type")}
        label={tr.t("wifi.type")}
        hint={tr.t("wifi.type_hint")}
        value={type}
        onValue={(v) => setType(WIFI_TYPES.find((t) => t === v) ?? "n")}
        options={WIFI_TYPES.map((t) => ({ value: t, label: tr.t(`wifi.type_${t}`) }))}
        error={saver.errors["wifi_type"]}
      />
      <FormActions saver={saver} />
    </form>
  );
}

export function WifiSection() {
  const { tr } = useSite();
  // The network chosen in the list fills the form's name.
  const [ssid, setSsid] = useState("");
  const [password, setPassword] = useState("");

  const choose = (name: string) => {
    setSsid(name);
    setPassword("");
    // Next, the person types the password: take them there.
    requestAnimationFrame(() => document.getElementById(fieldId("password"))?.focus());
  };

  return (
    <>
      <Card title={tr.t("wifi.current")} id="wifi-current">
        <CurrentLink />
      </Card>
      <Card title={tr.t("wifi.networks")} id="wifi-networks">
        <WifiNetworks chosen={ssid} onChoose={choose} />
      </Card>
      <Card title={tr.t("wifi.connect_title")} id="wifi-connect">
        <WifiConnect ssid={ssid} onSsid={setSsid} password={password} onPassword={setPassword} />
      </Card>
      <Card title={tr.t("wifi.type_title")} id="wifi-type">
        <WifiTypeForm />
      </Card>
    </>
  );
}
