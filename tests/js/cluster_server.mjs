// One node of a Socket.IO cluster: the npm `socket.io` 4.8 server with the
// npm `@socket.io/redis-adapter` 8.3 on node-redis v4, the reference the sio
// cluster nodes are checked against (tests/support/node_cluster.rs runs it).
//
// Usage: node cluster_server.mjs PORT REDIS_URL NODE_NAME [KEY_PREFIX]
//   KEY_PREFIX: the adapter's `key` (default "socket.io").
// Listens on 127.0.0.1:PORT with CORS "*", prints exactly one line
// `listening PORT` on stdout once Redis is connected and the adapter has
// subscribed, then logs on stderr only; exits 1 when Redis cannot be
// reached within 10 s at start (later outages are waited out). SIGTERM /
// SIGINT close everything and exit 0.
//
// The event protocol (the sio test nodes implement the same one, so the
// clients of tests/js/cluster_driver.mjs can use any node), on "/" and
// "/chat" alike; every client event takes an ack as its last argument and
// always gets an answer:
//   whoami()                  -> {node, id}
//   join(room), leave(room)   -> true
//   set_data(value)           -> true (socket.data = value)
//   broadcast({rooms, except, local, event = "msg", args = []}) -> true
//   broadcast_ack({rooms, except, local, event = "ask", args = [], timeout = 2000})
//                             -> {timedOut, answers}
//   fetch({rooms, except, local, timeout}) -> [{id, rooms, data, handshake}] by id,
//                                or {error} when fetchSockets rejects
//   remote_join({rooms, except, room}), remote_leave(same) -> true
//   remote_disconnect({rooms, except, close}) -> true
//   fetched_emit({id, event, args}) -> whether fetchSockets found the socket
//   server_emit({event, args}) -> true
//   server_emit_ack({event, args, timeout = 2000}) -> {timedOut, answers}
// Server-side events "hello" and "ping_nodes" (from other nodes) are shown
// to this node's clients as `server_event` {node, event, args};
// "ping_nodes" is also acked with {node, args}.
// `handshake.auth.rooms` (an array) is joined on connection.

import { AsyncLocalStorage } from "node:async_hooks";
import { createServer } from "node:http";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";

const [portArg, redisUrl, nodeName, keyPrefix = "socket.io"] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || !redisUrl || !nodeName) {
  console.error("usage: node cluster_server.mjs PORT REDIS_URL NODE_NAME [KEY_PREFIX]");
  process.exit(2);
}

// Unprefixed: tests/support/node_cluster.rs prefixes each line with the node.
const log = (...parts) => console.error(...parts);

// The adapter neither awaits nor catches its `pubClient.publish(...)`
// promises: a publish written just as Redis goes away rejects with EPIPE
// and nobody handles it. Node's default would end the process; a node that
// outlives a Redis restart logs and goes on (the message is lost).
process.on("unhandledRejection", (err) => log("unhandled rejection:", err?.message ?? String(err)));

const pubClient = createClient({ url: redisUrl });
const subClient = pubClient.duplicate();
for (const [name, client] of [["pub", pubClient], ["sub", subClient]]) {
  // node-redis retries every 50..500 ms and reports each failure: log an
  // error once until the client is ready again.
  let lastError = null;
  client.on("error", (err) => {
    const message = err?.message ?? String(err);
    if (message !== lastError) log(`redis ${name} error: ${message} (retrying)`);
    lastError = message;
  });
  client.on("ready", () => {
    lastError = null;
    log(`redis ${name} ready`);
  });
}
const CONNECT_WITHIN_MS = 10_000;
const connectTimer = setTimeout(() => {
  log(`no connection to redis at ${redisUrl} within ${CONNECT_WITHIN_MS} ms: giving up`);
  process.exit(1);
}, CONNECT_WITHIN_MS);
await Promise.all([pubClient.connect(), subClient.connect()]);
clearTimeout(connectTimer);

const DEFAULT_REQUESTS_TIMEOUT_MS = 5000;
// The adapter reads one `requestsTimeout` for every fetchSockets and
// serverSideEmit-with-ack (nsp.timeout() does not reach them). To give each
// call its own timeout without races between concurrent calls, the field is
// made a getter that reads the timeout of the calling async context.
const requestTimeout = new AsyncLocalStorage();
function perCallRequestsTimeout(nsp) {
  Object.defineProperty(nsp.adapter, "requestsTimeout", {
    get: () => requestTimeout.getStore() ?? DEFAULT_REQUESTS_TIMEOUT_MS,
    set: () => {},
    configurable: true,
  });
}
const withTimeout = (ms, fn) => (ms === undefined ? fn() : requestTimeout.run(ms, fn));

const httpServer = createServer();
const io = new Server(httpServer, {
  cors: { origin: "*" },
  adapter: createAdapter(pubClient, subClient, { key: keyPrefix }),
});

/** The namespace's server-side operator for `opts` (never socket.broadcast: the sender is included). */
function select(nsp, opts = {}) {
  let op = nsp.to(opts.rooms ?? []).except(opts.except ?? []);
  if (opts.local) op = op.local;
  return op;
}

const stripCallback = (args) => (typeof args.at(-1) === "function" ? args.slice(0, -1) : args);

function describe(socket) {
  const { address, query, url, headers } = socket.handshake;
  return {
    id: socket.id,
    rooms: [...socket.rooms].sort(),
    data: socket.data,
    handshake: { address, query, url, headers_host: headers?.host },
  };
}

function setUp(nsp) {
  perCallRequestsTimeout(nsp);

  nsp.on("hello", (...args) => {
    nsp.local.emit("server_event", { node: nodeName, event: "hello", args: stripCallback(args) });
  });
  nsp.on("ping_nodes", (...args) => {
    const cb = typeof args.at(-1) === "function" ? args.pop() : null;
    cb?.({ node: nodeName, args });
    nsp.local.emit("server_event", { node: nodeName, event: "ping_nodes", args });
  });

  nsp.on("connection", (socket) => {
    const rooms = socket.handshake.auth?.rooms;
    if (Array.isArray(rooms)) socket.join(rooms);
    log(`${nsp.name} connect ${socket.id}`);
    socket.on("disconnect", (reason) => log(`${nsp.name} disconnect ${socket.id}: ${reason}`));

    // Registers `handler` for `event`: its return value (awaited) is the ack;
    // a throw is acked as {error} so the client never waits in vain.
    const on = (event, handler) => {
      socket.on(event, async (...args) => {
        const ack = typeof args.at(-1) === "function" ? args.pop() : () => {};
        try {
          ack(await handler(...args));
        } catch (err) {
          log(`${event} failed:`, err);
          ack({ error: String(err?.message ?? err) });
        }
      });
    };

    on("whoami", () => ({ node: nodeName, id: socket.id }));
    on("join", (room) => (socket.join(room), true));
    on("leave", (room) => (socket.leave(room), true));
    on("set_data", (value) => ((socket.data = value), true));
    on("broadcast", (opts = {}) => {
      select(nsp, opts).emit(opts.event ?? "msg", ...(opts.args ?? []));
      return true;
    });
    on("broadcast_ack", (opts = {}) => new Promise((resolve) => {
      select(nsp, opts)
        .timeout(opts.timeout ?? 2000)
        .emit(opts.event ?? "ask", ...(opts.args ?? []), (err, responses) =>
          resolve({ timedOut: !!err, answers: responses }),
        );
    }));
    on("fetch", async (opts = {}) => {
      try {
        const sockets = await withTimeout(opts.timeout, () => select(nsp, opts).fetchSockets());
        return sockets.map(describe).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      } catch (err) {
        return { error: String(err?.message ?? err) };
      }
    });
    on("remote_join", (opts = {}) => (select(nsp, opts).socketsJoin(opts.room), true));
    on("remote_leave", (opts = {}) => (select(nsp, opts).socketsLeave(opts.room), true));
    on("remote_disconnect", (opts = {}) => (select(nsp, opts).disconnectSockets(!!opts.close), true));
    on("fetched_emit", async (opts = {}) => {
      const found = (await nsp.fetchSockets()).find((s) => s.id === opts.id);
      if (found) found.emit(opts.event, ...(opts.args ?? []));
      return !!found;
    });
    on("server_emit", (opts = {}) => (nsp.serverSideEmit(opts.event, ...(opts.args ?? [])), true));
    on("server_emit_ack", (opts = {}) => new Promise((resolve) => {
      withTimeout(opts.timeout ?? 2000, () =>
        nsp.serverSideEmit(opts.event, ...(opts.args ?? []), (err, responses) =>
          resolve({ timedOut: !!err, answers: responses ?? [] }),
        ),
      );
    }));
  });
}

setUp(io.of("/"));
setUp(io.of("/chat"));

// The adapters subscribed without a promise to wait for. Commands on one
// connection are answered in order, so once a later SUBSCRIBE on the same
// client is confirmed, theirs are too.
const barrier = `${keyPrefix}-ready#${nodeName}#${process.pid}`;
await subClient.subscribe(barrier, () => {});
await subClient.unsubscribe(barrier);

await new Promise((resolve, reject) => {
  httpServer.once("error", reject);
  httpServer.listen(port, "127.0.0.1", resolve);
});
process.stdout.write(`listening ${port}\n`);
log(`listening on 127.0.0.1:${port}, redis ${redisUrl}, key ${keyPrefix}`);

let closing = false;
async function shutdown(signal) {
  if (closing) return;
  closing = true;
  log(`${signal}: closing`);
  const force = setTimeout(() => {
    log("shutdown took too long, exiting");
    process.exit(0);
  }, 5000);
  force.unref();
  await new Promise((resolve) => io.close(() => resolve()));
  await Promise.allSettled([pubClient.quit(), subClient.quit()]);
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
