//! WebSocket (RFC 6455) framing, server side, without I/O.
//!
//! A [`Decoder`] reads what a client sends: bytes go in as they come off the
//! socket, split anywhere, and whole [`Message`]s come out. It enforces the
//! rules a server must: every client frame masked, no reserved bits (no
//! extension is negotiated), control frames unfragmented and at most 125
//! bytes, fragments in order, text valid UTF-8, and a size limit checked on
//! the declared length before anything is allocated. Any violation is a
//! [`WsError`], which names the close code to answer with.
//!
//! The encoders write what the server sends: unmasked frames with FIN set
//! ([`encode_frame`], [`encode_close`]), or only the header
//! ([`frame_header`]) so the payload can go out in a vectored write without
//! being copied.
//!
//! The opening handshake (HTTP upgrade, `Sec-WebSocket-Accept`) is not here.
//!
//! # Memory
//!
//! An idle [`Decoder`] (between messages) holds no heap allocation, so an
//! idle connection costs only the decoder's own few dozen bytes. A frame
//! that arrives whole in one [`Decoder::feed`] call is unmasked straight
//! into a buffer of exactly its payload size, which becomes the message
//! (for text, the [`Str`](crate::Str)), so a typical message costs one
//! allocation and no copy beyond the unmasking. State is kept only for what
//! is split across reads: a partial header in a fixed array, a partial
//! payload in a buffer sized to the declared length, a fragmented message in
//! one buffer that grows up to the limit.

pub mod close_code;
mod decode;
mod encode;
mod error;
mod mask;
mod message;

pub use decode::Decoder;
pub use encode::{MAX_CLOSE_REASON, encode_close, encode_frame, frame_header};
pub use error::WsError;
pub use message::{CloseFrame, Message, Opcode};

#[cfg(test)]
mod tests;
