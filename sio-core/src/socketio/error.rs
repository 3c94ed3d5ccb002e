//! [`ParseError`]: why a client's Socket.IO packet was refused.

use thiserror::Error;

use super::PacketType;

/// Why bytes from a client are not a valid Socket.IO packet (or attachment).
///
/// Every variant closes the Engine.IO session that sent the packet (Node's
/// `parse error` disconnect reason). Texts quoted from the input are cut to
/// a few dozen bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// An Engine.IO message with no text at all.
    #[error("empty packet")]
    Empty,
    /// The first character is not a packet type `0`..`6`.
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// A BINARY_EVENT or BINARY_ACK whose attachment count is not closed by
    /// `-`.
    #[error("attachment count in {0:?} is not followed by '-'")]
    AttachmentsMissingDash(String),
    /// The attachment count is empty or not decimal digits.
    #[error("attachment count {0:?} is not a number")]
    AttachmentsNotANumber(String),
    /// More attachments declared than the decoder accepts.
    #[error("{declared} attachments declared, the limit is {limit}")]
    TooManyAttachments {
        /// The declared count, as written.
        declared: String,
        /// [`DecoderLimits::max_attachments`](super::DecoderLimits).
        limit: usize,
    },
    /// A BINARY_EVENT or BINARY_ACK declaring zero attachments.
    #[error("{0} declares no attachments")]
    BinaryWithoutAttachments(PacketType),
    /// An attachment count (`<n>-`) on a packet type that has none.
    #[error("{0} packet cannot declare attachments")]
    AttachmentsOnPlainPacket(PacketType),
    /// Something before the first `,` that looks like a namespace but does
    /// not start with `/`.
    #[error("namespace {0:?} does not start with '/'")]
    NamespaceWithoutSlash(String),
    /// An ack id with more digits than 64 bits hold.
    #[error("ack id {0} does not fit in 64 bits")]
    AckIdOverflow(String),
    /// An ack id on CONNECT, DISCONNECT or CONNECT_ERROR.
    #[error("{0} packet cannot carry an ack id")]
    UnexpectedAckId(PacketType),
    /// The data is not valid JSON (or nests deeper than the limit).
    #[error("invalid JSON data: {0}")]
    InvalidJson(String),
    /// CONNECT data that is not an object.
    #[error("CONNECT payload must be an object, got {0}")]
    ConnectNotObject(&'static str),
    /// DISCONNECT with data.
    #[error("DISCONNECT carries no payload, got {0}")]
    DisconnectWithPayload(&'static str),
    /// EVENT data that is missing, not an array, or an empty array.
    #[error("EVENT data must be a non-empty array, got {0}")]
    EventNotArray(&'static str),
    /// An event name that is neither a string nor a number.
    #[error("event name must be a string or a number, got {0}")]
    InvalidEventName(&'static str),
    /// A reserved event name (see
    /// [`RESERVED_EVENTS`](super::RESERVED_EVENTS)).
    #[error("event name {0:?} is reserved")]
    ReservedEventName(String),
    /// An ACK without the id of the event it answers.
    #[error("{0} without an ack id")]
    AckWithoutId(PacketType),
    /// ACK data that is missing or not an array.
    #[error("ACK data must be an array, got {0}")]
    AckNotArray(&'static str),
    /// CONNECT_ERROR data that is missing or neither an object nor a string.
    #[error("CONNECT_ERROR data must be an object or a string, got {0}")]
    InvalidConnectError(&'static str),
    /// A placeholder whose `num` is missing, not an integer, or not below
    /// the declared attachment count.
    #[error("placeholder num {num} is not an integer in 0..{attachments}")]
    InvalidPlaceholder {
        /// The `num` found, as JSON (`missing` when absent).
        num: String,
        /// The declared attachment count.
        attachments: usize,
    },
    /// A text packet while the previous binary packet still waits for
    /// attachments.
    #[error("text packet received while {remaining} attachment(s) are still expected")]
    TextWhileAwaitingAttachments {
        /// How many attachments were still expected.
        remaining: usize,
    },
    /// A binary message while no binary packet waits for attachments.
    #[error("binary message received but no attachment is expected")]
    UnexpectedAttachment,
    /// The attachments of one packet add up to more bytes than allowed.
    #[error("attachments add up to {received} bytes, the limit is {limit}")]
    AttachmentsTooLarge {
        /// Bytes received for this packet so far, the refused one included.
        received: usize,
        /// [`DecoderLimits::max_attachment_bytes`](super::DecoderLimits).
        limit: usize,
    },
}

/// At most a few dozen bytes of `text`, cut at a char boundary, for quoting
/// input in an error.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}
