//! Eight bytes at a time ("SIMD within a register") scanning of UTF-8 text for the
//! normaliser and the tokenizer.
//!
//! Vacancy text is mostly lowercase Russian letters (two bytes each) and ASCII. Each
//! function here takes eight bytes as a little-endian `u64` and says how many of the
//! leading bytes are of one common kind, so that the callers skip them without the
//! per-character code. The tests compare each with its scalar definition.
//!
//! Stage 1 (features): the fast paths of [`crate::features::tokenizer`].

const L: u64 = 0x0101_0101_0101_0101;
const H: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `b` at `i` as a little-endian `u64`, when there are eight.
#[inline(always)]
pub(crate) fn load(b: &[u8], i: usize) -> Option<u64> {
    let s: [u8; 8] = b.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(s))
}

/// Bit 7 set in each ASCII byte of `w` in `lo..=hi` (`hi < 0x7f`).
#[inline(always)]
fn ascii_in(w: u64, lo: u8, hi: u8) -> u64 {
    // With bit 7 cleared no byte carries into the next: x + (0x80 - lo) has bit 7 set iff
    // x >= lo, x + (0x7f - hi) iff x > hi (which implies the former).
    let x = w & !H;
    ((x + L * u64::from(0x80 - lo)) ^ (x + L * u64::from(0x7f - hi))) & !w & H
}

/// Number of leading bytes of `w` that are ASCII and not capitals (`A..Z`): unchanged by
/// NFC (whatever follows them: a combining mark is checked on its own) and lowercasing.
#[inline(always)]
pub(crate) fn ascii_unchanged_prefix(w: u64) -> usize {
    prefix_bytes((w & H) | ascii_in(w, b'A', b'Z'))
}

/// Number of leading bytes of `w` that are ASCII word characters `[0-9a-z_]`.
#[inline(always)]
pub(crate) fn ascii_word_prefix(w: u64) -> usize {
    let word = ascii_in(w, b'0', b'9') | ascii_in(w, b'a', b'z') | ascii_in(w, b'_', b'_');
    prefix_bytes(!word & H)
}

/// Number of leading bytes of `w` (which starts at a char boundary) that are whole
/// lowercase Russian letters `а..я`, `ѐ..џ` (U+0430..U+045F): pairs `0xD0 0xB0..=0xBF`
/// or `0xD1 0x80..=0x9F`. Always even.
#[inline(always)]
pub(crate) fn russian_lower_prefix(w: u64) -> usize {
    // Per 16-bit lane (lead byte low): with s = bit 0 of the lead byte (0 for 0xD0, 1 for
    // 0xD1), the lane must equal 0xB0D0 under mask 0xF0FF, or 0x80D1 under 0xE0FF. Both
    // are computed per lane without borrows: mask = 0xF0FF - s * 0x1000,
    // expected = 0xB0D0 - s * 0x2FFF.
    const LANES: u64 = 0x0001_0001_0001_0001;
    let s = w & LANES;
    let mask = 0xF0FF * LANES - s * 0x1000;
    let expected = 0xB0D0 * LANES - s * 0x2FFF;
    let diff = (w & mask) ^ expected;
    if diff == 0 {
        8
    } else {
        (diff.trailing_zeros() / 16 * 2) as usize
    }
}

/// Number of bytes before the first byte whose bit 7 is set in `flags`.
#[inline(always)]
fn prefix_bytes(flags: u64) -> usize {
    if flags == 0 {
        8
    } else {
        (flags.trailing_zeros() / 8) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_their_scalar_definitions() {
        // Random bytes, biased towards the interesting values, in every position.
        let interesting = [
            0xD0, 0xD1, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xAF, 0xB0, 0xBF, 0xC0,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut a = state.to_le_bytes();
            for (k, b) in a.iter_mut().enumerate() {
                let r = (state >> (k * 5)) as usize;
                if r.is_multiple_of(3) {
                    *b = interesting[r / 3 % interesting.len()];
                } else if r % 3 == 1 {
                    *b = b"@AZ[`az{_09/:. "[r / 3 % 15];
                }
            }
            let w = u64::from_le_bytes(a);
            let want = a
                .iter()
                .take_while(|b| b.is_ascii() && !b.is_ascii_uppercase())
                .count();
            assert_eq!(ascii_unchanged_prefix(w), want, "{a:x?}");
            let want = a
                .iter()
                .take_while(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || **b == b'_')
                .count();
            assert_eq!(ascii_word_prefix(w), want, "{a:x?}");
            let want = 2 * a
                .chunks(2)
                .take_while(|p| matches!(p, [0xD0, 0xB0..=0xBF] | [0xD1, 0x80..=0x9F]))
                .count();
            assert_eq!(russian_lower_prefix(w), want, "{a:x?}");
        }
    }
}
