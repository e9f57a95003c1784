// The account: e-mail, this browser's preferences, the API key, the password.
import { ApiKeyCard } from "../components/ApiKeyCard";
import { PageTitle } from "../components/PageTitle";
import { PasswordForm } from "../components/PasswordForm";
import { PrefsForm } from "../components/PrefsForm";
import { useApp } from "../context";

export function ProfilePage() {
  const { tr, profile, prefs } = useApp();
  if (!profile) return null;
  return (
    <>
      <PageTitle title={tr.t("profile.title")} />
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title">{tr.t("profile.account")}</h2>
        <dl class="facts">
          <div>
            <dt>{tr.t("field.email")}</dt>
            <dd id="profile-email">{profile.email}</dd>
          </div>
          <div>
            <dt>{tr.t("profile.since")}</dt>
            <dd>{tr.dateTime(profile.created, prefs.timeZone ?? undefined)}</dd>
          </div>
        </dl>
      </section>
      <div class="columns">
        <PrefsForm />
        <div class="stack">
          <ApiKeyCard />
          <PasswordForm />
        </div>
      </div>
    </>
  );
}
