// Decodes msgpack with notepack.io and encodes the result again, so the
// Rust codec of sio-redis (sio-redis/src/msgpack.rs) can be checked against
// the codec @socket.io/redis-adapter uses.
//
//   node notepack_roundtrip.mjs < hex-lines
//
// Reads one hex-encoded msgpack value per line on stdin and prints, per
// line, the hex of notepack.io's re-encoding, or "error: <message>" when
// notepack.io cannot decode or encode it. notepack.io is loaded through
// require() so that NODE_PATH can point at the node_modules that has it.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const notepack = require("notepack.io");

function roundTrip(hex) {
    try {
        const decoded = notepack.decode(Buffer.from(hex, "hex"));
        return notepack.encode(decoded).toString("hex");
    } catch (error) {
        return `error: ${error.message}`;
    }
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) {
    input += chunk;
}

const lines = input.split("\n").filter((line) => line.trim() !== "");
process.stdout.write(lines.map((line) => roundTrip(line.trim()) + "\n").join(""));
