//! The e-social-card platform (电子社保卡) as an external party (R-AUTH-2):
//! its public key, the confirmation it sends, and — for the simulator and
//! the tests — signing such a confirmation. All handling of the platform's
//! key is in this module.
//!
//! The protocol: the portal asks for a QR ticket and shows
//! [`qr_payload`]; the holder scans it in the card app and authenticates
//! there; the platform then posts a *confirmation*: a compact JWS signed
//! with the platform's Ed25519 key (`alg` `EdDSA`) whose claims are
//! [`ConfirmationClaims`]. The server verifies it with the public key from
//! `QIBAO_CARD_PLATFORM_PUBLIC_KEY` (a PEM file); in dev mode the committed
//! dev key pair under `api/dev-keys/` is the default, and production
//! refuses that key.

use std::fmt;
use std::path::Path;

use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::PrimitiveDateTime;

/// The dev-only key pair's public half (PEM). Never trusted in production.
pub const DEV_PUBLIC_KEY_PEM: &str =
    include_str!("../../dev-keys/card-platform-DEV-ONLY-public.pem");

/// The dev-only key pair's private half (PEM), used by the tests to play
/// the card platform (`qibao-sim card` holds its own copy of the same
/// file). It is public knowledge.
pub const DEV_PRIVATE_KEY_PEM: &str =
    include_str!("../../dev-keys/card-platform-DEV-ONLY-private.pem");

/// The raw Ed25519 public key inside [`DEV_PUBLIC_KEY_PEM`] (a unit test
/// checks they agree), so the dev key needs no fallible parsing.
const DEV_PUBLIC_KEY_RAW: [u8; 32] = [
    0x72, 0x7a, 0xc2, 0x02, 0x47, 0x3f, 0x38, 0xa3, 0x0a, 0x74, 0x28, 0x18, 0x20, 0xc3, 0x27, 0x2b,
    0x57, 0xcf, 0x52, 0x3a, 0xcc, 0x28, 0x9a, 0xfd, 0x7e, 0x65, 0xc0, 0xe4, 0x98, 0xd6, 0xe7, 0x71,
];

/// The prefix of the string the card app scans.
pub const QR_PAYLOAD_PREFIX: &str = "qibao-esscard:v1:";

/// Seconds a confirmation's `iat` may lie in the future (clock skew
/// between the platform and this server).
pub const CLOCK_SKEW_SECS: i64 = 60;

/// The longest validity (`exp - iat`) accepted. Together with
/// [`CLOCK_SKEW_SECS`] every accepted confirmation expires within minutes,
/// so the record of its `jti` need not be kept for long.
pub const MAX_CONFIRMATION_LIFETIME_SECS: i64 = 600;

/// How long a confirmation signed by [`sign_confirmation`] is valid.
pub const CONFIRMATION_TTL_SECS: i64 = 120;

/// The string the QR code carries for a ticket.
pub fn qr_payload(ticket: &str) -> String {
    format!("{QR_PAYLOAD_PREFIX}{ticket}")
}

/// The card platform's public key.
#[derive(Clone)]
pub struct CardPlatformKey {
    key: DecodingKey,
    is_dev: bool,
    source: String,
}

impl fmt::Debug for CardPlatformKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardPlatformKey")
            .field("source", &self.source)
            .field("is_dev", &self.is_dev)
            .finish()
    }
}

impl PartialEq for CardPlatformKey {
    fn eq(&self, other: &Self) -> bool {
        raw_bytes(&self.key) == raw_bytes(&other.key)
    }
}

fn raw_bytes(key: &DecodingKey) -> &[u8] {
    match key.kind() {
        DecodingKeyKind::SecretOrDer(bytes) => bytes,
        DecodingKeyKind::RsaModulusExponent { .. } => &[],
    }
}

impl CardPlatformKey {
    /// The committed dev-only key.
    pub fn dev() -> Self {
        CardPlatformKey {
            key: DecodingKey::from_ed_der(&DEV_PUBLIC_KEY_RAW),
            is_dev: true,
            source: "api/dev-keys/card-platform-DEV-ONLY-public.pem (built in)".to_owned(),
        }
    }

    /// Parses an Ed25519 public key in PEM (`-----BEGIN PUBLIC KEY-----`).
    /// `source` says where it came from (for logs).
    pub fn from_pem(pem: &str, source: impl Into<String>) -> Result<Self, String> {
        let key = DecodingKey::from_ed_pem(pem.as_bytes())
            .map_err(|e| format!("not an Ed25519 public key in PEM format ({e})"))?;
        if raw_bytes(&key).len() != 32 {
            return Err("not an Ed25519 public key (expected 32 key bytes)".to_owned());
        }
        let is_dev = raw_bytes(&key) == DEV_PUBLIC_KEY_RAW;
        Ok(CardPlatformKey {
            key,
            is_dev,
            source: source.into(),
        })
    }

    /// Reads and parses a PEM file.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let pem = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
        Self::from_pem(&pem, path.display().to_string())
    }

    /// Whether this is the committed dev-only key.
    pub fn is_dev(&self) -> bool {
        self.is_dev
    }

    /// Where the key came from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// What the card platform asserts about a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmationClaims {
    /// The ticket scanned from the QR code.
    pub ticket: String,
    /// The holder's ID number (AAC002).
    pub id_number: String,
    /// The holder's name.
    pub name: String,
    /// The platform's confirmation id: never accepted twice.
    pub jti: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

/// Why a confirmation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfirmationError {
    /// Not a JWS, another algorithm, another key, a bad signature, missing
    /// or empty claims, or issued in the future.
    #[error("invalid confirmation: {0}")]
    Invalid(String),
    /// Signed correctly but past its `exp`.
    #[error("the confirmation has expired")]
    Expired,
}

fn unix(t: PrimitiveDateTime) -> i64 {
    t.assume_utc().unix_timestamp()
}

/// Verifies a confirmation against the platform's key, its validity against
/// `now` (UTC, the server's clock) and that no claim is empty. The ID number
/// comes back trimmed and upper-cased (a lower-case `x` check character).
pub fn verify_confirmation(
    key: &CardPlatformKey,
    token: &str,
    now: PrimitiveDateTime,
) -> Result<ConfirmationClaims, ConfirmationError> {
    let mut v = Validation::new(Algorithm::EdDSA);
    // Expiry is checked below against the server's (injectable) clock.
    v.validate_exp = false;
    v.validate_aud = false;
    v.set_required_spec_claims(&["exp", "iat", "jti"]);
    let mut claims = jsonwebtoken::decode::<ConfirmationClaims>(token.trim(), &key.key, &v)
        .map_err(|e| ConfirmationError::Invalid(e.to_string()))?
        .claims;
    claims.ticket = claims.ticket.trim().to_owned();
    claims.id_number = claims.id_number.trim().to_ascii_uppercase();
    claims.name = claims.name.trim().to_owned();
    claims.jti = claims.jti.trim().to_owned();
    if [&claims.ticket, &claims.id_number, &claims.name, &claims.jti]
        .iter()
        .any(|s| s.is_empty())
    {
        return Err(ConfirmationError::Invalid("an empty claim".to_owned()));
    }
    let now = unix(now);
    if claims.iat > now + CLOCK_SKEW_SECS
        || claims.exp < claims.iat
        || claims.exp - claims.iat > MAX_CONFIRMATION_LIFETIME_SECS
    {
        return Err(ConfirmationError::Invalid(
            "issued in the future, or a validity that is negative or too long".to_owned(),
        ));
    }
    if claims.exp <= now {
        return Err(ConfirmationError::Expired);
    }
    Ok(claims)
}

/// Signs arbitrary confirmation claims with a private key in PEM (tests use
/// this to forge expired or otherwise odd confirmations).
pub fn sign_claims(private_pem: &str, claims: &ConfirmationClaims) -> Result<String, String> {
    let key = EncodingKey::from_ed_pem(private_pem.as_bytes())
        .map_err(|e| format!("not an Ed25519 private key in PEM format ({e})"))?;
    jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &key).map_err(|e| e.to_string())
}

/// What the card platform sends after the holder confirmed `ticket` in the
/// app: a confirmation issued at `now` (UTC) and valid for
/// [`CONFIRMATION_TTL_SECS`], signed with `private_pem` (PKCS#8 Ed25519).
/// Fails only for a key that is not an Ed25519 private key.
pub fn sign_confirmation(
    private_pem: &str,
    ticket: &str,
    id_number: &str,
    name: &str,
    jti: &str,
    now: PrimitiveDateTime,
) -> Result<String, String> {
    let iat = unix(now);
    sign_claims(
        private_pem,
        &ConfirmationClaims {
            ticket: ticket.to_owned(),
            id_number: id_number.to_owned(),
            name: name.to_owned(),
            jti: jti.to_owned(),
            iat,
            exp: iat + CONFIRMATION_TTL_SECS,
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// Another Ed25519 key (not the platform's).
    const OTHER_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIKS3XkZcEgNUJGjPG9N2SXNCelZ8GU9SODgnjshMH42l
-----END PRIVATE KEY-----
";

    #[test]
    fn the_built_in_dev_key_is_the_committed_pem() {
        let parsed = CardPlatformKey::from_pem(DEV_PUBLIC_KEY_PEM, "file").unwrap();
        assert!(parsed.is_dev());
        assert_eq!(parsed, CardPlatformKey::dev());
        assert!(CardPlatformKey::from_pem(DEV_PRIVATE_KEY_PEM, "x").is_err());
        assert!(CardPlatformKey::from_pem("garbage", "x").is_err());
    }

    #[test]
    fn sign_and_verify_by_the_servers_clock() {
        let now = datetime!(2023-04-20 02:00);
        let t = sign_confirmation(
            DEV_PRIVATE_KEY_PEM,
            "tk",
            "42050019850312001x",
            " 张三 ",
            "c-1",
            now,
        )
        .unwrap();
        let key = CardPlatformKey::dev();
        let c = verify_confirmation(&key, &t, now).unwrap();
        assert_eq!(c.id_number, "42050019850312001X");
        assert_eq!(c.name, "张三");
        assert_eq!((c.ticket.as_str(), c.jti.as_str()), ("tk", "c-1"));
        // Valid for two minutes of the server's clock, whatever the real date.
        assert!(verify_confirmation(&key, &t, now + time::Duration::seconds(119)).is_ok());
        assert_eq!(
            verify_confirmation(&key, &t, now + time::Duration::seconds(120)),
            Err(ConfirmationError::Expired)
        );
        // Issued too far in the future.
        assert!(matches!(
            verify_confirmation(&key, &t, now - time::Duration::seconds(61)),
            Err(ConfirmationError::Invalid(_))
        ));
    }

    #[test]
    fn another_key_an_hmac_token_and_garbage_are_refused() {
        let now = datetime!(2023-04-20 02:00);
        let key = CardPlatformKey::dev();
        let forged = sign_confirmation(OTHER_PRIVATE_PEM, "tk", "1", "n", "j", now).unwrap();
        assert!(matches!(
            verify_confirmation(&key, &forged, now),
            Err(ConfirmationError::Invalid(_))
        ));
        // Algorithm confusion: HS256 keyed with the public key's bytes.
        let claims = ConfirmationClaims {
            ticket: "tk".into(),
            id_number: "1".into(),
            name: "n".into(),
            jti: "j".into(),
            iat: unix(now),
            exp: unix(now) + 60,
        };
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&DEV_PUBLIC_KEY_RAW),
        )
        .unwrap();
        assert!(verify_confirmation(&key, &hs, now).is_err());
        assert!(verify_confirmation(&key, "a.b.c", now).is_err());
        assert!(verify_confirmation(&key, "", now).is_err());
        // A tampered payload.
        let good = sign_confirmation(DEV_PRIVATE_KEY_PEM, "tk", "1", "n", "j", now).unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let other = sign_confirmation(DEV_PRIVATE_KEY_PEM, "tk2", "1", "n", "j", now).unwrap();
        let other_payload = other.split('.').nth(1).unwrap();
        let spliced = format!("{}.{}.{}", parts[0], other_payload, parts[2]);
        assert!(verify_confirmation(&key, &spliced, now).is_err());
        // Empty claims.
        let empty = sign_confirmation(DEV_PRIVATE_KEY_PEM, "tk", " ", "n", "j", now).unwrap();
        assert!(verify_confirmation(&key, &empty, now).is_err());
        assert!(sign_confirmation("nope", "tk", "1", "n", "j", now).is_err());
        // Valid for longer than ten minutes.
        let long = sign_claims(
            DEV_PRIVATE_KEY_PEM,
            &ConfirmationClaims {
                exp: unix(now) + 601,
                ..claims.clone()
            },
        )
        .unwrap();
        assert!(verify_confirmation(&key, &long, now).is_err());
        let ok = sign_claims(
            DEV_PRIVATE_KEY_PEM,
            &ConfirmationClaims {
                exp: unix(now) + 600,
                ..claims
            },
        )
        .unwrap();
        assert!(verify_confirmation(&key, &ok, now).is_ok());
    }

    #[test]
    fn payload() {
        assert_eq!(qr_payload("ab"), "qibao-esscard:v1:ab");
    }
}
