//! Password hashing (argon2id, PHC strings) and the password rules.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// An argon2id PHC hash of `password`.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal_cause)
}

/// Whether `password` matches the stored PHC `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that an
/// unknown account takes as long as a wrong password (R-AUTH-1).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&super::new_secret()).unwrap_or_default())
}

/// The rules of a new password: 8–64 characters with letters and digits.
/// Returns the Chinese reason when refused.
pub fn check_password_rules(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if !(8..=64).contains(&n) {
        return Err("密码长度应为8至64位".to_owned());
    }
    let letters = password.chars().any(|c| c.is_ascii_alphabetic());
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err("密码须同时包含字母和数字".to_owned());
    }
    Ok(())
}

/// SHA-256 hex of a high-entropy secret (refresh tokens, API keys): these
/// are random, so a fast hash is enough and lets them be looked up.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A readable one-time password for a new account: 12 characters from an
/// alphabet without look-alikes, always with letters and digits.
pub fn one_time_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    loop {
        let p: String = (0..12)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        if check_password_rules(&p).is_ok() {
            return p;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash_password("abc12345").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("abc12345", &h));
        assert!(!verify_password("abc12346", &h));
        assert!(!verify_password("abc12345", dummy_hash()));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn rules() {
        assert!(check_password_rules("abc12345").is_ok());
        assert!(check_password_rules("abc1234").is_err());
        assert!(check_password_rules("abcdefgh").is_err());
        assert!(check_password_rules("12345678").is_err());
        let p = one_time_password();
        assert_eq!(p.len(), 12);
        assert!(check_password_rules(&p).is_ok());
        assert_eq!(sha256_hex("a").len(), 64);
    }
}
