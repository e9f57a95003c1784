// Data Server (manual §4: "check the connection of the device to the cloud
// server"): where the journal is uploaded (docs/uplink.md), how the upload
// stands, and "Check connection", which makes the device say hello to the
// server again at once.
import { useState } from "preact/hooks";

import { Field } from "../../common/Field";
import type { Translator } from "../../common/i18n";
import { api } from "../api";
import { useSite } from "../context";
import { type Errors, FormActions, fieldId, useSaver } from "../form";
import { Card, Fact, Facts, StateBadge, useFollowUp, when } from "./parts";

// The device restarts its uplink; a hello takes a moment, a server that
// does not answer takes the uplink's own time-out.
const CHECK_SETTLE_MS = 1500;
const CHECK_LIMIT_S = 20;

// As the device checks it (settings.cpp, valid_server_url): http(s), a
// host, no credentials, printable ASCII; or empty for no upload.
function urlProblem(url: string): boolean {
  if (url === "") return false;
  if (url.length > 2048 || !/^https?:\/\/[\x21-\x7e]+$/.test(url)) return true;
  const authority = url.replace(/^https?:\/\//, "").split(/[/?#]/)[0] ?? "";
  if (authority.includes("@")) return true;
  try {
    return new URL(url).hostname === "";
  } catch {
    return true;
  }
}

function UrlForm() {
  const { tr, settings, refreshStatus } = useSite();
  const saver = useSaver();
  const [url, setUrl] = useState(settings?.server.url ?? "");

  const submit = async (e: Event) => {
    e.preventDefault();
    const trimmed = url.trim();
    const errors: Errors = {};
    if (urlProblem(trimmed)) errors["server.url"] = tr.t("server.url_invalid");
    setUrl(trimmed);
    if (await saver.save({ server: { url: trimmed } }, errors)) refreshStatus();
  };

  return (
    <form onSubmit={submit} noValidate>
      <Field
        id={fieldId("server.url")}
        label={tr.t("server.url")}
        type="url"
        inputMode="url"
        autoComplete="url"
        placeholder="https://maic.example.org/"
        maxLength={2048}
        value={url}
        onValue={setUrl}
        error={saver.errors["server.url"]}
      />
      <FormActions saver={saver} />
    </form>
  );
}

// The check's outcome in a sentence; the device's own words are in "Last
// problem" above, not repeated here.
function checkResult(tr: Translator, state: string): string {
  if (state === "connected") return tr.t("server.check_ok");
  if (state === "connecting") return tr.t("server.check_slow");
  return tr.t("server.check_failed");
}

function Connection() {
  const { tr, status, settings, session } = useSite();
  const saver = useSaver();
  const follow = useFollowUp();
  if (!status) return null;
  const server = status.server;
  const configured = (settings?.server.url ?? "") !== "";

  const check = async () => {
    if (await saver.run(() => api.post("api/v1/server/check"))) {
      // The uplink starts again: connecting, then an answer or an error.
      follow.start((s, ms) => ms >= CHECK_SETTLE_MS && s.server.state !== "connecting", CHECK_LIMIT_S);
    }
  };
  const checking = saver.state === "saving" || follow.state === "waiting";
  const finished = follow.state === "done" || follow.state === "timeout";

  return (
    <>
      {/* The shell's banner says it for every section; here, what it means
          for the check below. */}
      {session.factory_pin && configured && (
        <p class="banner warning" role="note">
          {tr.t("server.factory_pin")} <a href="#configuration">{tr.t("shell.factory_pin_link")}</a>
        </p>
      )}
      <Facts>
        <Fact name={tr.t("server.state")}>
          <StateBadge state={server.state} tr={tr} />
        </Fact>
        <Fact name={tr.t("server.last_success")}>{when(tr, server.last_success)}</Fact>
        <Fact name={tr.t("server.backlog")}>{tr.t("server.records", { count: server.backlog })}</Fact>
        {server.error && <Fact name={tr.t("server.error")}>{server.error}</Fact>}
      </Facts>
      <div class="button-row">
        <button
          type="button"
          onClick={check}
          disabled={!configured || checking}
          aria-describedby={configured ? "server-check-result" : "server-check-hint"}
        >
          {tr.t("server.check")}
        </button>
        <p
          id="server-check-result"
          class={`form-result ${finished ? (server.state === "connected" ? "saved" : "failed") : saver.state === "failed" ? "failed" : ""}`}
          role="status"
          aria-live="polite"
        >
          {checking && tr.t("server.checking")}
          {saver.state === "failed" && saver.message}
          {finished && checkResult(tr, server.state)}
        </p>
      </div>
      {!configured && (
        <p class="hint" id="server-check-hint">
          {tr.t("server.check_no_url")}
        </p>
      )}
    </>
  );
}

export function ServerSection() {
  const { tr } = useSite();
  return (
    <>
      <Card title={tr.t("server.connection")} id="server-connection">
        <Connection />
      </Card>
      <Card title={tr.t("server.settings")} id="server-settings">
        <UrlForm />
      </Card>
    </>
  );
}
