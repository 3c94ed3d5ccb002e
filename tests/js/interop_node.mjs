// The interop scenarios (interop_scenarios.mjs) with the npm
// socket.io-client in Node.
//
// Usage: node interop_node.mjs MAIN_URL SMALL_URL SETTING CASES_JSON
//   SETTING: default | polling | websocket | polling-websocket | no-upgrade
// Prints one JSON object with what the client saw in every scenario; the
// Rust test (tests/interop_node.rs) asserts it.
import { io, Manager } from "socket.io-client";
import { SETTINGS, runAll } from "./interop_scenarios.mjs";

const [url, smallUrl, setting, casesJson] = process.argv.slice(2);
if (!url || !smallUrl || !(setting in SETTINGS) || !casesJson) {
  console.error(`usage: node interop_node.mjs MAIN_URL SMALL_URL (${Object.keys(SETTINGS).join("|")}) CASES_JSON`);
  process.exit(2);
}

const results = await runAll({ io, Manager, url, smallUrl, setting, cases: JSON.parse(casesJson) });
// Sockets a failed scenario left open must not keep the process alive;
// exit once the output is written.
process.stdout.write(`${JSON.stringify(results)}\n`, () => process.exit(0));
