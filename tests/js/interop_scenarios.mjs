// The interop scenarios for the official JavaScript client, in Node and in
// the browser alike: this module uses nothing but the `io` and `Manager`
// it is given. It runs every scenario against the consumers of
// tests/interop_support/consumers.rs and returns what the client saw, one
// entry per scenario; the Rust tests (tests/interop_node.rs,
// tests/interop_browser.rs) assert it.
//
// A scenario that throws or hangs reports {"error": "..."}; the others
// still run. Binary is reported as {"$bin": hex}, {"$pattern": n} or
// {"$binLen": n} (tests/interop_support/report.rs).

export const SETTINGS = {
  default: { options: {}, final: "websocket" },
  polling: { options: { transports: ["polling"] }, final: "polling" },
  websocket: { options: { transports: ["websocket"] }, final: "websocket" },
  "polling-websocket": { options: { transports: ["polling", "websocket"] }, final: "websocket" },
  "no-upgrade": { options: { upgrade: false }, final: "polling" },
};

const SCENARIO_TIMEOUT_MS = 20_000;
const WAIT_MS = 10_000;
const AUTH = { token: "abc", n: 1, nested: { "\u{1F511}": [1, null] } };
const HEX_LIMIT = 64;

// --- binary convention ---

const patternByte = (i) => (Math.imul(i, 31) + 7) & 255;

export function pattern(length) {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = patternByte(i);
  return bytes;
}

function asBytes(value) {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

// What the client received, in reported form.
export function normalize(value) {
  const bytes = asBytes(value);
  if (bytes) {
    if (bytes.length <= HEX_LIMIT) return { $bin: [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("") };
    return bytes.every((b, i) => b === patternByte(i)) ? { $pattern: bytes.length } : { $binLen: bytes.length };
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  return value === undefined ? null : value;
}

// A reported form, as the value to send.
export function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$bin") return Uint8Array.from(value.$bin.match(/../g) ?? [], (h) => parseInt(h, 16));
    if (keys.length === 1 && keys[0] === "$pattern") return pattern(value.$pattern);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}

// --- waiting ---

function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The arguments of the next `event` on `emitter` (register before acting).
function next(emitter, event) {
  return within(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))), WAIT_MS, `"${event}"`);
}

// Emits with an ack; resolves to the ack's arguments.
function call(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(WAIT_MS).emit(event, ...args, (error, ...answer) => (error ? reject(error) : resolve(answer)));
  });
}

function connected(socket) {
  if (socket.connected) return Promise.resolve();
  return within(
    new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (error) => reject(new Error(`connect_error: ${error.message}`)));
    }),
    WAIT_MS,
    "connect",
  );
}

// --- the scenarios ---

export async function runAll({ io, Manager, url, smallUrl, setting, cases }) {
  const { options, final } = SETTINGS[setting];
  const open = (base, path, extra = {}) =>
    io(base + path, { ...options, forceNew: true, reconnection: false, ...extra });
  const transportOf = (socket) => socket.io.engine?.transport?.name ?? null;
  // Waits until the transport is the one this setting ends on.
  const settled = async (socket) => {
    if (final === "websocket" && transportOf(socket) === "polling") await next(socket.io.engine, "upgrade");
    return transportOf(socket);
  };
  const closeAll = (...sockets) => sockets.forEach((socket) => socket.disconnect());

  const scenarios = {
    async connect() {
      const seen = [];
      for (const [namespace, auth] of [["/", null], ["/", AUTH], ["/custom", null], ["/custom", AUTH]]) {
        const socket = open(url, namespace, auth ? { auth } : {});
        const hello = next(socket, "hello");
        await connected(socket);
        const helloArgs = normalize(await hello);
        const [who] = await call(socket, "whoami");
        const clientTransport = await settled(socket);
        const [after] = await call(socket, "whoami");
        seen.push({
          namespace,
          withAuth: auth !== null,
          hello: helloArgs,
          idMatchesServer: who.id === socket.id,
          idDiffersFromSid: socket.id !== socket.io.engine.id,
          sidMatchesServer: who.sid === socket.io.engine.id,
          clientTransport,
          serverTransport: after.transport,
        });
        socket.disconnect();
      }
      return seen;
    },

    async rejected() {
      const refusal = async (namespace, extra) => {
        const socket = open(url, namespace, extra);
        const [error] = await next(socket, "connect_error");
        const seen = { message: error.message, data: normalize(error.data ?? null), connected: socket.connected };
        socket.close();
        return seen;
      };
      const wrong = await refusal("/private", { auth: { token: "wrong" } });
      const none = await refusal("/private", {});
      const unknown = await refusal("/nowhere", {});
      const admitted = open(url, "/private", { auth: { token: "letmein" } });
      const hello = next(admitted, "hello");
      await connected(admitted);
      const seen = { wrong, none, unknown, admittedHello: normalize(await hello) };
      admitted.disconnect();
      return seen;
    },

    async multiplex() {
      const manager = new Manager(url, { ...options, reconnection: false });
      const root = manager.socket("/");
      const custom = manager.socket("/custom", { auth: AUTH });
      const customHello = next(custom, "hello");
      root.connect();
      custom.connect();
      await Promise.all([connected(root), connected(custom)]);
      const [a] = await call(root, "whoami");
      const [b] = await call(custom, "whoami");
      const distinctIds = a.id !== b.id && a.id === root.id && b.id === custom.id;
      root.disconnect();
      // The other namespace lives on after one leaves.
      const [stillThere] = await call(custom, "echo", "still here");
      const seen = {
        customHello: normalize(await customHello),
        sameSid: a.sid === b.sid,
        sidIsEngineId: a.sid === manager.engine.id,
        distinctIds,
        namespaces: [a.namespace, b.namespace],
        afterRootLeft: stillThere,
      };
      custom.disconnect();
      return seen;
    },

    async events() {
      const socket = open(url, "/");
      await connected(socket);
      const seen = {};
      for (const [name, args] of Object.entries(cases)) {
        const values = decode(args);
        const back = next(socket, "echo-back");
        socket.emit("echo", ...values);
        const echoed = normalize(await back);
        const acked = normalize(await call(socket, "echo", ...values));
        seen[name] = { echoed, acked };
      }
      const fromServer = [];
      socket.on("server-args", (...args) => fromServer.push(normalize(args)));
      await call(socket, "server-args");
      seen.fromServer = fromServer;
      socket.disconnect();
      return seen;
    },

    async typed() {
      const socket = open(url, "/");
      await connected(socket);
      const nested = { list: [1, 2, 3], inner: { flag: true, name: "n\u{1F600}" } };
      const [good] = await call(socket, "typed", 41, -2.5, "\u{1F600}\u{1D11E} ok", nested, null, Uint8Array.of(1, 2, 250));
      const [bad] = await call(socket, "typed", "not a number");
      socket.disconnect();
      return { good: normalize(good), bad: normalize(bad) };
    },

    async binary() {
      const socket = open(url, "/");
      await connected(socket);
      const fromServer = next(socket, "server-binary");
      socket.emit("server-binary");
      const seen = { fromServer: normalize(await fromServer) };
      seen.serverViewOfLarge = normalize(await call(socket, "digest", pattern(1 << 20)));
      seen.largeFromServer = normalize(await call(socket, "big-binary", 1 << 20));
      seen.transport = transportOf(socket);
      socket.disconnect();
      return seen;
    },

    async acks() {
      const socket = open(url, "/");
      socket.on("question", (arg, answer) => answer("answer", arg, Uint8Array.of(7, 8)));
      socket.on("silent", () => {}); // never answers
      await connected(socket);
      const answered = normalize(await call(socket, "ask", "question", { q: "\u{1F600}" }, 5000));
      let started = Date.now();
      const serverTimeout = normalize(await call(socket, "ask", "silent", 1, 300));
      const serverTimeoutMs = Date.now() - started;
      started = Date.now();
      const clientTimeout = await new Promise((resolve) => {
        socket.timeout(300).emit("never-acked", 1, (error, ...args) =>
          resolve({ error: error ? error.message : null, args: normalize(args), elapsedMs: Date.now() - started }),
        );
      });
      // The socket still works after both timeouts.
      const [after] = await call(socket, "echo", "after");
      socket.disconnect();
      return { answered, serverTimeout, serverTimeoutMs, clientTimeout, after };
    },

    async rooms() {
      const names = ["a", "b", "c"];
      const sockets = names.map(() => open(url, "/"));
      await Promise.all(sockets.map(connected));
      const [a, b, c] = sockets;
      const received = names.map(() => []);
      const ended = sockets.map(
        (socket, k) =>
          new Promise((resolve) =>
            socket.on("broadcasted", (payload) => (payload === "end" ? resolve() : received[k].push(payload))),
          ),
      );
      for (const socket of sockets) {
        await call(socket, "join", "rooms-test");
        await call(socket, "join", "r1");
      }
      const [bRooms] = await call(b, "join", "quiet");
      await call(a, "broadcast", { room: "r1", except: "quiet", payload: "r1-except-quiet", includeSelf: true });
      await call(a, "broadcast", { room: "r1", payload: "r1-others", includeSelf: false });
      const [cRooms] = await call(c, "leave", "r1");
      await call(a, "broadcast", { room: "r1", payload: "r1-after-c-left", includeSelf: true });
      await call(a, "broadcast", { room: "rooms-test", payload: "end", includeSelf: true });
      await within(Promise.all(ended), WAIT_MS, "the end marker");
      const seen = {
        a: received[0],
        b: received[1],
        c: received[2],
        bRooms: bRooms.map((room) => (room === b.id ? "<own id>" : room)),
        cRooms: cRooms.map((room) => (room === c.id ? "<own id>" : room)),
      };
      closeAll(...sockets);
      return seen;
    },

    async disconnects() {
      const observer = open(url, "/");
      await connected(observer);
      const serverReason = async (id) => (await call(observer, "disconnect-reason", id))[0];
      const ended = (socket) => next(socket, "disconnect").then(([reason]) => reason);

      const kicked = open(url, "/");
      await connected(kicked);
      const kickedId = kicked.id;
      const kickedEnd = ended(kicked);
      kicked.emit("kick");
      const serverInitiated = { client: await kickedEnd, server: await serverReason(kickedId) };

      const leaving = open(url, "/");
      await connected(leaving);
      const leavingId = leaving.id;
      const leavingEnd = ended(leaving);
      leaving.disconnect();
      const clientInitiated = { client: await leavingEnd, server: await serverReason(leavingId) };

      const closing = open(url, "/");
      await connected(closing);
      const closingId = closing.id;
      const closingEnd = ended(closing);
      closing.io.engine.close();
      const transportClosed = { client: await closingEnd, server: await serverReason(closingId) };

      observer.disconnect();
      return { serverInitiated, clientInitiated, transportClosed };
    },

    async burst() {
      const socket = open(smallUrl, "/");
      await connected(socket);
      const transport = await settled(socket);
      let polls = 0;
      socket.io.engine.transport.on("pollComplete", () => polls++);
      const items = [];
      socket.on("burst-item", (i, padding) => items.push(typeof padding === "string" ? i : -1));
      const done = next(socket, "burst-done");
      socket.emit("burst", 500);
      const [announced] = await done;
      const fromServer = { announced, count: items.length, inOrder: items.every((item, k) => item === k), polls };
      for (let i = 0; i < 500; i++) socket.emit("burst-in", i, "0123456789abcdefghijklmnopqrstuvwxyz");
      const [toServer] = await call(socket, "burst-check");
      socket.disconnect();
      return { transport, fromServer, toServer };
    },

    async oversize() {
      const observer = open(url, "/");
      const socket = open(smallUrl, "/");
      await Promise.all([connected(observer), connected(socket)]);
      const id = socket.id;
      const transport = await settled(socket);
      const ended = within(
        new Promise((resolve) => socket.once("disconnect", (reason, details) => resolve({ reason, details }))),
        WAIT_MS,
        "the disconnect after an oversized message",
      );
      const started = Date.now();
      socket.emit("echo", "x".repeat(3000));
      const { reason, details } = await ended;
      const seen = {
        transport,
        reason,
        description: String(details?.description?.message ?? details?.description ?? details?.message ?? ""),
        elapsedMs: Date.now() - started,
        server: (await call(observer, "disconnect-reason", id))[0],
      };
      socket.close();
      observer.disconnect();
      return seen;
    },

    // Last: the server restarts under the client.
    async reconnect() {
      const socket = io(url, {
        ...options,
        forceNew: true,
        reconnection: true,
        reconnectionDelay: 100,
        reconnectionDelayMax: 300,
        randomizationFactor: 0,
      });
      const generations = [];
      const reasons = [];
      let greeted = () => {};
      socket.on("hello", (_namespace, _auth, generation) => {
        generations.push(generation);
        greeted();
      });
      socket.on("disconnect", (reason) => reasons.push(reason));
      const firstHello = new Promise((resolve) => (greeted = resolve));
      await connected(socket);
      await within(firstHello, WAIT_MS, "hello");
      const transportBefore = await settled(socket);
      const secondHello = new Promise((resolve) => (greeted = resolve));
      const reconnected = next(socket.io, "reconnect");
      socket.emit("restart");
      const [attempts] = await reconnected;
      await within(secondHello, WAIT_MS, "hello from the new server");
      const [who] = await call(socket, "whoami");
      socket.disconnect();
      return { transportBefore, reasons, generations, attempts: attempts >= 1, whoamiGeneration: who.generation };
    },
  };

  const results = { setting };
  for (const [name, scenario] of Object.entries(scenarios)) {
    try {
      results[name] = await within(scenario(), SCENARIO_TIMEOUT_MS, `scenario ${name}`);
    } catch (error) {
      results[name] = { error: String(error?.stack ?? error) };
    }
  }
  return results;
}
