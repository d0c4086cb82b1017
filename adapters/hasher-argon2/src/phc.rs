//! argon2 hashing and verification into PHC strings, with the working memory allocated so
//! that freeing it gives it back to the operating system.
//!
//! `argon2`'s own `hash_password` / `verify_password` allocate their 19 MiB with a plain
//! `vec!`. glibc serves a block that large with `mmap`, and when such a block (of up to 32 MiB)
//! is freed it raises its mmap threshold to that block's size and its trim threshold to twice
//! that, for the rest of the process: from the first sign-in on, everything up to 19 MiB came
//! from malloc arenas that each kept up to 38 MiB of freed memory. `payrange serve` plateaued
//! at ~320 MB RSS under load with 35 MB of live heap (heaptrack). A block of more than 32 MiB
//! leaves the thresholds alone, so the memory is reserved as [`RESERVE_BYTES`]: only the part
//! argon2 uses is ever touched (resident), and all of it is unmapped when dropped.

use argon2::password_hash::{Error, Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

/// Above glibc's `DEFAULT_MMAP_THRESHOLD_MAX` (32 MiB on 64-bit targets).
const RESERVE_BYTES: usize = 33 << 20;

/// `count` zeroed blocks in an allocation of at least [`RESERVE_BYTES`].
fn memory(count: usize) -> Vec<Block> {
    let reserve = RESERVE_BYTES.div_ceil(size_of::<Block>());
    let mut blocks = Vec::with_capacity(count.max(reserve));
    blocks.resize(count, Block::default());
    blocks
}

/// What `argon2::PasswordHasher::hash_password` returns, computed in [`memory`].
pub(crate) fn hash<'a>(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: Salt<'a>,
) -> Result<PasswordHash<'a>, Error> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let mut blocks = memory(params.block_count());
    let params_string = ParamsString::try_from(&params)?;
    let argon = Argon2::new(algorithm, version, params);
    let output = Output::init_with(output_len, |out| {
        Ok(argon.hash_password_into_with_memory(password, salt_bytes, out, &mut blocks)?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: params_string,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// What `argon2::PasswordVerifier::verify_password` does (with the algorithm, version and
/// parameters stored in `stored`), computed in [`memory`]: `Err(Error::Password)` on mismatch.
pub(crate) fn verify(password: &[u8], stored: &PasswordHash<'_>) -> Result<(), Error> {
    let (Some(salt), Some(expected)) = (stored.salt, &stored.hash) else {
        return Err(Error::Password);
    };
    let algorithm = Algorithm::try_from(stored.algorithm)?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(stored)?;
    let computed = hash(algorithm, version, params, password, salt)?;
    // `Output`'s equality is constant-time.
    if computed.hash.as_ref() == Some(expected) {
        Ok(())
    } else {
        Err(Error::Password)
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, SaltString};

    use super::*;

    fn small() -> Params {
        Params::new(64, 1, 1, None).unwrap()
    }

    #[test]
    fn hashes_match_the_argon2_crate_both_ways() {
        let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0c2FsdA").unwrap();
        for algorithm in [Algorithm::Argon2id, Algorithm::Argon2i, Algorithm::Argon2d] {
            for version in [Version::V0x13, Version::V0x10] {
                let stock = Argon2::new(algorithm, version, small())
                    .hash_password(b"hunter42", &salt)
                    .unwrap();
                let ours = hash(algorithm, version, small(), b"hunter42", salt.as_salt()).unwrap();
                assert_eq!(ours.to_string(), stock.to_string());
                verify(b"hunter42", &stock).unwrap();
                assert!(matches!(verify(b"hunter43", &stock), Err(Error::Password)));
                Argon2::default()
                    .verify_password(b"hunter42", &ours)
                    .unwrap();
            }
        }
    }

    #[test]
    fn the_memory_is_reserved_beyond_glibcs_dynamic_threshold_but_only_used_as_needed() {
        let blocks = memory(19_456);
        assert_eq!(blocks.len(), 19_456);
        assert!(blocks.capacity() * size_of::<Block>() > 32 << 20);
        let huge = memory(40 << 10);
        assert_eq!(huge.len(), 40 << 10);
    }
}
