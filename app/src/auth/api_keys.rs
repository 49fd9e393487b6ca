//! The form of payroll API keys: `qbk_<prefix>_<secret>`. The prefix (12
//! hex digits) identifies the key and may be shown; the secret (64 hex
//! digits) is shown once. Only the prefix and the SHA-256 of the whole key
//! are stored.

use rand::Rng;

use super::password::{constant_time_eq, sha256_hex};

/// Every key starts with this.
pub const KEY_TAG: &str = "qbk_";
const PREFIX_LEN: usize = 12;
const SECRET_LEN: usize = 64;

/// A new key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The whole key, shown to the caller once.
    pub key: String,
    pub prefix: String,
    /// SHA-256 hex of `key`.
    pub hash: String,
}

fn hex_digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// Generates a new random key.
pub fn generate() -> NewKey {
    let prefix = hex_digits(PREFIX_LEN);
    let key = format!("{KEY_TAG}{prefix}_{}", hex_digits(SECRET_LEN));
    NewKey {
        hash: sha256_hex(&key),
        key,
        prefix,
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The prefix of a well-formed key; `None` for anything else.
pub fn prefix_of(key: &str) -> Option<&str> {
    let (prefix, secret) = key.strip_prefix(KEY_TAG)?.split_once('_')?;
    (is_lower_hex(prefix, PREFIX_LEN) && is_lower_hex(secret, SECRET_LEN)).then_some(prefix)
}

/// Whether `key` is the key stored as `stored_hash`.
pub fn matches(key: &str, stored_hash: &str) -> bool {
    constant_time_eq(&sha256_hex(key), stored_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_match_their_hash() {
        let k = generate();
        assert!(k.key.starts_with("qbk_"));
        assert_eq!(k.key.len(), 4 + 12 + 1 + 64);
        assert_eq!(prefix_of(&k.key), Some(k.prefix.as_str()));
        assert!(matches(&k.key, &k.hash));
        assert_ne!(generate().key, k.key);
        let mut other = k.key.clone();
        other.pop();
        other.push(if k.key.ends_with('0') { '1' } else { '0' });
        assert!(!matches(&other, &k.hash));
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        let good = format!("qbk_{}_{}", "a".repeat(12), "b".repeat(64));
        assert!(prefix_of(&good).is_some());
        for bad in [
            String::new(),
            "qbk_".into(),
            format!("qbk_{}_{}", "a".repeat(11), "b".repeat(64)),
            format!("qbk_{}_{}", "A".repeat(12), "b".repeat(64)),
            format!("qbk_{}_{}", "a".repeat(12), "b".repeat(63)),
            format!("xyz_{}_{}", "a".repeat(12), "b".repeat(64)),
            format!("qbk_{}{}", "a".repeat(12), "b".repeat(64)),
        ] {
            assert_eq!(prefix_of(&bad), None, "{bad}");
        }
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
