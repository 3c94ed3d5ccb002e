//! [`Decoder`]: text packets and their binary attachments, in arrival order.
//!
//! # Guarantees
//!
//! - A packet is returned only when it is complete: a BINARY_EVENT or
//!   BINARY_ACK waits for its declared attachments, then comes out with
//!   each placeholder replaced by its [`Value::Binary`](crate::Value).
//! - Bounded: the declared attachment count is checked against
//!   [`DecoderLimits::max_attachments`] before anything is stored (no
//!   allocation is ever sized by it), the attachments' total size against
//!   [`DecoderLimits::max_attachment_bytes`] as each arrives, and JSON
//!   nesting against serde_json's recursion limit.
//! - Strict ordering: a text packet while attachments are expected, or an
//!   attachment while none is, is an error.
//! - After any error the decoder is back to its initial state; the caller is
//!   expected to close the session anyway.

use bytes::Bytes;

use super::binary::resolve_placeholders;
use super::parse::parse_text;
use super::{Packet, PacketData, ParseError};
use crate::Str;

/// Limits a [`Decoder`] enforces on what one client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderLimits {
    /// The most attachments one packet may declare (default 10).
    pub max_attachments: usize,
    /// The most bytes the attachments of one packet may add up to
    /// (default 1 000 000).
    pub max_attachment_bytes: usize,
}

impl Default for DecoderLimits {
    fn default() -> Self {
        DecoderLimits {
            max_attachments: 10,
            max_attachment_bytes: 1_000_000,
        }
    }
}

/// Decodes the Socket.IO packets of one client connection.
///
/// Feed it every Engine.IO message in order: text messages to
/// [`decode_text`](Decoder::decode_text), binary ones to
/// [`decode_binary`](Decoder::decode_binary).
///
/// ```
/// use bytes::Bytes;
/// use sio_core::socketio::{Decoder, PacketData};
/// use sio_core::{Str, Value};
///
/// let mut decoder = Decoder::default();
/// let text = Str::from(r#"51-["upload",{"_placeholder":true,"num":0}]"#);
/// assert_eq!(decoder.decode_text(text)?, None);
/// let packet = decoder.decode_binary(Bytes::from_static(b"\x01\x02"))?.expect("complete");
/// let PacketData::Event { name, args, .. } = packet.data else { panic!("an event") };
/// assert_eq!((name.as_str(), args), ("upload", vec![Value::from(vec![1u8, 2])]));
/// # Ok::<(), sio_core::socketio::ParseError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    limits: DecoderLimits,
    pending: Option<Pending>,
}

/// A binary packet waiting for its attachments.
#[derive(Debug, Clone)]
struct Pending {
    packet: Packet,
    expected: usize,
    attachments: Vec<Bytes>,
    received_bytes: usize,
}

impl Decoder {
    /// A decoder enforcing `limits`.
    pub fn new(limits: DecoderLimits) -> Self {
        Decoder { limits, pending: None }
    }

    /// The limits in force.
    pub fn limits(&self) -> DecoderLimits {
        self.limits
    }

    /// Whether a binary packet is waiting for attachments.
    pub fn is_awaiting_attachments(&self) -> bool {
        self.pending.is_some()
    }

    /// Forgets a packet waiting for attachments, if any.
    pub fn reset(&mut self) {
        self.pending = None;
    }

    /// Decodes a text message. Returns `None` when the packet is binary and
    /// now waits for its attachments.
    ///
    /// The namespace of the returned packet shares `text`'s buffer.
    pub fn decode_text(&mut self, text: Str) -> Result<Option<Packet>, ParseError> {
        if let Some(pending) = self.pending.take() {
            let remaining = pending.expected.saturating_sub(pending.attachments.len());
            return Err(ParseError::TextWhileAwaitingAttachments { remaining });
        }
        let parsed = parse_text(&text, &self.limits)?;
        if parsed.attachments == 0 {
            return Ok(Some(parsed.packet));
        }
        self.pending = Some(Pending {
            packet: parsed.packet,
            expected: parsed.attachments,
            attachments: Vec::new(),
            received_bytes: 0,
        });
        Ok(None)
    }

    /// Decodes a binary message: the next attachment of the waiting packet.
    /// Returns the packet once its last attachment is in.
    pub fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, ParseError> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(ParseError::UnexpectedAttachment);
        };
        let received = pending.received_bytes.saturating_add(data.len());
        let limit = self.limits.max_attachment_bytes;
        if received > limit {
            self.pending = None;
            return Err(ParseError::AttachmentsTooLarge { received, limit });
        }
        pending.received_bytes = received;
        pending.attachments.push(data);
        if pending.attachments.len() < pending.expected {
            return Ok(None);
        }
        let Some(Pending {
            mut packet,
            expected,
            attachments,
            ..
        }) = self.pending.take()
        else {
            return Ok(None);
        };
        if let PacketData::Event { args, .. } | PacketData::Ack { args, .. } = &mut packet.data {
            resolve_placeholders(args, expected, Some(&attachments))?;
        }
        Ok(Some(packet))
    }
}
