// Drives the chat example in headless Chromium: two pages join the chat,
// one sends a message, both must show it and the sender must get its ack.
//
// Usage: node chat_browser.mjs BASE_URL [polling|websocket]
// Env:   SIO_CHROMIUM (default /usr/bin/chromium)
// Prints one JSON line with what each page saw; exits non-zero on failure.
import { chromium } from "playwright-core";

const [base, transport = "websocket"] = process.argv.slice(2);
if (!base) {
  console.error("usage: node chat_browser.mjs BASE_URL [polling|websocket]");
  process.exit(2);
}
const executablePath = process.env.SIO_CHROMIUM || "/usr/bin/chromium";
const url = transport === "polling" ? `${base}/?transport=polling` : `${base}/`;
const deadline = setTimeout(() => {
  console.error("chat_browser: overall timeout (30 s)");
  process.exit(1);
}, 30_000);

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

async function openChat() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(url);
  await page.waitForSelector('#status[data-state="connected"]', { timeout: 10_000 });
  await page.waitForSelector("#messages li.system", { timeout: 10_000 });
  return { page, errors };
}

const lines = (page) => page.$$eval("#messages li", (items) => items.map((li) => ({ text: li.textContent, system: li.className === "system" })));

let failure = null;
const result = {};
try {
  const alice = await openChat();
  const bob = await openChat();
  const message = `hello from alice ${Date.now()} \u{1F600}`;
  await alice.page.fill("#text", message);
  await alice.page.click("#send");
  for (const { page } of [alice, bob]) {
    await page.waitForFunction(
      (text) => [...document.querySelectorAll("#messages li:not(.system)")].some((li) => li.textContent === text),
      message,
      { timeout: 10_000 },
    );
  }
  await alice.page.waitForSelector('#ack[data-acks="1"]', { timeout: 10_000 });
  result.transport = transport;
  result.alice = await lines(alice.page);
  result.bob = await lines(bob.page);
  result.ack = await alice.page.textContent("#ack");
  result.bobAcks = await bob.page.getAttribute("#ack", "data-acks");
  result.errors = [...alice.errors, ...bob.errors];
  const welcomed = (seen) => seen.some((line) => line.system && line.text === "Welcome!");
  const chatLines = (seen) => seen.filter((line) => !line.system).map((line) => line.text);
  if (!welcomed(result.alice) || !welcomed(result.bob)) failure = "a page did not get the Welcome! system message";
  else if (JSON.stringify(chatLines(result.alice)) !== JSON.stringify([message])) failure = "alice's page does not show exactly her message";
  else if (JSON.stringify(chatLines(result.bob)) !== JSON.stringify([message])) failure = "bob's page does not show exactly alice's message";
  else if (!result.ack.includes('{"status":"ok"}')) failure = `alice's ack is wrong: ${result.ack}`;
  else if (result.bobAcks !== "0") failure = "bob got an ack for a message he did not send";
  else if (result.errors.length) failure = `page errors: ${result.errors.join("; ")}`;
} catch (error) {
  failure = String(error);
} finally {
  await browser.close();
  clearTimeout(deadline);
}
console.log(JSON.stringify(result));
if (failure) {
  console.error(`chat_browser: ${failure}`);
  process.exit(1);
}
