// The log-in page: the form works without this script (a plain POST to
// /login, compat.md §1). The script shows the page in the chosen language,
// lets a person switch it, and says why the last try failed
// (?login=wrong|locked&retry=s, set by the device's answer).
import { LANGUAGES, loadTranslator, type Translator } from "../common/i18n";
import { applyTheme, chooseLanguage, displayLanguage, loadTheme } from "./prefs";

applyTheme(loadTheme());

function translate(tr: Translator): void {
  document.documentElement.lang = tr.tag;
  for (const el of document.querySelectorAll<HTMLElement>("[data-i18n]")) {
    el.textContent = tr.t(el.dataset["i18n"] ?? "");
  }
  const params = new URLSearchParams(location.search);
  const error = document.getElementById("login-error");
  const reason = params.get("login");
  const notice = reason === "changed" || reason === "reset" ? tr.t(`login.${reason}`) : "";
  const info = document.getElementById("login-info");
  if (info) {
    info.textContent = notice;
    info.hidden = !notice;
  }
  if (error && (reason === "wrong" || reason === "locked")) {
    const retry = Number(params.get("retry") ?? "0");
    error.textContent =
      reason === "wrong" ? tr.t("login.wrong") : tr.t("login.locked", { time: tr.duration(retry) });
    error.hidden = false;
    document.getElementById("pin")?.setAttribute("aria-invalid", "true");
  }
}

async function deviceStatus(): Promise<{ devid?: string; language?: string }> {
  try {
    const response = await fetch("api/v1/status");
    return response.ok ? ((await response.json()) as { devid?: string; language?: string }) : {};
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const status = await deviceStatus();
  const load = (tag: string) => loadTranslator(tag, "i18n/", true).catch(() => loadTranslator("en", "i18n/", true));
  let tr = await load(displayLanguage(status.language));
  const device = document.getElementById("login-device");
  const select = document.getElementById("language");
  const show = () => {
    translate(tr);
    if (device && status.devid) device.textContent = tr.t("login.device", { id: status.devid });
  };
  if (select instanceof HTMLSelectElement) {
    for (const l of LANGUAGES) select.add(new Option(l.name, l.tag, false, l.tag === tr.tag));
    select.addEventListener("change", async () => {
      chooseLanguage(select.value);
      tr = await load(select.value);
      show();
    });
  }
  show();
}

void main();
