// Disconnect reasons seen by the client (the Rust side checks the server's):
// - the server's socket.disconnect() -> "io server disconnect";
// - the client's socket.disconnect() -> "io client disconnect";
// - the server closing the connection -> "transport close";
// - leaving /custom keeps / on the same session.
//
// Usage: node socketio_disconnect.mjs <server url> <polling|websocket>

import { io } from "socket.io-client";
import { check, checkJson, client, connected, next, options, run, url } from "./socketio_common.mjs";

async function reasonAfter(socket, action) {
  const gone = next(socket, "disconnect");
  action();
  const [reason] = await gone;
  return reason;
}

run("socketio_disconnect", async () => {
  const results = {};

  const kicked = await connected(client());
  results.server = { id: kicked.id, reason: await reasonAfter(kicked, () => kicked.emit("disconnect_me")) };
  checkJson(results.server.reason, "io server disconnect", "reason after the server's disconnect");

  const leaving = await connected(client());
  const leavingId = leaving.id;
  results.client = { id: leavingId, reason: await reasonAfter(leaving, () => leaving.disconnect()) };
  checkJson(results.client.reason, "io client disconnect", "reason after the client's disconnect");

  const closed = await connected(client());
  results.closed = { id: closed.id, reason: await reasonAfter(closed, () => closed.emit("close_me")) };
  checkJson(results.closed.reason, "transport close", "reason after the server closed the connection");

  const root = io(url, options({ forceNew: true }));
  const custom = root.io.socket("/custom");
  custom.connect();
  await Promise.all([connected(root), connected(custom)]);
  results.namespace = { root: root.id, custom: custom.id };
  checkJson(await reasonAfter(custom, () => custom.disconnect()), "io client disconnect", "reason on /custom");
  const echo = next(root, "echo");
  root.emit("echo", "still here");
  checkJson(await echo, ["still here"], "/ after /custom left");
  check(root.connected, "/ was disconnected with /custom");
  root.disconnect();
  return results;
});
