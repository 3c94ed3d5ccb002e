"""The interop scenarios with python-socketio's AsyncClient (aiohttp).

Usage: python interop_client.py MAIN_URL SMALL_URL SETTING CASES_JSON
  SETTING: polling | websocket | polling-websocket

Runs every scenario against the consumers of
tests/interop_support/consumers.rs and prints one JSON object with what the
client saw; the Rust test (tests/interop_python.rs) asserts it. The
scenarios mirror tests/js/interop_scenarios.mjs. A scenario that raises or
hangs reports {"error": "..."}; the others still run. Binary is reported as
{"$bin": hex}, {"$pattern": n} or {"$binLen": n}
(tests/interop_support/report.rs).
"""

import asyncio
import json
import sys
import time
import traceback

import socketio

SETTINGS = {
    "polling": ["polling"],
    "websocket": ["websocket"],
    "polling-websocket": ["polling", "websocket"],
}
SCENARIO_TIMEOUT = 20
WAIT = 10
AUTH = {"token": "abc", "n": 1, "nested": {"\U0001F511": [1, None]}}
HEX_LIMIT = 64
PADDING = "0123456789abcdefghijklmnopqrstuvwxyz"


# --- binary convention ---

def pattern(length):
    return bytes((i * 31 + 7) & 255 for i in range(length))


def normalize(value):
    """What the client received, in reported form."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) <= HEX_LIMIT:
            return {"$bin": value.hex()}
        if value == pattern(len(value)):
            return {"$pattern": len(value)}
        return {"$binLen": len(value)}
    if isinstance(value, (list, tuple)):
        return [normalize(item) for item in value]
    if isinstance(value, dict):
        return {key: normalize(item) for key, item in value.items()}
    return value


def decode(value):
    """A reported form, as the value to send."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if list(value) == ["$bin"]:
            return bytes.fromhex(value["$bin"])
        if list(value) == ["$pattern"]:
            return pattern(value["$pattern"])
        return {key: decode(item) for key, item in value.items()}
    return value


# --- waiting ---

class Inbox:
    """Records the arguments of one event on one namespace, to await."""

    def __init__(self, client, event, namespace="/"):
        self.items = []
        self.changed = asyncio.Event()

        async def handler(*args):
            self.items.append(list(args))
            self.changed.set()

        client.on(event, handler, namespace=namespace)

    async def wait(self, count=1):
        async def until():
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(until(), WAIT)
        return self.items[count - 1]


async def call(client, event, *args, namespace="/", timeout=WAIT):
    """Emits with an ack; returns the ack's arguments as a list."""
    answer = asyncio.get_running_loop().create_future()

    def callback(*data):
        if not answer.done():
            answer.set_result(list(data))

    await client.emit(event, data=tuple(args), namespace=namespace, callback=callback)
    try:
        return await asyncio.wait_for(answer, timeout)
    except asyncio.TimeoutError:
        raise socketio.exceptions.TimeoutError() from None


class Run:
    def __init__(self, url, small_url, setting, cases):
        self.url = url
        self.small_url = small_url
        self.transports = SETTINGS[setting]
        self.cases = cases

    def client(self, **options):
        return socketio.AsyncClient(reconnection=False, **options)

    async def open(self, url=None, namespace="/", auth=None, client=None, events=("hello",)):
        """A connected client and the inboxes of `events` on `namespace`."""
        client = client or self.client()
        inboxes = {event: Inbox(client, event, namespace) for event in events}
        await client.connect(url or self.url, namespaces=[namespace], auth=auth,
                             transports=self.transports, wait_timeout=WAIT)
        return client, inboxes

    # --- the scenarios ---

    async def connect(self):
        seen = []
        for namespace, auth in [("/", None), ("/", AUTH), ("/custom", None), ("/custom", AUTH)]:
            client, inboxes = await self.open(namespace=namespace, auth=auth)
            hello = await inboxes["hello"].wait()
            [who] = await call(client, "whoami", namespace=namespace)
            seen.append({
                "namespace": namespace,
                "withAuth": auth is not None,
                "hello": normalize(hello),
                "idMatchesServer": who["id"] == client.get_sid(namespace),
                "idDiffersFromSid": client.get_sid(namespace) != client.sid,
                "sidMatchesServer": who["sid"] == client.sid,
                "clientTransport": client.transport(),
                "serverTransport": who["transport"],
            })
            await client.disconnect()
        return seen

    async def rejected(self):
        async def refusal(namespace, auth):
            client = self.client()
            errors = Inbox(client, "connect_error", namespace)
            refused = None
            try:
                await client.connect(self.url, namespaces=[namespace], auth=auth,
                                     transports=self.transports, wait_timeout=WAIT)
            except socketio.exceptions.ConnectionError as error:
                refused = str(error)
            [error] = await errors.wait()
            await client.disconnect()
            return {"message": error.get("message"), "data": normalize(error.get("data")),
                    "connected": client.connected, "raised": refused}

        wrong = await refusal("/private", {"token": "wrong"})
        none = await refusal("/private", None)
        unknown = await refusal("/nowhere", None)
        admitted, inboxes = await self.open(namespace="/private", auth={"token": "letmein"})
        seen = {"wrong": wrong, "none": none, "unknown": unknown,
                "admittedHello": normalize(await inboxes["hello"].wait())}
        await admitted.disconnect()
        return seen

    async def multiplex(self):
        client = self.client()
        hello = Inbox(client, "hello", "/custom")
        await client.connect(self.url, namespaces=["/", "/custom"], auth=AUTH,
                             transports=self.transports, wait_timeout=WAIT)
        [a] = await call(client, "whoami", namespace="/")
        [b] = await call(client, "whoami", namespace="/custom")
        seen = {
            "customHello": normalize(await hello.wait()),
            "sameSid": a["sid"] == b["sid"],
            "sidIsEngineId": a["sid"] == client.sid,
            "distinctIds": a["id"] != b["id"] and a["id"] == client.get_sid("/")
            and b["id"] == client.get_sid("/custom"),
            "namespaces": [a["namespace"], b["namespace"]],
            # python-socketio cannot leave one namespace and keep another.
            "afterRootLeft": None,
        }
        await client.disconnect()
        return seen

    async def events(self):
        client, inboxes = await self.open(events=("echo-back", "server-args"))
        seen = {}
        for count, (name, args) in enumerate(self.cases.items(), start=1):
            values = decode(args)
            await client.emit("echo", tuple(values))
            echoed = normalize(await inboxes["echo-back"].wait(count))
            acked = normalize(await call(client, "echo", *values))
            seen[name] = {"echoed": echoed, "acked": acked}
        await call(client, "server-args")
        seen["fromServer"] = normalize(inboxes["server-args"].items)
        await client.disconnect()
        return seen

    async def typed(self):
        client, _ = await self.open()
        nested = {"list": [1, 2, 3], "inner": {"flag": True, "name": "n\U0001F600"}}
        [good] = await call(client, "typed", 41, -2.5, "\U0001F600\U0001D11E ok", nested, None, bytes([1, 2, 250]))
        [bad] = await call(client, "typed", "not a number")
        await client.disconnect()
        return {"good": normalize(good), "bad": normalize(bad)}

    async def binary(self):
        client, inboxes = await self.open(events=("server-binary",))
        await client.emit("server-binary")
        seen = {"fromServer": normalize(await inboxes["server-binary"].wait())}
        seen["serverViewOfLarge"] = normalize(await call(client, "digest", pattern(1 << 20)))
        seen["largeFromServer"] = normalize(await call(client, "big-binary", 1 << 20))
        seen["transport"] = client.transport()
        await client.disconnect()
        return seen

    async def acks(self):
        client = self.client()
        release = asyncio.Event()

        async def question(arg):
            return ("answer", arg, bytes([7, 8]))

        async def silent(arg):
            # python-socketio answers every ack once the handler returns:
            # hold the answer back past the server's timeout.
            await release.wait()

        client.on("question", question)
        client.on("silent", silent)
        await client.connect(self.url, transports=self.transports, wait_timeout=WAIT)
        answered = normalize(await call(client, "ask", "question", {"q": "\U0001F600"}, 5000))
        started = time.monotonic()
        server_timeout = normalize(await call(client, "ask", "silent", 1, 300))
        server_timeout_ms = round((time.monotonic() - started) * 1000)
        release.set()  # the late answer must be ignored
        started = time.monotonic()
        try:
            client_timeout = {"error": None, "args": normalize(await client.call("never-acked", 1, timeout=0.3))}
        except socketio.exceptions.TimeoutError as error:
            client_timeout = {"error": type(error).__name__, "args": []}
        client_timeout["elapsedMs"] = round((time.monotonic() - started) * 1000)
        [after] = await call(client, "echo", "after")
        await client.disconnect()
        return {"answered": answered, "serverTimeout": server_timeout, "serverTimeoutMs": server_timeout_ms,
                "clientTimeout": client_timeout, "after": after}

    async def rooms(self):
        opened = [await self.open(events=("broadcasted",)) for _ in range(3)]
        clients = [client for client, _ in opened]
        a, b, c = clients

        async def received(inboxes):
            box = inboxes["broadcasted"]

            async def until_end():
                while not box.items or box.items[-1] != ["end"]:
                    box.changed.clear()
                    await box.changed.wait()
            await asyncio.wait_for(until_end(), WAIT)
            return [args[0] for args in box.items[:-1]]

        for client in clients:
            await call(client, "join", "rooms-test")
            await call(client, "join", "r1")
        [b_rooms] = await call(b, "join", "quiet")
        await call(a, "broadcast", {"room": "r1", "except": "quiet", "payload": "r1-except-quiet", "includeSelf": True})
        await call(a, "broadcast", {"room": "r1", "payload": "r1-others", "includeSelf": False})
        [c_rooms] = await call(c, "leave", "r1")
        await call(a, "broadcast", {"room": "r1", "payload": "r1-after-c-left", "includeSelf": True})
        await call(a, "broadcast", {"room": "rooms-test", "payload": "end", "includeSelf": True})
        lists = [await received(inboxes) for _, inboxes in opened]

        def own(rooms, client):
            return ["<own id>" if room == client.get_sid("/") else room for room in rooms]

        seen = {"a": lists[0], "b": lists[1], "c": lists[2], "bRooms": own(b_rooms, b), "cRooms": own(c_rooms, c)}
        for client in clients:
            await client.disconnect()
        return seen

    async def disconnects(self):
        observer, _ = await self.open()

        async def server_reason(socket_id):
            return (await call(observer, "disconnect-reason", socket_id))[0]

        async def watched():
            client, inboxes = await self.open(events=("disconnect",))
            return client, inboxes["disconnect"], client.get_sid("/")

        kicked, ended, kicked_id = await watched()
        await kicked.emit("kick")
        [reason] = await ended.wait()
        server_initiated = {"client": reason, "server": await server_reason(kicked_id)}

        leaving, ended, leaving_id = await watched()
        await leaving.disconnect()
        [reason] = await ended.wait()
        client_initiated = {"client": reason, "server": await server_reason(leaving_id)}

        closing, ended, closing_id = await watched()
        await closing.eio.disconnect()
        [reason] = await ended.wait()
        transport_closed = {"client": reason, "server": await server_reason(closing_id)}

        await observer.disconnect()
        return {"serverInitiated": server_initiated, "clientInitiated": client_initiated,
                "transportClosed": transport_closed}

    async def burst(self):
        client, inboxes = await self.open(self.small_url, events=("burst-item", "burst-done", "disconnect"))
        transport = client.transport()
        await client.emit("burst", 500)
        try:
            [announced] = await inboxes["burst-done"].wait()
        except asyncio.TimeoutError:
            announced = None
        items = [i if isinstance(padding, str) else -1 for i, padding in inboxes["burst-item"].items]
        from_server = {"announced": announced, "count": len(items),
                       "inOrder": items == list(range(len(items))), "polls": None,
                       "disconnected": [args[0] for args in inboxes["disconnect"].items]}
        await client.disconnect()
        # python-engineio puts every queued packet in one POST, whatever
        # the server's maxPayload: the client-to-server burst goes to the
        # main server; the small one is `burstToSmall` below.
        client, _ = await self.open()
        for i in range(500):
            await client.emit("burst-in", (i, PADDING))
        [to_server] = await call(client, "burst-check")
        await client.disconnect()
        return {"transport": transport, "fromServer": from_server, "toServer": to_server}

    async def burstToSmall(self):
        observer, _ = await self.open()
        client, inboxes = await self.open(self.small_url, events=("disconnect",))
        socket_id = client.get_sid("/")
        for i in range(500):
            await client.emit("burst-in", (i, PADDING))
        try:
            [to_server] = await call(client, "burst-check", timeout=3)
        except socketio.exceptions.TimeoutError:
            to_server = None
        seen = {"transport": client.transport(), "toServer": to_server}
        if to_server is None:
            [seen["reason"]] = await inboxes["disconnect"].wait()
            [seen["server"]] = await call(observer, "disconnect-reason", socket_id)
        await client.disconnect()
        await observer.disconnect()
        return seen

    async def oversize(self):
        observer, _ = await self.open()
        client, inboxes = await self.open(self.small_url, events=("disconnect",))
        socket_id = client.get_sid("/")
        transport = client.transport()
        started = time.monotonic()
        await client.emit("echo", "x" * 3000)
        [reason] = await inboxes["disconnect"].wait()
        seen = {"transport": transport, "reason": reason, "description": "",
                "elapsedMs": round((time.monotonic() - started) * 1000),
                "server": (await call(observer, "disconnect-reason", socket_id))[0]}
        await client.disconnect()
        await observer.disconnect()
        return seen

    async def reconnect(self):
        """Last: the server restarts under the client."""
        client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.1,
                                      reconnection_delay_max=0.3, randomization_factor=0)
        hellos = Inbox(client, "hello")
        reasons = Inbox(client, "disconnect")
        await client.connect(self.url, transports=self.transports, wait_timeout=WAIT)
        await hellos.wait(1)
        transport_before = client.transport()
        await client.emit("restart")
        try:
            await hellos.wait(2)
            [who] = await call(client, "whoami")
        except asyncio.TimeoutError:
            who = {"generation": None}
        seen = {"transportBefore": transport_before, "reasons": [args[0] for args in reasons.items],
                "generations": [args[2] for args in hellos.items], "attempts": len(hellos.items) > 1,
                "whoamiGeneration": who["generation"]}
        await client.shutdown()
        return seen


async def main(url, small_url, setting, cases):
    run = Run(url, small_url, setting, cases)
    results = {"setting": setting}
    for name in ["connect", "rejected", "multiplex", "events", "typed", "binary", "acks", "rooms",
                 "disconnects", "burst", "burstToSmall", "oversize", "reconnect"]:
        try:
            results[name] = await asyncio.wait_for(getattr(run, name)(), SCENARIO_TIMEOUT)
        except BaseException as error:  # noqa: BLE001 - reported, the run goes on
            if isinstance(error, KeyboardInterrupt):
                raise
            results[name] = {"error": "".join(traceback.format_exception(error))}
    return results


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[3] not in SETTINGS:
        raise SystemExit(f"usage: interop_client.py MAIN_URL SMALL_URL ({'|'.join(SETTINGS)}) CASES_JSON")
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])))), flush=True)
