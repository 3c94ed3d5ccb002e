// A remote control for npm `socket.io-client` (4.8.4) clients, so a Rust
// test (tests/support/js_driver.rs) can run many real clients against the
// nodes of a cluster while it kills and restarts things.
//
// Usage: node cluster_driver.mjs
// Reads one JSON command per line on stdin and writes exactly one JSON line
// per command on stdout: {"id", "ok": true, "result"} or {"id", "ok": false,
// "error"}. Commands run concurrently (a slow wait_event does not hold up
// the next command); a reply carries its command's id (null when the line
// was not JSON). Logs go to stderr. EOF on stdin, or "exit", closes every
// client and exits 0.
//
// Commands ("client" names a client; timeouts in ms):
//   connect {client, url, opts}   url = http://host:port/namespace; opts are
//        io() options plus timeoutMs (default 5000); forceNew defaults to
//        true (each client its own Engine.IO session) -> {sid}
//   configure {client, answer, answerDelayMs}   how "ask" events (events
//        with an ack) are answered: with {client, args} after the delay, or
//        never when answer is false
//   emit {client, event, args, ack, timeoutMs}  -> the ack's arguments
//        (ack: true) or null
//   wait_event {client, event, count, timeoutMs} -> the args of the first
//        `count` events of that name since connect (or the last clear)
//   events {client, event}        -> the args of every such event so far
//   clear {client}                empties the client's event log
//   wait_disconnect {client, timeoutMs} -> the reason (at once if the client
//        is disconnected now)
//   wait_reconnect {client, timeoutMs}  -> {sid} of the next connect after a
//        disconnect (at once if one happened and was not reported yet)
//   close {client}                socket.disconnect()
//   exit                          closes every client and exits 0
// Binary in args, both ways: {"$bin": "<hex>"}.
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

// Unprefixed: tests/support/js_driver.rs prefixes each line.
const log = (...parts) => console.error(...parts);

// ---------------------------------------------------------------------------
// JSON <-> socket.io values
// ---------------------------------------------------------------------------

function toWire(value) {
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$bin" && typeof value.$bin === "string") {
      return Buffer.from(value.$bin, "hex");
    }
    return Object.fromEntries(keys.map((k) => [k, toWire(value[k])]));
  }
  return value;
}

function fromWire(value) {
  if (Buffer.isBuffer(value)) return { $bin: value.toString("hex") };
  if (value instanceof ArrayBuffer) return { $bin: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value)) {
    return { $bin: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
  }
  if (Array.isArray(value)) return value.map(fromWire);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}

// ---------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------

class CommandError extends Error {}

/** Resolves when `check()` returns a value other than undefined, re-checked on every `notify()`. */
class Waiters {
  #waiting = new Set();

  wait(check, timeoutMs, onTimeout) {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter = { check, resolve, reject };
      waiter.timer = setTimeout(() => {
        this.#waiting.delete(waiter);
        reject(new CommandError(onTimeout()));
      }, timeoutMs);
      this.#waiting.add(waiter);
    });
  }

  notify() {
    for (const waiter of [...this.#waiting]) {
      let value;
      try {
        value = waiter.check();
      } catch (err) {
        clearTimeout(waiter.timer);
        this.#waiting.delete(waiter);
        waiter.reject(err);
        continue;
      }
      if (value !== undefined) {
        clearTimeout(waiter.timer);
        this.#waiting.delete(waiter);
        waiter.resolve(value);
      }
    }
  }
}

class Client {
  constructor(name, url, opts) {
    this.name = name;
    this.log = [];
    this.answer = true;
    this.answerDelayMs = 0;
    this.connected = false;
    this.lastDisconnect = null; // the reason, while disconnected
    this.disconnectedOnce = false; // since the last connect
    this.unreportedReconnect = null; // {sid} of a reconnect no wait_reconnect returned yet
    this.lastConnectError = null;
    this.closed = false;
    this.waiters = new Waiters();

    this.socket = io(url, { forceNew: true, ...opts });
    this.socket.onAny((event, ...args) => this.#received(event, args));
    this.socket.on("connect", () => {
      this.connected = true;
      this.lastDisconnect = null;
      if (this.disconnectedOnce) this.unreportedReconnect = { sid: this.socket.id };
      this.disconnectedOnce = false;
      this.waiters.notify();
    });
    this.socket.on("disconnect", (reason) => {
      this.connected = false;
      this.lastDisconnect = reason;
      this.disconnectedOnce = true;
      log(`${name} disconnected: ${reason}`);
      this.waiters.notify();
    });
    this.socket.on("connect_error", (err) => {
      this.lastConnectError = err;
      this.waiters.notify();
    });
  }

  #received(event, args) {
    let ack = null;
    if (typeof args.at(-1) === "function") ack = args.pop();
    const recorded = fromWire(args);
    this.log.push({ event, args: recorded });
    if (ack && this.answer) {
      const reply = { client: this.name, args: recorded };
      if (this.answerDelayMs > 0) setTimeout(() => ack(reply), this.answerDelayMs);
      else ack(reply);
    }
    this.waiters.notify();
  }

  named(event) {
    return this.log.filter((e) => e.event === event).map((e) => e.args);
  }

  connect(timeoutMs) {
    return this.waiters.wait(
      () => {
        if (this.connected) return { sid: this.socket.id };
        // Refused by a namespace middleware (or closed): socket.io-client
        // will not retry, so neither does the wait.
        if (this.lastConnectError && !this.socket.active) {
          throw new CommandError(this.lastConnectError.message);
        }
        return undefined;
      },
      timeoutMs,
      () => `connect timeout after ${timeoutMs} ms${this.lastConnectError ? `: ${this.lastConnectError.message}` : ""}`,
    );
  }

  close() {
    this.closed = true;
    this.socket.disconnect();
  }
}

const clients = new Map();

function client(name) {
  const c = clients.get(name);
  if (!c) throw new CommandError(`unknown client ${name}`);
  return c;
}

const timeoutOf = (cmd, fallback) => (Number.isFinite(cmd.timeoutMs) ? cmd.timeoutMs : fallback);

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

const commands = {
  async connect(cmd) {
    if (typeof cmd.client !== "string" || typeof cmd.url !== "string") {
      throw new CommandError("connect needs client and url");
    }
    const existing = clients.get(cmd.client);
    if (existing && !existing.closed) throw new CommandError(`client ${cmd.client} exists`);
    const { timeoutMs = 5000, ...opts } = cmd.opts ?? {};
    const c = new Client(cmd.client, cmd.url, toWire(opts));
    clients.set(cmd.client, c);
    try {
      return await c.connect(timeoutMs);
    } catch (err) {
      // A failed client does not go on retrying in the background.
      c.close();
      throw err;
    }
  },

  configure(cmd) {
    const c = client(cmd.client);
    if (typeof cmd.answer === "boolean") c.answer = cmd.answer;
    if (Number.isFinite(cmd.answerDelayMs)) c.answerDelayMs = cmd.answerDelayMs;
    return null;
  },

  emit(cmd) {
    const c = client(cmd.client);
    if (typeof cmd.event !== "string") throw new CommandError("emit needs event");
    const args = toWire(cmd.args ?? []);
    if (!cmd.ack) {
      c.socket.emit(cmd.event, ...args);
      return null;
    }
    const timeoutMs = timeoutOf(cmd, 5000);
    return new Promise((resolve, reject) => {
      c.socket.timeout(timeoutMs).emit(cmd.event, ...args, (err, ...res) => {
        if (err) reject(new CommandError("ack timeout"));
        else resolve(fromWire(res));
      });
    });
  },

  wait_event(cmd) {
    const c = client(cmd.client);
    const count = Number.isInteger(cmd.count) ? cmd.count : 1;
    const timeoutMs = timeoutOf(cmd, 5000);
    return c.waiters.wait(
      () => {
        const seen = c.named(cmd.event);
        return seen.length >= count ? seen.slice(0, count) : undefined;
      },
      timeoutMs,
      () => `timeout waiting for ${cmd.event} on ${cmd.client}: have ${c.named(cmd.event).length}`,
    );
  },

  events(cmd) {
    return client(cmd.client).named(cmd.event);
  },

  clear(cmd) {
    client(cmd.client).log = [];
    return null;
  },

  wait_disconnect(cmd) {
    const c = client(cmd.client);
    const timeoutMs = timeoutOf(cmd, 5000);
    return c.waiters.wait(
      () => (c.connected ? undefined : (c.lastDisconnect ?? undefined)),
      timeoutMs,
      () => `timeout waiting for ${cmd.client} to disconnect`,
    );
  },

  wait_reconnect(cmd) {
    const c = client(cmd.client);
    const timeoutMs = timeoutOf(cmd, 10000);
    return c.waiters.wait(
      () => {
        if (!c.connected || !c.unreportedReconnect) return undefined;
        const reconnect = c.unreportedReconnect;
        c.unreportedReconnect = null;
        return reconnect;
      },
      timeoutMs,
      () =>
        `timeout waiting for ${cmd.client} to reconnect` +
        (c.lastConnectError ? ` (last connect_error: ${c.lastConnectError.message})` : ""),
    );
  },

  close(cmd) {
    client(cmd.client).close();
    return null;
  },

  exit() {
    closeAll();
    return null;
  },
};

function closeAll() {
  for (const c of clients.values()) c.close();
}

function reply(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

// Commands not answered yet (by id): on exit each gets an error reply, so
// that every command gets one.
const inFlight = new Set();

async function handle(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    reply({ id: null, ok: false, error: `bad JSON: ${err.message}` });
    return;
  }
  const id = cmd?.id ?? null;
  const run = commands[cmd?.cmd];
  if (typeof cmd !== "object" || cmd === null || !Object.hasOwn(commands, cmd.cmd)) {
    reply({ id, ok: false, error: `unknown command ${JSON.stringify(cmd?.cmd)}` });
    return;
  }
  const token = { id };
  inFlight.add(token);
  try {
    const result = await run(cmd);
    if (inFlight.delete(token)) reply({ id, ok: true, result: result ?? null });
    if (cmd.cmd === "exit") exitAfterReplies();
  } catch (err) {
    if (!(err instanceof CommandError)) log(`${cmd.cmd} failed:`, err);
    if (inFlight.delete(token)) reply({ id, ok: false, error: String(err?.message ?? err) });
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (line.trim() !== "") handle(line);
});
lines.on("close", () => {
  closeAll();
  exitAfterReplies();
});

/** Exits 0 once what was written to stdout is flushed. */
function exitAfterReplies() {
  for (const { id } of inFlight) reply({ id, ok: false, error: "driver exiting" });
  inFlight.clear();
  process.stdout.write("", () => process.exit(0));
}
