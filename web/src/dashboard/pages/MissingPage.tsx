// A URL the app does not know.
import { Link } from "../components/Link";
import { PageTitle } from "../components/PageTitle";
import { useApp } from "../context";

export function MissingPage() {
  const { tr, profile } = useApp();
  return (
    <section class="card empty">
      <PageTitle title={tr.t("missing.title")} />
      <p>{tr.t("missing.text")}</p>
      <Link href={profile ? "/devices" : "/signin"}>{tr.t("missing.back")}</Link>
    </section>
  );
}
