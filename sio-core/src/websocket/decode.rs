//! [`Decoder`]: client-to-server frames, fed in pieces of any size.

use std::fmt;

use bytes::Bytes;

use super::error::WsError;
use super::mask::unmask_into;
use super::message::{CloseFrame, Message, Opcode};
use crate::Str;

/// The longest frame header: 2 bytes, an 8-byte extended length, a 4-byte
/// masking key.
const MAX_HEADER: usize = 14;

/// The largest payload of a control frame.
const MAX_CONTROL: usize = 125;

/// Incremental decoder of client-to-server frames.
///
/// Feed it the bytes read from the socket with [`feed`](Decoder::feed);
/// complete messages come out in order. Between messages it holds no heap
/// allocation ([`is_idle`](Decoder::is_idle),
/// [`buffered_capacity`](Decoder::buffered_capacity)). It never allocates
/// more than `max_message` bytes for data plus 125 for a control frame,
/// whatever lengths the client declares.
///
/// Frames after a close frame are still decoded: stopping to read once
/// [`Message::Close`] came out is the caller's decision.
pub struct Decoder {
    /// The largest text or binary message accepted, fragments summed.
    max_message: usize,
    /// A header split across `feed` calls: its first `header_len` bytes.
    header: [u8; MAX_HEADER],
    header_len: u8,
    /// The frame whose payload is being read, once its header is complete.
    frame: Option<Frame>,
    /// The payload of the current data message: the frame being read, or
    /// every fragment so far. Sized to the declared lengths, so it is
    /// exactly the message's size when the message arrives as one frame.
    message: Vec<u8>,
    /// The kind of a fragmented message whose final fragment is pending.
    fragmented: Option<Kind>,
    /// The payload of a control frame being read (control frames may come
    /// between fragments, so they do not share `message`).
    control: Vec<u8>,
    /// The error that failed the connection, returned by every later call.
    error: Option<WsError>,
}

/// The frame being read.
#[derive(Debug, Clone, Copy)]
struct Frame {
    opcode: Opcode,
    fin: bool,
    mask: [u8; 4],
    /// Declared payload length (bounded by `max_message`, or by 125 for a
    /// control frame).
    len: usize,
    /// Payload bytes read (and unmasked) so far.
    read: usize,
}

/// A data message's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Binary,
}

impl Decoder {
    /// A decoder that accepts text and binary messages of up to
    /// `max_message` bytes (the sum of their fragments); a longer one is
    /// [`WsError::TooBig`], refused from the frame header before its payload
    /// is read. Control frames have their own limit of 125 bytes.
    ///
    /// Allocates nothing.
    pub fn new(max_message: usize) -> Decoder {
        Decoder {
            max_message,
            header: [0; MAX_HEADER],
            header_len: 0,
            frame: None,
            message: Vec::new(),
            fragmented: None,
            control: Vec::new(),
            error: None,
        }
    }

    /// Feeds bytes as read from the socket (any split: 1 byte at a time
    /// works); each complete message is pushed to `out` in order.
    ///
    /// On error, the messages completed before the offending frame are in
    /// `out`, and the decoder is unusable: its buffers are released, and
    /// every later call returns the same error. Send a close frame with
    /// [`WsError::close_code`] and close the connection.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<Message>) -> Result<(), WsError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        self.run(input, out).inspect_err(|error| self.fail(error.clone()))
    }

    /// Whether nothing is buffered (no partial header, frame or fragmented
    /// message). Also true once the decoder has failed.
    pub fn is_idle(&self) -> bool {
        self.header_len == 0 && self.frame.is_none() && self.fragmented.is_none()
    }

    /// Bytes held by the decoder's buffers (capacity), for tests and memory
    /// accounting. 0 when idle; the partial-header array is inline and not
    /// counted.
    pub fn buffered_capacity(&self) -> usize {
        self.message.capacity() + self.control.capacity()
    }

    /// Releases everything and remembers `error`.
    fn fail(&mut self, error: WsError) {
        self.header_len = 0;
        self.frame = None;
        self.message = Vec::new();
        self.fragmented = None;
        self.control = Vec::new();
        self.error = Some(error);
    }

    fn run(&mut self, mut input: &[u8], out: &mut Vec<Message>) -> Result<(), WsError> {
        loop {
            let mut frame = match self.frame {
                Some(frame) => frame,
                None if input.is_empty() => return Ok(()),
                None => match self.read_header(input)? {
                    Some((frame, used)) => {
                        input = input.get(used..).unwrap_or_default();
                        frame
                    }
                    // The whole input went into the partial header.
                    None => return Ok(()),
                },
            };
            let wanted = frame.len - frame.read;
            let (payload, rest) = input.split_at(wanted.min(input.len()));
            let buffer = if frame.opcode.is_control() {
                &mut self.control
            } else {
                &mut self.message
            };
            unmask_into(buffer, payload, frame.mask, frame.read);
            frame.read += payload.len();
            input = rest;
            if frame.read < frame.len {
                // Input exhausted in the middle of the payload.
                self.frame = Some(frame);
                return Ok(());
            }
            self.frame = None;
            self.finish(frame, out)?;
        }
    }

    /// Reads a frame header from the partial header and `input`. Returns
    /// the frame and how many bytes of `input` it took, or `None` when
    /// `input` ran out first (and was all stored in the partial header).
    /// Reserves the buffer the payload goes to.
    fn read_header(&mut self, input: &[u8]) -> Result<Option<(Frame, usize)>, WsError> {
        let have = usize::from(self.header_len);
        let parsed = if have == 0 {
            // Fast path: the header straight from the input.
            match self.parse_header(input)? {
                Some(parsed) => Some(parsed),
                None => {
                    let n = input.len().min(MAX_HEADER);
                    self.header[..n].copy_from_slice(&input[..n]);
                    self.header_len = n as u8;
                    None
                }
            }
        } else {
            let n = input.len().min(MAX_HEADER - have);
            self.header[have..have + n].copy_from_slice(&input[..n]);
            let header = self.header;
            match self.parse_header(&header[..have + n])? {
                Some((frame, used)) => {
                    self.header_len = 0;
                    // The stored prefix was incomplete, so the header ends
                    // in the new bytes: `used > have`.
                    Some((frame, used.saturating_sub(have)))
                }
                None => {
                    self.header_len = (have + n) as u8;
                    None
                }
            }
        };
        let Some((frame, used)) = parsed else {
            return Ok(None);
        };
        if frame.opcode.is_control() {
            self.control.reserve_exact(frame.len);
        } else {
            self.reserve_message(frame.len);
        }
        Ok(Some((frame, used)))
    }

    /// Parses the header at the start of `bytes`: the frame and the header
    /// length, `None` when `bytes` ends before the header does. Each check
    /// runs as soon as the bytes it needs are there, in the same order for
    /// any split, so the error does not depend on how input was cut.
    fn parse_header(&self, bytes: &[u8]) -> Result<Option<(Frame, usize)>, WsError> {
        let Some(&first) = bytes.first() else {
            return Ok(None);
        };
        if first & 0x70 != 0 {
            return Err(WsError::Protocol("reserved bits set without a negotiated extension"));
        }
        let opcode = Opcode::from_code(first & 0x0f).ok_or(WsError::Protocol("reserved opcode"))?;
        let fin = first & 0x80 != 0;
        if opcode.is_control() && !fin {
            return Err(WsError::Protocol("fragmented control frame"));
        }
        match opcode {
            Opcode::Continuation if self.fragmented.is_none() => {
                return Err(WsError::Protocol("continuation frame without a message in progress"));
            }
            Opcode::Text | Opcode::Binary if self.fragmented.is_some() => {
                return Err(WsError::Protocol("new data frame before the fragmented message ended"));
            }
            _ => {}
        }
        let Some(&second) = bytes.get(1) else {
            return Ok(None);
        };
        if second & 0x80 == 0 {
            return Err(WsError::Protocol("unmasked client frame"));
        }
        let extended = match second & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let Some(length_bytes) = bytes.get(2..2 + extended) else {
            return Ok(None);
        };
        let len = match *length_bytes {
            [] => u64::from(second & 0x7f),
            [a, b] => u64::from(u16::from_be_bytes([a, b])),
            [a, b, c, d, e, f, g, h] => u64::from_be_bytes([a, b, c, d, e, f, g, h]),
            _ => return Err(WsError::Protocol("malformed length")),
        };
        if len >> 63 != 0 {
            return Err(WsError::Protocol(
                "64-bit payload length with the most significant bit set",
            ));
        }
        let len = if opcode.is_control() {
            if len > MAX_CONTROL as u64 {
                return Err(WsError::Protocol("control frame payload longer than 125 bytes"));
            }
            len as usize
        } else {
            // What the message adds up to with this frame.
            let so_far = if opcode == Opcode::Continuation {
                self.message.len()
            } else {
                0
            };
            let too_big = WsError::TooBig {
                limit: self.max_message,
            };
            let len = usize::try_from(len).map_err(|_| too_big.clone())?;
            if len > self.max_message.saturating_sub(so_far) {
                return Err(too_big);
            }
            len
        };
        let end = 2 + extended + 4;
        let Some(&[a, b, c, d]) = bytes.get(2 + extended..end) else {
            return Ok(None);
        };
        let frame = Frame {
            opcode,
            fin,
            mask: [a, b, c, d],
            len,
            read: 0,
        };
        Ok(Some((frame, end)))
    }

    /// Makes room in `message` for a data frame of `len` bytes (within
    /// `max_message` with what is already there, as checked): exactly `len`
    /// for the first frame of a message, then growing by doubling, never
    /// past `max_message`.
    fn reserve_message(&mut self, len: usize) {
        let needed = self.message.len() + len;
        let capacity = self.message.capacity();
        if needed <= capacity {
            return;
        }
        let target = if capacity == 0 {
            needed
        } else {
            needed.max(capacity.saturating_mul(2)).min(self.max_message.max(needed))
        };
        self.message.reserve_exact(target - self.message.len());
    }

    /// A frame's payload is complete: deliver what it completes.
    fn finish(&mut self, frame: Frame, out: &mut Vec<Message>) -> Result<(), WsError> {
        let kind = match frame.opcode {
            Opcode::Close => {
                out.push(Message::Close(close_frame(std::mem::take(&mut self.control))?));
                return Ok(());
            }
            Opcode::Ping => {
                out.push(Message::Ping(Bytes::from(std::mem::take(&mut self.control))));
                return Ok(());
            }
            Opcode::Pong => {
                out.push(Message::Pong(Bytes::from(std::mem::take(&mut self.control))));
                return Ok(());
            }
            Opcode::Text => Kind::Text,
            Opcode::Binary => Kind::Binary,
            Opcode::Continuation => match self.fragmented {
                Some(kind) => kind,
                None => return Err(WsError::Protocol("continuation frame without a message in progress")),
            },
        };
        if !frame.fin {
            self.fragmented = Some(kind);
            return Ok(());
        }
        self.fragmented = None;
        let payload = Bytes::from(std::mem::take(&mut self.message));
        out.push(match kind {
            Kind::Text => Message::Text(Str::from_utf8(payload).map_err(|_| WsError::InvalidUtf8)?),
            Kind::Binary => Message::Binary(payload),
        });
        Ok(())
    }
}

/// Reads a close frame's payload: nothing, or a status code the wire may
/// carry and a UTF-8 reason.
fn close_frame(mut payload: Vec<u8>) -> Result<Option<CloseFrame>, WsError> {
    let code = match *payload.as_slice() {
        [] => return Ok(None),
        [_] => return Err(WsError::Protocol("close frame with a 1-byte payload")),
        [a, b, ..] => u16::from_be_bytes([a, b]),
    };
    if !matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999) {
        return Err(WsError::Protocol(
            "close frame with a status code not allowed on the wire",
        ));
    }
    payload.drain(..2);
    let reason = String::from_utf8(payload).map_err(|_| WsError::InvalidUtf8)?;
    Ok(Some(CloseFrame { code, reason }))
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoder")
            .field("max_message", &self.max_message)
            .field("header_len", &self.header_len)
            .field("frame", &self.frame)
            .field("message_len", &self.message.len())
            .field("fragmented", &self.fragmented)
            .field("control_len", &self.control.len())
            .field("error", &self.error)
            .finish()
    }
}
