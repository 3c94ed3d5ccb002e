//! The HTTP long-polling payload: several packets in one body.
//!
//! Records are separated by the record separator `\x1e`. A text record is a
//! text packet (`4hello`); a binary record is `b` followed by the standard
//! base64 of the message (`bAQID`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;

use super::{DecodeError, Frame, Packet};
use crate::Str;

/// The byte that separates two packets in a polling payload.
pub const SEPARATOR: char = '\x1e';

/// Decodes a polling request body into its packets, in order.
///
/// Text packets share `body`'s buffer. An empty body is an error (a client
/// never posts nothing), as is any record that does not decode.
pub fn decode(body: Bytes) -> Result<Vec<Packet>, DecodeError> {
    let body = Str::from_utf8(body).map_err(|_| DecodeError::InvalidUtf8)?;
    if body.is_empty() {
        return Err(DecodeError::Empty);
    }
    body.split(SEPARATOR)
        .map(|record| decode_record(&body, record))
        .collect()
}

fn decode_record(body: &Str, record: &str) -> Result<Packet, DecodeError> {
    match record.strip_prefix('b') {
        Some(encoded) => BASE64
            .decode(encoded)
            .map(|data| Packet::Binary(Bytes::from(data)))
            .map_err(|err| DecodeError::InvalidBase64(err.to_string())),
        None => Packet::decode_text(body.slice_ref(record)),
    }
}

/// Appends `frame` to a polling body under construction, preceded by the
/// separator unless the body is empty.
pub fn encode_into(body: &mut Vec<u8>, frame: &Frame) {
    if !body.is_empty() {
        body.push(SEPARATOR as u8);
    }
    match frame {
        Frame::Text(text) => body.extend_from_slice(text.as_bytes()),
        Frame::Binary(data) => {
            body.push(b'b');
            let start = body.len();
            body.resize(start + data.len().div_ceil(3) * 4, 0);
            // The buffer was sized for exactly the padded base64 length.
            let written = BASE64.encode_slice(data, &mut body[start..]).unwrap_or(0);
            body.truncate(start + written);
        }
    }
}

/// Encodes `frames` into one polling body.
pub fn encode<'a>(frames: impl IntoIterator<Item = &'a Frame>) -> Bytes {
    let mut body = Vec::new();
    for frame in frames {
        encode_into(&mut body, frame);
    }
    Bytes::from(body)
}
