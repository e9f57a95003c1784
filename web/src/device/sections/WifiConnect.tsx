// "Connect" (manual §3): the network's name and password go to the device,
// whose life-cycle loop joins the network (seconds; NetworkManager may take
// most of a minute). The outcome, and the new address the person must read
// before leaving the access point, come from the status.
import { Field } from "../../common/Field";
import type { Translator } from "../../common/i18n";
import { api } from "../api";
import { useSite } from "../context";
import { type Errors, fieldId, useSaver } from "../form";
import type { DeviceStatus } from "../types";
import { useFollowUp } from "./parts";
import { WeakSignalAdvice, isWeak } from "./WifiSignal";

const CONNECT_LIMIT_S = 60; // nmcli's own limit is 45 s plus 5 s
const SSID_MAX_BYTES = 32; // IEEE 802.11
const utf8 = new TextEncoder();

type Network = NonNullable<DeviceStatus["network"]>;

// The browser's checks, as the device makes them (web_api.cpp: "ssid: 1 to
// 32 bytes", "password: none, or 8 to 63 characters"), and one it cannot
// make: a secured network in the list needs a password.
function check(tr: Translator, ssid: string, password: string, secured: boolean): Errors {
  const errors: Errors = {};
  const bytes = utf8.encode(ssid).length;
  if (bytes === 0) errors["ssid"] = tr.t("wifi.ssid_missing");
  else if (bytes > SSID_MAX_BYTES) errors["ssid"] = tr.t("wifi.ssid_long");
  if (password !== "" && (password.length < 8 || password.length > 63)) errors["password"] = tr.t("wifi.password_length");
  else if (password === "" && secured) errors["password"] = tr.t("wifi.password_needed");
  return errors;
}

// What became of the last "Connect", in words (a sentence, coloured by
// the result's class like a form's result); on success the new address.
function Outcome({ net, tr }: { net: Network; tr: Translator }) {
  const c = net.connect;
  if (!c) return null;
  if (c.result === null) {
    return <p class="form-result">{tr.t("wifi.connecting", { ssid: c.ssid })}</p>;
  }
  const known = ["connected", "wrong_password", "not_found"].includes(c.result) ? c.result : "failed";
  const ok = known === "connected";
  return (
    <div>
      <p class={`form-result ${ok ? "saved" : "failed"}`}>{tr.t(`wifi.result_${known}`, { ssid: c.ssid })}</p>
      {c.message && <p class="hint">{c.message}</p>}
      {ok &&
        (net.address ? (
          <p>
            {tr.t("wifi.new_address")} <strong class="devid-value">{net.address}</strong>
            <br />
            <span class="hint">{tr.t("wifi.new_address_hint", { address: net.address, ssid: c.ssid })}</span>
          </p>
        ) : (
          <p class="muted">{tr.t("wifi.waiting_address")}</p>
        ))}
    </div>
  );
}

type Props = { ssid: string; onSsid: (ssid: string) => void; password: string; onPassword: (p: string) => void };

export function WifiConnect({ ssid, onSsid, password, onPassword }: Props) {
  const { tr, status } = useSite();
  const saver = useSaver();
  const follow = useFollowUp();
  const net = status?.network;
  const listed = net?.networks?.find((n) => n.ssid === ssid);

  const submit = async (e: Event) => {
    e.preventDefault();
    const errors = check(tr, ssid, password, listed?.secured ?? false);
    if (Object.keys(errors).length > 0) {
      await saver.save({}, errors);
      return;
    }
    if (await saver.run(() => api.post("api/v1/wifi/connect", { ssid, password }))) {
      // Done when the outcome is in and, after a success, the new address.
      follow.start((s) => {
        const c = s.network?.connect;
        return !!c && c.ssid === ssid && c.result !== null && (c.result !== "connected" || !!s.network?.address);
      }, CONNECT_LIMIT_S);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <Field
        id={fieldId("ssid")}
        label={tr.t("wifi.ssid")}
        hint={tr.t("wifi.ssid_hint")}
        autoComplete="off"
        value={ssid}
        onValue={onSsid}
        error={saver.errors["ssid"]}
      />
      <Field
        id={fieldId("password")}
        label={tr.t("wifi.password")}
        hint={tr.t("wifi.password_hint")}
        type="password"
        autoComplete="off"
        maxLength={63}
        value={password}
        onValue={onPassword}
        error={saver.errors["password"]}
      />
      {listed && isWeak(listed.signal_dbm) && <WeakSignalAdvice tr={tr} ssid={listed.ssid} />}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={saver.state === "saving" || follow.state === "waiting"}>
          {tr.t("wifi.connect")}
        </button>
        <p class="form-result failed" role="status" aria-live="polite">
          {saver.state === "failed" && (saver.message || tr.t("form.invalid", { count: Object.keys(saver.errors).length }))}
        </p>
      </div>
      {/* Also an attempt made before this page was loaded: the manual's
          "reload the settings page and make sure the connection is successful". */}
      <div role="status" aria-live="polite">
        {saver.state !== "failed" && saver.state !== "saving" && net && <Outcome net={net} tr={tr} />}
      </div>
    </form>
  );
}
