//! Stable 64-bit hashing of terms and a pass-through hasher for maps keyed by such hashes.
//!
//! Features are identified by a 64-bit hash of (block, n-gram) so that scoring never
//! allocates a `String`. The hash is written here (not `std`'s `DefaultHasher`) because it
//! must never change between Rust versions or platforms: it is stored in model files.
//!
//! Stage 1 (features): used by [`crate::features::terms`] for every term.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// MurmurHash3's 64-bit finaliser.
pub fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Stable hash of `bytes` with a `seed`.
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h ^ tail(rest)).wrapping_mul(K).rotate_left(31);
    }
    fmix(h)
}

/// The 1..=7 bytes of `rest` as a little-endian `u64` padded with zeros, from two
/// overlapping loads (where they overlap the bytes are the same); a variable-length copy
/// into a buffer would call `memcpy`.
#[inline(always)]
fn tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    if let (Some(a), Some(b)) = (rest.first_chunk::<4>(), rest.last_chunk::<4>()) {
        u64::from(u32::from_le_bytes(*a)) | u64::from(u32::from_le_bytes(*b)) << (8 * (n - 4))
    } else if let (Some(a), Some(b)) = (rest.first_chunk::<2>(), rest.last_chunk::<2>()) {
        u64::from(u16::from_le_bytes(*a)) | u64::from(u16::from_le_bytes(*b)) << (8 * (n - 2))
    } else {
        rest.first().map_or(0, |&b| u64::from(b))
    }
}

/// Stable hash of an ordered pair of term hashes (a word bigram).
pub fn hash_pair(a: u64, b: u64) -> u64 {
    fmix(a.rotate_left(23) ^ b.wrapping_mul(K) ^ 0x5bd1_e995)
}

/// A `Hasher` that passes a `u64` key through: the keys are already good hashes.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only used for u64 keys; fold anything else in for safety.
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(K);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by precomputed 64-bit hashes.
pub type HashKeyMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_across_builds() {
        // Pinned values: changing the hash silently breaks every stored model.
        assert_eq!(hash_bytes(0, b""), fmix(0));
        assert_ne!(hash_bytes(1, b"python"), hash_bytes(2, b"python"));
        assert_ne!(hash_pair(1, 2), hash_pair(2, 1));
        assert_eq!(
            hash_bytes(7, "разработчик".as_bytes()),
            hash_bytes(7, "разработчик".as_bytes())
        );
        assert_eq!(hash_bytes(3, b"python"), 0x54a3_5d71_681a_60af);
    }

    /// The hash before the two-load tail, kept as the reference.
    fn hash_bytes_reference(seed: u64, bytes: &[u8]) -> u64 {
        let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(31);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(31);
        }
        fmix(h)
    }

    #[test]
    fn hash_equals_the_reference_at_every_length() {
        let bytes: Vec<u8> = (0..64u32).map(|i| (i * 97 + 13) as u8 | 0x80).collect();
        for start in 0..8 {
            for end in start..bytes.len() {
                let b = &bytes[start..end];
                assert_eq!(hash_bytes(5, b), hash_bytes_reference(5, b), "{b:x?}");
            }
        }
    }
}
