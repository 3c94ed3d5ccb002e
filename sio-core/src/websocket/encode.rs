//! Server-to-client frames: unmasked, FIN set.

use super::message::Opcode;

/// The longest close reason that fits a control frame: 125 bytes minus the
/// 2-byte status code.
pub const MAX_CLOSE_REASON: usize = 123;

/// Writes the header of an unmasked frame with FIN set, carrying `len`
/// payload bytes, into `out`, and returns the number of header bytes
/// written (2, 4 or 10), so that `&out[..n]` and the payload can go out in
/// one vectored write.
///
/// The length uses the shortest encoding. Control frames (close, ping,
/// pong) must not carry more than 125 bytes; that is the caller's to keep.
pub fn frame_header(out: &mut [u8; 10], opcode: Opcode, len: usize) -> usize {
    out[0] = 0x80 | opcode.code();
    if let Ok(short @ 0..=125) = u8::try_from(len) {
        out[1] = short;
        2
    } else if let Ok(medium) = u16::try_from(len) {
        out[1] = 126;
        out[2..4].copy_from_slice(&medium.to_be_bytes());
        4
    } else {
        out[1] = 127;
        // usize is at most 64 bits on every supported target.
        out[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    }
}

/// Appends an unmasked frame with FIN set: the header, then `payload`.
///
/// Control frames (close, ping, pong) must not carry more than 125 bytes;
/// that is the caller's to keep (see [`encode_close`] for close frames).
pub fn encode_frame(out: &mut Vec<u8>, opcode: Opcode, payload: &[u8]) {
    let mut header = [0; 10];
    let n = frame_header(&mut header, opcode, payload.len());
    out.reserve(n + payload.len());
    out.extend_from_slice(&header[..n]);
    out.extend_from_slice(payload);
}

/// Appends a close frame with status `code` and `reason`, the reason cut
/// to at most [`MAX_CLOSE_REASON`] (123) bytes on a char boundary so the
/// payload stays within the 125 bytes of a control frame.
///
/// `code` is written as given; it should be one a close frame may carry
/// (1000..=1003, 1007..=1014, 3000..=4999; [`WsError::close_code`] gives
/// one).
///
/// [`WsError::close_code`]: super::WsError::close_code
pub fn encode_close(out: &mut Vec<u8>, code: u16, reason: &str) {
    let mut end = reason.len().min(MAX_CLOSE_REASON);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let reason = &reason.as_bytes()[..end];
    let mut header = [0; 10];
    let n = frame_header(&mut header, Opcode::Close, 2 + reason.len());
    out.reserve(n + 2 + reason.len());
    out.extend_from_slice(&header[..n]);
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(reason);
}
