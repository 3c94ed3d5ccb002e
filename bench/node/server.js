// The Node.js reference server of sio's benchmarks, with the same handlers
// as bench/src/bin/sio-bench-server.rs:
//   - namespace "/"; every client may connect;
//   - "echo": acknowledges with the arguments it received;
//   - "broadcast": emits "broadcast" with the same arguments to every other
//     socket of the namespace.
//
//   node server.js [port]        (default 3102; listens on 127.0.0.1)
//
// Engine.IO settings are socket.io's defaults (pingInterval 25 s,
// pingTimeout 20 s, maxHttpBufferSize 1 MB, polling and WebSocket, no
// per-message deflate), as for the sio server. SIGTERM stops it and prints
// on stderr how many sockets ended for each reason.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 3102);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: 25000,
  pingTimeout: 20000,
  maxHttpBufferSize: 1e6,
});

const reasons = new Map();

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
  socket.on("disconnect", (reason) => {
    reasons.set(reason, (reasons.get(reason) || 0) + 1);
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  process.stderr.write(`node socket.io server listening on 127.0.0.1:${port}, pid ${process.pid}\n`);
});

function stop() {
  process.stderr.write(`node server: sockets ended by reason: ${JSON.stringify(Object.fromEntries(reasons))}\n`);
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
