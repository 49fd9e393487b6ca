//! The agency's certificate signing key (R-CERT-3): Ed25519 over the
//! certificate's canonical JSON. The private key comes from configuration
//! (`QIBAO_CERTIFICATE_SIGNING_KEY`, a PKCS#8 PEM file); in development the
//! committed DEV-ONLY key is used, and production refuses it. The public
//! half is published (`/.well-known/qibao-certificate-key.pem`) so anyone
//! can verify a certificate offline.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePublicKey, spki::der::pem::LineEnding,
};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

/// The DEV-ONLY private key (its private half is public: it is committed).
pub const DEV_PRIVATE_KEY_PEM: &str =
    include_str!("../../dev-keys/certificate-signing-DEV-ONLY-private.pem");
/// Its public half.
pub const DEV_PUBLIC_KEY_PEM: &str =
    include_str!("../../dev-keys/certificate-signing-DEV-ONLY-public.pem");

/// The name of the signature algorithm, as shown to verifiers.
pub const ALGORITHM: &str = "Ed25519";

/// A signing key and the id it is published under.
#[derive(Clone)]
pub struct CertificateSigner {
    key: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for CertificateSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CertificateSigner {
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id
    }
}

/// The id of a public key: the first 16 hex digits of the SHA-256 of its
/// raw 32 bytes.
pub fn key_id(public: &VerifyingKey) -> String {
    qibao_core::audit::sha256_hex(public.as_bytes())[..16].to_owned()
}

impl CertificateSigner {
    /// The key in a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> Result<CertificateSigner, String> {
        let key = SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| format!("not an Ed25519 private key in PKCS#8 PEM: {e}"))?;
        let key_id = key_id(&key.verifying_key());
        Ok(CertificateSigner { key, key_id })
    }

    /// The committed DEV-ONLY key.
    pub fn dev() -> CertificateSigner {
        match CertificateSigner::from_pem(DEV_PRIVATE_KEY_PEM) {
            Ok(s) => s,
            // A unit test parses the committed file; unreachable.
            Err(_) => CertificateSigner {
                key: SigningKey::from_bytes(&[0; 32]),
                key_id: String::new(),
            },
        }
    }

    /// Whether this is the committed DEV-ONLY key.
    pub fn is_dev(&self) -> bool {
        *self == CertificateSigner::dev()
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn public_key_pem(&self) -> String {
        self.key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The signature of `content`, base64 (standard alphabet, padded).
    pub fn sign(&self, content: &[u8]) -> String {
        STANDARD.encode(self.key.sign(content).to_bytes())
    }
}

/// A public key from an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
pub fn public_key_from_pem(pem: &str) -> Result<VerifyingKey, String> {
    VerifyingKey::from_public_key_pem(pem.trim())
        .map_err(|e| format!("not an Ed25519 public key in PEM: {e}"))
}

/// Whether `signature` (base64) is `public`'s signature of `content`.
pub fn verify(public: &VerifyingKey, content: &[u8], signature: &str) -> bool {
    let Ok(bytes) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    public.verify(content, &sig).is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_key_parses_signs_and_verifies() {
        let s = CertificateSigner::from_pem(DEV_PRIVATE_KEY_PEM).unwrap();
        assert!(s.is_dev());
        assert_eq!(s.key_id().len(), 16);
        let public = public_key_from_pem(DEV_PUBLIC_KEY_PEM).unwrap();
        assert_eq!(public, s.verifying_key());
        assert_eq!(public_key_from_pem(&s.public_key_pem()).unwrap(), public);
        let sig = s.sign(b"{\"a\":1}");
        assert!(verify(&public, b"{\"a\":1}", &sig));
        assert!(!verify(&public, b"{\"a\":2}", &sig));
        assert!(!verify(&public, b"{\"a\":1}", "not base64"));
    }

    #[test]
    fn other_keys_are_not_dev_and_garbage_is_refused() {
        let other = SigningKey::from_bytes(&[7; 32]);
        let pem =
            ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_pem(&other, LineEnding::LF).unwrap();
        let s = CertificateSigner::from_pem(&pem).unwrap();
        assert!(!s.is_dev());
        assert!(CertificateSigner::from_pem("garbage").is_err());
        assert!(CertificateSigner::from_pem(DEV_PUBLIC_KEY_PEM).is_err());
    }
}
