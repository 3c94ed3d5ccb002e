//! Placeholders: `{"_placeholder":true,"num":N}` objects that stand for the
//! N-th binary attachment of a BINARY_EVENT or BINARY_ACK.
//!
//! # Guarantees
//!
//! - An object is a placeholder when its `_placeholder` key is `true` (as in
//!   socket.io-parser); its `num` must then be an integer in
//!   `0..attachments`, or the packet is refused. The check runs when the
//!   text arrives, before any attachment is awaited.
//! - Placeholders are found anywhere in the argument tree, by an iterative
//!   walk (no recursion, whatever the depth).
//! - Attachments no placeholder refers to are accepted and dropped, as Node
//!   does; one attachment may back several placeholders.

use bytes::Bytes;

use super::ParseError;
use super::error::excerpt;
use crate::value::{Map, Value, write_json};

/// Checks every placeholder in `args` against `count` and, when
/// `attachments` is given, replaces each with its [`Value::Binary`].
pub(crate) fn resolve_placeholders(
    args: &mut [Value],
    count: usize,
    attachments: Option<&[Bytes]>,
) -> Result<(), ParseError> {
    let mut stack: Vec<&mut Value> = args.iter_mut().collect();
    while let Some(value) = stack.pop() {
        if let Value::Object(map) = &*value {
            if let Some(index) = placeholder_index(map, count)? {
                if let Some(attachments) = attachments {
                    let data = attachments.get(index).cloned().ok_or_else(|| invalid(map, count))?;
                    *value = Value::Binary(data);
                }
                continue;
            }
        }
        match value {
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => stack.extend(map.values_mut()),
            _ => {}
        }
    }
    Ok(())
}

/// The attachment index when `map` is a placeholder, `None` when it is an
/// ordinary object.
fn placeholder_index(map: &Map, count: usize) -> Result<Option<usize>, ParseError> {
    if map.get("_placeholder") != Some(&Value::Bool(true)) {
        return Ok(None);
    }
    match map
        .get("num")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
    {
        Some(index) if index < count => Ok(Some(index)),
        _ => Err(invalid(map, count)),
    }
}

fn invalid(map: &Map, count: usize) -> ParseError {
    let num = match map.get("num") {
        Some(num) => {
            let mut text = String::new();
            write_json(num, &mut text, &mut Vec::new());
            excerpt(&text)
        }
        None => "missing".to_owned(),
    };
    ParseError::InvalidPlaceholder {
        num,
        attachments: count,
    }
}
