//! PASETO v4.local implementation of payrange's [`TokenCodec`] port.
//!
//! Tokens are encrypted and authenticated with a 32-byte symmetric key (XChaCha20 +
//! BLAKE2b-MAC, as v4.local specifies). The footer carries the key's PASERK id (`kid`), so keys
//! can be rotated: tokens are issued with the current key and verified with the current key or
//! any previous key still configured; a key removed from the configuration is retired and its
//! tokens fail. Claims: `sub` = user id, `sid` = session id, `exp`/`iat`/`nbf` (RFC 3339).

use pasetors::claims::{Claims, ClaimsValidationRules};
use pasetors::footer::Footer;
use pasetors::keys::SymmetricKey;
use pasetors::paserk::Id;
use pasetors::token::UntrustedToken;
use pasetors::version4::{LocalToken, V4};
use pasetors::{Local, local};
use payrange_domain::models::{SessionId, UserId};
use payrange_domain::ports::{TokenClaims, TokenCodec, TokenError};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// Every token of ours starts with this header.
const HEADER: &str = "v4.local.";

/// Longest footer accepted; ours, `{"kid":"k4.lid.<43 characters>"}`, is about 60 bytes.
const MAX_FOOTER_BYTES: usize = 256;

/// The footer of our tokens: the PASERK id of the key that issued the token.
#[derive(serde::Deserialize)]
struct KeyIdFooter {
    kid: String,
}

struct Key {
    id: String,
    paserk_id: Id,
    key: SymmetricKey<V4>,
}

/// Why a key could not be used.
#[derive(Debug, thiserror::Error)]
#[error("a token key must be exactly 32 bytes")]
pub struct KeyError;

impl Key {
    fn new(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = SymmetricKey::<V4>::from(bytes).map_err(|_| KeyError)?;
        let paserk_id = Id::from(&key);
        let mut id = String::new();
        pasetors::paserk::FormatAsPaserk::fmt(&paserk_id, &mut id).map_err(|_| KeyError)?;
        Ok(Self { id, paserk_id, key })
    }
}

/// Issues and verifies PASETO v4.local tokens with rotating keys.
pub struct PasetoTokens {
    current: Key,
    previous: Vec<Key>,
}

impl PasetoTokens {
    /// A codec issuing with `current` and also accepting tokens of the `previous` keys.
    ///
    /// # Errors
    /// [`KeyError`] if a key is unusable.
    pub fn new(current: &[u8; 32], previous: &[[u8; 32]]) -> Result<Self, KeyError> {
        Ok(Self {
            current: Key::new(current)?,
            previous: previous.iter().map(Key::new).collect::<Result<_, _>>()?,
        })
    }

    /// The PASERK id (`k4.lid....`) of the key new tokens are issued with.
    #[must_use]
    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    fn key(&self, id: &str) -> Option<&Key> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
    }
}

fn rfc3339(t: OffsetDateTime) -> Result<String, TokenError> {
    t.format(&Rfc3339).map_err(|_| TokenError::Issue)
}

fn uuid_claim(claims: &Claims, name: &str) -> Result<Uuid, TokenError> {
    claims
        .get_claim(name)
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::try_parse(s).ok())
        .ok_or(TokenError::Invalid("missing claim"))
}

impl TokenCodec for PasetoTokens {
    fn issue(&self, c: &TokenClaims) -> Result<String, TokenError> {
        let mut claims = Claims::new().map_err(|_| TokenError::Issue)?;
        claims
            .expiration(&rfc3339(c.expires_at)?)
            .and_then(|()| claims.subject(&c.user_id.to_string()))
            .and_then(|()| claims.add_additional("sid", c.session_id.to_string()))
            .map_err(|_| TokenError::Issue)?;
        let mut footer = Footer::new();
        footer.key_id(&self.current.paserk_id);
        local::encrypt(&self.current.key, &claims, Some(&footer), None)
            .map_err(|_| TokenError::Issue)
    }

    fn verify(&self, token: &str) -> Result<TokenClaims, TokenError> {
        if !token.starts_with(HEADER) {
            return Err(TokenError::Invalid("not a v4.local token"));
        }
        let untrusted = UntrustedToken::<Local, V4>::try_from(token)
            .map_err(|_| TokenError::Invalid("malformed"))?;
        // The footer is read by hand rather than with `Footer::parse_bytes`, which compiles a
        // regex on every call (4 % of the API process's CPU samples under load). It is still
        // untrusted here: bounded in size, and covered by the MAC checked below.
        let raw_footer = untrusted.untrusted_footer();
        if raw_footer.len() > MAX_FOOTER_BYTES {
            return Err(TokenError::Invalid("bad footer"));
        }
        let footer: KeyIdFooter =
            serde_json::from_slice(raw_footer).map_err(|_| TokenError::Invalid("bad footer"))?;
        let key = self
            .key(&footer.kid)
            .ok_or(TokenError::Invalid("unknown key"))?;
        // Checks the MAC (so the footer too), then exp/nbf/iat, as `local::decrypt` does.
        let trusted = LocalToken::decrypt(&key.key, &untrusted, Some(raw_footer), None)
            .map_err(|_| TokenError::Invalid("rejected"))?;
        let claims =
            Claims::from_string(trusted.payload()).map_err(|_| TokenError::Invalid("no claims"))?;
        ClaimsValidationRules::new()
            .validate_claims(&claims)
            .map_err(|_| TokenError::Invalid("rejected"))?;
        let claims = &claims;
        let expires_at = claims
            .get_claim("exp")
            .and_then(|v| v.as_str())
            .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
            .ok_or(TokenError::Invalid("bad exp"))?;
        Ok(TokenClaims {
            session_id: SessionId::from_uuid(uuid_claim(claims, "sid")?),
            user_id: UserId::from_uuid(uuid_claim(claims, "sub")?),
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests;
