import { chromium } from "playwright-core";
const base = process.argv[2] ?? "http://127.0.0.1:18081/";
const sections = (process.argv[3] ?? "status,configuration").split(",");
const out = process.argv[4] ?? "/tmp/shots";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const [w, h, scheme] of [[390, 844, "light"], [1440, 900, "dark"]]) {
  const page = await browser.newPage({ viewport: { width: w, height: h }, colorScheme: scheme });
  page.on("console", (m) => { if (m.type() === "error") console.log("console:", m.text()); });
  await page.goto(base);
  await page.screenshot({ path: `${out}/login-${w}-${scheme}.png` });
  await page.fill(".minput", "0000");
  await Promise.all([page.waitForNavigation(), page.click(".msbmit")]);
  for (const s of sections) {
    await page.goto(`${base}#${s}`);
    await page.waitForSelector("main h1");
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${out}/${s}-${w}-${scheme}.png`, fullPage: true });
  }
  await page.close();
}
await browser.close();
