// annals' web UI in Debian's Chromium, driven by Playwright, against a real `annals serve`.
//
//   node ui.mjs open ORIGIN ARTIFACTS_DIR CONFIG_JSON   the pages, the Watch form, hostile content
//   node ui.mjs auth ORIGIN ARTIFACTS_DIR CONFIG_JSON   login and logout (an account exists)
//
// CONFIG_JSON: {"list", "item": text of the item link with metrics, "watch_url", "phrase",
// "capture_key" (of the hostile page), "marker" (what its scripts would write), "marker_text"
// (its heading), "password" (alice's), "wacz_list" and "wacz_item" (an observed item's list and
// URL, whose WACZ is downloaded)}. Screenshots go to ARTIFACTS_DIR/ui-*.png. Prints one
// `ok: ...` line per check; exit 0 on success, 1 on failure, 77 when Chromium or playwright-core
// is absent (SKIPPED). Run by crates/cli/tests/web_browser.rs.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [phase, origin, artifacts, configJson] = process.argv.slice(2);
if (!configJson || !["open", "auth"].includes(phase)) {
  console.error("usage: node ui.mjs open|auth ORIGIN ARTIFACTS_DIR CONFIG_JSON");
  process.exit(2);
}
const config = JSON.parse(configJson);
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
if (!existsSync(chromiumPath)) {
  console.log(`SKIPPED: needs ${chromiumPath} (apt-get install chromium)`);
  process.exit(77);
}
let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (e) {
  console.log(`SKIPPED: playwright-core is not installed (${e.message})`);
  process.exit(77);
}

class Check extends Error {}
function check(cond, what) {
  if (!cond) throw new Check(what);
  console.log(`ok: ${what}`);
}
const shot = (page, name) => page.screenshot({ path: join(artifacts, `ui-${name}.png`), fullPage: true });

// Pixels of the chart's canvas that are not background: uPlot drew its axes and series.
async function chartPixels(page, selector = "#item-chart") {
  return page.evaluate((selector) => {
    const c = document.querySelector(`${selector} canvas`);
    if (!c || c.width === 0 || c.height === 0) return { width: 0, height: 0, ink: 0, series: 0 };
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    let series = 0; // close to the first series' colour, #1f77b4
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0) continue;
      ink++;
      const [r, g, b] = [px[i], px[i + 1], px[i + 2]];
      if (b > 120 && b - r > 60 && g > 60 && g < 170) series++;
    }
    return { width: c.width, height: c.height, ink, series };
  }, selector);
}

async function openPhase(page) {
  // Overview: the watchlists and their counts.
  await page.goto(`${origin}/`);
  const row = page.locator(`#watchlists tr[data-list="${config.list}"]`);
  await row.waitFor();
  const total = Number((await row.locator("td.num").innerText()).trim());
  check(total >= 2, `overview shows list ${config.list} with ${total} items`);
  const gone = await page.locator("#disappearances tbody tr").count();
  check(gone >= 1, `overview shows ${gone} disappearance(s)`);
  check(await page.locator("#health").isVisible(), "observer health is shown");
  await shot(page, "overview");

  // Watch form: add a URL, see it in the results and in the list.
  await page.goto(`${origin}/watch`);
  await page.fill("#add-urls", config.watch_url);
  await page.fill("#add-list", "browser");
  await Promise.all([page.waitForURL(`${origin}/watch`), page.click("#add-submit")]);
  const result = page.locator("#watch-results a", { hasText: config.watch_url });
  await result.waitFor();
  check((await result.count()) === 1, `Watch form added ${config.watch_url}`);
  await shot(page, "watch");
  await page.goto(`${origin}/items?list=browser`);
  check(
    (await page.locator("#items a", { hasText: config.watch_url }).count()) === 1,
    "the new item is in its list",
  );

  // An item page: metadata, events, and the metric chart drawn by uPlot.
  await page.goto(`${origin}/items?list=${encodeURIComponent(config.list)}`);
  await Promise.all([
    page.waitForURL(/\/items\/\d+$/),
    page.locator("#items a", { hasText: config.item }).first().click(),
  ]);
  await page.locator('#item-chart[data-drawn="1"]').waitFor({ timeout: 10_000 });
  const px = await chartPixels(page);
  check(
    px.width >= 300 && px.height >= 100 && px.ink > 1000 && px.series > 50,
    `chart drawn: canvas ${px.width}x${px.height}, ${px.ink} inked pixels, ${px.series} in the series colour`,
  );
  const state = (await page.locator("#item-state").innerText()).trim();
  check(state.startsWith("gone"), `item state is ${state}`);
  check((await page.locator("#item-events li").count()) >= 1, "item events are listed");
  check((await page.locator("#item-captures tbody tr").count()) >= 1, "item captures are listed");
  await shot(page, "item");

  // Deletions: the analyses' survival curve and latency histogram drawn by uPlot, the tables.
  await page.goto(`${origin}/`);
  await Promise.all([page.waitForURL(/\/deletions/), page.click('[data-testid="nav-deletions"]')]);
  const first = await page.goto(`${origin}/deletions?list=${encodeURIComponent(config.list)}&min_term_items=1`);
  if (first.status() === 202) {
    // The report is computed in the background: the page says so and reloads itself.
    check((await page.locator("#deletions-computing").count()) === 1, "the report being computed is said");
  }
  await page.locator('#survival-chart[data-drawn="1"]').waitFor({ timeout: 60_000 });
  await page.locator('#latency-chart[data-drawn="1"]').waitFor({ timeout: 10_000 });
  const sv = await chartPixels(page, "#survival-chart");
  check(sv.width >= 300 && sv.ink > 1000 && sv.series > 50,
    `survival curve drawn: canvas ${sv.width}x${sv.height}, ${sv.ink} inked pixels, ${sv.series} in the curve's colour`);
  const lt = await chartPixels(page, "#latency-chart");
  check(lt.width >= 300 && lt.ink > 1000, `latency histogram drawn: ${lt.ink} inked pixels`);
  const goneN = Number((await page.locator("#deletions-gone").innerText()).split(" ")[0]);
  check(goneN >= 1, `deletions summary counts ${goneN} gone`);
  check((await page.locator("#term-table tbody tr").count()) >= 1, "the per-term table has rows");
  check((await page.locator("#platform-table tbody tr").count()) >= 1, "deletions by platform are listed");
  await shot(page, "deletions");

  // The WACZ of an observed item, from its page: a zip.
  await page.goto(`${origin}/items?list=${encodeURIComponent(config.wacz_list)}`);
  await Promise.all([
    page.waitForURL(/\/items\/\d+$/),
    page.locator("#items a", { hasText: config.wacz_item }).first().click(),
  ]);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-wacz")]);
  const file = await download.path();
  const head = readFileSync(file).subarray(0, 4);
  check(head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])),
    `the item's WACZ download (${download.suggestedFilename()}) is a zip`);

  // Search: a phrase from the archived content.
  await page.goto(`${origin}/search`);
  await page.fill("#search-box", config.phrase);
  await Promise.all([page.waitForURL(/\/search\?/), page.click("#search-form button[type=submit]")]);
  await page.locator("#search-total").waitFor();
  const hits = page.locator("#search-results li.hit");
  const n = await hits.count();
  const text = n ? await page.locator("#search-results").innerText() : "";
  check(n >= 1 && text.includes(config.phrase), `search "${config.phrase}" found ${n} hit(s)`);
  await shot(page, "search");

  // Language: Chinese labels after the switch.
  await page.goto(`${origin}/`);
  await Promise.all([page.waitForURL(/lang=zh/), page.click("#lang-zh")]);
  const h1 = (await page.locator("h1").first().innerText()).trim();
  const lang = await page.locator("html").getAttribute("lang");
  check(h1 === "概览" && lang.startsWith("zh"), `Chinese overview: <h1>${h1}</h1>, lang=${lang}`);
  await shot(page, "overview-zh");
  await page.goto(`${origin}/?lang=en`);

  // Hostile content: its scripts must not run, reach the UI or the API.
  const before = await page.evaluate(async () => (await (await fetch("/api/v1/items?per_page=500")).json()).items.length);
  const title = await page.title();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${origin}/capture/${config.capture_key}`);
  const frame = page.locator("#capture-frame");
  await frame.waitFor();
  const sandbox = await frame.getAttribute("sandbox");
  check(sandbox !== null && !sandbox.includes("allow-scripts") && !sandbox.includes("allow-same-origin"),
    `frame sandbox="${sandbox}" allows neither scripts nor same origin`);
  // The frame loaded the archived page (its static text shows), then give any script time.
  const inner = page.frameLocator("#capture-frame");
  await inner.locator("h1").waitFor({ timeout: 10_000 });
  const innerText = await inner.locator("body").innerText();
  check(innerText.includes(config.marker_text), "the captured page is shown in the frame");
  await page.waitForTimeout(1500);
  const pageTitle = await page.title();
  check(!pageTitle.includes(config.marker), `UI title untouched ("${pageTitle}")`);
  check((await page.locator(`#${config.marker}`).count()) === 0, "no element injected into the UI");
  const frameTitle = await inner.locator("h1").innerText();
  check(!frameTitle.includes(config.marker), "the captured page's own script did not run");
  const frameHandle = await frame.elementHandle();
  const f = await frameHandle.contentFrame();
  const ran = await f.evaluate(() => document.documentElement.getAttribute("data-ran")).catch(() => null);
  check(ran === null, "no script in the frame set its marker");
  const after = await page.evaluate(async () => (await (await fetch("/api/v1/items?per_page=500")).json()).items.length);
  check(after === before, `no item was added (${before} before, ${after} after)`);
  await shot(page, "capture");
  await page.goto(`${origin}/`);
  check((await page.title()) === title, "overview title unchanged");
}

async function authPhase(page) {
  const res = await page.goto(`${origin}/`);
  check(new URL(page.url()).pathname === "/login", `overview redirects to ${page.url()}`);
  check(res.ok(), "login page loads");
  await shot(page, "login");
  await page.fill("#user", "alice");
  await page.fill("#password", "wrong password here");
  await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
  check(new URL(page.url()).pathname === "/login" && (await page.locator("#signed-in").count()) === 0,
    "a wrong password is refused");
  await page.fill("#user", "alice");
  await page.fill("#password", config.password);
  await Promise.all([page.waitForURL(`${origin}/`), page.click("button[type=submit]")]);
  const who = (await page.locator("#signed-in").innerText()).trim();
  check(who === "alice", `signed in as ${who}`);
  check((await page.locator("#watchlists").count()) === 1, "the overview is shown");
  await shot(page, "signed-in");
  await Promise.all([page.waitForURL(/\/login/), page.click("#logout")]);
  check(new URL(page.url()).pathname === "/login", `logout leads to ${page.url()}`);
  await page.goto(`${origin}/items`);
  check(new URL(page.url()).pathname === "/login", "after logout the pages ask for a login again");
  await shot(page, "logged-out");
}

const profile = mkdtempSync(join(tmpdir(), "annals-chromium-"));
let browser;
let ok = false;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  browser.setDefaultTimeout(15_000);
  const page = browser.pages()[0] || (await browser.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`console: ${m.text()}`);
  });
  if (phase === "open") await openPhase(page);
  else await authPhase(page);
  ok = true;
} catch (e) {
  console.error(e instanceof Check ? `FAILED: ${e.message}` : `FAILED: ${e.stack || e}`);
  try {
    const page = browser && browser.pages()[0];
    if (page) await shot(page, `${phase}-failure`);
  } catch {}
} finally {
  if (browser) await browser.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
