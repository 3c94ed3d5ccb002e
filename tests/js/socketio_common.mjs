// Shared helpers of the socketio_*.mjs interop scripts (npm socket.io-client
// against the sio server started by sio-server/tests/socketio_npm_client.rs).
//
// Every script is run as `node <script> <server url> <polling|websocket>`,
// checks what it sees, prints one JSON line of results and exits 0, or
// prints the failure on stderr and exits 1. The whole run is bounded by
// OVERALL_TIMEOUT_MS, each wait by STEP_TIMEOUT_MS.

import { io } from "socket.io-client";

const OVERALL_TIMEOUT_MS = 30_000;
const STEP_TIMEOUT_MS = 10_000;
const EXIT_GRACE_MS = 2_000;

export const [url, transport] = process.argv.slice(2);
if (!url || !["polling", "websocket"].includes(transport)) {
  console.error("usage: node <script> <server url> <polling|websocket>");
  process.exit(2);
}

/** Client options: one transport, no reconnection; extra options win. */
export function options(extra = {}) {
  return { transports: [transport], reconnection: false, ...extra };
}

/** A socket on its own Manager (its own Engine.IO session). */
export function client(namespace = "/", extra = {}) {
  return io(url + (namespace === "/" ? "" : namespace), options({ forceNew: true, ...extra }));
}

/** Throws with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Throws unless `actual` and `expected` have the same JSON. */
export function checkJson(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: got ${a}, expected ${e}`);
}

/** Races `promise` against STEP_TIMEOUT_MS. */
export function withTimeout(what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The arguments of the next `event` on `socket`. */
export function next(socket, event) {
  return withTimeout(
    `"${event}" on ${socket.nsp}`,
    new Promise((resolve) => socket.once(event, (...args) => resolve(args))),
  );
}

/** Resolves once `socket` is connected; rejects on connect_error. */
export function connected(socket) {
  if (socket.connected) return Promise.resolve(socket);
  return withTimeout(
    `the connection of ${socket.nsp}`,
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", (err) => reject(new Error(`connect_error on ${socket.nsp}: ${err.message}`)));
    }),
  );
}

/** The error of the next connect_error on `socket`. */
export function connectError(socket) {
  return withTimeout(
    `a connect_error on ${socket.nsp}`,
    new Promise((resolve, reject) => {
      socket.once("connect", () => reject(new Error(`${socket.nsp} connected, a refusal was expected`)));
      socket.once("connect_error", resolve);
    }),
  );
}

/** Emits `event` with `args` and resolves with the ack's arguments. */
export function ack(socket, event, ...args) {
  return withTimeout(
    `the ack of "${event}"`,
    new Promise((resolve) => socket.emit(event, ...args, (...answer) => resolve(answer))),
  );
}

/** Binary data (Buffer, ArrayBuffer, typed array) as `{binary: [bytes]}`,
 *  the way the Rust tests show it; everything else unchanged, recursively. */
export function showBinary(value) {
  if (value instanceof ArrayBuffer) return { binary: [...new Uint8Array(value)] };
  if (ArrayBuffer.isView(value)) {
    return { binary: [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)] };
  }
  if (Array.isArray(value)) return value.map(showBinary);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, showBinary(v)]));
  }
  return value;
}

/** Runs `main`, prints its result as JSON and exits 0, or exits 1. */
export async function run(name, main) {
  const overall = setTimeout(() => {
    console.error(`${name}: FAIL: not done within ${OVERALL_TIMEOUT_MS} ms`);
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);
  try {
    const results = await main();
    console.log(JSON.stringify(results));
    clearTimeout(overall);
    // Let the closing packets go out; node exits when nothing is left, at
    // most after EXIT_GRACE_MS.
    setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
  } catch (err) {
    console.error(`${name} (${transport}): FAIL: ${err.stack ?? err}`);
    process.exit(1);
  }
}
