//! Client steps the cluster tests share, on the JS driver of the test
//! crate (`crate::js_driver`).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::js_driver::JsDriver;

/// How long a test waits for something that should come at once.
pub const WAIT: Duration = Duration::from_secs(5);

/// Emits `event` with `arg` from `client` and returns the ack's one
/// argument; fails the test on a timeout or another shape.
pub async fn ask(driver: &JsDriver, client: &str, event: &str, arg: Value) -> Value {
    let mut answer = driver
        .emit_ack_within(client, event, vec![arg], Duration::from_secs(10))
        .await
        .unwrap_or_else(|error| panic!("{client} {event}: {error}"));
    assert_eq!(answer.len(), 1, "{client} {event}: {answer:?}");
    answer.remove(0)
}

/// Fetches until `count` sockets match (an operation published to other
/// nodes lands asynchronously), within [`WAIT`]; returns the last list.
pub async fn poll_fetch(driver: &JsDriver, client: &str, options: Value, count: usize) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let sockets = ask(driver, client, "fetch", options.clone()).await;
        if sockets.as_array().map(Vec::len) == Some(count) || Instant::now() > deadline {
            return sockets;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
