// The person's devices, live, and the form to add one.
import { useEffect, useState } from "preact/hooks";

import { api, ApiError, type Device } from "../api";
import { BoardsOffer } from "../components/Boards";
import { AddDeviceForm } from "../components/AddDeviceForm";
import { DeviceCard } from "../components/DeviceCard";
import { PageTitle } from "../components/PageTitle";
import { Loading, Notice } from "../components/Status";
import { useApp } from "../context";
import { usePolled } from "../usePolled";

export function DevicesPage() {
  const { tr, setProfile } = useApp();
  const devices = usePolled(() => api.devices(), 30, []);
  const now = Date.now() / 1000;
  // The device just added, until its owner answers the offer of its boards.
  const [added, setAdded] = useState<Device | null>(null);

  // The session ended elsewhere (a password change): back to signing in.
  useEffect(() => {
    if (devices.error instanceof ApiError && devices.error.status === 401) setProfile(null);
  }, [devices.error, setProfile]);

  return (
    <>
      <PageTitle title={tr.t("devices.title")} />
      <div class="columns">
        <section aria-labelledby="list-title" class="device-list">
          <h2 id="list-title" class="visually-hidden">
            {tr.t("devices.listLabel")}
          </h2>
          {devices.error ? (
            <Notice message={{ kind: "error", text: tr.t("error.load") }} />
          ) : devices.data === undefined ? (
            <Loading label={tr.t("status.loading")} />
          ) : devices.data.length === 0 ? (
            <div class="card empty">
              <p class="empty-title">{tr.t("devices.emptyTitle")}</p>
              <p class="muted">{tr.t("devices.emptyText")}</p>
            </div>
          ) : (
            <>
              <p class="muted count">{tr.t("devices.count", { count: devices.data.length })}</p>
              <ul class="cards">
                {devices.data.map((d) => (
                  <DeviceCard key={d.devid} device={d} now={now} />
                ))}
              </ul>
            </>
          )}
        </section>
        <div class="stack">
          {added && <BoardsOffer devid={added.devid} name={added.name} onDone={() => setAdded(null)} />}
          <AddDeviceForm
            onAdded={(d) => {
              setAdded(d);
              devices.reload();
            }}
          />
        </div>
      </div>
    </>
  );
}
