// One device in the list: name, online state, age of its newest data, a few live values.
import type { Device } from "../api";
import { useApp } from "../context";
import { dataAge, FRESH_SECONDS, liveValues } from "../devices";
import { Link } from "./Link";

export function OnlineBadge({ online }: { online: boolean }) {
  const { tr } = useApp();
  return (
    <span class={online ? "badge badge-online" : "badge badge-offline"}>
      <span class="dot" aria-hidden="true" />
      {online ? tr.t("device.online") : tr.t("device.offline")}
    </span>
  );
}

export function DataAge({ device, now }: { device: Device; now: number }) {
  const { tr } = useApp();
  const age = dataAge(device, now);
  if (age === null) return <span class="age">{tr.t("device.noData")}</span>;
  return (
    <span class={age > FRESH_SECONDS ? "age age-stale" : "age"}>{tr.t("device.dataAge", { ago: tr.ago(age) })}</span>
  );
}

export function DeviceCard({ device, now }: { device: Device; now: number }) {
  const { tr } = useApp();
  const values = liveValues(device);
  const href = `/devices/${encodeURIComponent(device.devid)}`;
  return (
    <li class="card device-card">
      <div class="device-head">
        <h2>
          <Link href={href}>{device.name}</Link>
        </h2>
        <OnlineBadge online={device.online} />
      </div>
      <p class="meta">
        <span>{tr.t("device.id", { id: device.devid })}</span>
        <DataAge device={device} now={now} />
      </p>
      {values.length > 0 ? (
        <dl class="values">
          {values.map((v) => (
            <div class="value" key={v.key}>
              <dt>{tr.t(`quantity.${v.key}`)}</dt>
              <dd>
                {tr.number(v.value, v.digits)} <span class="unit">{v.unit}</span>
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <p class="muted">{tr.t("device.noValues")}</p>
      )}
    </li>
  );
}
