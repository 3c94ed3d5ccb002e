//! One text packet, header then data: `<type>[<n>-][<nsp>,][<ack id>][<json>]`.
//!
//! Follows socket.io-parser's `decodeString`, stricter where Node lets
//! garbage through: every malformed piece is a [`ParseError`] naming it.
//! The namespace runs from `/` to the first `,` (or to the end of the text),
//! the ack id is the digits right after it, the rest is JSON.

use super::binary::resolve_placeholders;
use super::error::excerpt;
use super::{DecoderLimits, Packet, PacketData, PacketType, ParseError, is_reserved_event};
use crate::Str;
use crate::value::{Value, parse_json};

/// A parsed text packet and the number of attachments it waits for.
pub(crate) struct Parsed {
    pub(crate) packet: Packet,
    pub(crate) attachments: usize,
}

pub(crate) fn parse_text(text: &Str, limits: &DecoderLimits) -> Result<Parsed, ParseError> {
    let all = text.as_str();
    let first = all.chars().next().ok_or(ParseError::Empty)?;
    let packet_type = PacketType::from_char(first).ok_or(ParseError::UnknownType(first))?;
    // The type digit is one ASCII byte.
    let mut rest = &all[1..];

    let attachments = if packet_type.is_binary() {
        let dash = rest
            .find('-')
            .ok_or_else(|| ParseError::AttachmentsMissingDash(excerpt(rest)))?;
        let count = parse_attachment_count(&rest[..dash], limits.max_attachments)?;
        if count == 0 {
            return Err(ParseError::BinaryWithoutAttachments(packet_type));
        }
        rest = &rest[dash + 1..];
        count
    } else {
        let digits = leading_digits(rest);
        if digits > 0 && rest.as_bytes().get(digits) == Some(&b'-') {
            return Err(ParseError::AttachmentsOnPlainPacket(packet_type));
        }
        0
    };

    let namespace = if rest.starts_with('/') {
        let end = rest.find(',').unwrap_or(rest.len());
        let namespace = text.slice_ref(&rest[..end]);
        rest = rest.get(end + 1..).unwrap_or_default();
        namespace
    } else {
        check_no_bare_namespace(rest)?;
        Str::from_static("/")
    };

    let digits = leading_digits(rest);
    let ack_id = if digits > 0 {
        let (id, tail) = rest.split_at(digits);
        rest = tail;
        Some(id.parse::<u64>().map_err(|_| ParseError::AckIdOverflow(excerpt(id)))?)
    } else {
        None
    };

    let payload = if rest.is_empty() {
        None
    } else {
        Some(parse_json(rest).map_err(|err| ParseError::InvalidJson(err.to_string()))?)
    };

    let mut data = packet_data(packet_type, ack_id, payload)?;
    if attachments > 0 {
        if let PacketData::Event { args, .. } | PacketData::Ack { args, .. } = &mut data {
            resolve_placeholders(args, attachments, None)?;
        }
    }
    Ok(Parsed {
        packet: Packet { namespace, data },
        attachments,
    })
}

/// The byte length of the ASCII digits that start `text`.
fn leading_digits(text: &str) -> usize {
    text.bytes().take_while(u8::is_ascii_digit).count()
}

/// Parses a declared attachment count without trusting it: no allocation
/// depends on it, and it is checked against `limit` first.
fn parse_attachment_count(count: &str, limit: usize) -> Result<usize, ParseError> {
    if count.is_empty() || leading_digits(count) != count.len() {
        return Err(ParseError::AttachmentsNotANumber(excerpt(count)));
    }
    match count.parse::<usize>() {
        Ok(declared) if declared <= limit => Ok(declared),
        _ => Err(ParseError::TooManyAttachments {
            declared: excerpt(count),
            limit,
        }),
    }
}

/// Refuses `chat,["x"]`: a namespace written without its `/`. Node would
/// report bad JSON; naming the namespace is more helpful. Text whose part
/// before the first `,` holds JSON punctuation is left to the JSON parser.
fn check_no_bare_namespace(rest: &str) -> Result<(), ParseError> {
    let Some((head, _)) = rest.split_once(',') else {
        return Ok(());
    };
    let looks_like_json = |c: char| matches!(c, '[' | ']' | '{' | '}' | '"' | ':');
    let starts_like_data = head.starts_with(|c: char| c.is_ascii_digit() || c.is_whitespace());
    if head.is_empty() || starts_like_data || head.contains(looks_like_json) {
        return Ok(());
    }
    Err(ParseError::NamespaceWithoutSlash(excerpt(head)))
}

fn kind(payload: Option<&Value>) -> &'static str {
    payload.map_or("nothing", Value::kind)
}

/// Checks the data against the packet type (socket.io-parser's
/// `isPayloadValid`) and shapes it.
fn packet_data(packet_type: PacketType, ack_id: Option<u64>, payload: Option<Value>) -> Result<PacketData, ParseError> {
    let no_ack_id = || match ack_id {
        Some(_) => Err(ParseError::UnexpectedAckId(packet_type)),
        None => Ok(()),
    };
    match packet_type {
        PacketType::Connect => {
            no_ack_id()?;
            match payload {
                None => Ok(PacketData::Connect(None)),
                Some(auth @ Value::Object(_)) => Ok(PacketData::Connect(Some(auth))),
                Some(other) => Err(ParseError::ConnectNotObject(other.kind())),
            }
        }
        PacketType::Disconnect => {
            no_ack_id()?;
            match payload {
                None => Ok(PacketData::Disconnect),
                Some(other) => Err(ParseError::DisconnectWithPayload(other.kind())),
            }
        }
        PacketType::Event | PacketType::BinaryEvent => {
            let mut args = match payload {
                Some(Value::Array(items)) if !items.is_empty() => items,
                Some(Value::Array(_)) => return Err(ParseError::EventNotArray("an empty array")),
                other => return Err(ParseError::EventNotArray(kind(other.as_ref()))),
            };
            let name = match args.remove(0) {
                Value::String(name) if is_reserved_event(&name) => {
                    return Err(ParseError::ReservedEventName(name));
                }
                Value::String(name) => name,
                Value::Number(number) => number.to_string(),
                other => return Err(ParseError::InvalidEventName(other.kind())),
            };
            Ok(PacketData::Event { name, args, ack_id })
        }
        PacketType::Ack | PacketType::BinaryAck => {
            let ack_id = ack_id.ok_or(ParseError::AckWithoutId(packet_type))?;
            match payload {
                Some(Value::Array(args)) => Ok(PacketData::Ack { args, ack_id }),
                other => Err(ParseError::AckNotArray(kind(other.as_ref()))),
            }
        }
        PacketType::ConnectError => {
            no_ack_id()?;
            match payload {
                Some(error @ (Value::Object(_) | Value::String(_))) => Ok(PacketData::ConnectError(error)),
                other => Err(ParseError::InvalidConnectError(kind(other.as_ref()))),
            }
        }
    }
}
