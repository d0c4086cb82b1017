//! Token tests: round trip, expiry, tampering, other versions, key rotation.

use super::*;
use time::Duration;

fn claims(ttl: Duration) -> TokenClaims {
    TokenClaims {
        session_id: SessionId::generate(),
        user_id: UserId::generate(),
        expires_at: (OffsetDateTime::now_utc() + ttl)
            .replace_nanosecond(0)
            .unwrap(),
    }
}

const K1: [u8; 32] = [1; 32];
const K2: [u8; 32] = [2; 32];

#[test]
fn issued_tokens_verify_to_the_same_claims() {
    let codec = PasetoTokens::new(&K1, &[]).unwrap();
    let c = claims(Duration::hours(1));
    let token = codec.issue(&c).unwrap();
    assert!(token.starts_with("v4.local."));
    assert_eq!(codec.verify(&token).unwrap(), c);
}

#[test]
fn expired_tokens_are_refused() {
    let codec = PasetoTokens::new(&K1, &[]).unwrap();
    let token = codec.issue(&claims(Duration::seconds(-5))).unwrap();
    assert!(codec.verify(&token).is_err());
}

#[test]
fn any_flipped_character_is_refused() {
    let codec = PasetoTokens::new(&K1, &[]).unwrap();
    let token = codec.issue(&claims(Duration::hours(1))).unwrap();
    for i in (9..token.len()).step_by(7) {
        let mut bytes = token.clone().into_bytes();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        if tampered != token {
            assert!(codec.verify(&tampered).is_err(), "byte {i} accepted");
        }
    }
}

#[test]
fn other_versions_purposes_and_junk_are_refused() {
    let codec = PasetoTokens::new(&K1, &[]).unwrap();
    let token = codec.issue(&claims(Duration::hours(1))).unwrap();
    for bad in [
        token.replacen("v4.local.", "v3.local.", 1),
        token.replacen("v4.local.", "v4.public.", 1),
        token.replacen("v4.local.", "v2.local.", 1),
        String::new(),
        "v4.local.".into(),
        "eyJhbGciOiJub25lIn0.e30.".into(),
    ] {
        assert!(codec.verify(&bad).is_err(), "{bad}");
    }
}

#[test]
fn rotation_keeps_old_tokens_valid_until_the_old_key_is_retired() {
    let old = PasetoTokens::new(&K1, &[]).unwrap();
    let token = old.issue(&claims(Duration::hours(1))).unwrap();
    let rotating = PasetoTokens::new(&K2, &[K1]).unwrap();
    assert!(rotating.verify(&token).is_ok());
    let fresh = rotating.issue(&claims(Duration::hours(1))).unwrap();
    assert!(rotating.verify(&fresh).is_ok());
    let retired = PasetoTokens::new(&K2, &[]).unwrap();
    assert!(retired.verify(&token).is_err());
    assert!(retired.verify(&fresh).is_ok());
}

#[test]
fn a_token_under_an_unknown_key_is_refused() {
    let a = PasetoTokens::new(&K1, &[]).unwrap();
    let b = PasetoTokens::new(&K2, &[]).unwrap();
    assert_ne!(a.current_key_id(), b.current_key_id());
    assert!(
        b.verify(&a.issue(&claims(Duration::hours(1))).unwrap())
            .is_err()
    );
}

#[test]
fn a_token_with_a_replaced_or_oversized_footer_is_refused() {
    use base64ct_footer::encode;
    let codec = PasetoTokens::new(&K1, &[]).unwrap();
    let token = codec.issue(&claims(Duration::hours(1))).unwrap();
    let (body, _) = token.rsplit_once('.').unwrap();
    let kid = codec.current_key_id().to_owned();
    for footer in [
        format!(r#"{{"kid":"{kid}","x":1}}"#),
        format!(r#"{{"kid":"{kid}" }}"#),
        format!(r#"{{"kid":"{kid}","pad":"{}"}}"#, "x".repeat(300)),
        "not json".to_owned(),
    ] {
        let forged = format!("{body}.{}", encode(footer.as_bytes()));
        assert!(codec.verify(&forged).is_err(), "{footer}");
    }
}

/// Unpadded base64url, as PASETO encodes footers.
mod base64ct_footer {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out
    }
}
