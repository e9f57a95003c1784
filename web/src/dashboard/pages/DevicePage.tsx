// One device: its state, every live value of its newest minute, and its
// boards; with a layout in the URL, that board.
import { api, type Layout } from "../api";
import { BoardsList } from "../components/Boards";
import { DataAge, OnlineBadge } from "../components/DeviceCard";
import { DeviceUnavailable } from "../components/DeviceUnavailable";
import { Link } from "../components/Link";
import { LiveTable } from "../components/LiveTable";
import { PageTitle } from "../components/PageTitle";
import { Loading, Notice } from "../components/Status";
import { useApp } from "../context";
import { usePolled } from "../usePolled";
import { BoardPage } from "./BoardPage";

export function DevicePage({ devid, layout, query }: { devid: string; layout: string | null; query: URLSearchParams }) {
  if (layout === "pc" || layout === "mobile") return <BoardPage devid={devid} layout={layout as Layout} query={query} />;
  return <DeviceOverview devid={devid} />;
}

function DeviceOverview({ devid }: { devid: string }) {
  const { tr, prefs } = useApp();
  const device = usePolled(() => api.device(devid), 30, [devid]);
  const boards = usePolled(() => api.boards(devid), 300, [devid]);
  const now = Date.now() / 1000;

  if (device.error) return <DeviceUnavailable error={device.error} />;
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
      <section class="card" aria-labelledby="boards-title">
        <h2 id="boards-title">{tr.t("device.boardsTitle")}</h2>
        <p class="muted">{tr.t("boards.lead")}</p>
        {boards.data ? (
          <BoardsList devid={devid} boards={boards.data} onChange={boards.reload} />
        ) : boards.error ? (
          <Notice message={{ kind: "error", text: tr.t("error.load") }} />
        ) : (
          <Loading label={tr.t("status.loading")} />
        )}
      </section>
      <section class="card" aria-labelledby="live-title">
        <h2 id="live-title">{tr.t("device.live")}</h2>
        <LiveTable device={d} />
      </section>
    </>
  );
}
