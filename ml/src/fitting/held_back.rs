//! Which rows `payrange train` holds back: a sample of the training file that takes no
//! part in training (cross-validation, calibration, nested CV or the final fit) and is
//! stored with the model ([`crate::serving::held_back`]), so that models trained on the
//! same file can be compared on rows none of them has seen.
//!
//! The rule depends on a row's text alone, never on its position, id or the other rows
//! (up to the cap): the key of a row is the first 8 bytes, read big-endian, of
//! `sha256(name + "\n" + description)` (as a `u64`; the first 16 hex digits of the
//! digest), and a row is held back when `key < share × 2^64`. With more than
//! [`MAX_HELD_BACK_ROWS`] such rows, only those whose key is below the key of the
//! (cap + 1)-th smallest are held back: the threshold is lowered, so rows with the same
//! text (duplicates) are always held back together and a smaller share or cap holds back
//! a subset of a larger one.
//!
//! Stage 2 (fitting): applied by [`crate::fitting::train`] before anything else.

use sha2::{Digest, Sha256};

use crate::data::LoadedData;
use crate::serving::held_back::HeldBackRow;

/// Share of rows held back by default (5 %).
pub const DEFAULT_HELD_BACK_SHARE: f64 = 0.05;

/// At most this many rows are held back.
pub const MAX_HELD_BACK_ROWS: usize = 500;

/// The key of a row's text: the first 8 bytes of `sha256(name + "\n" + description)`,
/// big-endian.
pub fn text_key(name: &str, description: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(description.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// The key threshold of `share`: `share × 2^64`, saturating; 0 for a share that is not
/// positive (or NaN), `u64::MAX` for 1 and above.
fn threshold(share: f64) -> u64 {
    if share.is_nan() || share <= 0.0 {
        0
    } else if share >= 1.0 {
        u64::MAX
    } else {
        // Exact scaling by a power of two; the cast truncates (and saturates).
        (share * 18_446_744_073_709_551_616.0) as u64
    }
}

/// Splits `data` into the rows to train on (everything else of `data` unchanged: file
/// name, checksum, record and bad-row counts) and the rows held back by the rule of the
/// module doc at `share` (0 holds none back). Both keep the file's order.
pub fn split(data: &LoadedData, share: f64) -> (LoadedData, Vec<HeldBackRow>) {
    let keys: Vec<u64> = data
        .rows
        .iter()
        .map(|r| text_key(&r.name, &r.description))
        .collect();
    let mut limit = threshold(share);
    let mut below: Vec<u64> = keys.iter().copied().filter(|&k| k < limit).collect();
    if below.len() > MAX_HELD_BACK_ROWS {
        below.sort_unstable();
        limit = below[MAX_HELD_BACK_ROWS];
    }
    let mut training = Vec::with_capacity(data.rows.len());
    let mut held_back = Vec::new();
    for (r, &k) in data.rows.iter().zip(&keys) {
        if k < limit {
            held_back.push(HeldBackRow::from(r));
        } else {
            training.push(r.clone());
        }
    }
    let training = LoadedData {
        rows: training,
        file_name: data.file_name.clone(),
        sha256: data.sha256.clone(),
        records: data.records,
        bad_rows: data.bad_rows.clone(),
    };
    (training, held_back)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::data::Row;

    fn row(i: usize, name: &str) -> Row {
        Row {
            id: i.to_string(),
            name: name.to_owned(),
            description: format!("description {}", i / 2),
            area: None,
            salary_from: Some(1000.0 + i as f64),
            salary_to: None,
            currency: None,
        }
    }

    fn data(n: usize) -> LoadedData {
        LoadedData {
            rows: (0..n).map(|i| row(i, &format!("title {i}"))).collect(),
            file_name: "f.csv".into(),
            sha256: "00".into(),
            records: n + 3,
            bad_rows: [("missing name".to_owned(), 3)].into_iter().collect(),
        }
    }

    #[test]
    fn the_key_is_the_first_eight_bytes_of_the_sha256_of_the_text() {
        // As `printf 'a\nb' | sha256sum | cut -c1-16` reads it.
        let digest = Sha256::digest(b"a\nb");
        let want = u64::from_be_bytes(digest[..8].try_into().unwrap());
        assert_eq!(text_key("a", "b"), want);
        assert_ne!(text_key("a\nb", ""), text_key("a", "\nb\n"));
    }

    #[test]
    fn about_the_share_is_held_back_by_text_alone_and_nothing_is_lost() {
        let d = data(4000);
        let (training, held) = split(&d, 0.05);
        assert_eq!(training.rows.len() + held.len(), d.rows.len());
        assert!((150..250).contains(&held.len()), "{}", held.len());
        assert_eq!(training.records, d.records);
        assert_eq!(training.bad_rows, d.bad_rows);
        for r in &held {
            assert!(text_key(&r.name, &r.description) < threshold(0.05));
        }
        // The same rows whatever the order or the ids of the file.
        let mut shuffled = d.clone();
        shuffled.rows.reverse();
        for (i, r) in shuffled.rows.iter_mut().enumerate() {
            r.id = format!("x{i}");
        }
        let (_, again) = split(&shuffled, 0.05);
        let mut a: Vec<_> = held.iter().map(|r| r.name.clone()).collect();
        let mut b: Vec<_> = again.iter().map(|r| r.name.clone()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        // A smaller share holds back a subset; 0 (or nonsense) none.
        let (_, fewer) = split(&d, 0.02);
        assert!(fewer.len() < held.len() && fewer.iter().all(|r| held.contains(r)));
        for share in [0.0, -1.0, f64::NAN] {
            let (t, h) = split(&d, share);
            assert!(h.is_empty());
            assert_eq!(t.rows, d.rows);
        }
        // Everything, up to the cap.
        let (t, h) = split(&d, 1.0);
        assert_eq!((t.rows.len(), h.len()), (3500, MAX_HELD_BACK_ROWS));
    }

    #[test]
    fn at_most_the_cap_is_held_back_and_duplicates_stay_together() {
        // Rows 2i and 2i + 1 share their text.
        let mut d = data(3000);
        for r in &mut d.rows {
            r.name = "same".into();
        }
        let (training, held) = split(&d, 0.5);
        assert!(held.len() <= MAX_HELD_BACK_ROWS && held.len() >= MAX_HELD_BACK_ROWS - 1);
        assert_eq!(held.len() % 2, 0);
        let max_held = held
            .iter()
            .map(|r| text_key(&r.name, &r.description))
            .max()
            .unwrap();
        for r in &training.rows {
            assert!(text_key(&r.name, &r.description) > max_held);
        }
    }
}
