// ReplayWeb.page, in Debian's Chromium driven by Playwright, replays a WACZ and shows a page.
//
//   node replay.mjs WACZ URL EXPECTED_TEXT SCREENSHOT.png
//
// Serves ReplayWeb.page's static files (node_modules/replaywebpage: ui.js for the page,
// sw.js for the service worker under replay/) and the WACZ (with Range support, as
// ReplayWeb.page reads WACZ entries by range) from a loopback HTTP server, opens an embed page
// `<replay-web-page source="/archive.wacz" url=URL>`, waits until a frame of the page shows
// EXPECTED_TEXT, and saves a screenshot. Exit 0 on success, 1 on failure (with the frames'
// text and the server's 404s), 77 when something needed is absent (SKIPPED).
// Run by crates/cli/tests/replay_browser.rs.

import { createServer } from "node:http";
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [wacz, url, expected, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error("usage: node replay.mjs WACZ URL EXPECTED_TEXT SCREENSHOT.png");
  process.exit(2);
}
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const rwp = join(here, "node_modules", "replaywebpage");
if (!existsSync(chromiumPath) || !existsSync(join(rwp, "ui.js"))) {
  console.log(`SKIPPED: needs ${chromiumPath} and ${rwp} (apt-get install chromium; npm ci --prefix tests/browser)`);
  process.exit(77);
}
let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (e) {
  console.log(`SKIPPED: playwright-core is not installed (${e.message})`);
  process.exit(77);
}

const embed = `<!doctype html>
<html><head><meta charset="utf-8"><title>annals WACZ in ReplayWeb.page</title>
<script src="/ui.js"></script>
<style>html,body{margin:0;height:100%} replay-web-page{display:block;height:100vh}</style>
</head><body>
<replay-web-page source="/archive.wacz" url="${url.replace(/"/g, "&quot;")}" replayBase="/replay/" embed="replayonly"></replay-web-page>
</body></html>`;

const types = {
  ".js": "application/javascript",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
};
const missing = [];
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (path === "/" || path === "/index.html") {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    return res.end(embed);
  }
  let file;
  if (path === "/archive.wacz") {
    file = wacz;
  } else {
    // ReplayWeb.page's own files, at the root and under replay/ (its service worker's scope).
    // `/replay/` itself is the page the embed's frame opens: the service worker answers it once
    // it is in control, but on a cold start the request can reach us first, and then the app's
    // own index.html (which loads ui.js from the same directory) takes over.
    const rel0 = normalize(path.replace(/^\/replay\//, "/")).replace(/^\/+/, "");
    const rel = rel0 === "" || rel0 === "." ? "index.html" : rel0;
    if (rel.startsWith("..")) {
      res.writeHead(403);
      return res.end();
    }
    file = join(rwp, rel);
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    missing.push(path);
    res.writeHead(404);
    return res.end();
  }
  const size = statSync(file).size;
  const headers = {
    "Content-Type": types[extname(file)] || "application/octet-stream",
    "Accept-Ranges": "bytes",
    "Cache-Control": "no-store",
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || "");
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range) {
    if (range[1] === "") {
      start = Math.max(0, size - Number(range[2]));
    } else {
      start = Number(range[1]);
      if (range[2] !== "") end = Math.min(end, Number(range[2]));
    }
    if (start > end || start >= size) {
      res.writeHead(416, { "Content-Range": `bytes */${size}` });
      return res.end();
    }
    status = 206;
    headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  }
  headers["Content-Length"] = String(end - start + 1);
  res.writeHead(status, headers);
  if (req.method === "HEAD") return res.end();
  createReadStream(file, { start, end }).pipe(res);
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const profile = mkdtempSync(join(tmpdir(), "annals-chromium-"));
const deadline = Date.now() + 90_000;
let browser;
let ok = false;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = browser.pages()[0] || (await browser.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${origin}/`, { waitUntil: "load" });

  // The replayed page is an iframe (inside replay-web-page's shadow DOM, perhaps nested):
  // look in every frame until one shows the expected text.
  let texts = [];
  while (Date.now() < deadline && !ok) {
    texts = [];
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      let text = "";
      try {
        text = await frame.evaluate(() => (document.body ? document.body.innerText : ""));
      } catch {
        continue; // navigating
      }
      texts.push(`${frame.url()}: ${text.slice(0, 200).replace(/\s+/g, " ")}`);
      if (text.includes(expected)) {
        console.log(`found ${JSON.stringify(expected)} in frame ${frame.url()}`);
        ok = true;
        break;
      }
    }
    if (!ok) await page.waitForTimeout(500);
  }
  if (ok) await page.waitForTimeout(1000); // let images and styles settle for the picture
  await page.screenshot({ path: screenshot });
  console.log(`screenshot: ${screenshot}`);
  if (!ok) {
    console.error(`FAILED: no frame showed ${JSON.stringify(expected)} within 90 s`);
    for (const t of texts) console.error(`  frame ${t}`);
  }
} catch (e) {
  console.error(`FAILED: ${e.stack || e}`);
  ok = false;
} finally {
  if (missing.length) console.error(`404s: ${[...new Set(missing)].join(" ")}`);
  if (browser) await browser.close().catch(() => {});
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
