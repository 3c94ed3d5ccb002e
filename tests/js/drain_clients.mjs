// Many official clients across a rolling deploy: each connects to the first
// server, is let go when that server drains, reconnects by itself, and is
// done once it is greeted by the second server.
//
// Usage: node drain_clients.mjs <server url> <count> <transports, comma-separated>
// Prints one JSON line: for each client, the generations that greeted it
// and the disconnect reasons it saw.

import { io } from "socket.io-client";

const [url, countArg, transportsArg] = process.argv.slice(2);
const count = Number(countArg);
const transports = transportsArg.split(",");
const OVERALL_TIMEOUT_MS = 40_000;

const overall = setTimeout(() => {
  console.error(`drain_clients: not every client reached generation 2 within ${OVERALL_TIMEOUT_MS} ms`);
  console.error(JSON.stringify(clients.map(({ greetings, reasons }) => ({ greetings, reasons }))));
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

const clients = [];
const done = [];
for (let i = 0; i < count; i++) {
  const client = { greetings: [], reasons: [] };
  const socket = io(url + "/drain", {
    forceNew: true,
    transports,
    reconnectionDelay: 100,
    reconnectionDelayMax: 400,
  });
  client.socket = socket;
  socket.on("disconnect", (reason) => client.reasons.push(reason));
  done.push(
    new Promise((resolve) =>
      socket.on("hello", (generation) => {
        client.greetings.push(generation);
        socket.emit("greeted");
        if (generation === 2) resolve();
      }),
    ),
  );
  clients.push(client);
}

await Promise.all(done);
clearTimeout(overall);
console.log(JSON.stringify(clients.map(({ greetings, reasons }) => ({ greetings, reasons }))));
for (const { socket } of clients) socket.disconnect();
setTimeout(() => process.exit(0), 500).unref();
