//! What each client must have seen, scenario by scenario.
//!
//! [`check`] compares the JSON a client script printed with what the
//! server's consumers do and what that client is documented to report, and
//! fails once with every mismatch listed. Where clients differ (the auth a
//! client sends when it has none, the names of disconnect reasons), the
//! difference is spelled out here, per client.

use serde_json::{Value as Json, json};

use super::consumers::{server_args, server_binary};
use super::report::{LARGE, echo_cases, to_report};

/// Which client ran the scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// npm `socket.io-client` in Node.
    Node,
    /// The browser bundle of `socket.io-client` in headless Chromium.
    Browser,
    /// PyPI `python-socketio`'s `AsyncClient`.
    Python,
}

impl Client {
    fn is_js(self) -> bool {
        matches!(self, Client::Node | Client::Browser)
    }
}

/// The auth object the scripts send.
fn auth() -> Json {
    json!({"token": "abc", "n": 1, "nested": {"\u{1F511}": [1, null]}})
}

/// The scenarios every script reports, in order.
const SCENARIOS: [&str; 12] = [
    "connect",
    "rejected",
    "multiplex",
    "events",
    "typed",
    "binary",
    "acks",
    "rooms",
    "disconnects",
    "burst",
    "oversize",
    "reconnect",
];

/// Collects mismatches between the results and the expectations.
struct Checks<'a> {
    results: &'a Json,
    failures: Vec<String>,
}

impl Checks<'_> {
    /// The result at a JSON pointer (`/connect/0/hello`); `null` if absent.
    fn at(&self, pointer: &str) -> &Json {
        self.results.pointer(pointer).unwrap_or(&Json::Null)
    }

    fn eq(&mut self, pointer: &str, want: Json) {
        let got = self.at(pointer);
        if *got != want {
            self.failures.push(format!("{pointer}: got {got}, want {want}"));
        }
    }

    fn one_of(&mut self, pointer: &str, wants: &[Json]) {
        let got = self.at(pointer);
        if !wants.contains(got) {
            self.failures
                .push(format!("{pointer}: got {got}, want one of {wants:?}"));
        }
    }

    fn that(&mut self, pointer: &str, what: &str, holds: impl Fn(&Json) -> bool) {
        let got = self.at(pointer);
        if !holds(got) {
            self.failures.push(format!("{pointer}: got {got}, want {what}"));
        }
    }

    fn at_least(&mut self, pointer: &str, low: u64, high: u64) {
        self.that(pointer, &format!("a number in {low}..{high}"), |got| {
            got.as_u64().is_some_and(|n| (low..high).contains(&n))
        });
    }
}

/// The transport a setting ends on.
fn final_transport(setting: &str) -> &'static str {
    match setting {
        "polling" | "no-upgrade" => "polling",
        _ => "websocket",
    }
}

/// Checks `results`; panics listing every mismatch.
pub fn check(results: &Json, client: Client, setting: &str) {
    let mut checks = Checks {
        results,
        failures: Vec::new(),
    };
    let c = &mut checks;
    c.eq("/setting", json!(setting));
    for scenario in SCENARIOS {
        c.that(&format!("/{scenario}"), "the scenario's report", |got| !got.is_null());
    }
    for (scenario, seen) in results.as_object().into_iter().flatten() {
        if let Some(error) = seen.get("error").and_then(Json::as_str) {
            c.failures.push(format!("/{scenario}: the scenario failed: {error}"));
        }
    }
    let transport = final_transport(setting);
    connect(c, client, transport);
    rejected(c, client);
    multiplex(c, client);
    events(c);
    typed(c);
    binary(c, setting);
    acks(c, client);
    rooms(c);
    disconnects(c, client, transport);
    burst(c, client, transport);
    oversize(c, client, transport);
    reconnect(c, client, transport);
    if !checks.failures.is_empty() {
        panic!(
            "{client:?} client, transports {setting:?}: {} check(s) failed:\n- {}\n\nall results:\n{}",
            checks.failures.len(),
            checks.failures.join("\n- "),
            serde_json::to_string_pretty(results).unwrap_or_default()
        );
    }
}

/// The auth the server receives from a client that has none: the JS
/// client sends `40` without a payload, python-socketio sends `40{}`.
fn no_auth(client: Client) -> Json {
    if client.is_js() { Json::Null } else { json!({}) }
}

fn connect(c: &mut Checks, client: Client, transport: &str) {
    let cases = [("/", false), ("/", true), ("/custom", false), ("/custom", true)];
    c.that("/connect", "4 connections", |got| {
        got.as_array().is_some_and(|a| a.len() == 4)
    });
    for (k, (namespace, with_auth)) in cases.into_iter().enumerate() {
        let sent = if with_auth { auth() } else { no_auth(client) };
        c.eq(&format!("/connect/{k}/namespace"), json!(namespace));
        c.eq(&format!("/connect/{k}/hello"), json!([namespace, sent, 1]));
        for fact in ["idMatchesServer", "idDiffersFromSid", "sidMatchesServer"] {
            c.eq(&format!("/connect/{k}/{fact}"), json!(true));
        }
        c.eq(&format!("/connect/{k}/clientTransport"), json!(transport));
        c.eq(&format!("/connect/{k}/serverTransport"), json!(transport));
    }
}

fn rejected(c: &mut Checks, client: Client) {
    let refused = |got: Json| json!({"message": "not authorized", "data": {"reason": "bad token", "got": got}});
    for (key, want) in [
        ("wrong", refused(json!({"token": "wrong"}))),
        ("none", refused(no_auth(client))),
        ("unknown", json!({"message": "Invalid namespace", "data": null})),
    ] {
        c.eq(&format!("/rejected/{key}/message"), want["message"].clone());
        c.eq(&format!("/rejected/{key}/data"), want["data"].clone());
        c.eq(&format!("/rejected/{key}/connected"), json!(false));
        if client == Client::Python {
            c.that(
                &format!("/rejected/{key}/raised"),
                "a ConnectionError naming the namespace",
                |got| got.as_str().is_some_and(|text| text.contains("failed to connect")),
            );
        }
    }
    c.eq("/rejected/admittedHello", json!(["/private", {"token": "letmein"}, 1]));
}

fn multiplex(c: &mut Checks, client: Client) {
    c.eq("/multiplex/customHello", json!(["/custom", auth(), 1]));
    for fact in ["sameSid", "sidIsEngineId", "distinctIds"] {
        c.eq(&format!("/multiplex/{fact}"), json!(true));
    }
    c.eq("/multiplex/namespaces", json!(["/", "/custom"]));
    // python-socketio has no way to leave one namespace only.
    let after = if client.is_js() {
        json!("still here")
    } else {
        Json::Null
    };
    c.eq("/multiplex/afterRootLeft", after);
}

fn events(c: &mut Checks) {
    let cases = echo_cases();
    for (name, args) in cases.as_object().expect("cases are an object") {
        c.eq(&format!("/events/{name}/echoed"), args.clone());
        c.eq(&format!("/events/{name}/acked"), args.clone());
    }
    let from_server: Vec<Json> = server_args()
        .iter()
        .map(|args| Json::Array(args.iter().map(to_report).collect()))
        .collect();
    c.eq("/events/fromServer", Json::Array(from_server));
}

fn typed(c: &mut Checks) {
    c.eq(
        "/typed/good",
        json!({
            "n": 41,
            "x": -2.5,
            "text": "\u{1F600}\u{1D11E} ok",
            "chars": 5,
            "nested": {"list": [1, 2, 3], "inner": {"flag": true, "name": "n\u{1F600}"}},
            "nothingIsNone": true,
            "bytes": [1, 2, 250],
        }),
    );
    c.eq("/typed/bad/error", json!("invalid payload"));
    c.that("/typed/bad/message", "the serde error of argument 1", |got| {
        got.as_str()
            .is_some_and(|text| text.starts_with("argument 1: invalid type"))
    });
}

fn binary(c: &mut Checks, setting: &str) {
    c.eq(
        "/binary/fromServer",
        Json::Array(server_binary().iter().map(to_report).collect()),
    );
    c.eq("/binary/serverViewOfLarge", json!([{"len": LARGE, "pattern": true}]));
    c.eq("/binary/largeFromServer", json!([{"$pattern": LARGE}]));
    // With an upgrade, the scenario may run before or after it.
    if matches!(setting, "polling" | "no-upgrade" | "websocket") {
        c.eq("/binary/transport", json!(final_transport(setting)));
    }
}

fn acks(c: &mut Checks, client: Client) {
    c.eq(
        "/acks/answered",
        json!(["answer", ["answer", {"q": "\u{1F600}"}, {"$bin": "0708"}]]),
    );
    c.eq("/acks/serverTimeout", json!(["timeout"]));
    c.at_least("/acks/serverTimeoutMs", 280, 5000);
    let timed_out = if client.is_js() {
        "operation has timed out"
    } else {
        "TimeoutError"
    };
    c.eq("/acks/clientTimeout/error", json!(timed_out));
    c.eq("/acks/clientTimeout/args", json!([]));
    c.at_least("/acks/clientTimeout/elapsedMs", 280, 5000);
    c.eq("/acks/after", json!("after"));
}

fn rooms(c: &mut Checks) {
    c.eq("/rooms/a", json!(["r1-except-quiet", "r1-after-c-left"]));
    c.eq("/rooms/b", json!(["r1-others", "r1-after-c-left"]));
    c.eq("/rooms/c", json!(["r1-except-quiet", "r1-others"]));
    c.eq("/rooms/bRooms", json!(["<own id>", "quiet", "r1", "rooms-test"]));
    c.eq("/rooms/cRooms", json!(["<own id>", "rooms-test"]));
}

fn disconnects(c: &mut Checks, client: Client, transport: &str) {
    let (server_side, client_side, forced) = if client.is_js() {
        ("io server disconnect", "io client disconnect", "forced close")
    } else {
        ("server disconnect", "client disconnect", "client disconnect")
    };
    c.eq("/disconnects/serverInitiated/client", json!(server_side));
    c.eq(
        "/disconnects/serverInitiated/server",
        json!("server namespace disconnect"),
    );
    c.eq("/disconnects/clientInitiated/client", json!(client_side));
    // python-socketio closes its WebSocket before writing the DISCONNECT
    // packet it queued ("Write loop: WebSocket connection was closed"):
    // the server only sees the connection end.
    let left = if client == Client::Python && transport == "websocket" {
        "transport close"
    } else {
        "client namespace disconnect"
    };
    c.eq("/disconnects/clientInitiated/server", json!(left));
    c.eq("/disconnects/transportClosed/client", json!(forced));
    c.eq("/disconnects/transportClosed/server", json!("transport close"));
}

fn burst(c: &mut Checks, client: Client, transport: &str) {
    c.eq("/burst/transport", json!(transport));
    c.eq("/burst/fromServer/announced", json!(500));
    c.eq("/burst/fromServer/count", json!(500));
    c.eq("/burst/fromServer/inOrder", json!(true));
    if client.is_js() && transport == "polling" {
        // About 27 kB of events under a max_payload of 2000 bytes.
        c.at_least("/burst/fromServer/polls", 14, 1000);
    }
    c.eq("/burst/toServer", json!({"count": 500, "inOrder": true}));
    if client == Client::Python {
        burst_to_small_server(c, transport);
    }
}

/// python-engineio puts every queued packet in one POST whatever the
/// server's maxPayload, so 500 quick emits over polling make one body far
/// over 2000 bytes: the server answers 413 and closes the session.
fn burst_to_small_server(c: &mut Checks, transport: &str) {
    c.eq("/burstToSmall/transport", json!(transport));
    if transport == "polling" {
        c.eq("/burstToSmall/toServer", Json::Null);
        c.one_of(
            "/burstToSmall/reason",
            &[json!("transport error"), json!("server disconnect")],
        );
        c.eq("/burstToSmall/server", json!("transport error"));
    } else {
        c.eq("/burstToSmall/toServer", json!({"count": 500, "inOrder": true}));
    }
}

/// A 3000-byte message to a server with a max_payload of 2000 bytes: over
/// polling the server answers 413 and closes the session, over WebSocket
/// it closes the connection (1009). Either way the client sees a
/// disconnect at once, never a hang.
fn oversize(c: &mut Checks, client: Client, transport: &str) {
    c.eq("/oversize/transport", json!(transport));
    c.eq("/oversize/server", json!("transport error"));
    c.at_least("/oversize/elapsedMs", 0, 5000);
    match (client.is_js(), transport) {
        // engine.io-client ends the session from whichever request
        // notices first: the POST answered 413, the pending GET answered
        // with the close packet, or, when no GET was pending at that
        // moment (one had just returned), the next GET answered 400 for
        // the session the server has closed (the reference server answers
        // that GET the same way).
        (true, "polling") => {
            let (reason, description) = (c.at("/oversize/reason").clone(), c.at("/oversize/description").clone());
            let seen = json!([reason, description]);
            if seen != json!(["transport error", "413"])
                && seen != json!(["transport error", "400"])
                && seen != json!(["transport close", "transport closed by the server"])
            {
                c.failures.push(format!(
                    "/oversize: got reason and description {seen}, want the 413, the 400 or the close packet"
                ));
            }
        }
        (true, _) => c.eq("/oversize/reason", json!("transport close")),
        // python-engineio likewise: the failed POST, or the close packet.
        (false, "polling") => c.one_of(
            "/oversize/reason",
            &[json!("transport error"), json!("server disconnect")],
        ),
        (false, _) => c.eq("/oversize/reason", json!("transport error")),
    }
}

fn reconnect(c: &mut Checks, client: Client, transport: &str) {
    c.eq("/reconnect/transportBefore", json!(transport));
    match (client.is_js(), transport) {
        // Over polling the shutdown ends the pending GET with the close
        // packet ("transport close"); a server that ends it without one
        // would make the next poll fail ("transport error"). Either way
        // the JS client reconnects.
        (true, "polling") => c.one_of(
            "/reconnect/reasons/0",
            &[json!("transport close"), json!("transport error")],
        ),
        // The WebSocket closes with 1001, without a close packet.
        (true, _) => c.eq("/reconnect/reasons/0", json!("transport close")),
        // python-socketio reconnects after a lost transport only, not
        // after the server's close packet ("server disconnect").
        (false, _) => c.eq("/reconnect/reasons/0", json!("transport error")),
    }
    c.eq("/reconnect/generations", json!([1, 2]));
    c.eq("/reconnect/attempts", json!(true));
    c.eq("/reconnect/whoamiGeneration", json!(2));
}
