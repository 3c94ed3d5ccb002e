//! JSON text to and from [`Value`], for the Socket.IO wire.
//!
//! # Guarantees
//!
//! - [`write_json`] is iterative (an explicit stack of open containers), so
//!   a value of any depth encodes without growing the call stack. It writes
//!   exactly what serde_json writes for the same JSON (same string escapes,
//!   same number formatting, no whitespace), appending to a caller's
//!   `String` so a packet header and its data share one buffer.
//! - Binary leaves become `{"_placeholder":true,"num":N}`, numbered in
//!   document order (depth-first, keys in map order), and their bytes are
//!   pushed to the caller's attachment list in that same order.
//! - [`parse_json`] applies serde_json's recursion limit: input nested
//!   deeper than 127 containers is an error, never a stack overflow.

use std::fmt::Write as _;

use bytes::Bytes;

use super::Value;

/// Parses JSON text into a [`Value`] (never containing binary leaves).
///
/// Input nested deeper than serde_json's recursion limit is an error.
pub fn parse_json(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(text)
}

/// Appends `value` as JSON to `out`; each binary leaf is written as a
/// placeholder and its bytes pushed to `attachments`.
///
/// Placeholder numbers continue from `attachments.len()`, so several values
/// written in turn (the arguments of one event) share one numbering.
///
/// ```
/// use sio_core::value::{write_json, Value};
///
/// let value = Value::from(vec![Value::from("a\"b"), Value::from(bytes::Bytes::from_static(b"\x01"))]);
/// let (mut out, mut attachments) = (String::new(), Vec::new());
/// write_json(&value, &mut out, &mut attachments);
/// assert_eq!(out, r#"["a\"b",{"_placeholder":true,"num":0}]"#);
/// assert_eq!(attachments.len(), 1);
/// ```
pub fn write_json(value: &Value, out: &mut String, attachments: &mut Vec<Bytes>) {
    write_value(value, out, &mut BinaryLeaves::Placeholders(attachments));
}

/// Appends `text` to `out` as a JSON string literal, escaped exactly as
/// serde_json escapes it.
pub fn write_json_string(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (index, &byte) in text.as_bytes().iter().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `index` is at an ASCII byte, hence a char boundary.
        out.push_str(&text[start..index]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        } else {
            out.push_str(escape);
        }
        start = index + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// What to write for a binary leaf.
pub(crate) enum BinaryLeaves<'a> {
    /// A placeholder, the bytes pushed to the attachment list.
    Placeholders(&'a mut Vec<Bytes>),
    /// An array of byte values (what serde_json writes for bytes), for
    /// packets that cannot carry attachments.
    ByteArrays,
}

/// A container whose items are being written.
enum Open<'a> {
    Array {
        items: std::slice::Iter<'a, Value>,
        first: bool,
    },
    Object {
        entries: indexmap::map::Iter<'a, String, Value>,
        first: bool,
    },
}

/// Appends `value` as JSON to `out`, iteratively.
pub(crate) fn write_value(value: &Value, out: &mut String, binary: &mut BinaryLeaves<'_>) {
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut next = Some(value);
    loop {
        match next.take() {
            Some(Value::Array(items)) => {
                out.push('[');
                stack.push(Open::Array {
                    items: items.iter(),
                    first: true,
                });
            }
            Some(Value::Object(map)) => {
                out.push('{');
                stack.push(Open::Object {
                    entries: map.iter(),
                    first: true,
                });
            }
            Some(leaf) => write_leaf(leaf, out, binary),
            None => {}
        }
        let Some(top) = stack.last_mut() else { return };
        match top {
            Open::Array { items, first } => match items.next() {
                Some(item) => {
                    if !std::mem::replace(first, false) {
                        out.push(',');
                    }
                    next = Some(item);
                }
                None => {
                    out.push(']');
                    stack.pop();
                }
            },
            Open::Object { entries, first } => match entries.next() {
                Some((key, item)) => {
                    if !std::mem::replace(first, false) {
                        out.push(',');
                    }
                    write_json_string(key, out);
                    out.push(':');
                    next = Some(item);
                }
                None => {
                    out.push('}');
                    stack.pop();
                }
            },
        }
    }
}

fn write_leaf(leaf: &Value, out: &mut String, binary: &mut BinaryLeaves<'_>) {
    match leaf {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        // `Number`'s Display is serde_json's own number formatting; writing
        // to a String cannot fail.
        Value::Number(number) => _ = write!(out, "{number}"),
        Value::String(text) => write_json_string(text, out),
        Value::Binary(data) => match binary {
            BinaryLeaves::Placeholders(attachments) => {
                _ = write!(out, "{{\"_placeholder\":true,\"num\":{}}}", attachments.len());
                attachments.push(data.clone());
            }
            BinaryLeaves::ByteArrays => {
                out.push('[');
                for (index, byte) in data.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    _ = write!(out, "{byte}");
                }
                out.push(']');
            }
        },
        // Containers are opened by `write_value`.
        Value::Array(_) | Value::Object(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(value: &Value) -> String {
        let mut out = String::new();
        write_json(value, &mut out, &mut Vec::new());
        out
    }

    #[test]
    fn strings_are_escaped_like_serde_json() {
        let all_ascii: String = (0u8..=0x7f).map(char::from).collect();
        for text in [all_ascii.as_str(), "", "é ☃ 𝄞", "\u{2028}\u{2029}", "a\"b\\c"] {
            let mut out = String::new();
            write_json_string(text, &mut out);
            assert_eq!(out, serde_json::to_string(text).expect("a str serializes"));
        }
    }

    #[test]
    fn numbers_are_formatted_like_serde_json() {
        let numbers = [0.0, -0.0, 1.5, 1e20, 1e-7, 123456789.125, f64::MAX, f64::MIN_POSITIVE];
        for number in numbers {
            let value = Value::from(number);
            assert_eq!(json(&value), serde_json::to_string(&number).expect("finite"));
        }
        assert_eq!(json(&Value::from(u64::MAX)), u64::MAX.to_string());
        assert_eq!(json(&Value::from(i64::MIN)), i64::MIN.to_string());
    }

    #[test]
    fn empty_containers_and_nesting_are_compact() {
        let value: Value = serde_json::json!({"a": [], "b": {}, "c": [[1, {"d": null}], true]}).into();
        assert_eq!(json(&value), r#"{"a":[],"b":{},"c":[[1,{"d":null}],true]}"#);
    }

    #[test]
    fn binary_leaves_become_byte_arrays_where_attachments_are_impossible() {
        let value = Value::from(vec![Value::from(vec![1u8, 255])]);
        let mut out = String::new();
        write_value(&value, &mut out, &mut BinaryLeaves::ByteArrays);
        assert_eq!(out, "[[1,255]]");
    }
}
