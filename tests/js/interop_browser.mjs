// The interop scenarios (interop_scenarios.mjs) with the browser bundle of
// socket.io-client in headless Chromium.
//
// Usage: node interop_browser.mjs PAGE_URL MAIN_URL SMALL_URL SETTING CASES_JSON
//   PAGE_URL serves `/` (a page loading /socket.io.min.js) and
//   /interop_scenarios.mjs; MAIN_URL and SMALL_URL are the Socket.IO
//   servers (another origin: polling goes through CORS).
// Env: SIO_CHROMIUM (default /usr/bin/chromium)
// Prints one JSON object with what the page's client saw in every scenario;
// the Rust test (tests/interop_browser.rs) asserts it.
import { chromium } from "playwright-core";
import { SETTINGS } from "./interop_scenarios.mjs";

const [page, url, smallUrl, setting, casesJson] = process.argv.slice(2);
if (!page || !url || !smallUrl || !(setting in SETTINGS) || !casesJson) {
  console.error("usage: node interop_browser.mjs PAGE_URL MAIN_URL SMALL_URL SETTING CASES_JSON");
  process.exit(2);
}
const deadline = setTimeout(() => {
  console.error("interop_browser: overall timeout (120 s)");
  process.exit(1);
}, 120_000);

const browser = await chromium.launch({
  executablePath: process.env.SIO_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});
let code = 0;
try {
  const tab = await browser.newPage();
  const errors = [];
  tab.on("pageerror", (error) => errors.push(String(error)));
  await tab.goto(`${page}/`);
  const results = await tab.evaluate(
    async (args) => {
      const { runAll } = await import("/interop_scenarios.mjs");
      return runAll({ io: window.io, Manager: window.io.Manager, ...args });
    },
    { url, smallUrl, setting, cases: JSON.parse(casesJson) },
  );
  results.pageErrors = errors;
  results.userAgent = await tab.evaluate(() => navigator.userAgent);
  await new Promise((resolve) => process.stdout.write(`${JSON.stringify(results)}\n`, resolve));
} catch (error) {
  console.error(`interop_browser: ${error?.stack ?? error}`);
  code = 1;
} finally {
  await browser.close();
  clearTimeout(deadline);
}
process.exit(code);
