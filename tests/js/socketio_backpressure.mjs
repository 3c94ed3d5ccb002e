// Backpressure, as the official client meets it: a burst to a slow handler
// is handled in full and in order with the connection kept; a pause in
// reading longer than the ping timeout costs nothing; only a configured
// backlog limit disconnects, with a reason the client sees.
//
// Usage: node socketio_backpressure.mjs <server url> <polling|websocket> <scenario> [count]
//   burst N   emits N `item` events at once, then asks `report` (ack)
//   stall N   emits N `stuck` events at once, then waits for the disconnect

import { check, client, connected, run, transport } from "./socketio_common.mjs";

const [scenario, countArg] = process.argv.slice(4);
const count = Number(countArg ?? 3000);

/** Resolves with the (first) argument `socket`'s answer to `event`, within `ms`. */
function ackWithin(socket, ms, event, ...args) {
  return socket.timeout(ms).emitWithAck(event, ...args);
}

/** Resolves with the reason of the next disconnect, within `ms`. */
function disconnectWithin(socket, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no disconnect within ${ms} ms`)), ms);
    socket.once("disconnect", (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

run(`socketio_backpressure ${scenario}`, async () => {
  const socket = await connected(client());
  const disconnects = [];
  socket.on("disconnect", (reason) => disconnects.push(reason));

  if (scenario === "burst") {
    for (let i = 0; i < count; i++) socket.emit("item", i);
    // Queued behind every item, on the same socket: answered once they all
    // ran. Generous: the handler takes at least a millisecond per item.
    const report = await ackWithin(socket, 25_000, "report");
    check(socket.connected, "the socket is still connected after the burst");
    const result = { transport, report, disconnects: [...disconnects], connected: socket.connected };
    socket.disconnect();
    return result;
  }

  if (scenario === "stall") {
    const disconnected = disconnectWithin(socket, 10_000);
    for (let i = 0; i < count; i++) socket.emit("stuck", i);
    const reason = await disconnected;
    return { transport, reason, active: socket.active };
  }

  throw new Error(`unknown scenario ${scenario}`);
});
