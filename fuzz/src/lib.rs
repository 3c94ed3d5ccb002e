//! The bodies of the fuzz targets that need the server or the Redis
//! adapter, as plain functions (the targets in `fuzz_targets/` only call
//! them).
//!
//! - [`consumer_args`]: event arguments from a client, taken by a
//!   handler's typed parameters as the `#[consumer]` macro's code takes
//!   them ([`FromEventArgs`], [`RawArgs::parse`]).
//! - [`redis_message`]: a message from another node through Redis, decoded
//!   as the adapter's subscriber decodes it.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use serde::Deserialize;
use sio_core::socketio::{Decoder, DecoderLimits, PacketData};
use sio_core::value::{Map, Number};
use sio_core::{Str, Value};
use sio_redis::__fuzz as redis;
use sio_server::consumer::{ArgError, EventArgs, FromEventArgs, RawArgs};

// ---------------------------------------------------------------------------
// Consumer arguments
// ---------------------------------------------------------------------------

/// Event arguments into typed handler parameters.
///
/// The first byte picks how the rest becomes lists of arguments: even, a
/// program that builds [`Value`] trees ([`build_values`]); odd, Socket.IO
/// messages split at `0xff` (a message starting with `0x00` is binary)
/// and decoded as a client's, each complete EVENT or ACK giving its
/// arguments. Each list goes through the handler signatures of
/// [`handle`].
///
/// Checks, besides "no panic": an argument error names the right
/// position (and `Missing` only past the last argument); `Value`,
/// `RawArgs` and `Bytes` parameters get the argument as it was; a
/// `serde_json::Value` parameter converts back to the same `Value`.
pub fn consumer_args(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        handle(&build_values(rest));
    } else {
        for args in decoded_args(rest) {
            handle(&args);
        }
    }
}

/// The arguments of every complete EVENT and ACK in `data`, read as
/// [`consumer_args`] says.
fn decoded_args(data: &[u8]) -> Vec<Vec<Value>> {
    let mut decoder = Decoder::new(DecoderLimits {
        max_attachments: 4,
        max_attachment_bytes: 256,
    });
    let mut lists = Vec::new();
    for chunk in data.split(|&byte| byte == 0xff) {
        let decoded = match chunk {
            [0x00, rest @ ..] => decoder.decode_binary(Bytes::copy_from_slice(rest)),
            text => decoder.decode_text(Str::from(String::from_utf8_lossy(text).into_owned())),
        };
        if let Ok(Some(packet)) = decoded
            && let PacketData::Event { args, .. } | PacketData::Ack { args, .. } = packet.data
        {
            lists.push(args);
        }
    }
    lists
}

/// Object keys and strings the value builder picks from: the fields and
/// variant names of the payload types below, and a few others.
const WORDS: &[&str] = &[
    "text",
    "tags",
    "meta",
    "name",
    "data",
    "kind",
    "room",
    "id",
    "n",
    "extra",
    "join",
    "leave",
    "say",
    "Join",
    "Leave",
    "Say",
    "Red",
    "Green",
    "_placeholder",
    "num",
    "a",
    "",
    "0",
    "é",
];

/// The deepest nesting the builder produces, under
/// [`sio_core::value::MAX_DEPTH`] (what the decoder can produce too).
const BUILD_DEPTH: usize = 100;

/// The most values (leaves and containers) the builder makes in all.
/// Copies could otherwise double a tree at every byte, and a tree
/// exponentially larger than its input is not what the network delivers
/// (a decoded packet is never larger than its bytes).
const BUILD_NODES: usize = 2048;

/// Builds up to eight [`Value`]s from a program: each byte is an opcode
/// (low nibble), some followed by operands; values go on a stack, and the
/// arguments are what is on the stack at the end, bottom first.
///
/// | opcode | pushes                                                        |
/// | ------ | ------------------------------------------------------------- |
/// | 0      | `null`                                                        |
/// | 1      | a bool (opcode bit 4)                                         |
/// | 2      | an `i8` (next byte)                                           |
/// | 3      | an `i64` (next 8 bytes)                                       |
/// | 4      | a `u64` (next 8 bytes)                                        |
/// | 5      | a finite `f64` (next 8 bytes; nothing when not finite)        |
/// | 6      | a string: a length byte (mod 32), then bytes (lossy UTF-8)    |
/// | 7      | binary: a length byte (mod 32), then bytes                    |
/// | 8      | an array of the top `opcode >> 4` values                      |
/// | 9      | an object of the top `opcode >> 4` values, one key byte each  |
/// | 10     | one of [`WORDS`] (next byte)                                  |
/// | 11     | the integer `opcode >> 4`                                     |
/// | 12..   | a copy of the value `opcode >> 4` below the top               |
///
/// A container deeper than `BUILD_DEPTH`, or a copy that would take the
/// values made past `BUILD_NODES`, is not made.
pub fn build_values(data: &[u8]) -> Vec<Value> {
    let mut input = data.iter().copied();
    // Each value with its depth (0 for a leaf) and its count of values.
    let mut stack: Vec<(Value, usize, usize)> = Vec::new();
    let mut nodes = 0;
    while let Some(opcode) = input.next() {
        let high = usize::from(opcode >> 4);
        let leaf = match opcode & 15 {
            0 => Value::Null,
            1 => Value::Bool(high & 1 == 1),
            2 => Value::from(i64::from(input.next().unwrap_or(0) as i8)),
            3 => Value::from(i64::from_le_bytes(take_8(&mut input))),
            4 => Value::from(u64::from_le_bytes(take_8(&mut input))),
            5 => match Number::from_f64(f64::from_le_bytes(take_8(&mut input))) {
                Some(number) => Value::Number(number),
                None => continue,
            },
            6 => {
                let len = usize::from(input.next().unwrap_or(0) % 32);
                let bytes: Vec<u8> = input.by_ref().take(len).collect();
                Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }
            7 => {
                let len = usize::from(input.next().unwrap_or(0) % 32);
                Value::Binary(input.by_ref().take(len).collect())
            }
            op @ (8 | 9) => {
                let items = stack.split_off(stack.len() - high.min(stack.len()));
                let depth = 1 + items.iter().map(|(_, depth, _)| *depth).max().unwrap_or(0);
                if depth > BUILD_DEPTH {
                    stack.extend(items);
                    continue;
                }
                let size = 1 + items.iter().map(|(_, _, size)| *size).sum::<usize>();
                let value = if op == 8 {
                    Value::Array(items.into_iter().map(|(value, _, _)| value).collect())
                } else {
                    let mut map = Map::new();
                    for (value, _, _) in items {
                        map.insert(word(input.next().unwrap_or(0)).to_owned(), value);
                    }
                    Value::Object(map)
                };
                nodes += 1;
                stack.push((value, depth, size));
                continue;
            }
            10 => Value::String(word(input.next().unwrap_or(0)).to_owned()),
            11 => Value::from(high as u64),
            _ => {
                let Some(index) = stack.len().checked_sub(1 + high) else {
                    continue;
                };
                let size = stack[index].2;
                if nodes + size > BUILD_NODES {
                    continue;
                }
                nodes += size;
                stack.push(stack[index].clone());
                continue;
            }
        };
        nodes += 1;
        stack.push((leaf, 0, 1));
    }
    stack.truncate(8);
    stack.into_iter().map(|(value, _, _)| value).collect()
}

fn take_8(input: &mut impl Iterator<Item = u8>) -> [u8; 8] {
    let mut bytes = [0; 8];
    for (slot, byte) in bytes.iter_mut().zip(input) {
        *slot = byte;
    }
    bytes
}

fn word(byte: u8) -> &'static str {
    WORDS[usize::from(byte) % WORDS.len()]
}

/// A payload struct with optional and defaulted fields.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Message {
    text: String,
    #[serde(default)]
    tags: Vec<String>,
    meta: Option<HashMap<String, i64>>,
}

/// A payload struct with a binary field.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Upload {
    name: String,
    data: Bytes,
    id: Option<u32>,
}

/// An internally tagged enum (serde buffers the whole object first).
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[allow(dead_code)]
enum Command {
    Join { room: String },
    Leave { room: String, n: Option<u8> },
    Say(Message),
}

/// An untagged enum (serde tries each variant on a buffered copy).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum Loose {
    Number(f64),
    Text(String),
    Pair(i32, Box<Loose>),
    Upload(Upload),
    Other(serde_json::Value),
}

/// An externally tagged enum: a bare string or a one-key object.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum Color {
    Red,
    Green(u8),
    Rgb { r: u8, g: u8, b: u8 },
}

/// A struct that keeps unknown fields (flatten buffers the object).
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Flattened {
    id: Option<i64>,
    #[serde(flatten)]
    extra: HashMap<String, serde_json::Value>,
}

/// A struct that refuses unknown fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Strict {
    name: String,
    #[serde(default)]
    n: u16,
}

/// Takes one parameter of type `T` as the macro's code does, checking the
/// error's position. `None` when the parameter is refused (the handler
/// would not run).
fn take<T: FromEventArgs>(args: &mut EventArgs) -> Option<T> {
    let position = args.position();
    let remaining = args.remaining();
    match T::from_event_args(args) {
        Ok(value) => Some(value),
        Err(error) => {
            match &error {
                ArgError::Missing { position: at } => {
                    assert_eq!(*at, position, "missing argument position");
                    assert_eq!(remaining, 0, "missing although arguments remain");
                }
                ArgError::Invalid { position: at, .. } => assert_eq!(*at, position, "invalid argument position"),
                other => panic!("unexpected argument error {other:?}"),
            }
            // The reply to the client names the error.
            assert!(!error.to_string().is_empty());
            None
        }
    }
}

/// One handler signature: its parameters taken in order, stopping at the
/// first refused one.
macro_rules! handler {
    ($args:expr, $($ty:ty),+) => {{
        let mut args = EventArgs::new($args.to_vec());
        let _ = (|| {
            $(let _: $ty = take(&mut args)?;)+
            Some(())
        })();
    }};
}

/// Runs `args` through several handler signatures, and through the
/// parameters that must take an argument unchanged.
pub fn handle(args: &[Value]) {
    handler!(args, String, i32, Option<Vec<u8>>);
    handler!(args, Message, Option<Upload>, Option<Message>);
    handler!(args, Command, Loose, Color);
    handler!(args, u8, i64, u64, f32, f64);
    handler!(args, char, bool, (), (i32, String), [u8; 4]);
    handler!(args, Vec<Option<f64>>, BTreeMap<String, Value>, HashMap<String, i32>, Box<str>);
    handler!(args, Flattened, Strict, u128, i128);
    handler!(args, Option<Loose>, Vec<Command>, Option<Color>);

    // Arguments that must come through unchanged.
    let mut cursor = EventArgs::new(args.to_vec());
    for (index, arg) in args.iter().enumerate() {
        match index % 3 {
            0 => assert_eq!(take::<Value>(&mut cursor).as_ref(), Some(arg), "Value parameter"),
            1 => {
                let json = take::<serde_json::Value>(&mut cursor);
                if !arg.has_binary() {
                    let json = json.expect("JSON without binary is a serde_json::Value");
                    assert_eq!(&Value::from(json), arg, "serde_json::Value parameter");
                }
            }
            _ => {
                let bytes = take::<Bytes>(&mut cursor);
                if let Value::Binary(data) = arg {
                    assert_eq!(bytes.as_ref(), Some(data), "Bytes parameter");
                }
            }
        }
    }
    assert_eq!(cursor.remaining(), 0);

    // The catch-all parameter, and parsing its items later.
    let mut cursor = EventArgs::new(args.to_vec());
    let _ = take::<Option<String>>(&mut cursor);
    let rest = take::<RawArgs>(&mut cursor).expect("RawArgs always takes");
    assert_eq!(&rest[..], args.get(1..).unwrap_or_default(), "RawArgs parameter");
    assert!(take::<RawArgs>(&mut cursor).is_some_and(|rest| rest.is_empty()));
    let _ = rest.to_string();
    for index in 0..=rest.len() {
        match rest.parse::<Value>(index) {
            Some(parsed) => assert_eq!(parsed.ok().as_ref(), rest.get(index), "RawArgs::parse"),
            None => assert_eq!(index, rest.len()),
        }
        let _ = rest.parse::<(String, i32, Option<Vec<u8>>)>(index);
        let _ = rest.parse::<Message>(index);
        let _ = rest.parse::<Upload>(index);
        let _ = rest.parse::<Command>(index);
        let _ = rest.parse::<Loose>(index);
        let _ = rest.parse::<Bytes>(index);
        let _ = rest.parse::<i16>(index);
    }
}

// ---------------------------------------------------------------------------
// Redis adapter messages
// ---------------------------------------------------------------------------

/// A message from another node, as the Redis adapter receives it: the
/// same bytes as a request or response (JSON or msgpack), as a broadcast
/// (`[uid, packet, opts]`), and as a bare msgpack value.
///
/// Checks, besides "no panic": a decoded request object encodes back (as a
/// node would publish it) to bytes that decode to the same value; a
/// decoded msgpack value encodes to msgpack that decodes to it, and that
/// encoding is stable.
pub fn redis_message(data: &[u8]) {
    if let Ok(message) = redis::message_decode(data) {
        // Nodes publish requests and responses as objects only (a JSON
        // scalar would not start with `{` and would be read as msgpack).
        if matches!(message, Value::Object(_)) {
            let encoded = redis::message_encode(&message);
            let again = redis::message_decode(&encoded);
            assert_eq!(again.ok().as_ref(), Some(&message), "request round trip");
        }
        let _ = redis::request_fields(&message);
    }
    let _ = redis::broadcast(data);
    if let Ok(value) = redis::msgpack_decode(data) {
        let encoded = redis::msgpack_encode(&value);
        let again = redis::msgpack_decode(&encoded).expect("an encoded value decodes");
        assert_eq!(again, value, "msgpack round trip");
        assert_eq!(redis::msgpack_encode(&again), encoded, "msgpack encoding is stable");
    }
}
