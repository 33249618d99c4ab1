//! Credentials of local users (DESIGN.md §3): passwords stored as Argon2id hashes (PHC strings),
//! each user's Ed25519 signing key sealed under a key derived from their password (Argon2id +
//! ChaCha20-Poly1305), secrets sealed to a user's public key (for the audit-log writer token:
//! [`seal_to`], [`open_sealed`]), and session tokens stored only as their SHA-256.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdentityError {
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("a password needs at least {MIN_PASSWORD} characters")]
    WeakPassword,
    #[error("the stored password hash is unreadable: {0}")]
    BadHash(String),
    #[error("the sealed signing key is damaged (format)")]
    BadBox,
    #[error("the signing key cannot be opened with this password")]
    WrongPassword,
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

fn random<const N: usize>() -> Result<[u8; N], IdentityError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| IdentityError::Random(e.to_string()))?;
    Ok(bytes)
}

/// The Argon2id PHC string of `password` (fresh salt, the argon2 crate's default cost).
pub fn hash_password(password: &str) -> Result<String, IdentityError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(IdentityError::WeakPassword);
    }
    let salt = SaltString::encode_b64(&random::<16>()?)
        .map_err(|e| IdentityError::BadHash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| IdentityError::BadHash(e.to_string()))
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(phc: &str, password: &str) -> Result<bool, IdentityError> {
    let parsed = PasswordHash::new(phc).map_err(|e| IdentityError::BadHash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A fresh Ed25519 signing key.
pub fn new_signing_key() -> Result<SigningKey, IdentityError> {
    Ok(SigningKey::from_bytes(&random::<32>()?))
}

const BOX_VERSION: &str = "mrv-keybox-v1";

fn box_key(password: &str, salt: &[u8; 16]) -> Result<[u8; 32], IdentityError> {
    let mut key = [0u8; 32];
    Argon2::default()
        .hash_password_into(password.as_bytes(), salt, &mut key)
        .map_err(|e| IdentityError::BadHash(e.to_string()))?;
    Ok(key)
}

/// Seals a signing key under `password`: `mrv-keybox-v1:` + hex(salt ‖ nonce ‖ ciphertext).
pub fn seal_key(key: &SigningKey, password: &str) -> Result<String, IdentityError> {
    let salt = random::<16>()?;
    let nonce = random::<12>()?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&box_key(password, &salt)?));
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), key.to_bytes().as_slice())
        .map_err(|_| IdentityError::BadBox)?;
    let mut bytes = Vec::with_capacity(16 + 12 + sealed.len());
    bytes.extend_from_slice(&salt);
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&sealed);
    Ok(format!("{BOX_VERSION}:{}", hex::encode(bytes)))
}

/// Opens a sealed signing key with `password`.
pub fn open_key(sealed: &str, password: &str) -> Result<SigningKey, IdentityError> {
    let bytes = sealed
        .strip_prefix(BOX_VERSION)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|h| hex::decode(h).ok())
        .filter(|b| b.len() == 16 + 12 + 32 + 16)
        .ok_or(IdentityError::BadBox)?;
    let salt: [u8; 16] = bytes[..16].try_into().expect("length checked");
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&box_key(password, &salt)?));
    let seed = cipher
        .decrypt(Nonce::from_slice(&bytes[16..28]), &bytes[28..])
        .map_err(|_| IdentityError::WrongPassword)?;
    let seed: [u8; 32] = seed.try_into().map_err(|_| IdentityError::BadBox)?;
    Ok(SigningKey::from_bytes(&seed))
}

const SEALED_VERSION: &str = "mrv-tokenbox-v1";

/// The ChaCha20-Poly1305 key of a sealed box: SHA-256 over a label, the X25519 shared secret and
/// both public points (so a box is bound to its sender's and recipient's keys).
fn sealed_box_key(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(SEALED_VERSION.as_bytes());
    h.update(shared);
    h.update(ephemeral);
    h.update(recipient);
    h.finalize().into()
}

/// Seals `secret` so that only the holder of the signing key behind `recipient` can open it
/// (an "anonymous sealed box"): a fresh X25519 key agreement with the recipient's key in its
/// Montgomery form (RFC 7748 — the same conversion libsodium's
/// `crypto_sign_ed25519_pk_to_curve25519` makes), then ChaCha20-Poly1305.
/// `mrv-tokenbox-v1:` + hex(ephemeral public ‖ nonce ‖ ciphertext).
pub fn seal_to(
    recipient: &ed25519_dalek::VerifyingKey,
    secret: &[u8],
) -> Result<String, IdentityError> {
    use curve25519_dalek::montgomery::MontgomeryPoint;
    let ephemeral_secret = random::<32>()?;
    let ephemeral = MontgomeryPoint::mul_base_clamped(ephemeral_secret).to_bytes();
    let them = recipient.to_montgomery();
    let shared = them.mul_clamped(ephemeral_secret).to_bytes();
    if shared == [0u8; 32] {
        return Err(IdentityError::BadBox);
    }
    let nonce = random::<12>()?;
    let key = sealed_box_key(&shared, &ephemeral, &them.to_bytes());
    let sealed = ChaCha20Poly1305::new(Key::from_slice(&key))
        .encrypt(Nonce::from_slice(&nonce), secret)
        .map_err(|_| IdentityError::BadBox)?;
    let mut bytes = Vec::with_capacity(32 + 12 + sealed.len());
    bytes.extend_from_slice(&ephemeral);
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&sealed);
    Ok(format!("{SEALED_VERSION}:{}", hex::encode(bytes)))
}

/// Opens a box made by [`seal_to`] for `key`'s public key.
pub fn open_sealed(key: &SigningKey, sealed: &str) -> Result<Vec<u8>, IdentityError> {
    use curve25519_dalek::montgomery::MontgomeryPoint;
    let bytes = sealed
        .strip_prefix(SEALED_VERSION)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|h| hex::decode(h).ok())
        .filter(|b| b.len() >= 32 + 12 + 16)
        .ok_or(IdentityError::BadBox)?;
    let ephemeral: [u8; 32] = bytes[..32].try_into().expect("length checked");
    let shared = MontgomeryPoint(ephemeral)
        .mul_clamped(key.to_scalar_bytes())
        .to_bytes();
    let us = key.verifying_key().to_montgomery().to_bytes();
    let box_key = sealed_box_key(&shared, &ephemeral, &us);
    ChaCha20Poly1305::new(Key::from_slice(&box_key))
        .decrypt(Nonce::from_slice(&bytes[32..44]), &bytes[44..])
        .map_err(|_| IdentityError::WrongPassword)
}

/// A new session token (given to the client once) and its SHA-256 (what is stored).
pub fn new_session_token() -> Result<(String, String), IdentityError> {
    let token = hex::encode(random::<32>()?);
    let stored = token_hash(&token);
    Ok((token, stored))
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password(&phc, "correct horse").unwrap());
        assert!(!verify_password(&phc, "correct horsE").unwrap());
        assert_ne!(hash_password("correct horse").unwrap(), phc, "fresh salt");
        assert_eq!(hash_password("short"), Err(IdentityError::WeakPassword));
        assert!(verify_password("not a hash", "x").is_err());
    }

    #[test]
    fn signing_keys_open_only_with_their_password() {
        let key = new_signing_key().unwrap();
        let sealed = seal_key(&key, "correct horse").unwrap();
        assert!(sealed.starts_with("mrv-keybox-v1:"));
        assert!(
            !sealed.contains(&hex::encode(key.to_bytes())),
            "the seed is not in clear"
        );
        assert_eq!(
            open_key(&sealed, "correct horse").unwrap().to_bytes(),
            key.to_bytes()
        );
        assert_eq!(
            open_key(&sealed, "wrong horse!"),
            Err(IdentityError::WrongPassword)
        );
        let mut bent = sealed.clone();
        let last = bent.pop().unwrap();
        bent.push(if last == '0' { '1' } else { '0' });
        assert_eq!(
            open_key(&bent, "correct horse"),
            Err(IdentityError::WrongPassword)
        );
        assert_eq!(
            open_key("mrv-keybox-v1:00", "correct horse"),
            Err(IdentityError::BadBox)
        );
    }

    #[test]
    fn sealed_boxes_open_only_with_the_recipients_signing_key() {
        let vera = new_signing_key().unwrap();
        let mallory = new_signing_key().unwrap();
        let sealed = seal_to(&vera.verifying_key(), b"writer-token-123").unwrap();
        assert!(sealed.starts_with("mrv-tokenbox-v1:"));
        assert!(!sealed.contains(&hex::encode(b"writer-token-123")));
        assert_eq!(open_sealed(&vera, &sealed).unwrap(), b"writer-token-123");
        assert_eq!(
            open_sealed(&mallory, &sealed),
            Err(IdentityError::WrongPassword)
        );
        assert_ne!(
            seal_to(&vera.verifying_key(), b"writer-token-123").unwrap(),
            sealed,
            "fresh ephemeral key and nonce"
        );
        let mut bent = sealed.clone();
        let last = bent.pop().unwrap();
        bent.push(if last == '0' { '1' } else { '0' });
        assert_eq!(open_sealed(&vera, &bent), Err(IdentityError::WrongPassword));
        assert_eq!(
            open_sealed(&vera, "mrv-tokenbox-v1:00"),
            Err(IdentityError::BadBox)
        );
    }

    #[test]
    fn session_tokens_are_random_and_stored_hashed() {
        let (a, stored) = new_session_token().unwrap();
        let (b, _) = new_session_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), stored);
        assert_ne!(stored, a);
    }
}
