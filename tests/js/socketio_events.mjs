// Events with several arguments, and binary both ways: Buffers in (nested),
// Buffers out (nested).
//
// Usage: node socketio_events.mjs <server url> <polling|websocket>

import { checkJson, client, connected, next, run, showBinary } from "./socketio_common.mjs";

run("socketio_events", async () => {
  const socket = await connected(client());

  const args = [1, "two", { three: 3 }, [4, 5], null, true, "😀 𝄞"];
  const echo = next(socket, "echo");
  socket.emit("echo", ...args);
  checkJson(await echo, args, "echo of several arguments");

  const binaryEcho = next(socket, "echo");
  socket.emit("echo", Buffer.from([1, 2, 3]), { nested: { buf: Buffer.from([4, 5]) }, list: [Buffer.from([6])] }, "meta");
  const echoed = showBinary(await binaryEcho);
  checkJson(
    echoed,
    [{ binary: [1, 2, 3] }, { nested: { buf: { binary: [4, 5] } }, list: [{ binary: [6] }] }, "meta"],
    "binary echo",
  );

  const binary = next(socket, "binary");
  socket.emit("binary_please");
  const received = await binary;
  checkJson(
    showBinary(received),
    [{ data: { binary: [1, 2, 3] }, nested: { more: [{ binary: [255] }] } }],
    "binary from the server",
  );

  const id = socket.id;
  socket.disconnect();
  return { id };
});
