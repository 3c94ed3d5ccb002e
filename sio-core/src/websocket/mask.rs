//! Unmasking client payloads (RFC 6455 §5.3).

/// Appends `src` to `dst`, XORed with `key` starting at key position
/// `phase` (the number of payload bytes of the frame already unmasked).
pub(super) fn unmask_into(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4], phase: usize) {
    let start = dst.len();
    dst.extend_from_slice(src);
    if let Some(appended) = dst.get_mut(start..) {
        apply_mask(appended, key, phase);
    }
}

/// XORs `buf` in place with `key`, the first byte of `buf` being payload
/// byte number `phase` (mod 4). Eight bytes at a time.
pub(super) fn apply_mask(buf: &mut [u8], key: [u8; 4], phase: usize) {
    let mut key = key;
    key.rotate_left(phase % 4);
    let [a, b, c, d] = key;
    let wide = u64::from_ne_bytes([a, b, c, d, a, b, c, d]);
    let mut words = buf.chunks_exact_mut(8);
    for word in &mut words {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        word.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ wide).to_ne_bytes());
    }
    // Each word is a multiple of 4 bytes, so the tail starts at phase 0 of
    // the rotated key.
    for (byte, k) in words.into_remainder().iter_mut().zip(key.iter().cycle()) {
        *byte ^= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(buf: &[u8], key: [u8; 4], phase: usize) -> Vec<u8> {
        buf.iter()
            .enumerate()
            .map(|(i, byte)| byte ^ key[(phase + i) % 4])
            .collect()
    }

    #[test]
    fn matches_bytewise_xor_at_every_length_and_phase() {
        let key = [0x12, 0x34, 0x56, 0x78];
        let data: Vec<u8> = (0..=255).collect();
        for len in 0..40 {
            for phase in 0..9 {
                let mut buf = data[..len].to_vec();
                apply_mask(&mut buf, key, phase);
                assert_eq!(buf, naive(&data[..len], key, phase), "len {len}, phase {phase}");
            }
        }
    }

    #[test]
    fn unmask_into_appends_and_keeps_earlier_bytes() {
        let key = [1, 2, 3, 4];
        let mut out = vec![9, 9];
        unmask_into(&mut out, &[0; 11], key, 3);
        assert_eq!(out, [9, 9, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2]);
    }

    #[test]
    fn masking_twice_restores_the_input() {
        let key = [0xde, 0xad, 0xbe, 0xef];
        let data: Vec<u8> = (0..100).map(|i| (i * 7) as u8).collect();
        let mut buf = data.clone();
        apply_mask(&mut buf, key, 1);
        assert_ne!(buf, data);
        apply_mask(&mut buf, key, 1);
        assert_eq!(buf, data);
    }
}
