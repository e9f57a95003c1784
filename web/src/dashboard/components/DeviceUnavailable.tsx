// What a device's pages show when the device cannot be loaded: gone (or
// never the caller's: the API answers both alike, 404) or another failure,
// with the way back to the list.
import { ApiError } from "../api";
import { useApp } from "../context";
import { Link } from "./Link";
import { PageTitle } from "./PageTitle";
import { Notice } from "./Status";

export function DeviceUnavailable({ error }: { error: unknown }) {
  const { tr } = useApp();
  const missing = error instanceof ApiError && error.status === 404;
  return (
    <>
      <PageTitle title={tr.t("device.title")} />
      <Notice message={{ kind: "error", text: missing ? tr.t("device.missing") : tr.t("error.load") }} />
      <Link href="/devices">{tr.t("device.back")}</Link>
    </>
  );
}
