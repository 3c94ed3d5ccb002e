// Engine.IO interop smoke test with the official npm client.
//
// Usage: node engine_smoke.mjs http://127.0.0.1:PORT
//
// Drives socket.io-client's low-level Manager (its `engine` is the
// engine.io-client Socket) against the server and checks that:
//   (a) a polling handshake upgrades to WebSocket;
//   (b) `transports: ["websocket"]` opens directly on WebSocket;
//   (c) a message sent on the engine comes back (the server echoes), on both.
// Prints one JSON line of results and exits 0, or prints the failure on
// stderr and exits 1. The whole run is bounded by OVERALL_TIMEOUT_MS.

import { Manager } from "socket.io-client";

const OVERALL_TIMEOUT_MS = 10_000;
const STEP_TIMEOUT_MS = 5_000;
const EXIT_GRACE_MS = 2_000;

const url = process.argv[2];
if (!url) {
  console.error("usage: node engine_smoke.mjs <server url>");
  process.exit(2);
}

const overall = setTimeout(() => {
  console.error(`engine_smoke: FAIL: not done within ${OVERALL_TIMEOUT_MS} ms`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

function withTimeout(what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function open(transports) {
  const manager = new Manager(url, { autoConnect: false, reconnection: false, transports });
  return withTimeout(
    `the handshake over ${transports.join("+")}`,
    new Promise((resolve, reject) => {
      manager.open((err) => (err ? reject(new Error(`open failed: ${err.message ?? err}`)) : resolve(manager)));
    }),
  );
}

function closedBeforeDone(engine, what) {
  return new Promise((_, reject) => {
    engine.once("close", (reason, description) =>
      reject(new Error(`engine closed (${reason}) while waiting for ${what}: ${description?.message ?? ""}`)),
    );
  });
}

// The Manager decodes every message as a Socket.IO packet and closes on a
// parse error, so the echoed text must be a valid Socket.IO packet (an
// EVENT for "/", which no namespace socket receives here).
async function echo(engine, text) {
  const received = new Promise((resolve) => {
    const onMessage = (data) => {
      if (data === text) {
        engine.off("message", onMessage);
        resolve(data);
      }
    };
    engine.on("message", onMessage);
  });
  engine.send(text);
  return withTimeout(`the echo of ${text}`, Promise.race([received, closedBeforeDone(engine, "the echo")]));
}

async function pollingThenUpgrade() {
  const manager = await open(["polling", "websocket"]);
  const engine = manager.engine;
  const initial = engine.transport.name;
  if (initial !== "polling") throw new Error(`expected to start on polling, started on ${initial}`);
  const upgraded = await withTimeout(
    "the upgrade to websocket",
    Promise.race([
      new Promise((resolve, reject) => {
        engine.once("upgrade", (transport) => resolve(transport.name));
        engine.once("upgradeError", (err) => reject(new Error(`upgrade error: ${err.message ?? err}`)));
      }),
      closedBeforeDone(engine, "the upgrade"),
    ]),
  );
  if (upgraded !== "websocket" || engine.transport.name !== "websocket") {
    throw new Error(`upgraded to ${upgraded}, transport now ${engine.transport.name}`);
  }
  const echoed = await echo(engine, '2["hello","upgraded"]');
  const sid = engine.id;
  manager._close();
  return { sid, initial, upgraded: engine.transport.name, echoed };
}

async function websocketOnly() {
  const manager = await open(["websocket"]);
  const engine = manager.engine;
  if (engine.transport.name !== "websocket") {
    throw new Error(`expected websocket, opened on ${engine.transport.name}`);
  }
  const echoed = await echo(engine, '2["hello","websocket"]');
  const sid = engine.id;
  manager._close();
  return { sid, transport: "websocket", echoed };
}

async function pollingOnly() {
  const manager = await open(["polling"]);
  const engine = manager.engine;
  const transport = engine.transport.name;
  const echoed = await echo(engine, '2["hello","polling"]');
  const sid = engine.id;
  manager._close();
  return { sid, transport, echoed };
}

try {
  const results = {
    upgrade: await pollingThenUpgrade(),
    websocket: await websocketOnly(),
    polling: await pollingOnly(),
  };
  console.log(JSON.stringify(results));
  clearTimeout(overall);
  // Let the clients finish closing (the polling close packet is a POST
  // still in flight): node exits when nothing is left, at most after
  // EXIT_GRACE_MS.
  setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
} catch (err) {
  console.error(`engine_smoke: FAIL: ${err.message}`);
  process.exit(1);
}
