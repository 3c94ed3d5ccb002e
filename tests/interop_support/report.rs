//! How binary travels in the JSON the client scripts read and print.
//!
//! JSON has no bytes, so the scripts and the tests agree on three shapes:
//!
//! - `{"$bin": "<hex>"}`: these bytes (what a script decodes, and how it
//!   reports binary of at most [`HEX_LIMIT`] bytes);
//! - `{"$pattern": n}`: `n` bytes of [`pattern`] (decoded by the scripts;
//!   reported for longer binary that is exactly the pattern);
//! - `{"$binLen": n}`: longer binary that is not the pattern.
//!
//! Every other JSON value stands for itself. `tests/js/interop_scenarios.mjs`
//! and `tests/python/interop_client.py` implement the same two functions.

use bytes::Bytes;
use serde_json::{Value as Json, json};
use sio::Value;

/// Binary up to this length is reported as hex.
pub const HEX_LIMIT: usize = 64;

/// The size of the large binary payloads: 1 MiB.
pub const LARGE: usize = 1 << 20;

/// `len` bytes where byte `i` is `(31 i + 7) mod 256`.
pub fn pattern(len: usize) -> Bytes {
    (0..len).map(|i| (i.wrapping_mul(31).wrapping_add(7)) as u8).collect()
}

/// Whether `data` is exactly [`pattern`] of its length.
pub fn is_pattern(data: &[u8]) -> bool {
    data.iter()
        .enumerate()
        .all(|(i, byte)| *byte == (i.wrapping_mul(31).wrapping_add(7)) as u8)
}

/// The reported form of `value` (binary replaced as described above).
pub fn to_report(value: &Value) -> Json {
    match value {
        Value::Binary(data) if data.len() <= HEX_LIMIT => json!({ "$bin": hex(data) }),
        Value::Binary(data) if is_pattern(data) => json!({ "$pattern": data.len() }),
        Value::Binary(data) => json!({ "$binLen": data.len() }),
        Value::Array(items) => Json::Array(items.iter().map(to_report).collect()),
        Value::Object(map) => map.iter().map(|(key, item)| (key.clone(), to_report(item))).collect(),
        other => Json::try_from(other.clone()).expect("a value without binary is JSON"),
    }
}

/// The value a reported form stands for (`$binLen` cannot be decoded).
pub fn from_report(json: &Json) -> Value {
    match json {
        Json::Object(map) if map.len() == 1 && map.contains_key("$bin") => {
            Value::Binary(unhex(map["$bin"].as_str().expect("$bin holds hex")))
        }
        Json::Object(map) if map.len() == 1 && map.contains_key("$pattern") => Value::Binary(pattern(
            map["$pattern"].as_u64().expect("$pattern holds a length") as usize,
        )),
        Json::Array(items) => Value::Array(items.iter().map(from_report).collect()),
        Json::Object(map) => map.iter().map(|(key, item)| (key.clone(), from_report(item))).collect(),
        other => Value::from(other.clone()),
    }
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Bytes {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
        .collect()
}

/// The argument lists the clients send to `echo`, by name, in reported
/// form: given to the scripts, which send each list and report what came
/// back.
pub fn echo_cases() -> Json {
    json!({
        "zero": [],
        "one-string": ["hello"],
        "null-only": [null],
        "several": [1, -2.5, "text", true, null, {"nested": {"deep": [1, {"x": null}], "empty": {}}}, [], 9007199254740991_u64],
        "unicode": ["\u{1F600} \u{1D11E} h\u{e9}llo \"quoted\" \\ \t\n", {"cl\u{e9} \u{1F511}": "\u{5024}"}],
        "binary-one": [{"$bin": "000102ff"}],
        "binary-several": [{"$bin": "01"}, "between", {"$bin": "0203"}],
        "binary-nested": [{"file": {"name": "a.bin", "data": {"$bin": "deadbeef"}}, "parts": [{"$bin": "00"}, {"$bin": "ff"}]}],
        "binary-large": [{"$pattern": LARGE}],
    })
}
