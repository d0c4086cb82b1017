//! Sorting the feature ids of one vacancy: a two-pass counting sort (radix 2^10) that
//! beats a comparison sort on the few hundred term occurrences of a vacancy.
//!
//! The buffers live in the vectorizer's [`crate::features::vectorizer::Workspace`] so that
//! a batch allocates once. The scorer ([`crate::serving::scorer`]) sorts the table slots a
//! vacancy hit, so that the repeats of a term sit together and are counted in one pass.

/// Largest digit of [`sort_ids`]: two digits cover tables of up to 2^20 slots.
const MAX_DIGIT_BITS: u32 = 10;

/// Buffers of [`sort_ids`], kept in the workspace so that a batch allocates once.
#[derive(Debug, Default, Clone)]
pub(crate) struct SortBuffers {
    ids: Vec<u32>,
    counts: Vec<u32>,
}

/// Sorts `ids` (each below `1 << bits`) ascending. A vacancy has a few hundred term
/// occurrences; two counting passes over half the bits each cost less than a comparison
/// sort there (short lists and very large tables use `sort_unstable`).
pub(crate) fn sort_ids(ids: &mut [u32], bufs: &mut SortBuffers, bits: u32) {
    if ids.len() < 256 || bits > 2 * MAX_DIGIT_BITS {
        ids.sort_unstable();
        return;
    }
    let shift = bits.div_ceil(2);
    let buckets = 1usize << shift;
    let mask = (1u32 << shift) - 1;
    if bufs.ids.len() < ids.len() {
        bufs.ids.resize(ids.len(), 0);
    }
    let tmp = &mut bufs.ids[..ids.len()];
    bufs.counts.clear();
    bufs.counts.resize(2 * buckets, 0);
    let (lo, hi) = bufs.counts.split_at_mut(buckets);
    for &id in ids.iter() {
        lo[(id & mask) as usize] += 1;
        hi[(id >> shift) as usize] += 1;
    }
    // Counts to start offsets.
    let (mut sum_lo, mut sum_hi) = (0, 0);
    for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
        (*l, sum_lo) = (sum_lo, sum_lo + *l);
        (*h, sum_hi) = (sum_hi, sum_hi + *h);
    }
    for &id in ids.iter() {
        let d = (id & mask) as usize;
        tmp[lo[d] as usize] = id;
        lo[d] += 1;
    }
    for &id in tmp.iter() {
        let d = (id >> shift) as usize;
        ids[hi[d] as usize] = id;
        hi[d] += 1;
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    #[test]
    fn counting_sort_equals_sort_unstable() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let mut buf = SortBuffers::default();
        for bits in [4, 9, 17, 18, 20, 21] {
            for len in [0, 1, 255, 256, 257, 700, 3000] {
                // Few distinct values too, so that there are many repeats.
                let top = if len % 2 == 0 {
                    1u32 << bits
                } else {
                    50.min(1 << bits)
                };
                let mut ids: Vec<u32> = (0..len).map(|_| rng.gen_range(0..top)).collect();
                let mut want = ids.clone();
                want.sort_unstable();
                sort_ids(&mut ids, &mut buf, bits);
                assert_eq!(ids, want, "bits {bits}, len {len}");
            }
        }
    }
}
