// The Dashboard in a real browser against the real server and a real device.
//
//   MAIC_CLOUD_BIN=build/release/apps/maic-cloud MAIC_DEVICE_BIN=build/release/apps/maic-device \
//     node --test tests/dashboard.test.mjs
//
// Starts maic-cloud (temporary data dir, free port) and a maic-device that
// says hello to it with PIN 4711, then drives headless Chromium
// (/usr/bin/chromium, or $MAIC_CHROMIUM) through the app as a person would:
// sign up, add the device (each refusal the API gives on the way), its page,
// back and forward, the profile's theme and all 25 languages, sign out and
// in, and the preferences following the account into another browser. Every page is checked by axe-core (WCAG 2.1 AA) in light and dark, and
// photographed at 390×844 and 1440×900 into $MAIC_ARTIFACT_DIR (default: a
// temporary directory). Skipped when MAIC_CLOUD_BIN is not set.
import assert from "node:assert/strict";
import { test } from "node:test";

import { call, CLOUD_BIN } from "../../tests/integration/harness.mjs";

import {
  checkPage as checkPageIn, en, languages, PIN, RAW_KEY, text, VIEWPORTS, watchProblems, withRig,
} from "./dashboard_rig.mjs";

test("the Dashboard: accounts, devices, languages, themes, access",
  { skip: !CLOUD_BIN && "MAIC_CLOUD_BIN is not set", timeout: 480_000 },
  (t) => withRig(t, "maic-dashboard-", async ({ c, d, browser, artifacts }) => {
    const context = await browser.newContext({ viewport: VIEWPORTS[0], locale: "en-GB" });
    const page = await context.newPage();
    const problems = watchProblems(page);

    const heading = (name) => page.getByRole("heading", { level: 1, name }).waitFor();
    const checkPage = (name) => checkPageIn(page, name, artifacts, VIEWPORTS[0]);

    // Not signed in: "/" leads to the sign-in page, served with a strict policy.
    const index = await page.goto(`${c.url}/`);
    assert.match(index.headers()["content-security-policy"], /script-src 'self'/);
    await heading(text("signin.title"));
    assert.equal(new URL(page.url()).pathname, "/signin");
    await checkPage("signin");

    // Sign up.
    await page.getByRole("link", { name: text("signup.title") }).click();
    await heading(text("signup.title"));
    assert.equal(new URL(page.url()).pathname, "/signup");
    await checkPage("signup");
    const email = "ann@example.org";
    const password = "correct horse battery";
    await page.getByLabel(text("field.email")).fill(email);
    await page.getByLabel(text("field.password")).fill(password);
    await page.getByRole("button", { name: text("signup.submit") }).click();
    await heading(text("devices.title"));
    await page.getByText(text("devices.emptyTitle")).waitFor();
    await checkPage("devices-empty");

    // Add the device: each refusal first, then the real thing.
    const message = page.locator("#add-message");
    const add = async (name, id, pin) => {
      await page.getByLabel(text("add.name")).fill(name);
      await page.getByLabel(text("add.id")).fill(id);
      await page.getByLabel(text("add.pin")).fill(pin);
      await page.getByRole("button", { name: text("add.submit") }).click();
    };
    const refusals = [
      [["Home", "123", PIN], text("add.refused.badId")],
      [["Home", d.devid, "0000"], text("add.refused.pin0000")],
      [["Home", "1000000001", PIN], text("add.refused.neverConnected", { id: "1000000001" })],
      [["Home", d.devid, "9999"], text("add.refused.wrongPin", { id: d.devid })],
    ];
    for (const [args, want] of refusals) {
      await add(...args);
      await message.filter({ hasText: want }).waitFor();
      assert.equal(await message.getAttribute("aria-live"), "polite");
    }
    await checkPage("devices-refused");
    await add("Home", d.devid, PIN);
    await message.filter({ hasText: text("add.added", { name: "Home" }) }).waitFor();
    const card = page.locator(".device-card", { hasText: "Home" });
    await card.getByText(text("device.online")).waitFor();
    await card.locator(".value dd").first().filter({ hasText: /\d/ }).waitFor();
    await add("Home", d.devid, PIN);
    await message.filter({ hasText: text("add.refused.alreadyYours", { id: d.devid }) }).waitFor();
    // Someone else's device is refused as such.
    const bob = await call(`${c.url}/api/v1/register`, { method: "POST", body: { email: "bob@example.org", password } });
    const other = await call(`${c.url}/api/v1/devices`, { method: "POST", key: bob.json.api_key,
                                                          body: { name: "Mine", devid: d.devid, pin: PIN } });
    assert.equal(other.status, 409, other.text);
    await page.reload();
    await card.waitFor();
    await checkPage("devices");

    // The device's page, and the browser's history.
    await card.getByRole("link", { name: "Home" }).click();
    await heading("Home");
    assert.equal(new URL(page.url()).pathname, `/devices/${d.devid}`);
    await page.locator('[data-key="V1"]').filter({ hasText: /\d/ }).waitFor();
    await checkPage("device");
    await page.goBack();
    await heading(text("devices.title"));
    await page.goForward();
    await heading("Home");
    // A bookmarked board URL loads the app (no board yet: it says so).
    await page.goto(`${c.url}/devices/${d.devid}/boards/pc?period=day&date=2026-11-30`);
    await heading("Home");
    await page.goto(`${c.url}/no/such/page`);
    await heading(text("missing.title"));

    // Profile: the e-mail, the API key, the theme.
    await page.goto(`${c.url}/devices`);
    await page.getByRole("link", { name: text("nav.profile") }).click();
    await heading(text("profile.title"));
    assert.equal(await page.locator("#profile-email").innerText(), email);
    await page.getByRole("button", { name: text("key.show") }).click();
    const shownKey = await page.locator("#api-key").innerText();
    assert.match(shownKey, /^[0-9a-f]{16,}$/);
    await checkPage("profile");
    await page.getByLabel(text("prefs.theme.dark")).check();
    await page.locator('html[data-theme="dark"]').waitFor({ state: "attached" });
    await page.reload();
    await page.locator('html[data-theme="dark"]').waitFor({ state: "attached" });
    await page.getByLabel(text("prefs.theme.system")).check();
    await page.waitForFunction(() => !document.documentElement.dataset.theme);

    // Every language loads, is offered by its own name, and leaves no key untranslated.
    const options = await page.locator("#language option").allInnerTexts();
    for (const { name } of languages) assert.ok(options.includes(name), `${name} offered`);
    for (const { tag } of languages) {
      await page.locator("#language").selectOption(tag);
      await page.locator(`html[lang="${tag}"]`).waitFor({ state: "attached" });
      const shown = await page.locator("body").innerText();
      assert.doesNotMatch(shown, RAW_KEY, `${tag}: profile`);
      await page.locator("nav a").first().click();
      await page.locator(".device-card").waitFor();
      assert.doesNotMatch(await page.locator("body").innerText(), RAW_KEY, `${tag}: devices`);
      await page.locator("nav a").nth(1).click();
      await page.locator("#language").waitFor();
    }
    await page.locator("#language").selectOption("en");
    await page.locator('html[lang="en"]').waitFor({ state: "attached" });

    // Sign out, then in again.
    await page.getByRole("button", { name: text("nav.signOut") }).click();
    await heading(text("signin.title"));
    await page.goto(`${c.url}/profile`);
    await heading(text("signin.title"));
    await page.getByLabel(text("field.email")).fill(email);
    await page.getByLabel(text("field.password")).fill("wrong password");
    await page.getByRole("button", { name: text("signin.submit") }).click();
    await page.locator("#auth-message").filter({ hasText: text("auth.wrong") }).waitFor();
    await page.getByLabel(text("field.password")).fill(password);
    await page.getByRole("button", { name: text("signin.submit") }).click();
    await heading(text("devices.title"));
    await page.locator(".device-card").waitFor();

    // Language, theme and display zone belong to the account: another
    // browser (no storage of its own, another locale) signs in to them.
    await page.getByRole("link", { name: text("nav.profile") }).click();
    await page.locator("#timezone").selectOption("Asia/Bangkok");
    await page.locator('input[name="theme"][value="dark"]').check();
    await page.locator('html[data-theme="dark"]').waitFor({ state: "attached" });
    await page.locator("#language").selectOption("de");
    await page.locator('html[lang="de"]').waitFor({ state: "attached" });
    const elsewhere = await browser.newContext({ viewport: VIEWPORTS[1], locale: "fr-FR" });
    try {
      const second = await elsewhere.newPage();
      await second.goto(`${c.url}/signin`);
      await second.locator('html[lang="fr"]').waitFor({ state: "attached" });  // the browser's, until signed in
      await second.locator("#email").fill(email);
      await second.locator("#password").fill(password);
      await second.locator('button[type="submit"]').click();
      await second.locator('html[lang="de"][data-theme="dark"]').waitFor({ state: "attached" });
      await second.goto(`${c.url}/profile`);
      assert.equal(await second.locator("#timezone").inputValue(), "Asia/Bangkok");
      assert.equal(await second.locator("#language").inputValue(), "de");
    } finally {
      await elsewhere.close();
    }
    const saved = await page.evaluate(async () => (await (await fetch("/api/v1/profile")).json()).preferences);
    assert.deepEqual(saved, { language: "de", theme: "dark", time_zone: "Asia/Bangkok" });

    assert.deepEqual(problems, []);
  }),
);
