// Several namespaces over one connection: `io(url)` and `io(url + "/custom")`
// share one Manager (one Engine.IO session); each namespace gets its own
// socket id; leaving /custom keeps / working on the same session.
//
// Usage: node socketio_namespaces.mjs <server url> <polling|websocket>

import { io } from "socket.io-client";
import { check, checkJson, connected, next, options, run, transport, url } from "./socketio_common.mjs";

run("socketio_namespaces", async () => {
  const root = io(url, options());
  const custom = io(url + "/custom", options());
  await Promise.all([connected(root), connected(custom)]);
  check(root.io === custom.io, "the two namespaces do not share their Manager");
  const engine = root.io.engine;
  check(engine.transport.name === transport, `transport is ${engine.transport.name}`);
  const ids = { root: root.id, custom: custom.id, engine: engine.id };
  check(new Set(Object.values(ids)).size === 3, `ids are not distinct: ${JSON.stringify(ids)}`);

  // Each namespace gets only its own events.
  const strays = [];
  root.on("echo", (...args) => args[0] !== "from root" && strays.push(["/", args]));
  custom.on("echo", (...args) => args[0] !== "from custom" && strays.push(["/custom", args]));
  const rootEcho = next(root, "echo");
  const customEcho = next(custom, "echo");
  root.emit("echo", "from root");
  custom.emit("echo", "from custom");
  checkJson(await rootEcho, ["from root"], "echo on /");
  checkJson(await customEcho, ["from custom"], "echo on /custom");
  // The other namespace's echo would have arrived by now (same session, in order).
  const fence = next(root, "echo");
  root.emit("echo", "from root");
  await fence;
  checkJson(strays, [], "events delivered to the wrong namespace");
  root.removeAllListeners("echo");
  custom.removeAllListeners("echo");

  // Leaving /custom keeps / and the session.
  const customGone = next(custom, "disconnect");
  custom.disconnect();
  checkJson((await customGone)[0], "io client disconnect", "reason on /custom");
  const after = next(root, "echo");
  root.emit("echo", "after");
  checkJson(await after, ["after"], "echo on / after /custom left");
  check(root.io.engine === engine && engine.readyState === "open", "the session did not survive /custom leaving");

  root.disconnect();
  return ids;
});
