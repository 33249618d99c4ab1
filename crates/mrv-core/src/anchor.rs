//! The entries MRV Desk anchors to the audit log (spec `mrv-anchor/v1`): versioned canonical
//! text, one field per line, so any tool can recompute the leaf from our own records.
//!
//! ```text
//! mrv-anchor/v1
//! kind stamp
//! id batch-12-v2
//! sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! ```

use std::fmt;
use thiserror::Error;

const HEADER: &str = "mrv-anchor/v1";
/// The longest id an entry may carry.
pub const MAX_ID: usize = 200;

/// What an entry anchors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnchorKind {
    /// A batch's stamp: the id names the batch and version, the hash is the stamp hash.
    Stamp,
    /// A registry export's sign-off: the hash is the signed manifest's.
    Signoff,
    /// The local journal's head: the id is the event number, the hash the head hash.
    Journal,
    /// A verification statement (PDF): the id is `statement-<n>`, the hash the file's SHA-256.
    Statement,
}

impl AnchorKind {
    pub const ALL: [AnchorKind; 4] = [
        AnchorKind::Stamp,
        AnchorKind::Signoff,
        AnchorKind::Journal,
        AnchorKind::Statement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AnchorKind::Stamp => "stamp",
            AnchorKind::Signoff => "signoff",
            AnchorKind::Journal => "journal",
            AnchorKind::Statement => "statement",
        }
    }

    pub fn parse(s: &str) -> Option<AnchorKind> {
        AnchorKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why an entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnchorError {
    #[error("an anchor entry is UTF-8 text")]
    NotText,
    #[error("an anchor entry starts with the line mrv-anchor/v1")]
    Header,
    #[error("line {line}: expected `{field} <value>`")]
    Field { line: usize, field: &'static str },
    #[error("unknown kind {0:?} (stamp, signoff, journal or statement)")]
    Kind(String),
    #[error("the id must be 1 to 200 characters of A-Z a-z 0-9 . _ : / -")]
    Id,
    #[error("the sha256 must be 64 lowercase hexadecimal digits")]
    Sha256,
    #[error("the entry has text after its four lines, or does not end in a newline")]
    Trailing,
}

/// An entry: what kind of record, which one, and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnchorEntry {
    pub kind: AnchorKind,
    pub id: String,
    pub sha256: [u8; 32],
}

fn valid_id(id: &str) -> bool {
    (1..=MAX_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_:/".contains(&b))
}

impl AnchorEntry {
    pub fn new(kind: AnchorKind, id: &str, sha256: [u8; 32]) -> Result<AnchorEntry, AnchorError> {
        if !valid_id(id) {
            return Err(AnchorError::Id);
        }
        Ok(AnchorEntry {
            kind,
            id: id.to_owned(),
            sha256,
        })
    }

    /// The canonical bytes: what the log stores and the leaf is hashed from.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }

    /// Parses an entry; only the canonical spelling is accepted, so one record has one leaf.
    pub fn parse(bytes: &[u8]) -> Result<AnchorEntry, AnchorError> {
        let text = std::str::from_utf8(bytes).map_err(|_| AnchorError::NotText)?;
        let body = text.strip_suffix('\n').ok_or(AnchorError::Trailing)?;
        let mut lines = body.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(AnchorError::Header);
        }
        let mut field = |line: usize, name: &'static str| {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(' '))
                .ok_or(AnchorError::Field { line, field: name })
        };
        let kind = field(2, "kind")?;
        let kind = AnchorKind::parse(kind).ok_or_else(|| AnchorError::Kind(kind.to_owned()))?;
        let id = field(3, "id")?;
        let hash = field(4, "sha256")?;
        if lines.next().is_some() {
            return Err(AnchorError::Trailing);
        }
        let well_formed = hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed {
            return Err(AnchorError::Sha256);
        }
        let mut sha256 = [0u8; 32];
        for (i, out) in sha256.iter_mut().enumerate() {
            *out =
                u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).map_err(|_| AnchorError::Sha256)?;
        }
        AnchorEntry::new(kind, id, sha256)
    }
}

impl fmt::Display for AnchorEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{HEADER}\nkind {}\nid {}\nsha256 ",
            self.kind.as_str(),
            self.id
        )?;
        for b in self.sha256 {
            write!(f, "{b:02x}")?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "mrv-anchor/v1\nkind stamp\nid batch-12-v2\nsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";

    #[test]
    fn canonical_text_round_trips() {
        let e = AnchorEntry::parse(TEXT.as_bytes()).unwrap();
        assert_eq!(e.kind, AnchorKind::Stamp);
        assert_eq!(e.id, "batch-12-v2");
        assert_eq!(e.sha256[0], 0x9f);
        assert_eq!(e.to_string(), TEXT);
    }

    #[test]
    fn anything_but_the_canonical_spelling_is_refused() {
        let cases = [
            (TEXT.replace("v1", "v2"), AnchorError::Header),
            (TEXT.trim_end().to_owned(), AnchorError::Trailing),
            (format!("{TEXT}extra\n"), AnchorError::Trailing),
            (
                TEXT.replace("kind stamp", "kind  stamp"),
                AnchorError::Kind(" stamp".into()),
            ),
            (
                TEXT.replace("kind stamp", "kind receipt"),
                AnchorError::Kind("receipt".into()),
            ),
            (
                TEXT.replace("kind ", "kinds "),
                AnchorError::Field {
                    line: 2,
                    field: "kind",
                },
            ),
            (
                TEXT.replace("id batch-12-v2", "id batch 12"),
                AnchorError::Id,
            ),
            (TEXT.replace("id batch-12-v2", "id "), AnchorError::Id),
            (TEXT.replace("9f86", "9F86"), AnchorError::Sha256),
            (TEXT.replace("9f86", "9f8"), AnchorError::Sha256),
            (TEXT.replace('\n', "\r\n"), AnchorError::Header),
        ];
        for (text, want) in cases {
            assert_eq!(AnchorEntry::parse(text.as_bytes()), Err(want), "{text:?}");
        }
        assert_eq!(AnchorEntry::parse(b"\xff\n"), Err(AnchorError::NotText));
        assert_eq!(
            AnchorEntry::new(AnchorKind::Journal, &"x".repeat(201), [0; 32]),
            Err(AnchorError::Id)
        );
    }
}
