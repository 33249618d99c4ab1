//! C2SP `signed-note` with Ed25519 (signature type `0x01`): key ids, the `vkey` and private key
//! texts that Go's `golang.org/x/mod/sumdb/note` also reads, signing, and opening a note by the
//! spec's rules: signatures from unknown keys are ignored, a bad signature from a known key
//! rejects the whole note, and a note with no verified signature is rejected.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The signature type byte of Ed25519 in key ids and key texts.
const ED25519: u8 = 0x01;
/// The most signature lines a note may carry (as Go's reader; the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a key text or a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    #[error("malformed verifier key: {0}")]
    BadVerifierKey(&'static str),
    #[error("malformed private key: {0}")]
    BadSignerKey(&'static str),
    #[error("the key id {given:08x} does not match the key ({computed:08x})")]
    KeyIdMismatch { given: u32, computed: u32 },
    #[error("unsupported signature algorithm {0:#04x} (only Ed25519, 0x01)")]
    UnknownAlgorithm(u8),
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error(
        "the signature by {name} (key {id:08x}) does not verify: the note was altered or forged"
    )]
    InvalidSignature { name: String, id: u32 },
    #[error("the note carries no signature by a trusted key")]
    NoTrustedSignature,
}

/// True for a valid key name: non-empty, no Unicode space and no `+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+')
}

/// `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]` as a big-endian integer.
pub fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A public key that notes are checked against: a name, its key id and the Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub id: u32,
    pub key: VerifyingKey,
}

impl VerifierKey {
    pub fn new(name: &str, key: VerifyingKey) -> Result<VerifierKey, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadVerifierKey(
                "the name is empty or has a space or '+'",
            ));
        }
        Ok(VerifierKey {
            name: name.to_owned(),
            id: key_id(name, key.as_bytes()),
            key,
        })
    }

    /// Parses a `vkey`: `<name>+<8 hex digits key id>+<base64(0x01 ‖ 32-byte public key)>`.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let bad = NoteError::BadVerifierKey;
        let (name, given, public) = key_parts(text.trim(), "an Ed25519 key is 32 bytes", bad)?;
        if !valid_name(name) {
            return Err(bad("the name is empty or has a space or '+'"));
        }
        let computed = key_id(name, &public);
        if computed != given {
            return Err(NoteError::KeyIdMismatch { given, computed });
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad("not an Ed25519 point"))?;
        Ok(VerifierKey {
            name: name.to_owned(),
            id: computed,
            key,
        })
    }

    /// The `vkey` text.
    pub fn to_text(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.id,
            key_text(self.key.as_bytes())
        )
    }
}

/// `<name>+<8 hex digits>+<base64(0x01 ‖ 32 bytes)>` split into its name, key id and key bytes.
fn key_parts<'a>(
    text: &'a str,
    wrong_length: &'static str,
    bad: fn(&'static str) -> NoteError,
) -> Result<(&'a str, u32, [u8; 32]), NoteError> {
    let mut parts = text.splitn(3, '+');
    let (name, id, key) = match (parts.next(), parts.next(), parts.next()) {
        (Some(n), Some(i), Some(k)) => (n, i, k),
        _ => return Err(bad("expected <name>+<key id>+<key>")),
    };
    let id = (id.len() == 8 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(id, 16).ok())
        .flatten()
        .ok_or(bad("the key id is not 8 hexadecimal digits"))?;
    let raw = B64.decode(key).map_err(|_| bad("the key is not base64"))?;
    let (&alg, bytes) = raw.split_first().ok_or(bad("the key is empty"))?;
    if alg != ED25519 {
        return Err(NoteError::UnknownAlgorithm(alg));
    }
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| bad(wrong_length))?;
    Ok((name, id, bytes))
}

/// `base64(0x01 ‖ key bytes)`: how key texts carry a key.
fn key_text(bytes: &[u8; 32]) -> String {
    let mut raw = vec![ED25519];
    raw.extend_from_slice(bytes);
    B64.encode(raw)
}

/// A private key that signs notes.
#[derive(Clone)]
pub struct SignerKey {
    pub name: String,
    pub id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignerKey({}+{:08x})", self.name, self.id)
    }
}

impl SignerKey {
    /// The signer for `name` with the Ed25519 key made from `seed` (32 random bytes).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<SignerKey, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadSignerKey(
                "the name is empty or has a space or '+'",
            ));
        }
        let key = SigningKey::from_bytes(seed);
        Ok(SignerKey {
            name: name.to_owned(),
            id: key_id(name, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ 32-byte seed)>`.
    pub fn parse(text: &str) -> Result<SignerKey, NoteError> {
        let bad = NoteError::BadSignerKey;
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(bad("expected PRIVATE+KEY+<name>+<key id>+<key>"))?;
        let (name, given, seed) = key_parts(rest, "an Ed25519 seed is 32 bytes", bad)?;
        let signer = SignerKey::from_seed(name, &seed)?;
        if signer.id != given {
            return Err(NoteError::KeyIdMismatch {
                given,
                computed: signer.id,
            });
        }
        Ok(signer)
    }

    /// The private key text (keep it secret).
    pub fn to_text(&self) -> String {
        let key = key_text(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{key}", self.name, self.id)
    }

    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The signature line for `text`.
    fn sign_line(&self, text: &str) -> String {
        let sig: Signature = self.key.sign(text.as_bytes());
        let mut raw = self.id.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed(
            "control characters other than newline",
        ));
    }
    Ok(())
}

/// Signs `text` (which must end in a newline) with each of `signers`: the signed note.
pub fn sign(text: &str, signers: &[&SignerKey]) -> Result<String, NoteError> {
    check_text(text)?;
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("the text does not end in a newline"));
    }
    if signers.is_empty() {
        return Err(NoteError::Malformed("no signer"));
    }
    let mut note = format!("{text}\n");
    for s in signers {
        note.push_str(&s.sign_line(text));
    }
    Ok(note)
}

/// A note whose signatures were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The signed text, with its final newline.
    pub text: String,
    /// (name, key id) of every trusted key whose signature verified.
    pub verified: Vec<(String, u32)>,
    /// (name, key id) of signatures by keys we do not know (ignored).
    pub unknown: Vec<(String, u32)>,
}

/// Opens `note`, checking its signatures against `known` by the spec's rules.
pub fn open(note: &[u8], known: &[VerifierKey]) -> Result<Opened, NoteError> {
    let note = std::str::from_utf8(note).map_err(|_| NoteError::Malformed("not UTF-8"))?;
    check_text(note)?;
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the signature block does not end in a newline",
        ));
    }
    let mut opened = Opened {
        text: text.to_owned(),
        verified: Vec::new(),
        unknown: Vec::new(),
    };
    for (count, line) in sigs[..sigs.len() - 1].split('\n').enumerate() {
        if count == MAX_SIGNATURES {
            return Err(NoteError::Malformed("more than 100 signatures"));
        }
        let line = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "a signature line does not start with an em dash",
        ))?;
        let (name, b64) = line.split_once(' ').unwrap_or((line, ""));
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        if !valid_name(name) || raw.len() < 5 {
            return Err(NoteError::Malformed(
                "a signature line has a bad name or is too short",
            ));
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let key = (name.to_owned(), id);
        let Some(verifier) = known.iter().find(|k| k.name == name && k.id == id) else {
            if !opened.unknown.contains(&key) {
                opened.unknown.push(key);
            }
            continue;
        };
        if opened.verified.contains(&key) {
            continue;
        }
        let good = Signature::from_slice(&raw[4..])
            .map(|sig| verifier.key.verify_strict(text.as_bytes(), &sig).is_ok())
            .unwrap_or(false);
        if !good {
            return Err(NoteError::InvalidSignature {
                name: name.to_owned(),
                id,
            });
        }
        opened.verified.push(key);
    }
    if opened.verified.is_empty() {
        return Err(NoteError::NoTrustedSignature);
    }
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example key and note of Go's golang.org/x/mod/sumdb/note documentation.
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                           then you don't know what your problem is.\n";
    const GO_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    // The example of the C2SP signed-note spec (its key is not published): a text with an
    // empty line in it, separated from the signature by the last empty line.
    const C2SP_NOTE: &str = "Ognuno sta solo sul cuor della terra\n\
                             trafitto da un raggio di sole:\n\n\
                             ed \u{e8} subito sera.\n\n\
                             \u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

    fn go_note() -> String {
        format!("{GO_TEXT}\n{GO_SIG}")
    }

    #[test]
    fn go_example_keys_parse_and_round_trip() {
        let v = VerifierKey::parse(GO_VKEY).unwrap();
        assert_eq!((v.name.as_str(), v.id), ("PeterNeumann", 0xc74f20a3));
        assert_eq!(v.to_text(), GO_VKEY);
        let s = SignerKey::parse(GO_SKEY).unwrap();
        assert_eq!(s.to_text(), GO_SKEY);
        assert_eq!(s.verifier(), v);
    }

    #[test]
    fn signing_the_go_example_gives_its_exact_signature() {
        let s = SignerKey::parse(GO_SKEY).unwrap();
        assert_eq!(sign(GO_TEXT, &[&s]).unwrap(), go_note());
    }

    #[test]
    fn go_example_note_opens_with_its_key() {
        let v = VerifierKey::parse(GO_VKEY).unwrap();
        let opened = open(go_note().as_bytes(), &[v]).unwrap();
        assert_eq!(opened.text, GO_TEXT);
        assert_eq!(
            opened.verified,
            vec![("PeterNeumann".to_owned(), 0xc74f20a3)]
        );
    }

    #[test]
    fn c2sp_example_parses_and_is_refused_without_its_key() {
        let ours = SignerKey::from_seed("quasimodo.example/salvatore", &[7; 32]).unwrap();
        // Same name, different key id: ignored, so no trusted signature.
        assert_eq!(
            open(C2SP_NOTE.as_bytes(), &[ours.verifier()]),
            Err(NoteError::NoTrustedSignature)
        );
        // Adding our own signature: the unknown one is ignored, ours verifies, and the text
        // keeps its inner empty line.
        let text = &C2SP_NOTE[..C2SP_NOTE.rfind("\n\n").unwrap() + 1];
        let mut note = sign(text, &[&ours]).unwrap();
        note.push_str(&C2SP_NOTE[C2SP_NOTE.rfind("\n\n").unwrap() + 2..]);
        let opened = open(note.as_bytes(), &[ours.verifier()]).unwrap();
        assert_eq!(opened.text, text);
        assert!(opened.text.contains(":\n\ned"));
        assert_eq!(opened.unknown.len(), 1);
        assert_eq!(opened.unknown[0].0, "quasimodo.example/salvatore");
    }

    #[test]
    fn a_bad_signature_from_a_known_key_rejects_the_note() {
        let v = VerifierKey::parse(GO_VKEY).unwrap();
        let altered = go_note().replace("cryptography", "cryptographi");
        assert!(matches!(
            open(altered.as_bytes(), std::slice::from_ref(&v)),
            Err(NoteError::InvalidSignature { .. })
        ));
        // A second, good signature does not save it.
        let other = SignerKey::from_seed("other.example", &[1; 32]).unwrap();
        let mut two = sign(&altered[..altered.find("\n\n").unwrap() + 1], &[&other]).unwrap();
        two.push_str(GO_SIG);
        assert!(matches!(
            open(two.as_bytes(), &[v, other.verifier()]),
            Err(NoteError::InvalidSignature { .. })
        ));
    }

    #[test]
    fn unknown_keys_sharing_a_name_or_an_id_are_ignored() {
        let s = SignerKey::parse(GO_SKEY).unwrap();
        let v = s.verifier();
        // Same id, other name; same name, other id: both unknown, so the note is untrusted.
        let mut other_name = v.clone();
        other_name.name = "PeterNeumann2".into();
        let mut other_id = v.clone();
        other_id.id ^= 1;
        for known in [other_name, other_id] {
            assert_eq!(
                open(go_note().as_bytes(), &[known]),
                Err(NoteError::NoTrustedSignature)
            );
        }
        assert_eq!(
            open(go_note().as_bytes(), &[]),
            Err(NoteError::NoTrustedSignature)
        );
    }

    #[test]
    fn malformed_notes_are_refused() {
        let v = VerifierKey::parse(GO_VKEY).unwrap();
        let cases: Vec<Vec<u8>> = vec![
            GO_TEXT.as_bytes().to_vec(),                     // no signatures
            go_note().trim_end().as_bytes().to_vec(),        // no final newline
            go_note().replace('\u{2014}', "-").into_bytes(), // not an em dash
            go_note()
                .replace("PeterNeumann ", "Peter+Neumann ")
                .into_bytes(),
            go_note().replace("x08go", "x08g!").into_bytes(), // bad base64
            format!("{GO_TEXT}\n\u{2014} PeterNeumann AAAA\n").into_bytes(), // too short
            go_note().replace("answer", "an\tswer").into_bytes(), // control character
            [GO_TEXT.as_bytes(), b"\xff\n\n", GO_SIG.as_bytes()].concat(), // not UTF-8
        ];
        for c in cases {
            assert!(
                matches!(
                    open(&c, std::slice::from_ref(&v)),
                    Err(NoteError::Malformed(_))
                ),
                "{:?}",
                String::from_utf8_lossy(&c)
            );
        }
        let many = format!("{GO_TEXT}\n{}", GO_SIG.repeat(101));
        assert_eq!(
            open(many.as_bytes(), std::slice::from_ref(&v)),
            Err(NoteError::Malformed("more than 100 signatures"))
        );
        // Repeated identical signatures below the limit are fine.
        let repeated = format!("{GO_TEXT}\n{}", GO_SIG.repeat(3));
        assert_eq!(open(repeated.as_bytes(), &[v]).unwrap().verified.len(), 1);
    }

    #[test]
    fn bad_key_texts_are_refused() {
        for bad in [
            "",
            "PeterNeumann",
            "PeterNeumann+c74f20a3",
            "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            // From Go's tests: wrong key length and unknown algorithm, with adjusted key ids.
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ] {
            assert!(VerifierKey::parse(bad).is_err(), "{bad}");
        }
        assert!(SignerKey::parse(GO_VKEY).is_err());
        assert!(matches!(
            SignerKey::parse(&GO_SKEY.replace("c74f20a3", "c74f20a4")),
            Err(NoteError::KeyIdMismatch { .. })
        ));
        assert!(sign("no newline", &[&SignerKey::parse(GO_SKEY).unwrap()]).is_err());
    }
}
