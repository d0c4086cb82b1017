//! TF-IDF vectorizer whose vocabulary and IDF are learned once at fit time and stored.
//!
//! Written here rather than taken from linfa-preprocessing: its `TfIdfVectorizer`
//! recomputes IDF on every transform batch, so a vacancy scored alone would differ from
//! the same vacancy scored in a batch. Features are keyed by 64-bit term hashes.
//!
//! Stage 1 (features): the last step of the features; fitting transforms whole CSR matrices
//! here, serving scores through the packed [`crate::serving::scorer`] built from it.

use serde::{Deserialize, Serialize};
use sprs::CsMat;

use crate::VacancyText;
use crate::features::hashing::HashKeyMap;
use crate::features::terms::{Block, Scratch, TermSettings, for_each_term};

/// Reusable buffers for transforming one vacancy.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    pub(crate) scratch: Scratch,
    pub(crate) ids: Vec<u32>,
    /// Buffers of the counting sort of `ids`.
    pub(crate) sort_buf: crate::features::id_sort::SortBuffers,
    /// The last transformed row: `(feature, value)` sorted by feature.
    pub row: Vec<(u32, f64)>,
    /// Term occurrences of the last transformed vacancy, and those in the vocabulary.
    pub(crate) terms: (usize, usize),
}

impl Workspace {
    /// Share of the last transformed vacancy's term occurrences that are in the
    /// vocabulary (0 for a vacancy without terms).
    pub fn known_share(&self) -> f64 {
        let (seen, known) = self.terms;
        if seen == 0 {
            0.0
        } else {
            known as f64 / seen as f64
        }
    }
}

/// `ln(k)` for small counts `k` (index 0 unused), bit-identical to `(k as f64).ln()`.
static LN_SMALL: std::sync::LazyLock<[f64; 64]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|k| (k.max(1) as f64).ln()));

/// Term frequency weight of a term seen `count` times: `1 + ln(count)` when sublinear.
#[inline]
pub(crate) fn sublinear_tf(sublinear: bool, count: usize) -> f64 {
    if !sublinear {
        count as f64
    } else if let Some(&l) = LN_SMALL.get(count) {
        1.0 + l
    } else {
        1.0 + (count as f64).ln()
    }
}

/// Settings of the vectorizer (part of the model artifact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorizerSettings {
    /// Which terms are extracted.
    pub terms: TermSettings,
    /// Minimum number of training documents a term must occur in.
    pub min_df: u32,
    /// Use `1 + ln(tf)` instead of raw counts.
    pub sublinear_tf: bool,
    /// L2-normalise each block of each row.
    pub l2_normalize: bool,
    /// Weight multiplying each block (title, title chars, description, area, amount).
    pub block_weights: [f64; 5],
}

impl Default for VectorizerSettings {
    fn default() -> Self {
        VectorizerSettings {
            terms: TermSettings::default(),
            min_df: 2,
            sublinear_tf: true,
            l2_normalize: true,
            block_weights: [0.7, 1.0, 1.0, 1.0, 1.0],
        }
    }
}

/// A fitted vectorizer: term hashes, their block, document frequency and IDF.
#[derive(Debug, Clone)]
pub struct Vectorizer {
    /// Settings it was fitted with.
    pub settings: VectorizerSettings,
    /// Number of training documents.
    pub n_docs: u32,
    /// Term hash of each feature (sorted ascending).
    pub keys: Vec<u64>,
    /// Block of each feature.
    pub blocks: Vec<Block>,
    /// Training document frequency of each feature.
    pub df: Vec<u32>,
    /// Smoothed IDF of each feature: `ln((1 + n) / (1 + df)) + 1`, derived from `df`.
    pub idf: Vec<f64>,
    index: HashKeyMap<u32>,
}

impl Vectorizer {
    /// Learns vocabulary and IDF from `docs`.
    pub fn fit(docs: &[VacancyText<'_>], settings: VectorizerSettings) -> Vectorizer {
        let mut df: HashKeyMap<(u32, Block)> = HashKeyMap::default();
        let mut scratch = Scratch::default();
        let mut seen: Vec<(u64, Block)> = Vec::new();
        for d in docs {
            seen.clear();
            for_each_term(d, &settings.terms, &mut scratch, |b, k, _| {
                seen.push((k, b))
            });
            seen.sort_unstable_by_key(|x| x.0);
            seen.dedup_by_key(|x| x.0);
            for &(k, b) in &seen {
                df.entry(k).or_insert((0, b)).0 += 1;
            }
        }
        let mut kept: Vec<(u64, u32, Block)> = df
            .into_iter()
            .filter(|(_, (c, _))| *c >= settings.min_df)
            .map(|(k, (c, b))| (k, c, b))
            .collect();
        kept.sort_unstable_by_key(|x| x.0);
        Vectorizer::from_parts(
            settings,
            docs.len() as u32,
            kept.iter().map(|x| x.0).collect(),
            kept.iter().map(|x| x.2).collect(),
            kept.iter().map(|x| x.1).collect(),
        )
    }

    /// Assembles a vectorizer from stored parts, deriving IDF and the hash index.
    /// The caller guarantees equal lengths of `keys`, `blocks` and `df`.
    pub fn from_parts(
        settings: VectorizerSettings,
        n_docs: u32,
        keys: Vec<u64>,
        blocks: Vec<Block>,
        df: Vec<u32>,
    ) -> Vectorizer {
        let n = f64::from(n_docs);
        let idf = df
            .iter()
            .map(|&c| ((1.0 + n) / (1.0 + f64::from(c))).ln() + 1.0)
            .collect();
        let index = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        Vectorizer {
            settings,
            n_docs,
            keys,
            blocks,
            df,
            idf,
            index,
        }
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.keys.len()
    }

    /// Feature index of a term hash.
    pub fn feature_of(&self, key: u64) -> Option<u32> {
        self.index.get(&key).copied()
    }

    /// Computes the TF-IDF row of `v` into `ws.row` as `(feature, value)` sorted by feature.
    pub fn transform_into(&self, v: &VacancyText<'_>, ws: &mut Workspace) {
        ws.row.clear();
        ws.ids.clear();
        let ids = &mut ws.ids;
        let mut seen = 0;
        for_each_term(v, &self.settings.terms, &mut ws.scratch, |_, k, _| {
            seen += 1;
            if let Some(&i) = self.index.get(&k) {
                ids.push(i);
            }
        });
        ws.terms = (seen, ids.len());
        self.weigh(&mut ws.ids, &mut ws.row);
    }

    /// Turns feature occurrences into the weighted, normalised row.
    fn weigh(&self, ids: &mut [u32], row: &mut Vec<(u32, f64)>) {
        ids.sort_unstable();
        let mut norms = [0.0f64; 5];
        let mut i = 0;
        while i < ids.len() {
            let f = ids[i];
            let mut j = i + 1;
            while j < ids.len() && ids[j] == f {
                j += 1;
            }
            let count = j - i;
            let tf = sublinear_tf(self.settings.sublinear_tf, count);
            let w = tf * self.idf[f as usize];
            norms[self.blocks[f as usize] as usize] += w * w;
            row.push((f, w));
            i = j;
        }
        let mut scale = self.settings.block_weights;
        if self.settings.l2_normalize {
            for (s, n) in scale.iter_mut().zip(norms) {
                if n > 0.0 {
                    *s /= n.sqrt();
                }
            }
        }
        for (f, w) in row.iter_mut() {
            *w *= scale[self.blocks[*f as usize] as usize];
        }
    }

    /// TF-IDF matrix (CSR, rows = documents) of `docs`.
    pub fn transform(&self, docs: &[VacancyText<'_>]) -> CsMat<f64> {
        self.transform_known(docs).0
    }

    /// [`Vectorizer::transform`], also returning each document's share of term
    /// occurrences in the vocabulary (see [`Workspace::known_share`]).
    pub fn transform_known(&self, docs: &[VacancyText<'_>]) -> (CsMat<f64>, Vec<f64>) {
        let mut ws = Workspace::default();
        let mut indptr = Vec::with_capacity(docs.len() + 1);
        let (mut indices, mut data) = (Vec::new(), Vec::new());
        let mut known = Vec::with_capacity(docs.len());
        indptr.push(0);
        for d in docs {
            self.transform_into(d, &mut ws);
            known.push(ws.known_share());
            for &(f, w) in &ws.row {
                indices.push(f as usize);
                data.push(w);
            }
            indptr.push(indices.len());
        }
        let x = CsMat::new((docs.len(), self.n_features()), indptr, indices, data);
        (x, known)
    }
}
