//! Password hashing (argon2id, PHC strings, random salt), random one-time
//! passwords and the rules a chosen password must meet.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::{Rng, RngCore};

/// Shortest password a person may choose.
pub const MIN_LENGTH: usize = 10;
/// Longest accepted (hashing cost grows with length).
pub const MAX_LENGTH: usize = 256;

/// Hashes a password with argon2id and a fresh random salt; returns the PHC
/// string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
pub fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("cannot encode a salt: {e}"))?;
    let phc = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string. A malformed string never
/// matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the user name is
/// unknown so that a wrong name takes as long as a wrong password.
pub fn dummy_hash() -> anyhow::Result<String> {
    hash(&generate())
}

/// Letters and digits that cannot be mistaken for one another (no 0/O,
/// 1/l/I).
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A random 16-character password (about 93 bits), from the OS generator.
pub fn generate() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// Why a chosen password is refused, in Chinese and English; `None` when it
/// is acceptable.
pub fn problem(password: &str, user_name: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Some(format!("密码至少 {MIN_LENGTH} 个字符 The password needs at least {MIN_LENGTH} characters"));
    }
    if n > MAX_LENGTH {
        return Some(format!("密码最多 {MAX_LENGTH} 个字符 The password may have at most {MAX_LENGTH} characters"));
    }
    if password.eq_ignore_ascii_case(user_name) {
        return Some("密码不能与用户名相同 The password must differ from the user name".into());
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(' ')) {
        return Some("密码不能由同一个字符组成 The password must not repeat one character".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_salts_differ() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("x", "not a phc string"));
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(a, generate());
        assert_eq!(problem(&a, "admin"), None);
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(problem("short", "x").is_some());
        assert!(problem("aaaaaaaaaaaa", "x").is_some());
        assert!(problem("Statistician1", "statistician1").is_some());
        assert!(problem("a reasonable passphrase", "x").is_none());
    }
}
