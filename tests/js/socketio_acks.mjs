// Acknowledgements both ways, with timeouts on both sides:
// - the server answers `ack` with its arguments (binary too);
// - `socket.timeout(200).emit(...)` fails on the client when the server
//   does not answer;
// - the server's `emit_with_ack` (event `ask`) gets the client's answer,
//   a binary answer, or times out when the client never answers.
//
// Usage: node socketio_acks.mjs <server url> <polling|websocket>

import { ack, check, checkJson, client, connected, next, run, showBinary } from "./socketio_common.mjs";

run("socketio_acks", async () => {
  const socket = await connected(client());

  checkJson(await ack(socket, "ack", "a", 2, { b: [3] }), ["a", 2, { b: [3] }], "ack with several arguments");
  checkJson(showBinary(await ack(socket, "ack", Buffer.from([7, 8]))), [{ binary: [7, 8] }], "binary ack");
  checkJson(await socket.emitWithAck("ack", "promise"), "promise", "emitWithAck");

  // The server never answers `no_answer`: the client-side timeout fires.
  const started = Date.now();
  const timedOut = await new Promise((resolve) =>
    socket.timeout(200).emit("no_answer", 1, (err, ...rest) => resolve({ err, rest })),
  );
  const waited = Date.now() - started;
  check(timedOut.err instanceof Error, `no timeout error: ${JSON.stringify(timedOut)}`);
  check(waited >= 150, `the timeout fired after ${waited} ms`);
  let rejected = false;
  try {
    await socket.timeout(200).emitWithAck("no_answer", 2);
  } catch {
    rejected = true;
  }
  check(rejected, "emitWithAck with a timeout did not reject");

  // Server-side emit_with_ack.
  socket.on("question", (payload, callback) => callback("answer", payload));
  socket.on("question_bin", (_payload, callback) => callback(Buffer.from([9])));
  socket.on("ignored", () => {});
  const results = {};
  for (const [event, timeout] of [
    ["question", 5000],
    ["question_bin", 5000],
    ["ignored", 300],
  ]) {
    const asked = next(socket, "asked");
    socket.emit("ask", event, { q: event }, timeout);
    results[event] = showBinary((await asked)[0]);
  }
  checkJson(results.question, { ok: ["answer", { q: "question" }] }, "server ack answered");
  checkJson(results.question_bin, { ok: [{ binary: [9] }] }, "server ack answered with binary");
  checkJson(results.ignored, { err: "timeout" }, "server ack timed out");

  const id = socket.id;
  socket.disconnect();
  return { id, waited };
});
