//! The packed scoring table behind [`crate::Model::predict`].
//!
//! Scoring a vacancy looks up a few hundred terms, nearly all in different places of an
//! 87k-feature model; in batch mode these lookups miss the cache and dominate the time.
//! The vectorizer keeps a hash map (term -> feature) and separate per-feature arrays (IDF,
//! block, coefficients), so every hit costs four scattered reads. Here one open-addressing
//! slot holds the key, IDF, block and both coefficients, so a hit is one read (and a miss
//! usually one cache line of linear probing, the table being at most half full).
//!
//! A slot is 32 bytes, aligned to 32, so that it never straddles two cache lines (with 40
//! bytes half of them did, and a real vacancy's lookups mostly miss the cache): the IDF is
//! an index into the few thousand distinct IDF values (every feature with the same training
//! document frequency has the same), and the feature index, which only explanations read,
//! is kept beside the table.
//!
//! Stage 3 (serving): built from the trained vectorizer and coefficients when a model is
//! assembled or loaded.

use crate::VacancyText;
use crate::features::hashing::{HashKeyMap, fmix};
use crate::features::id_sort::sort_ids;
use crate::features::terms::{Block, for_each_term};
use crate::features::vectorizer::{Vectorizer, VectorizerSettings, Workspace, sublinear_tf};

const EMPTY: u8 = u8::MAX;

#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct Slot {
    key: u64,
    coef: [f64; 2],
    /// Index of the IDF in `Scorer::idfs`.
    idf: u32,
    /// Block index, or `EMPTY`.
    block: u8,
}

const VACANT: Slot = Slot {
    key: 0,
    coef: [0.0; 2],
    idf: 0,
    block: EMPTY,
};

/// Feature table packed for scoring (derived from a vectorizer and coefficients).
#[derive(Clone)]
pub struct Scorer {
    slots: Vec<Slot>,
    /// Distinct IDF values.
    idfs: Vec<f64>,
    /// Feature index in the vectorizer of each slot (for explanations).
    features: Vec<u32>,
    mask: usize,
    /// Slot indices are below `1 << bits`.
    bits: u32,
    settings: VectorizerSettings,
}

impl std::fmt::Debug for Scorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scorer")
            .field("slots", &self.slots.len())
            .finish_non_exhaustive()
    }
}

impl Scorer {
    /// Packs `vec`'s features with their coefficients `coef[feature] = [from, to]`.
    pub fn new(vec: &Vectorizer, coef: &[[f64; 2]]) -> Scorer {
        let cap = (2 * vec.n_features()).next_power_of_two().max(16);
        let mask = cap - 1;
        let mut slots = vec![VACANT; cap];
        let mut features = vec![0; cap];
        let mut idfs = Vec::new();
        let mut idf_index: HashKeyMap<u32> = HashKeyMap::default();
        for (j, &key) in vec.keys.iter().enumerate() {
            let mut i = key as usize & mask;
            while slots[i].block != EMPTY {
                i = (i + 1) & mask;
            }
            let idf = vec.idf[j];
            let k = *idf_index.entry(fmix(idf.to_bits())).or_insert_with(|| {
                idfs.push(idf);
                (idfs.len() - 1) as u32
            });
            slots[i] = Slot {
                key,
                coef: coef.get(j).copied().unwrap_or([0.0; 2]),
                idf: k,
                block: vec.blocks[j] as u8,
            };
            features[i] = j as u32;
        }
        Scorer {
            slots,
            idfs,
            features,
            mask,
            bits: cap.trailing_zeros(),
            settings: vec.settings.clone(),
        }
    }

    #[inline]
    fn find(&self, key: u64) -> Option<u32> {
        let mut i = key as usize & self.mask;
        loop {
            let s = &self.slots[i];
            if s.block == EMPTY {
                return None;
            }
            if s.key == key {
                return Some(i as u32);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Raw log predictions `[from, to]` (intercepts excluded) of `v`: the same sums as
    /// the vectorizer's TF-IDF row dotted with the coefficients, up to rounding.
    pub fn raw(&self, v: &VacancyText<'_>, ws: &mut Workspace) -> [f64; 2] {
        self.score(v, ws).0
    }

    /// Like [`Scorer::raw`], also leaving in `ws.row` each term's `(slot, tf * idf)` and
    /// returning each block's scale (block weight / block norm).
    fn score(&self, v: &VacancyText<'_>, ws: &mut Workspace) -> ([f64; 2], [f64; 5]) {
        let ids = &mut ws.ids;
        ids.clear();
        let mut seen = 0;
        for_each_term(v, &self.settings.terms, &mut ws.scratch, |_, k, _| {
            seen += 1;
            if let Some(i) = self.find(k) {
                ids.push(i);
            }
        });
        ws.terms = (seen, ids.len());
        sort_ids(ids, &mut ws.sort_buf, self.bits);
        ws.row.clear();
        let mut norms = [0.0f64; Block::ALL.len()];
        let mut acc = [[0.0f64; 2]; Block::ALL.len()];
        let mut i = 0;
        while i < ids.len() {
            let f = ids[i];
            let mut j = i + 1;
            while j < ids.len() && ids[j] == f {
                j += 1;
            }
            let s = &self.slots[f as usize];
            let w = sublinear_tf(self.settings.sublinear_tf, j - i) * self.idfs[s.idf as usize];
            let b = s.block as usize;
            norms[b] += w * w;
            acc[b][0] += w * s.coef[0];
            acc[b][1] += w * s.coef[1];
            ws.row.push((f, w));
            i = j;
        }
        let mut out = [0.0; 2];
        let mut scales = self.settings.block_weights;
        for (b, (n, a)) in norms.iter().zip(&acc).enumerate() {
            if self.settings.l2_normalize && *n > 0.0 {
                scales[b] /= n.sqrt();
            }
            out[0] += scales[b] * a[0];
            out[1] += scales[b] * a[1];
        }
        (out, scales)
    }

    /// Raw log predictions of `v` and each matched feature's contribution
    /// `(feature, [coef_from * x, coef_to * x])`, in feature order of the table.
    pub fn explain(
        &self,
        v: &VacancyText<'_>,
        ws: &mut Workspace,
        mut each: impl FnMut(u32, [f64; 2]),
    ) -> [f64; 2] {
        let (raw, scales) = self.score(v, ws);
        for &(slot, w) in &ws.row {
            let s = &self.slots[slot as usize];
            let x = w * scales[s.block as usize];
            each(self.features[slot as usize], [s.coef[0] * x, s.coef[1] * x]);
        }
        raw
    }

    /// Bytes held by the table.
    pub fn heap_bytes(&self) -> usize {
        self.slots.len() * (std::mem::size_of::<Slot>() + 4) + self.idfs.len() * 8
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::data::load_csv;

    #[test]
    fn packed_scores_equal_the_tfidf_row_dotted_with_the_coefficients() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hh_sample.csv");
        let data = load_csv(std::path::Path::new(path), true).unwrap();
        let docs: Vec<VacancyText<'_>> = data.rows.iter().map(|r| r.text()).collect();
        let settings = VectorizerSettings {
            block_weights: [0.7, 1.0, 1.3, 0.9, 1.1],
            ..VectorizerSettings::default()
        };
        let vec = Vectorizer::fit(&docs, settings);
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let coef: Vec<[f64; 2]> = (0..vec.n_features())
            .map(|j| {
                if j % 3 == 0 {
                    [0.0; 2]
                } else {
                    [rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0)]
                }
            })
            .collect();
        let scorer = Scorer::new(&vec, &coef);
        let (mut ws, mut ws2) = (Workspace::default(), Workspace::default());
        let unseen = VacancyText {
            name: "совершенно новый заголовок xyz",
            description: "",
            area: None,
        };
        for d in docs.iter().chain([&unseen]) {
            vec.transform_into(d, &mut ws);
            let mut want = [0.0; 2];
            for &(j, x) in &ws.row {
                want[0] += coef[j as usize][0] * x;
                want[1] += coef[j as usize][1] * x;
            }
            let got = scorer.raw(d, &mut ws2);
            for b in 0..2 {
                assert!(
                    (got[b] - want[b]).abs() <= 1e-12 * (1.0 + want[b].abs()),
                    "{got:?} vs {want:?}"
                );
            }
        }
    }
}
