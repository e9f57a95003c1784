// One device: its state and every live value of its newest minute. Its
// boards (charts, energy by period, output) are the next step.
import { api, ApiError } from "../api";
import { DataAge, OnlineBadge } from "../components/DeviceCard";
import { Link } from "../components/Link";
import { LiveTable } from "../components/LiveTable";
import { PageTitle } from "../components/PageTitle";
import { Loading, Notice } from "../components/Status";
import { useApp } from "../context";
import { usePolled } from "../usePolled";

export function DevicePage({ devid }: { devid: string; layout: string | null }) {
  const { tr, prefs } = useApp();
  const device = usePolled(() => api.device(devid), 30, [devid]);
  const now = Date.now() / 1000;

  if (device.error) {
    const missing = device.error instanceof ApiError && device.error.status === 404;
    return (
      <>
        <PageTitle title={tr.t("device.title")} />
        <Notice message={{ kind: "error", text: missing ? tr.t("device.missing") : tr.t("error.load") }} />
        <Link href="/devices">{tr.t("device.back")}</Link>
      </>
    );
  }
  const d = device.data;
  if (!d) return <Loading label={tr.t("status.loading")} />;
  return (
    <>
      <p class="crumb">
        <Link href="/devices">{tr.t("device.back")}</Link>
      </p>
      <PageTitle title={d.name} />
      <section class="card">
        <div class="device-head">
          <p class="meta">
            <span>{tr.t("device.id", { id: d.devid })}</span>
            <span>{d.devtype} · {d.firmware}</span>
          </p>
          <OnlineBadge online={d.online} />
        </div>
        <p class="meta">
          <DataAge device={d} now={now} />
          {d.newest_minute > 0 && <span>{tr.dateTime(d.newest_minute, prefs.timeZone ?? undefined)}</span>}
        </p>
      </section>
      <section class="card" aria-labelledby="live-title">
        <h2 id="live-title">{tr.t("device.live")}</h2>
        <LiveTable device={d} />
      </section>
      <section class="card note" aria-labelledby="boards-title">
        <h2 id="boards-title">{tr.t("device.boardsTitle")}</h2>
        <p class="muted">{tr.t("device.boardsNext")}</p>
      </section>
    </>
  );
}
