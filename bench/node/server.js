// The Node.js reference server of sio's benchmarks, with the same handlers
// as bench/src/bin/sio-bench-server.rs:
//   - namespace "/"; every client may connect;
//   - "echo": acknowledges with the arguments it received;
//   - "broadcast": emits "broadcast" with the same arguments to every other
//     socket of the namespace;
//   - "slow" (burst scenario): one number n; awaits 1 ms (a simulated
//     database write), then counts the event as handled. An n that is not
//     the previous one plus 1 (the first is 0) counts as out of order (the
//     check is made when the handler starts, i.e. in the order the server
//     hands the events to the application);
//   - "report" (burst): acknowledges with {handled, out_of_order} for this
//     socket. Node runs a socket's handlers concurrently (each "slow" event
//     starts at once, its 1 ms runs beside the others'), so "report" may
//     start before the "slow" events sent earlier are done: it waits until
//     `expected` (its first argument) of them are handled, or 60 s, then
//     answers. sio runs one socket's events one at a time, so there
//     "report" only runs after them;
//   - "join" (churn): joins the room named by its argument, acknowledges
//     with no argument.
//
//   node server.js [port] [--redis URL] [--stats-port P] [--ping-interval-ms MS]
//       [--ping-timeout-ms MS] [--upgrade-timeout-ms MS] [--connect-timeout-ms MS]
//   (default port 3102; listens on 127.0.0.1)
//
// --stats-port P also listens on 127.0.0.1:P for plain HTTP: any request is
// answered with {"sessions": io.engine.clientsCount, "sockets":
// io.of("/").sockets.size, "sockets_in_memory": null, "rss": bytes} (the
// churn scenario waits on these to return to zero).
//
// --redis URL (or the environment variable SIO_BENCH_REDIS_URL) puts the
// namespaces on npm @socket.io/redis-adapter 8.3 over node-redis v4
// (`createClient({url})` and its `duplicate()`, as tests/js/cluster_server.mjs
// does), so that several servers on one Redis form a cluster; without it the
// in-memory adapter of socket.io is used. The adapter in use is logged on
// stderr. With Redis, the server listens only once both clients are
// connected and the adapter's subscriptions are confirmed, and exits 1 when
// Redis cannot be reached within 10 s.
//
// Engine.IO settings are socket.io's defaults (pingInterval 25 s,
// pingTimeout 20 s, maxHttpBufferSize 1 MB, polling and WebSocket, no
// per-message deflate, upgradeTimeout 10 s, connectTimeout 45 s), as for the
// sio server, unless the --*-ms options change them. SIGTERM stops it and prints
// on stderr how many sockets ended for each reason.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const MILLIS = {
  "--ping-interval-ms": "pingInterval",
  "--ping-timeout-ms": "pingTimeout",
  "--upgrade-timeout-ms": "upgradeTimeout",
  "--connect-timeout-ms": "connectTimeout",
};

function parseArgs(argv) {
  const parsed = { port: 3102, redis: process.env.SIO_BENCH_REDIS_URL || null, statsPort: null, timeouts: {} };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--redis") {
      parsed.redis = argv[++i];
      if (!parsed.redis) {
        process.stderr.write("node server: --redis needs a URL\n");
        process.exit(2);
      }
    } else if (argv[i] === "--stats-port" || argv[i] in MILLIS) {
      const name = argv[i];
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value <= 0) {
        process.stderr.write(`node server: ${name} needs a positive integer\n`);
        process.exit(2);
      }
      if (name === "--stats-port") parsed.statsPort = value;
      else parsed.timeouts[MILLIS[name]] = value;
    } else {
      parsed.port = Number(argv[i]);
    }
  }
  if (!Number.isInteger(parsed.port) || parsed.port <= 0) {
    process.stderr.write("usage: node server.js [port] [--redis URL]\n");
    process.exit(2);
  }
  return parsed;
}

const { port, redis: redisUrl, statsPort, timeouts } = parseArgs(process.argv.slice(2));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long the "slow" handler awaits: a simulated database write. */
const SLOW_HANDLER_MS = 1;
/** How long "report" waits for the "slow" events it expects. */
const REPORT_WAIT_MS = 60_000;
const reasons = new Map();
const closers = [];

/** The Redis adapter: both clients connected, or exit 1 after 10 s. */
async function redisAdapter(url) {
  const { createClient } = require("redis");
  const { createAdapter } = require("@socket.io/redis-adapter");
  const pubClient = createClient({ url });
  const subClient = pubClient.duplicate();
  for (const [name, client] of [["pub", pubClient], ["sub", subClient]]) {
    let lastError = null;
    client.on("error", (err) => {
      const message = err?.message ?? String(err);
      if (message !== lastError) process.stderr.write(`node server: redis ${name} error: ${message}\n`);
      lastError = message;
    });
  }
  const timer = setTimeout(() => {
    process.stderr.write(`node server: no connection to redis at ${url} within 10 s\n`);
    process.exit(1);
  }, 10_000);
  await Promise.all([pubClient.connect(), subClient.connect()]);
  clearTimeout(timer);
  closers.push(() => Promise.allSettled([pubClient.quit(), subClient.quit()]));
  // The adapter subscribes without a promise to wait for. Redis answers the
  // commands of one connection in order: once a later SUBSCRIBE on the same
  // client is confirmed, the adapter's are too.
  const subscribed = async () => {
    const barrier = `socket.io-bench-ready#${process.pid}`;
    await subClient.subscribe(barrier, () => {});
    await subClient.unsubscribe(barrier);
  };
  return { adapter: createAdapter(pubClient, subClient), subscribed };
}

async function main() {
  const redis = redisUrl ? await redisAdapter(redisUrl) : null;
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    pingInterval: 25000,
    pingTimeout: 20000,
    maxHttpBufferSize: 1e6,
    ...timeouts,
    ...(redis ? { adapter: redis.adapter } : {}),
  });

  io.on("connection", (socket) => {
    socket.on("echo", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") {
        ack(...args);
      }
    });
    socket.on("broadcast", (...args) => {
      socket.broadcast.emit("broadcast", ...args);
    });
    const burst = { next: 0, handled: 0, outOfOrder: 0 };
    socket.on("slow", async (n) => {
      if (n !== burst.next) burst.outOfOrder++;
      burst.next = n + 1;
      await sleep(SLOW_HANDLER_MS);
      burst.handled++;
    });
    socket.on("report", async (...args) => {
      const ack = args.pop();
      const expected = Number(args[0]) || 0;
      const deadline = Date.now() + REPORT_WAIT_MS;
      while (burst.handled < expected && Date.now() < deadline && socket.connected) {
        await sleep(5);
      }
      if (typeof ack === "function") ack({ handled: burst.handled, out_of_order: burst.outOfOrder });
    });
    socket.on("join", (room, ack) => {
      socket.join(String(room));
      if (typeof ack === "function") ack();
    });
    socket.on("disconnect", (reason) => {
      reasons.set(reason, (reasons.get(reason) || 0) + 1);
    });
  });

  // The adapter of "/" exists since the Server was made; wait for its
  // subscriptions before anyone can connect.
  if (redis) await redis.subscribed();
  const adapter = redis ? `@socket.io/redis-adapter on ${redisUrl}` : "in-memory adapter";
  if (statsPort) {
    const statsServer = http.createServer((req, res) => {
      const body = JSON.stringify({
        sessions: io.engine.clientsCount,
        sockets: io.of("/").sockets.size,
        sockets_in_memory: null,
        rss: process.memoryUsage.rss(),
      });
      res.writeHead(200, { "Content-Type": "application/json", Connection: "close" });
      res.end(body);
    });
    statsServer.listen(statsPort, "127.0.0.1");
  }
  httpServer.listen(port, "127.0.0.1", () => {
    process.stderr.write(`node socket.io server listening on 127.0.0.1:${port}, pid ${process.pid}, ${adapter}\n`);
  });
}

function stop() {
  process.stderr.write(`node server: sockets ended by reason: ${JSON.stringify(Object.fromEntries(reasons))}\n`);
  Promise.race([Promise.all(closers.map((close) => close())), new Promise((resolve) => setTimeout(resolve, 1000))])
    .finally(() => process.exit(0));
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

main().catch((err) => {
  process.stderr.write(`node server: ${err?.stack ?? err}\n`);
  process.exit(1);
});
