// Rooms and broadcasts between three clients a, b, c (one session each):
// a in r1 and r2, b in r1, c in r2. Each broadcast is followed by a
// `fence` event to everyone; a client's packets arrive in order, so what
// it got before the fence is exactly what the broadcast gave it.
//
// Usage: node socketio_rooms.mjs <server url> <polling|websocket>

import { ack, checkJson, client, connected, next, run } from "./socketio_common.mjs";

/** The `room` payloads `socket` receives until its next `fence`. */
function untilFence(socket) {
  const seen = [];
  const onRoom = (payload) => seen.push(payload);
  socket.on("room", onRoom);
  return next(socket, "fence").then(() => {
    socket.off("room", onRoom);
    return seen;
  });
}

run("socketio_rooms", async () => {
  const [a, b, c] = await Promise.all([client(), client(), client()].map(connected));
  const joined = await Promise.all([ack(a, "join", "r1", "r2"), ack(b, "join", "r1"), ack(c, "join", "r2")]);
  checkJson(joined[0], [[a.id, "r1", "r2"]], "rooms of a");

  async function broadcast(sender, event, ...args) {
    const seen = Promise.all([a, b, c].map(untilFence));
    sender.emit(event, ...args);
    sender.emit("fence");
    return seen;
  }
  checkJson(await broadcast(a, "to_room", "r1", "x1"), [[], ["x1"], []], "socket.to(r1) from a");
  checkJson(await broadcast(a, "server_to_room", "r1", "x2"), [["x2"], ["x2"], []], "server.to(r1) from a");
  checkJson(await broadcast(a, "except_room", "r1", "x3"), [[], [], ["x3"]], "server.except(r1)");
  checkJson(await broadcast(b, "broadcast", "x4"), [["x4"], [], ["x4"]], "socket.broadcast() from b");
  checkJson(await broadcast(c, "to_rooms", ["r1", "r2"], "x5"), [["x5"], ["x5"], ["x5"]], "to(r1).to(r2), once each");

  // A broadcast with acks: a and b answer, c does not.
  a.on("question", (_payload, callback) => callback("a"));
  b.on("question", (_payload, callback) => callback("b"));
  c.on("question", () => {});
  const summary = next(a, "asked_all");
  a.emit("ask_all", "question", 1, 500);
  checkJson(await summary, [{ answers: 2, missing: 1 }], "broadcast acks");

  const ids = { a: a.id, b: b.id, c: c.id };
  for (const socket of [a, b, c]) socket.disconnect();
  return ids;
});
